"""The daily digest of one office: an HTML mail, its plain-text twin and the xlsx registry (台账).

`build_digest` turns plain rows (filings, today's activity, items waiting for a person, and for
the city office a roll-up per office) into the mail's subject, HTML and text and an xlsx
workbook with the sheets 台账, 今日动态, 待人工处理 and, for the city office, 各办汇总. The HTML is
one column (max 640 px) with inline CSS and no external resources, readable on a phone; ID
numbers are always masked there, and in the workbook unless `mask_ids_in_xlsx` is False.
Every text cell that a spreadsheet could take for a formula is stored as text. Times are
shown in Asia/Shanghai.
"""

from __future__ import annotations

import io
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from notifications.model import AccountLine
from notifications.wording import (
    ATTENTION_WORDS,
    clean_text,
    county_name,
    mask_id,
    missing_phrase,
    office_name,
    problem_phrase,
    reply_state_words,
    status_word,
    translate_tokens,
)
from vocabulary.documents import MissingDocument
from vocabulary.fields import MISSING_FIELD_PREFIX
from vocabulary.offices import Office
from vocabulary.subjects import SUBJECT_TYPE_WORDS

TEMPLATES = Path(__file__).parent / "templates"
SHANGHAI_ZONE = ZoneInfo("Asia/Shanghai")
HTML_ROW_LIMIT = 30
"""Rows per table in the mail; the rest are in the attached registry."""

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
ROLLUP_KEYS: tuple[tuple[str, str], ...] = (
    ("received", "收到来信"),
    ("complete", "材料齐全"),
    ("incomplete", "待补充"),
    ("transferred_in", "转入"),
    ("transferred_out", "转出"),
    ("attention", "待人工处理"),
)
"""The roll-up's columns: mail received in the activity window (set-aside mail not counted),
filings held by the office by status (a filing moved in counts where it is held), filings
moved in and out, items waiting for a person."""


@dataclass(frozen=True)
class RegistryRow:
    """One filing as the registry lists it (`county`, `office`, `transferred_from` and
    `transferred_to` are office codes).

    `status` is where the filing stands (complete, incomplete …), never whether it moved: a
    transfer is shown apart, as 转自 in the office now holding it and 转至 in the office that
    received it. `county_uncertain` marks a county that was guessed, not decided."""

    reference: str
    received_on: date
    updated_on: date
    registrant: str
    subject_type: str | None
    subject_name: str | None
    id_number: str | None
    credit_code: str | None
    accounts: tuple[AccountLine, ...]
    county: str | None
    office: str
    status: str
    missing: tuple[str, ...]
    problems: tuple[str, ...]
    last_reply: str | None
    late: bool
    phone: str | None = None
    manager: str | None = None
    filing_type: str | None = None
    transferred_from: str | None = None
    transferred_to: str | None = None
    county_uncertain: bool = False


@dataclass(frozen=True)
class ActivityRow:
    """Something that happened today (`at` is aware; a naive time is taken as UTC)."""

    at: datetime
    reference: str | None
    what: str
    sender: str


@dataclass(frozen=True)
class AttentionRow:
    """An item waiting for a person (quarantined mail, uncertain county, failed send…).

    `since` is when it began waiting (its age is shown), `link` the staff console's page for
    it (None when no console address is set)."""

    kind: str
    reference: str | None
    detail: str
    since: datetime | None = None
    link: str | None = None


@dataclass(frozen=True)
class DigestInput:
    """Everything one office's digest for one day shows."""

    office: Office
    day: date
    registry: tuple[RegistryRow, ...]
    activity: tuple[ActivityRow, ...]
    attention: tuple[AttentionRow, ...]
    rollup: tuple[tuple[Office, dict[str, int]], ...] = ()
    mask_ids_in_xlsx: bool = True
    activity_since: datetime | None = None
    """Where the activity list starts (the previous day's digest time); None: the day's start."""
    made_at: datetime | None = None
    """When the digest is made: the ages of waiting items count to it (None: the day's end)."""


