"""Digital documents read exactly: xlsx, docx, archives of them; broken files.

The xlsx and docx fixtures are built here with openpyxl and python-docx. The xls, doc and PDF
ones converted from them by LibreOffice are read in tests/integration/test_parsers_libreoffice.py.
"""

from __future__ import annotations

import datetime as dt
import io

import docx
import openpyxl
import pytest
from docx.oxml import OxmlElement
from docx.oxml.ns import qn

from parsers import DocumentKind, ParsedDocument, read_document
from parsers.office import Unreadable, convert_with_libreoffice

INDIVIDUAL = {
    "subject_type": "individual",
    "filing_type": "new",
    "subject_name": "张三",
    "id_number": "11010519491231002X",
    "county": "130502",
    "phone": "13812345678",
    "address": "河北省邢台市襄都区新华路1号",
    "filled_on": "2020-05-10",
}
ACCOUNTS = [
    {
        "platform": "抖音号",
        "account_name": "邢台身边事",
        "account_id": "xt001",
        "opened_on": "2020-05-08",
        "followers": "12000",
        "content": "本地新闻资讯",
    },
    {
        "platform": "微信公众账号",
        "account_name": "牛城生活圈",
        "account_id": "gh_0123456789ab",
        "opened_on": "2019-03-01",
        "followers": "800",
        "content": "生活服务信息",
    },
]


def plain(document: ParsedDocument) -> tuple[dict[str, str], list[dict[str, str]]]:
    """Fields and accounts as plain values (the written county is checked on its own)."""
    written = document.fields.get("county_written")
    assert written is None or "county" in document.fields
    fields = {k: v.value for k, v in document.fields.items() if k != "county_written"}
    return fields, [{k: v.value for k, v in a.items()} for a in document.accounts]


def xlsx_form() -> bytes:
    book = openpyxl.Workbook()
    notes = book.active
    assert notes is not None
    notes.title = "填表说明"
    notes["A1"] = "请如实填写"
    sheet = book.create_sheet("备案表")
    sheet.merge_cells("A1:G1")
    sheet["A1"] = "邢台市新媒体账号登记备案表"
    rows = [
        ("主体类型", "个人", None, "备案类型", "首次备案"),
        ("姓  名：", "张三", None, "身份证号码", "11010519491231002x"),
        ("所属县（市、区）", "襄都区", None, "联系电话", 13812345678),
        ("联系地址", "河北省邢台市襄都区新华路1号"),
    ]
    for index, row in enumerate(rows, start=2):
        for col, value in enumerate(row, start=1):
            if value is not None:
                sheet.cell(index, col, value)
    sheet.merge_cells("B5:G5")
    sheet["A7"] = "新媒体账号信息"
    sheet.merge_cells("A7:G7")
    header = ["序号", "平台", "账号名称", "账号ID", "开通时间", "粉丝数", "主要发布内容"]
    for col, head in enumerate(header, start=1):
        sheet.cell(8, col, head)
    data = [
        (1, "抖音", "邢台身边事", "xt001", dt.datetime(2020, 5, 8), "1.2万", "本地新闻资讯"),
        (2, "公众号", "牛城生活圈", "gh_0123456789ab", "2019.3.1", 800, "生活服务信息"),
    ]
    for r, row in enumerate(data, start=9):
        for col, value in enumerate(row, start=1):
            sheet.cell(r, col, value)
    sheet["A13"] = "承诺：以上信息真实、准确、有效。"
    sheet.merge_cells("A13:G13")
    sheet["A14"] = "填表日期"
    sheet["B14"] = dt.date(2020, 5, 10)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _tick(cell: object) -> None:
    """A Wingdings checked box before the cell's text, as Word writes ☑."""
    paragraph = cell.paragraphs[0]  # type: ignore[attr-defined]
    run = paragraph.add_run()
    sym = OxmlElement("w:sym")
    sym.set(qn("w:font"), "Wingdings 2")
    sym.set(qn("w:char"), "F052")
    run._r.append(sym)
    paragraph.add_run("单位　□个人")


