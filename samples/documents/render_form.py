"""The 《邢台市新媒体账号登记备案表》 rendered as images, xlsx and docx, in two layouts.

Layout ``table``: a ruled table, label cells beside value cells, then a table of account rows.
Layout ``lines``: one ``标签：值`` line per field, the accounts as numbered blocks.
Labels are drawn from the variants of the registration-form spec. Every rendering is marked
样本 so nobody mistakes it for a real filing.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

import docx
import docx.shared
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml.ns import qn
from fake_data import Account, Registration, SubjectType
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from PIL import Image, ImageDraw
from render_fonts import draw_handwritten, draw_in_box, font, text_width

TITLE = "邢台市新媒体账号登记备案表"
PLEDGE = "承诺：以上信息真实、准确、有效，信息变更时将在30日内更新备案信息。"
SIGN = "填表人（签字/盖章）："
SAMPLE_MARK = "样本"
SAMPLE_NOTE = "样本 · 虚构数据，仅供测试"

Box = tuple[float, float, float, float]


class Layout(StrEnum):
    """How the form is laid out."""

    TABLE = "table"
    LINES = "lines"


LABELS: dict[str, tuple[str, ...]] = {
    "subject_type": ("主体类型", "注册主体", "账号主体性质"),
    "subject_name_individual": ("姓名", "个人姓名", "主体名称"),
    "subject_name_organization": ("单位名称", "主体名称", "运营主体"),
    "credit_code": ("统一社会信用代码", "信用代码"),
    "org_code": ("组织机构代码",),
    "id_number": ("身份证号码", "身份证号", "证件号码"),
    "county": ("所属县（市、区）", "所属区县", "所在县区", "属地"),
    "address": ("联系地址", "通讯地址", "地址"),
    "manager_name": ("运维负责人", "运维负责人姓名", "负责人"),
    "manager_id_number": ("运维负责人身份证号码", "负责人身份证号"),
    "phone": ("联系电话", "手机号码", "电话", "手机"),
    "email": ("电子邮箱", "邮箱", "E-mail"),
    "filing_type": ("备案类型",),
    "filled_on": ("填表日期", "日期"),
    "platform": ("平台", "所属平台", "账号类型", "账号平台"),
    "account_name": ("账号名称",),
    "account_id": ("账号ID", "账号", "原始ID"),
    "opened_on": ("开通时间", "注册时间", "开通日期"),
    "followers": ("粉丝数", "关注数", "粉丝量"),
    "content": ("主要发布内容", "内容定位", "主要内容"),
}
ACCOUNT_COLUMN_CM = (1.3, 2.3, 2.8, 3.7, 2.8, 1.6, 2.9)  # fits 17.4 cm between the margins
ACCOUNT_KEYS = ("platform", "account_name", "account_id", "opened_on", "followers", "content")


@dataclass(frozen=True)
class Item:
    """One operator field as printed: canonical key, label, printed value, full-row or not."""

    key: str
    label: str
    value: str
    wide: bool


@dataclass(frozen=True)
class FormLook:
    """The choices that make one rendering of a form differ from another."""

    layout: Layout
    labels: dict[str, str]
    blank_rows: int


def choose_look(rng: random.Random, reg: Registration, layout: Layout, canonical: bool) -> FormLook:
    """Labels for one rendering: the first variant of each when `canonical`, else random."""
    labels: dict[str, str] = {}
    for key, options in LABELS.items():
        usable = options
        if key == "phone" and "0319" in reg.phone.printed:
            usable = tuple(o for o in options if "手机" not in o)
        labels[key] = usable[0] if canonical else rng.choice(usable)
    return FormLook(layout, labels, rng.choice((0, 1, 2)) if layout is Layout.TABLE else 0)


def operator_items(reg: Registration, look: FormLook) -> list[Item]:
    """The operator block of the form, in print order."""
    lab = look.labels
    items = [
        Item("subject_type", lab["subject_type"], reg.subject_type_printed, False),
        Item("filing_type", lab["filing_type"], reg.filing_type.printed, False),
    ]
    if reg.organization is not None:
        items.append(Item("subject_name", lab["subject_name_organization"], reg.subject_name, True))
        code = reg.credit_code or ""
        code_label = lab["org_code"] if reg.organization.uses_old_code else lab["credit_code"]
        items.append(Item("credit_code", code_label, code, True))
    else:
        items.append(Item("subject_name", lab["subject_name_individual"], reg.subject_name, True))
        items.append(Item("id_number", lab["id_number"], reg.operator.id_number, True))
    items.append(Item("county", lab["county"], reg.county.printed, False))
    items.append(Item("phone", lab["phone"], reg.phone.printed, False))
    items.append(Item("address", lab["address"], reg.address, True))
    if reg.organization is not None:
        items.append(Item("manager_name", lab["manager_name"], reg.operator.name, False))
        items.append(
            Item("manager_id_number", lab["manager_id_number"], reg.operator.id_number, False)
        )
    items.append(Item("email", lab["email"], reg.email, False))
    items.append(Item("filled_on", lab["filled_on"], reg.filled_on.printed, False))
    return items


def account_cells(acc: Account) -> dict[str, str]:
    """One account row's printed cells."""
    return {
        "platform": acc.platform.printed,
        "account_name": acc.account_name,
        "account_id": acc.account_id,
        "opened_on": acc.opened_on.printed,
        "followers": acc.followers.printed,
        "content": acc.content,
    }