@dataclass(frozen=True)
class DigestFiles:
    """The digest mail's parts and the registry workbook."""

    subject: str
    html: str
    text: str
    xlsx: bytes
    xlsx_name: str


def shanghai(moment: datetime) -> datetime:
    """The moment in Asia/Shanghai (naive input is taken as UTC)."""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.astimezone(ZoneInfo("Asia/Shanghai"))


def short_phrase(code: str, subject_type: str | None) -> str:
    """A missing item or problem in words for office staff (no request to the registrant)."""
    if code in tuple(MissingDocument) or code.startswith(MISSING_FIELD_PREFIX):
        phrase = missing_phrase(code, subject_type)
    else:
        phrase = problem_phrase(code, subject_type)
    return re.split(r"，(?:请|工作人员|我们|本办)", phrase)[0]


def _subject_type_word(value: str | None) -> str:
    return SUBJECT_TYPE_WORDS.get(value or "", clean_text(value) if value else "")


@dataclass(frozen=True)
class _Counts:
    new_today: int
    complete: int
    incomplete: int
    transferred_in: int
    transferred_out: int
    attention: int


def held(row: RegistryRow) -> bool:
    """True when the office of the digest holds the filing (it was not moved away)."""
    return row.transferred_to is None and row.status != "transferred"


def digest_counts(data: DigestInput) -> dict[str, int]:
    """The digest's figures under the roll-up's keys (``received`` excepted): statuses count
    the filings the office holds, so a moved filing counts once, where it now is."""
    kept = [row.status for row in data.registry if held(row)]
    return {
        "complete": kept.count("complete"),
        "incomplete": kept.count("incomplete") + kept.count("unreadable"),
        "transferred_in": sum(1 for row in data.registry if row.transferred_from and held(row)),
        "transferred_out": sum(1 for row in data.registry if not held(row)),
        "attention": len(data.attention),
    }


def _counts(data: DigestInput) -> _Counts:
    figures = digest_counts(data)
    return _Counts(
        new_today=sum(1 for row in data.registry if row.received_on == data.day),
        complete=figures["complete"],
        incomplete=figures["incomplete"],
        transferred_in=figures["transferred_in"],
        transferred_out=figures["transferred_out"],
        attention=figures["attention"],
    )


def transfer_words(row: RegistryRow) -> str:
    """``转自桥西区互联网信息办公室`` / ``转至…`` / empty."""
    if row.transferred_from:
        return "转自" + office_name(row.transferred_from)
    if row.transferred_to:
        return "转至" + office_name(row.transferred_to)
    return ""


def county_words(row: RegistryRow) -> str:
    """The county, or 属地待核实 (with the guess) when it was not decided."""
    name = county_name(row.county)
    if row.county_uncertain or "uncertain:county" in row.problems:
        return f"属地待核实（初判{name}）" if name else "属地待核实"
    return name


FILING_TYPE_WORDS = {"new": "新增", "change": "变更"}


def filing_type_word(value: str | None) -> str:
    """新增 / 变更 (empty when unknown)."""
    return FILING_TYPE_WORDS.get(value or "", "")


def reply_words(last_reply: str | None) -> str:
    """The last reply as stored words; an older ``kind (state)`` text is put into words."""
    if not last_reply:
        return ""
    found = re.fullmatch(r"(\w+) \((\w+)\)", last_reply.strip())
    if found:
        return reply_state_words(found.group(1), found.group(2))
    return translate_tokens(last_reply)


