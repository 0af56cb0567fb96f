"""Digests: subject, phone-readable HTML, and an xlsx registry that reloads cleanly."""

from __future__ import annotations

import io
import re
from dataclasses import replace
from datetime import date, datetime

import pytest
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter
from openpyxl.workbook.workbook import Workbook

from notifications.digest import REGISTRY_COLUMNS, DigestFiles, build_digest, mask_id
from notifications.samples import sample_digest_input

NAME_COLUMN = [label for label, _ in REGISTRY_COLUMNS].index("主体名称") + 1
FULL_IDS = ("130582199001011234", "130503198512120021", "130502197806060017")


@pytest.fixture(scope="module")
def city() -> DigestFiles:
    return build_digest(sample_digest_input(city=True))


def _workbook(files: DigestFiles) -> Workbook:
    return load_workbook(io.BytesIO(files.xlsx))


@pytest.mark.parametrize(
    ("value", "masked"),
    [
        ("130582199001011234", "130582********1234"),
        ("13058219900101123X", "130582********123X"),
        ("130582900101123", "130582*****1123"),
        (" 1305 8219900101 1234 ", "130582********1234"),
        ("12345", "*****"),
        ("", ""),
        (None, ""),
    ],
)
def test_mask_id(value: str | None, masked: str) -> None:
    assert mask_id(value) == masked


def test_subject_and_file_name(city: DigestFiles) -> None:
    assert city.subject == "【备案日报】邢台市互联网信息办公室 2020-05-12"
    assert city.xlsx_name == "台账-邢台市互联网信息办公室-2020-05-12.xlsx"


def test_html_is_phone_sized_self_contained_escaped_and_masked(city: DigestFiles) -> None:
    html = city.html
    assert "max-width:640px" in html
    assert 'name="viewport"' in html
    assert not re.search(r"<(link|img|script|iframe)\b", html)
    assert "url(" not in html and "src=" not in html
    # the only addresses are the staff console's links, never a registrant's text as a link
    assert set(re.findall(r'href="([^"]+)"', html)) <= {
        "https://beian.example.gov.cn/mail/1042",
        "https://beian.example.gov.cn/filing/3",
    }
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    for full in FULL_IDS:
        assert full not in html and full not in city.text
    assert "130582********1234" in html


def test_summary_counts(city: DigestFiles) -> None:
    assert "今日新收 2，材料齐全 1，待补充 2，转入 0，转出 1，待人工处理 4" in city.text
    for label in ("今日新收", "材料齐全", "待补充", "转入", "转出", "待人工处理"):
        assert label in city.html


def test_times_shown_in_shanghai(city: DigestFiles) -> None:
    # 01:05 UTC is 09:05 in Shanghai
    assert "09:05 收到材料" in city.text
    assert "回复“请补充材料”已发出" in city.text
    assert "已转至桥东区互联网信息办公室" in city.text


def test_registry_sheets_frozen_filtered_and_typed(city: DigestFiles) -> None:
    book = _workbook(city)
    assert book.sheetnames == ["台账", "台账（打印）", "今日动态", "待人工处理", "各办汇总"]
    for sheet in book.worksheets:
        assert sheet.freeze_panes == "A2"
        assert sheet.auto_filter.ref is not None
        assert sheet.auto_filter.ref.startswith("A1:")
        assert sheet.column_dimensions["A"].width >= (5 if sheet.title == "台账（打印）" else 10)
    registry = book["台账"]
    header = [cell.value for cell in registry[1]]
    assert header[:4] == ["备案编号", "收到日期", "更新日期", "新增/变更"]
    assert "身份证号码" in header and "是否逾期" in header
    received = registry.cell(row=2, column=2)
    assert received.is_date and received.number_format == "yyyy-mm-dd"
    assert received.value == datetime(2020, 5, 10)
    activity = book["今日动态"].cell(row=2, column=1)
    assert activity.is_date and activity.value == datetime(2020, 5, 12, 9, 5)