def item_rows(items: list[Item]) -> list[list[Item]]:
    """Operator items packed into table rows: wide items alone, others two by two."""
    rows: list[list[Item]] = []
    pending: list[Item] = []
    for item in items:
        if item.wide:
            if pending:
                rows.append(pending)
                pending = []
            rows.append([item])
        else:
            pending.append(item)
            if len(pending) == 2:
                rows.append(pending)
                pending = []
    if pending:
        rows.append(pending)
    return rows


def draw_sample_stamp(img: Image.Image, x: float, y: float, scale: float) -> None:
    """A red boxed 样本 mark with its top-right corner at (x, y)."""
    draw = ImageDraw.Draw(img)
    face = font(int(44 * scale), bold=True)
    w = text_width(SAMPLE_MARK, face)
    pad = 14 * scale
    box = (x - w - 2 * pad, y, x, y + face.size + 2 * pad)
    draw.rectangle(box, outline=(200, 30, 30), width=max(2, int(4 * scale)))
    draw.text((box[0] + pad, y + pad * 0.7), SAMPLE_MARK, font=face, fill=(200, 30, 30))


@dataclass(frozen=True)
class RenderedPage:
    """A rendered page and where each operator value was drawn (for seals over values)."""

    image: Image.Image
    value_boxes: dict[str, Box]