def age_words(since: datetime | None, now: datetime) -> str:
    """How long an item has waited: ``3天``, ``5小时``, ``不到1小时``."""
    if since is None:
        return ""
    waited = shanghai(now) - shanghai(since)
    if waited.days >= 1:
        return f"{waited.days}天"
    hours = int(waited.total_seconds() // 3600)
    return f"{hours}小时" if hours >= 1 else "不到1小时"


def _made_at(data: DigestInput) -> datetime:
    if data.made_at is not None:
        return data.made_at
    return datetime.combine(data.day + timedelta(days=1), datetime.min.time(), SHANGHAI_ZONE)


def _filing_view(row: RegistryRow) -> dict[str, Any]:
    notes: list[str] = []
    missing = dict.fromkeys(short_phrase(code, row.subject_type) for code in row.missing)
    problems = dict.fromkeys(
        short_phrase(code, row.subject_type) for code in row.problems if code != "late"
    )
    if missing:
        notes.append("缺少：" + "、".join(missing))
    if problems:
        notes.append("需核对：" + "；".join(problems))
    return {
        "reference": clean_text(row.reference, 40),
        "received_on": row.received_on.isoformat(),
        "subject_name": clean_text(row.subject_name, 60) or "（未填写）",
        "subject_type": _subject_type_word(row.subject_type),
        "id_masked": mask_id(row.id_number),
        "accounts": [
            f"{clean_text(a.platform, 20)}：{clean_text(a.account_name, 40)}" for a in row.accounts
        ],
        "status": status_word(row.status),
        "status_code": row.status,
        "notes": notes,
        "late": row.late,
        "registrant": clean_text(row.registrant, 80),
        "sender": clean_text(row.registrant, 80),
        "phone": clean_text(row.phone, 30),
        "manager": clean_text(row.manager, 30),
        "filing_type": filing_type_word(row.filing_type),
        "transfer": transfer_words(row),
        "county": county_words(row),
    }


def _activity_time(at: datetime, day: date) -> str:
    """`17:45` on the digest's own day, `昨 17:45` the day before, else `5月2日 17:45`."""
    if at.date() == day:
        return at.strftime("%H:%M")
    if at.date() == day - timedelta(days=1):
        return "昨 " + at.strftime("%H:%M")
    return f"{at.month}月{at.day}日 " + at.strftime("%H:%M")


def _view(data: DigestInput, subject: str) -> dict[str, Any]:
    today_rows = sorted(
        (row for row in data.registry if row.updated_on == data.day or row.received_on == data.day),
        key=lambda row: (row.received_on, row.reference),
    )
    activity = sorted(data.activity, key=lambda row: shanghai(row.at))
    rollup = [
        {
            "name": clean_text(office.name, 40).removesuffix("互联网信息办公室") or office.code,
            "counts": [int(counts.get(key, 0)) for key, _ in ROLLUP_KEYS],
        }
        for office, counts in data.rollup
    ]
    return {
        "subject": subject,
        "office": data.office,
        "day": data.day.isoformat(),
        "counts": _counts(data),
        "total": len(data.registry),
        "filings": [_filing_view(row) for row in today_rows[:HTML_ROW_LIMIT]],
        "filings_more": max(0, len(today_rows) - HTML_ROW_LIMIT),
        "attention": [
            {
                "kind": ATTENTION_WORDS.get(item.kind, clean_text(item.kind, 30)),
                "reference": clean_text(item.reference, 40),
                "detail": clean_text(item.detail, 300),
                "age": age_words(item.since, _made_at(data)),
                "link": safe_link(item.link),
            }
            for item in data.attention[:HTML_ROW_LIMIT]
        ],
        "attention_more": max(0, len(data.attention) - HTML_ROW_LIMIT),
        "activity": [
            {
                "time": _activity_time(shanghai(item.at), data.day),
                "reference": clean_text(item.reference, 40),
                "what": translate_tokens(item.what),
                "sender": clean_text(item.sender, 60),
            }
            for item in activity[:HTML_ROW_LIMIT]
        ],
        "activity_more": max(0, len(activity) - HTML_ROW_LIMIT),
        "activity_since": (
            _activity_time(shanghai(data.activity_since), data.day) if data.activity_since else ""
        ),
        "rollup_headers": [label for _, label in ROLLUP_KEYS],
        "rollup": rollup,
        "xlsx_name": xlsx_name(data),
    }


def safe_link(link: str | None) -> str:
    """A console link fit to put in ``href``: http(s) only, else empty."""
    text = clean_text(link, 400)
    return text if re.match(r"^https?://[^\s\"'<>]+$", text) else ""


def digest_subject(data: DigestInput) -> str:
    """``【备案日报】<office name> <yyyy-mm-dd>``."""
    return f"【备案日报】{clean_text(data.office.name, 60)} {data.day.isoformat()}"


def xlsx_name(data: DigestInput) -> str:
    """``台账-<office name>-<yyyy-mm-dd>.xlsx``."""
    name = re.sub(r"[\\/:*?\"<>|]", "_", clean_text(data.office.name, 60))
    return f"台账-{name}-{data.day.isoformat()}.xlsx"


def build_digest(data: DigestInput) -> DigestFiles:
    """The digest mail (subject, HTML, text) and the registry workbook for one office and day."""
    environment = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(
            enabled_extensions=("html.j2", "html"), default_for_string=False, default=False
        ),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    subject = digest_subject(data)
    view = _view(data, subject)
    html = environment.get_template("digest.html.j2").render(view).strip() + "\n"
    text = environment.get_template("digest.txt.j2").render(view)
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(line.rstrip() for line in text.splitlines()))
    return DigestFiles(
        subject=subject,
        html=html,
        text=text.strip("\n") + "\n",
        xlsx=registry_workbook(data),
        xlsx_name=xlsx_name(data),
    )