def test_one_row_per_account_with_filing_columns_repeated(city: DigestFiles) -> None:
    registry = _workbook(city)["台账"]
    rows = [[cell.value for cell in row] for row in registry.iter_rows(min_row=2) if row[0].value]
    organisation = [row for row in rows if row[0] == "XT130500-20200512-0001"]
    assert len(organisation) == 2
    column = {label: index for index, (label, _) in enumerate(REGISTRY_COLUMNS)}
    assert {row[column["账号名称"]] for row in organisation} == {"牛城生活", "邢台牛城生活"}
    assert all(row[column["主体名称"]] == "邢台牛城文化传媒有限公司" for row in organisation)
    assert all(
        row[column["主体类型"]] == "企业/单位"
        and row[column["状态"]] == "待补充材料"
        and row[column["是否逾期"]] == "是"
        for row in organisation
    )
    assert all(row[column["所属县区"]] == "桥西区（信都区）" for row in organisation)
    assert "营业执照" in organisation[0][column["缺少材料"]]
    assert len(rows) == 5  # four filings, one with two accounts


def test_no_formulas_and_formula_like_text_kept_as_text(city: DigestFiles) -> None:
    book = _workbook(city)
    for sheet in book.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
    values = [cell.value for row in book["台账"].iter_rows() for cell in row]
    assert '=HYPERLINK("http://x")@example.com' in values


def test_formula_prefixes_all_stored_as_text() -> None:
    data = sample_digest_input(city=False)
    row = data.registry[0]
    hostile = tuple(
        replace(row, reference=f"R{i}", subject_name=value)
        for i, value in enumerate(("=1+1", "+1+1", "-1+1", "@SUM(A1)", "=cmd|' /C calc'!A0"))
    )
    book = _workbook(build_digest(replace(data, registry=hostile)))
    names = [book["台账"].cell(row=r, column=NAME_COLUMN) for r in range(2, 7)]
    assert [c.value for c in names] == ["=1+1", "+1+1", "-1+1", "@SUM(A1)", "=cmd|' /C calc'!A0"]
    assert all(c.data_type == "s" for c in names)
    assert all(c.quotePrefix for c in names)


def test_ids_masked_in_xlsx_unless_asked(city: DigestFiles) -> None:
    values = {str(cell.value) for row in _workbook(city)["台账"].iter_rows() for cell in row}
    assert not values & set(FULL_IDS)
    assert "130582********1234" in values
    plain = build_digest(replace(sample_digest_input(), mask_ids_in_xlsx=False))
    values = {str(cell.value) for row in _workbook(plain)["台账"].iter_rows() for cell in row}
    assert set(FULL_IDS) <= values
    assert not any(full in plain.html for full in FULL_IDS)


def test_county_digest_has_no_rollup_sheet() -> None:
    files = build_digest(sample_digest_input(city=False))
    assert _workbook(files).sheetnames == ["台账", "台账（打印）", "今日动态", "待人工处理"]
    assert "各办汇总" not in files.html
    assert files.subject == "【备案日报】沙河市互联网信息办公室 2020-05-12"


def test_empty_day_still_builds() -> None:
    data = replace(
        sample_digest_input(city=False),
        registry=(),
        activity=(),
        attention=(),
        day=date(2020, 6, 1),
    )
    files = build_digest(data)
    assert "今日没有收到或更新备案" in files.text
    book = _workbook(files)
    assert book["台账"].max_row == 1


def test_control_characters_do_not_break_the_workbook() -> None:
    data = sample_digest_input(city=False)
    row = replace(data.registry[0], subject_name="王\x00晓\x1b明\x0b", registrant="a\x07@qq.com")
    files = build_digest(replace(data, registry=(row,)))
    names = [c.value for c in _workbook(files)["台账"][get_column_letter(NAME_COLUMN)]]
    assert names[1] == "王 晓 明"