def render_table_image(
    reg: Registration, look: FormLook, dpi: int = 200, hand: random.Random | None = None
) -> RenderedPage:
    """The ruled-table layout on an A4 page at `dpi`; the entries written by hand when `hand`
    (the random source of the hand's unevenness) is given."""

    def value(box: tuple[float, float, float, float], text: str, size: int, center: bool) -> Box:
        if hand is None:
            return draw_in_box(draw, box, text, size, center=center)
        return draw_handwritten(img, box, text, int(size * 1.1), hand, center=center)

    s = dpi / 200
    width, height = int(1654 * s), int(2339 * s)
    img = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(img)
    margin = 120 * s
    x_left, x_right = margin, width - margin
    title_face = font(int(56 * s), bold=True)
    tw = text_width(TITLE, title_face)
    draw.text(((width - tw) / 2, 150 * s), TITLE, font=title_face, fill="black")
    draw_sample_stamp(img, x_right, 60 * s, s)
    line_w = max(2, int(3 * s))
    y = 300 * s
    row_h = 96 * s
    label_w = 300 * s
    half = (x_right - x_left) / 2
    boxes: dict[str, Box] = {}
    fsize = int(32 * s)
    for row in item_rows(operator_items(reg, look)):
        if len(row) == 1 and row[0].wide:
            cells = [(row[0], x_left, x_right)]
        else:
            cells = [(it, x_left + i * half, x_left + (i + 1) * half) for i, it in enumerate(row)]
        for item, cx0, cx1 in cells:
            draw.rectangle((cx0, y, cx0 + label_w, y + row_h), outline="black", width=line_w)
            draw.rectangle((cx0 + label_w, y, cx1, y + row_h), outline="black", width=line_w)
            draw_in_box(draw, (cx0, y, cx0 + label_w, y + row_h), item.label, fsize, center=True)
            boxes[item.key] = value((cx0 + label_w, y, cx1, y + row_h), item.value, fsize, False)
        if len(cells) == 1 and not row[0].wide:
            draw.rectangle((x_left + half, y, x_right, y + row_h), outline="black", width=line_w)
        y += row_h
    y += 50 * s
    section_face = font(int(36 * s), bold=True)
    draw.text((x_left, y), "新媒体账号信息", font=section_face, fill="black")
    y += 70 * s
    col_widths = [90, 180, 250, 270, 200, 150, 274]
    xs = [x_left]
    for cw in col_widths:
        xs.append(xs[-1] + cw * s * (x_right - x_left) / (1414 * s))
    headers = ["序号"] + [look.labels[k] for k in ACCOUNT_KEYS]
    head_h = 90 * s
    for i, head in enumerate(headers):
        draw.rectangle((xs[i], y, xs[i + 1], y + head_h), outline="black", width=line_w)
        draw_in_box(draw, (xs[i], y, xs[i + 1], y + head_h), head, int(28 * s), center=True)
    y += head_h
    acc_h = 110 * s
    n_rows = len(reg.accounts) + look.blank_rows
    for r in range(n_rows):
        cells = (
            [str(r + 1)] + [account_cells(reg.accounts[r])[k] for k in ACCOUNT_KEYS]
            if r < len(reg.accounts)
            else [""] * 7
        )
        for i, cell in enumerate(cells):
            draw.rectangle((xs[i], y, xs[i + 1], y + acc_h), outline="black", width=line_w)
            if cell:
                value((xs[i], y, xs[i + 1], y + acc_h), cell, int(28 * s), True)
        y += acc_h
    y += 70 * s
    body = font(int(30 * s))
    draw.text((x_left, y), PLEDGE, font=body, fill="black")
    y += 90 * s
    draw.text((x_left + 700 * s, y), SIGN, font=body, fill="black")
    return RenderedPage(img, boxes)


def render_lines_image(reg: Registration, look: FormLook, dpi: int = 200) -> RenderedPage:
    """The ``标签：值`` line layout on an A4 page at `dpi`."""
    s = dpi / 200
    width, height = int(1654 * s), int(2339 * s)
    img = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(img)
    margin = 170 * s
    title_face = font(int(56 * s), bold=True)
    tw = text_width(TITLE, title_face)
    draw.text(((width - tw) / 2, 160 * s), TITLE, font=title_face, fill="black")
    draw_sample_stamp(img, width - 120 * s, 60 * s, s)
    face = font(int(34 * s))
    items = operator_items(reg, look)
    # Three accounts need more lines than fit at the usual spacing: close up so the pledge and
    # signature line stay on the page.
    lines = len(items) + len(reg.accounts) * (1 + len(ACCOUNT_KEYS))
    room = height - 330 * s - (30 + 16 * len(reg.accounts) + 40 + 90 + 60 + 100) * s
    line_h = min(62 * s, room / lines)
    y = 330 * s
    boxes: dict[str, Box] = {}
    for item in items:
        label = f"{item.label}："
        draw.text((margin, y), label, font=face, fill="black")
        x = margin + text_width(label, face)
        draw.text((x, y), item.value, font=face, fill="black")
        boxes[item.key] = (x, y, x + text_width(item.value, face), y + face.size * 1.2)
        y += line_h
    y += 30 * s
    numerals = "一二三四五"
    for i, acc in enumerate(reg.accounts):
        draw.text(
            (margin, y),
            f"【新媒体账号{numerals[i]}】",
            font=font(int(34 * s), bold=True),
            fill="black",
        )
        y += line_h
        cells = account_cells(acc)
        for key in ACCOUNT_KEYS:
            draw.text(
                (margin + 40 * s, y), f"{look.labels[key]}：{cells[key]}", font=face, fill="black"
            )
            y += line_h
        y += 16 * s
    y += 40 * s
    body = font(int(30 * s))
    draw.text((margin, y), PLEDGE, font=body, fill="black")
    draw.text((margin + 650 * s, y + 90 * s), SIGN, font=body, fill="black")
    return RenderedPage(img, boxes)


def render_form_image(reg: Registration, look: FormLook, dpi: int = 200) -> RenderedPage:
    """The form as a page image in the look's layout."""
    if look.layout is Layout.TABLE:
        return render_table_image(reg, look, dpi)
    return render_lines_image(reg, look, dpi)