# --- the workbook -------------------------------------------------------------------------

_HEADER_FILL = PatternFill("solid", fgColor="DDE3EA")
_HEADER_FONT = Font(bold=True)

REGISTRY_COLUMNS: tuple[tuple[str, int], ...] = (
    ("备案编号", 22),
    ("收到日期", 11),
    ("更新日期", 11),
    ("新增/变更", 9),
    ("来信邮箱", 24),
    ("主体类型", 9),
    ("主体名称", 22),
    ("身份证号码", 20),
    ("统一社会信用代码", 20),
    ("运维负责人", 11),
    ("联系电话", 14),
    ("平台", 12),
    ("账号名称", 18),
    ("账号ID", 20),
    ("所属县区", 14),
    ("办理单位", 20),
    ("状态", 11),
    ("转自", 18),
    ("转至", 18),
    ("缺少材料", 28),
    ("问题", 28),
    ("最近回复", 22),
    ("是否逾期", 8),
)
"""The 台账's columns (one row per account; a filing without accounts has one row)."""

PRINT_COLUMNS: tuple[tuple[str, int], ...] = (
    ("序号", 5),
    ("备案编号\n收到日期", 24),
    ("主体（类型）\n新增/变更", 22),
    ("证件号码", 20),
    ("运维负责人\n联系电话", 15),
    ("账号（平台：名称）", 26),
    ("所属县区", 13),
    ("状态\n转自/转至", 17),
    ("缺少材料与问题", 30),
    ("备注", 12),
)
"""The printed 台账 (台账（打印）): one row per filing, landscape A4, for filing on paper."""


def _cell_text(value: str) -> str:
    return clean_text(str(ILLEGAL_CHARACTERS_RE.sub(" ", value)), 32000)


def put(
    sheet: Worksheet, row: int, column: int, value: Any, number_format: str | None = None
) -> None:
    """Write one cell; text that a spreadsheet could read as a formula stays text."""
    cell = sheet.cell(row=row, column=column)
    if isinstance(value, str):
        text = "\n".join(_cell_text(line) for line in value.split("\n"))
        cell.value = text
        if text.startswith(FORMULA_STARTS):
            cell.data_type = "s"
            cell.quotePrefix = True
    else:
        cell.value = value
    if number_format is not None:
        cell.number_format = number_format


def _sheet(
    workbook: Workbook, title: str, columns: Sequence[tuple[str, int]], *, first: bool = False
) -> Worksheet:
    sheet = workbook.active if first else workbook.create_sheet(title)
    assert sheet is not None
    sheet.title = title
    for index, (label, width) in enumerate(columns, start=1):
        put(sheet, 1, index, label)
        cell = sheet.cell(row=1, column=index)
        cell.font = _HEADER_FONT
        cell.fill = _HEADER_FILL
        cell.alignment = Alignment(vertical="center", wrap_text=True)
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    return sheet