def docx_form() -> bytes:
    document = docx.Document()
    document.add_paragraph("邢台市新媒体账号登记备案表")
    table = document.add_table(rows=6, cols=4)
    table.cell(0, 0).text = "主体类型"
    _tick(table.cell(0, 1))
    table.cell(0, 2).text = "备案类型"
    table.cell(0, 3).text = "变更"
    table.cell(1, 0).text = "单位名称"
    table.cell(1, 1).merge(table.cell(1, 3)).text = "邢台博远文化传媒有限公司"
    table.cell(2, 0).text = "统一社会信用代码"
    table.cell(2, 1).merge(table.cell(2, 3)).text = "91320621MA1MRHG205"
    manager = table.cell(3, 0).merge(table.cell(4, 0))
    manager.text = "运维负责人"
    table.cell(3, 1).text = "姓名"
    table.cell(3, 2).merge(table.cell(3, 3)).text = "李四"
    table.cell(4, 1).text = "身份证号码"
    table.cell(4, 2).merge(table.cell(4, 3)).text = "110102199101010078"
    table.cell(5, 0).text = "属地"
    table.cell(5, 1).text = "沙河"
    table.cell(5, 2).text = "平台"
    table.cell(5, 3).text = "今日头条"
    document.add_paragraph("账号名称：沙河观察　账号ID：1234567890")
    document.add_paragraph("联系电话：0319-8921750  电子邮箱：abc@163.com")
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


ORGANIZATION = {
    "subject_type": "organization",
    "filing_type": "change",
    "subject_name": "邢台博远文化传媒有限公司",
    "credit_code": "91320621MA1MRHG205",
    "manager_name": "李四",
    "manager_id_number": "110102199101010078",
    "county": "130582",
    "phone": "0319-8921750",
    "email": "abc@163.com",
}
ORG_ACCOUNTS = [{"platform": "今日头条号", "account_name": "沙河观察", "account_id": "1234567890"}]


def test_xlsx_every_sheet_merged_cells_and_several_accounts() -> None:
    [document] = read_document("备案表.xlsx", xlsx_form())
    assert document.kind is DocumentKind.REGISTRATION_FORM
    assert document.engine is None
    assert plain(document) == (INDIVIDUAL, ACCOUNTS)
    assert all(reading.confidence >= 0.97 for reading in document.fields.values())


def test_docx_tables_merged_cells_ticks_and_paragraphs() -> None:
    [document] = read_document("form.docx", docx_form())
    assert document.kind is DocumentKind.REGISTRATION_FORM
    assert plain(document) == (ORGANIZATION, ORG_ACCOUNTS)


def test_wrong_extension_is_read_by_its_bytes() -> None:
    [document] = read_document("form.pdf", xlsx_form())
    assert plain(document) == (INDIVIDUAL, ACCOUNTS)


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (b"", "empty"),
        (b"\x00\x00\n", "empty"),
        (b"PK\x03\x04" + b"\x00" * 64, "damaged"),
        (b"%PDF-1.4\n%%EOF", "damaged"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 32, "damaged"),
    ],
)
def test_broken_files_are_reported_not_raised(data: bytes, reason: str) -> None:
    [document] = read_document("x.xlsx", data)
    assert document.unreadable == reason
    assert document.kind is DocumentKind.OTHER
    assert document.fields == {}


def test_truncated_xlsx_is_damaged() -> None:
    data = xlsx_form()
    [document] = read_document("x.xlsx", data[: len(data) // 2])
    assert document.unreadable == "damaged"


def test_encrypted_office_container_is_reported_encrypted() -> None:
    # A password-protected xlsx is a compound file holding EncryptionInfo and EncryptedPackage.
    header = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
    directory = "EncryptionInfo".encode("utf-16-le").ljust(128, b"\x00")
    directory += "EncryptedPackage".encode("utf-16-le").ljust(128, b"\x00")
    [document] = read_document("secret.xlsx", header + directory + b"\x00" * 1024)
    assert document.unreadable == "encrypted"


def test_oversized_file_is_refused() -> None:
    from parsers import ParseLimits

    [document] = read_document("big.xlsx", xlsx_form(), ParseLimits(max_bytes=1000))
    assert document.unreadable == "too_large"


def test_missing_converter_is_named(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(Unreadable) as raised:
        convert_with_libreoffice(b"\xd0\xcf\x11\xe0", ".doc", 5.0)
    assert raised.value.reason == "converter_missing"


def test_archive_members_are_read_and_named_by_path() -> None:
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("材料/备案表.xlsx", xlsx_form())
        archive.writestr("材料/readme.xlsx", b"PK\x03\x04broken")
    documents = read_document("files.zip", out.getvalue())
    assert [(d.file, d.kind, d.unreadable) for d in documents] == [
        ("files.zip/材料/备案表.xlsx", DocumentKind.REGISTRATION_FORM, None),
        ("files.zip/材料/readme.xlsx", DocumentKind.OTHER, "damaged"),
    ]
    assert plain(documents[0]) == (INDIVIDUAL, ACCOUNTS)


def test_package_that_unpacks_too_far_is_refused() -> None:
    from parsers.office import check_expansion

    data = xlsx_form()
    check_expansion(data)
    with pytest.raises(Unreadable) as raised:
        check_expansion(data, limit=1000)
    assert raised.value.reason == "too_large"