THIN = Side(style="thin", color="000000")
BORDER = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)


def write_xlsx(path: Path, reg: Registration, look: FormLook) -> None:
    """The form as an Excel workbook: a ruled grid (table) or label/value columns (lines)."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "备案表"
    for col, w in zip("ABCDEFG", (8, 14, 22, 20, 16, 12, 22), strict=True):
        ws.column_dimensions[col].width = w
    ws.merge_cells("A1:G1")
    ws["A1"] = TITLE
    ws["A1"].font = Font(size=18, bold=True)
    ws["A1"].alignment = Alignment(horizontal="center", vertical="center")
    ws.row_dimensions[1].height = 36
    ws.merge_cells("A2:G2")
    ws["A2"] = SAMPLE_NOTE
    ws["A2"].font = Font(size=11, bold=True, color="C81E1E")
    ws["A2"].alignment = Alignment(horizontal="right")
    center = Alignment(horizontal="center", vertical="center", wrap_text=True)
    left = Alignment(horizontal="left", vertical="center", wrap_text=True)
    row = 3
    items = operator_items(reg, look)
    if look.layout is Layout.TABLE:
        for packed in item_rows(items):
            if len(packed) == 1 and packed[0].wide:
                ws.merge_cells(f"A{row}:B{row}")
                ws.merge_cells(f"C{row}:G{row}")
                ws[f"A{row}"] = packed[0].label
                ws[f"C{row}"] = packed[0].value
            else:
                ws.merge_cells(f"A{row}:B{row}")
                ws[f"A{row}"] = packed[0].label
                ws[f"C{row}"] = packed[0].value
                if len(packed) == 2:
                    ws[f"D{row}"] = packed[1].label
                    ws.merge_cells(f"E{row}:G{row}")
                    ws[f"E{row}"] = packed[1].value
            for col in "ABCDEFG":
                ws[f"{col}{row}"].border = BORDER
                ws[f"{col}{row}"].alignment = left if col in "CEFG" else center
            ws.row_dimensions[row].height = 24
            row += 1
        row += 1
        ws.merge_cells(f"A{row}:G{row}")
        ws[f"A{row}"] = "新媒体账号信息"
        ws[f"A{row}"].font = Font(bold=True)
        row += 1
        for col, head in zip(
            "ABCDEFG", ["序号"] + [look.labels[k] for k in ACCOUNT_KEYS], strict=True
        ):
            ws[f"{col}{row}"] = head
            ws[f"{col}{row}"].font = Font(bold=True)
            ws[f"{col}{row}"].border = BORDER
            ws[f"{col}{row}"].alignment = center
        row += 1
        for i in range(len(reg.accounts) + look.blank_rows):
            cells = account_cells(reg.accounts[i]) if i < len(reg.accounts) else None
            for col, key in zip("ABCDEFG", ("no", *ACCOUNT_KEYS), strict=True):
                cell = ws[f"{col}{row}"]
                cell.border = BORDER
                cell.alignment = center
                cell.number_format = "@"
                if cells is not None:
                    cell.value = i + 1 if key == "no" else cells[key]
            row += 1
    else:
        for item in items:
            ws[f"A{row}"] = item.label
            ws.merge_cells(f"A{row}:B{row}")
            ws[f"C{row}"] = item.value
            ws.merge_cells(f"C{row}:E{row}")
            ws[f"C{row}"].number_format = "@"
            row += 1
        for i, acc in enumerate(reg.accounts):
            row += 1
            ws[f"A{row}"] = f"新媒体账号{i + 1}"
            ws[f"A{row}"].font = Font(bold=True)
            row += 1
            cells = account_cells(acc)
            for key in ACCOUNT_KEYS:
                ws[f"A{row}"] = look.labels[key]
                ws.merge_cells(f"A{row}:B{row}")
                ws[f"C{row}"] = cells[key]
                ws[f"C{row}"].number_format = "@"
                ws.merge_cells(f"C{row}:E{row}")
                row += 1
    row += 1
    ws.merge_cells(f"A{row}:G{row}")
    ws[f"A{row}"] = PLEDGE
    ws[f"E{row + 1}"] = SIGN
    wb.properties.creator = "samples/documents/generate.py"
    wb.save(path)


def _set_cell(cell: object, text: str, bold: bool = False, size: float = 10.5) -> None:
    from docx.table import _Cell

    assert isinstance(cell, _Cell)
    cell.text = ""
    para = cell.paragraphs[0]
    run = para.add_run(text)
    run.bold = bold
    run.font.size = docx.shared.Pt(size)


def _cjk_font(document: docx.document.Document) -> None:
    style = document.styles["Normal"]
    style.font.name = "Noto Sans CJK SC"
    rpr = style.element.get_or_add_rPr()
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = rpr.makeelement(qn("w:rFonts"), {})
        rpr.append(rfonts)
    rfonts.set(qn("w:eastAsia"), "Noto Sans CJK SC")


def write_docx(path: Path, reg: Registration, look: FormLook) -> None:
    """The form as a Word document: a ruled table (table) or ``标签：值`` paragraphs (lines)."""
    document = docx.Document()
    _cjk_font(document)
    section = document.sections[0]
    section.page_width = docx.shared.Mm(210)
    section.page_height = docx.shared.Mm(297)
    section.left_margin = section.right_margin = docx.shared.Mm(18)
    header_para = section.header.paragraphs[0]
    header_para.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    mark = header_para.add_run(SAMPLE_NOTE)
    mark.bold = True
    mark.font.color.rgb = docx.shared.RGBColor(0xC8, 0x1E, 0x1E)
    title = document.add_paragraph()
    title.alignment = WD_ALIGN_PARAGRAPH.CENTER
    run = title.add_run(TITLE)
    run.bold = True
    run.font.size = docx.shared.Pt(18)
    items = operator_items(reg, look)
    if look.layout is Layout.TABLE:
        packed_rows = item_rows(items)
        table = document.add_table(rows=len(packed_rows), cols=4)
        table.style = "Table Grid"
        for r, packed in enumerate(packed_rows):
            cells = table.rows[r].cells
            _set_cell(cells[0], packed[0].label, bold=True)
            if len(packed) == 1 and packed[0].wide:
                merged = cells[1].merge(cells[3])
                _set_cell(merged, packed[0].value)
            else:
                _set_cell(cells[1], packed[0].value)
                if len(packed) == 2:
                    _set_cell(cells[2], packed[1].label, bold=True)
                    _set_cell(cells[3], packed[1].value)
        document.add_paragraph()
        heading = document.add_paragraph()
        heading.add_run("新媒体账号信息").bold = True
        n_rows = len(reg.accounts) + look.blank_rows
        acc_table = document.add_table(rows=1 + n_rows, cols=7)
        acc_table.style = "Table Grid"
        acc_table.autofit = False
        for i, width_cm in enumerate(ACCOUNT_COLUMN_CM):
            acc_table.columns[i].width = docx.shared.Cm(width_cm)
            for cell in acc_table.columns[i].cells:
                cell.width = docx.shared.Cm(width_cm)
        for i, head in enumerate(["序号"] + [look.labels[k] for k in ACCOUNT_KEYS]):
            _set_cell(acc_table.rows[0].cells[i], head, bold=True, size=9)
        for r in range(n_rows):
            if r >= len(reg.accounts):
                continue
            cells_text = account_cells(reg.accounts[r])
            row_cells = acc_table.rows[r + 1].cells
            _set_cell(row_cells[0], str(r + 1), size=9)
            for i, key in enumerate(ACCOUNT_KEYS):
                _set_cell(row_cells[i + 1], cells_text[key], size=9)
    else:
        for item in items:
            document.add_paragraph(f"{item.label}：{item.value}")
        for i, acc in enumerate(reg.accounts):
            para = document.add_paragraph()
            para.add_run(f"新媒体账号{i + 1}").bold = True
            cells_text = account_cells(acc)
            for key in ACCOUNT_KEYS:
                document.add_paragraph(f"{look.labels[key]}：{cells_text[key]}")
    document.add_paragraph()
    document.add_paragraph(PLEDGE)
    sign = document.add_paragraph(SIGN)
    sign.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    props = document.core_properties
    props.author = "samples/documents/generate.py"
    props.title = TITLE
    document.save(str(path))


def is_individual(reg: Registration) -> bool:
    """Whether the form is an individual's."""
    return reg.subject_type is SubjectType.INDIVIDUAL