def set_printing(sheet: Worksheet, data: DigestInput, title: str) -> None:
    """Landscape A4, fit to the page width (as many pages down as needed), the header row
    repeated on every page, the office, title and date on top and page numbers below."""
    sheet.page_setup.orientation = "landscape"
    sheet.page_setup.paperSize = sheet.PAPERSIZE_A4
    sheet.page_setup.fitToWidth = 1
    sheet.page_setup.fitToHeight = 0
    sheet.sheet_properties.pageSetUpPr.fitToPage = True
    sheet.print_title_rows = "1:1"
    sheet.print_options.gridLines = False
    sheet.print_options.horizontalCentered = True
    sheet.page_margins.left = sheet.page_margins.right = 0.4
    sheet.page_margins.top = sheet.page_margins.bottom = 0.6
    sheet.page_margins.header = sheet.page_margins.footer = 0.25
    office = clean_text(data.office.name, 60).replace("&", "&&")
    sheet.oddHeader.left.text = office
    sheet.oddHeader.center.text = f"&B{title}&B"
    sheet.oddHeader.right.text = f"截至 {data.day.isoformat()}"
    sheet.oddFooter.left.text = "经办人：__________    审核人：__________"
    sheet.oddFooter.right.text = "第 &P 页，共 &N 页"


def _finish(sheet: Worksheet, columns: int) -> None:
    last_row = max(sheet.max_row, 1)
    sheet.auto_filter.ref = f"A1:{get_column_letter(columns)}{last_row}"


def _registry_values(row: RegistryRow, account: AccountLine | None, mask: bool) -> list[Any]:
    return [
        row.reference,
        row.received_on,
        row.updated_on,
        filing_type_word(row.filing_type),
        row.registrant,
        _subject_type_word(row.subject_type),
        row.subject_name or "",
        mask_id(row.id_number) if mask else (row.id_number or ""),
        row.credit_code or "",
        row.manager or "",
        row.phone or "",
        account.platform if account else "",
        account.account_name if account else "",
        account.account_id if account else "",
        county_words(row),
        office_name(row.office),
        status_word(row.status),
        office_name(row.transferred_from),
        office_name(row.transferred_to),
        "；".join(dict.fromkeys(short_phrase(c, row.subject_type) for c in row.missing)),
        "；".join(dict.fromkeys(short_phrase(c, row.subject_type) for c in row.problems)),
        reply_words(row.last_reply),
        "是" if row.late else "否",
    ]


_THIN = Side(style="thin", color="808080")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_WRAP = Alignment(vertical="top", wrap_text=True)


def _print_values(index: int, row: RegistryRow, mask: bool) -> list[str | int]:
    subject = clean_text(row.subject_name, 60) or "（未填写）"
    kind = _subject_type_word(row.subject_type)
    number = mask_id(row.id_number) if mask else (row.id_number or "")
    numbers = "\n".join(v for v in (number, row.credit_code or "") if v)
    accounts = "\n".join(
        f"{clean_text(a.platform, 20)}：{clean_text(a.account_name, 40)}" for a in row.accounts
    )
    issues = [
        short_phrase(c, row.subject_type) for c in (*row.missing, *row.problems) if c != "late"
    ]
    status = status_word(row.status) + (f"\n{transfer_words(row)}" if transfer_words(row) else "")
    return [
        index,
        f"{row.reference}\n{row.received_on.isoformat()}",
        f"{subject}（{kind}）\n{filing_type_word(row.filing_type)}" if kind else subject,
        numbers,
        "\n".join(v for v in (row.manager or "", row.phone or "") if v),
        accounts,
        county_words(row),
        status,
        "；".join(dict.fromkeys(issues)),
        "逾期" if row.late else "",
    ]


def _display_width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def row_height(values: Sequence[Any], widths: Sequence[int]) -> float:
    """Points a wrapped row needs (spreadsheets do not grow rows written by a program): the
    tallest cell's lines, a line being 15 pt, each line as wide as its column."""
    lines = 1
    for value, width in zip(values, widths, strict=False):
        text = str(value) if value is not None else ""
        needed = sum(
            max(1, -(-_display_width(part) // max(width - 1, 1))) for part in text.split("\n")
        )
        lines = max(lines, needed)
    return 15.0 * lines + 3


def _print_sheet(workbook: Workbook, data: DigestInput, rows: Sequence[RegistryRow]) -> None:
    sheet = _sheet(workbook, "台账（打印）", PRINT_COLUMNS)
    sheet.row_dimensions[1].height = 30
    widths = [width for _, width in PRINT_COLUMNS]
    for index, row in enumerate(rows, start=1):
        values = _print_values(index, row, True)
        for column, value in enumerate(values, start=1):
            put(sheet, index + 1, column, value)
            cell = sheet.cell(row=index + 1, column=column)
            cell.alignment = _WRAP
            cell.border = _BOX
        sheet.row_dimensions[index + 1].height = row_height(values, widths)
    for column in range(1, len(PRINT_COLUMNS) + 1):
        sheet.cell(row=1, column=column).border = _BOX
    _finish(sheet, len(PRINT_COLUMNS))
    set_printing(sheet, data, "新媒体账号登记备案台账")


def registry_workbook(data: DigestInput) -> bytes:
    """The xlsx registry: 台账 (one row per account), 台账（打印）(one row per filing, set up
    for printing), 今日动态, 待人工处理, 各办汇总 (city)."""
    workbook = Workbook()
    registry = _sheet(workbook, "台账", REGISTRY_COLUMNS, first=True)
    rows = sorted(data.registry, key=lambda r: (r.received_on, r.reference))
    line = 2
    for row in rows:
        for account in row.accounts or (None,):
            for column, value in enumerate(
                _registry_values(row, account, data.mask_ids_in_xlsx), start=1
            ):
                is_day = isinstance(value, date)
                put(registry, line, column, value, "yyyy-mm-dd" if is_day else None)
            line += 1
    _finish(registry, len(REGISTRY_COLUMNS))
    set_printing(registry, data, "新媒体账号登记备案台账（明细）")
    _print_sheet(workbook, data, rows)

    activity_columns = (("时间", 18), ("备案编号", 24), ("事项", 40), ("发件人", 28))
    activity = _sheet(workbook, "今日动态", activity_columns)
    for index, item in enumerate(sorted(data.activity, key=lambda a: shanghai(a.at)), start=2):
        put(activity, index, 1, shanghai(item.at).replace(tzinfo=None), "yyyy-mm-dd hh:mm")
        put(activity, index, 2, item.reference or "")
        put(activity, index, 3, translate_tokens(item.what))
        put(activity, index, 4, item.sender)
    _finish(activity, len(activity_columns))
    set_printing(activity, data, "今日动态")

    attention_columns = (
        ("类别", 18),
        ("备案编号", 24),
        ("说明", 60),
        ("已等待", 10),
        ("处理页面", 40),
    )
    attention = _sheet(workbook, "待人工处理", attention_columns)
    made = _made_at(data)
    for index, entry in enumerate(data.attention, start=2):
        put(attention, index, 1, ATTENTION_WORDS.get(entry.kind, entry.kind))
        put(attention, index, 2, entry.reference or "")
        put(attention, index, 3, entry.detail)
        put(attention, index, 4, age_words(entry.since, made))
        link = safe_link(entry.link)
        put(attention, index, 5, link)
        if link:
            attention.cell(row=index, column=5).hyperlink = link
    _finish(attention, len(attention_columns))
    set_printing(attention, data, "待人工处理事项")

    if data.rollup:
        rollup_columns = (("办公室", 28), ("代码", 10), *((label, 11) for _, label in ROLLUP_KEYS))
        rollup = _sheet(workbook, "各办汇总", rollup_columns)
        for index, (office, counts) in enumerate(data.rollup, start=2):
            put(rollup, index, 1, office.name)
            put(rollup, index, 2, office.code)
            for offset, (key, _) in enumerate(ROLLUP_KEYS, start=3):
                put(rollup, index, offset, int(counts.get(key, 0)))
        _finish(rollup, len(rollup_columns))
        set_printing(rollup, data, "各办汇总")

    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
