"""Checks of the generated sample documents in samples/documents/out and their ground truth.

Every file must have a truth file and an index entry, every truth must be self-consistent
(checksums, office codes, platforms, ISO dates), and every file must open with the library that
reads its format and show the values its truth claims. The generator's check-character
functions are also held against the published vectors. A real run of the generator is in
tests/integration/test_sample_generator.py.
"""

from __future__ import annotations

import datetime as dt
import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import docx
import openpyxl
import pdfplumber
import pytest
import xlrd
from PIL import Image

ROOT = Path(__file__).resolve().parents[2]
SAMPLES = ROOT / "samples" / "documents"
OUT = SAMPLES / "out"
MAX_TOTAL_BYTES = 25 * 1024 * 1024

OFFICE_CODES = {
    "130500",
    "130503",
    "130502",
    "130521",
    "130582",
    "130523",
    "130522",
    "130525",
    "130526",
    "130524",
    "130527",
    "130528",
    "130529",
    "130532",
    "130530",
    "130531",
    "130581",
    "130533",
    "130535",
    "130534",
    "130571",
}
PLATFORMS = {
    "今日头条号",
    "新浪微博账号",
    "微信公众账号",
    "企鹅号",
    "百家号",
    "网易号",
    "一点号",
    "搜狐号",
    "抖音号",
    "快手号",
    "大风号",
    "大鱼号",
    "其他",
}
KINDS = {
    "registration_form",
    "id_card_front",
    "id_card_back",
    "business_licence",
    "org_code_certificate",
    "other",
}
FORMATS = {"xlsx", "xls", "docx", "doc", "pdf_text", "pdf_scan", "image"}
DAMAGES = {
    "clean",
    "handwritten",
    "noise",
    "blur",
    "jpeg",
    "skew",
    "perspective",
    "shadow",
    "rot90",
    "rot180",
    "seal",
    "fax",
    "glare",
    "none",
}
REQUIRED = {
    "registration_form": {"subject_type", "subject_name", "county", "phone"},
    "id_card_front": {"name", "id_number", "birth_date", "address"},
    "id_card_back": {"issuer", "valid_until"},
    "business_licence": {"credit_code", "subject_name", "legal_representative"},
    "org_code_certificate": {"credit_code", "subject_name"},
    "other": set(),
}
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"


def id_number_ok(value: str) -> bool:
    """GB 11643-1999: shape, real birth date, check character."""
    if not re.fullmatch(r"\d{17}[\dX]", value):
        return False
    try:
        dt.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        return False
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    total = sum(int(c) * w for c, w in zip(value[:17], weights, strict=True))
    return "10X98765432"[total % 11] == value[17]


def org_code_ok(body: str, check: str) -> bool:
    """GB 11714-1997 over an 8-character body and its check character."""
    if not re.fullmatch(r"[0-9A-Z]{8}", body):
        return False
    weights = (3, 7, 9, 10, 5, 8, 4, 2)
    values = [int(c) if c.isdigit() else ord(c) - 55 for c in body]
    c = 11 - sum(v * w for v, w in zip(values, weights, strict=True)) % 11
    return {10: "X", 11: "0"}.get(c, str(c)) == check


def uscc_ok(value: str) -> bool:
    """GB 32100-2015: shape, check character, and the embedded organisation code."""
    if not re.fullmatch(r"[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}", value):
        return False
    weights = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
    total = sum(USCC_ALPHABET.index(c) * w for c, w in zip(value[:17], weights, strict=True))
    if USCC_ALPHABET[(31 - total % 31) % 31] != value[17]:
        return False
    return org_code_ok(value[8:16], value[16])


def credit_code_ok(value: str) -> bool:
    """An 18-character USCC or a printed organisation code XXXXXXXX-C."""
    if len(value) == 10 and value[8] == "-":
        return org_code_ok(value[:8], value[9])
    return uscc_ok(value)


def iso_date_ok(value: str) -> bool:
    """A real calendar date written YYYY-MM-DD."""
    try:
        return dt.date.fromisoformat(value).isoformat() == value
    except ValueError:
        return False


def phone_ok(value: str) -> bool:
    """A mobile (11 digits) or a 0319 landline, without spaces."""
    return bool(re.fullmatch(r"1[3-9]\d{9}|0319-?\d{7}|\(0319\)\d{7}", value))


def load_index() -> dict[str, Any]:
    """The index, or a skip-free failure when the samples were never generated."""
    path = OUT / "index.json"
    assert path.exists(), "run: python samples/documents/generate.py --out samples/documents/out"
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def entries() -> Iterator[dict[str, Any]]:
    """The index's file entries."""
    yield from load_index()["files"]


def truth_of(name: str) -> list[dict[str, Any]]:
    """A file's truth list."""
    data: list[dict[str, Any]] = json.loads(
        (OUT / f"{name}.truth.json").read_text(encoding="utf-8")
    )
    return data


def expected_strings(truth: list[dict[str, Any]]) -> list[str]:
    """Values that must appear verbatim in a born-digital form's text."""
    out: list[str] = []
    for doc in truth:
        fields = doc["fields"]
        out.append(fields["subject_name"])
        out.append(fields.get("credit_code") or fields["id_number"])
        out.extend(acc["account_id"] for acc in doc["accounts"])
        out.extend(acc["account_name"] for acc in doc["accounts"])
    return out


# ---- the generator's own check functions ------------------------------------------------


@pytest.fixture(scope="module")
def fake_data() -> Any:
    """The generator's data module, imported from its folder."""
    sys.path.insert(0, str(SAMPLES))
    try:
        import fake_data as module
    finally:
        sys.path.remove(str(SAMPLES))
    return module


@pytest.mark.parametrize(
    "value",
    [
        "11010519491231002X",
        "440524188001010014",
        "360426199101010071",
        "44011320141005001X",
        "412723199010050012",
        "110102199101010078",
        "120110198012010073",
    ],
)
def test_generator_id_check_matches_published_vectors(fake_data: Any, value: str) -> None:
    assert fake_data.id_check_char(value[:17]) == value[17]
    assert id_number_ok(value)


@pytest.mark.parametrize(
    "value",
    [
        "91110000600037341L",
        "9144030071526726XG",
        "91310115MA1K3BTP2B",
        "121200004013590816",
        "92340603MA2PBMCG0U",
        "91320621MA1MRHG205",
    ],
)
def test_generator_uscc_check_matches_published_vectors(fake_data: Any, value: str) -> None:
    assert fake_data.uscc_check_char(value[:17]) == value[17]
    assert uscc_ok(value)


@pytest.mark.parametrize("value", ["60003734-1", "71526726-X", "40135908-1", "MA1MRHG2-0"])
def test_generator_org_code_check_matches_published_vectors(fake_data: Any, value: str) -> None:
    assert fake_data.org_code_check_char(value[:8]) == value[9]
    assert credit_code_ok(value)


@pytest.mark.parametrize(
    "value", ["36042619910102009X", "360426199113010079", "T60426199101010078"]
)
def test_invalid_id_vectors_are_rejected(value: str) -> None:
    assert not id_number_ok(value)


@pytest.mark.parametrize("value", ["91110000600037341N", "91320621MA1MRHG207"])
def test_invalid_uscc_vectors_are_rejected(value: str) -> None:
    assert not uscc_ok(value)


def test_generator_data_is_deterministic_and_valid(fake_data: Any) -> None:
    first = fake_data.make_registrations(7, 12)
    assert first == fake_data.make_registrations(7, 12)
    assert first != fake_data.make_registrations(8, 12)
    for reg in first:
        assert id_number_ok(reg.operator.id_number)
        if reg.organization is not None:
            assert uscc_ok(reg.organization.credit_code)
            assert credit_code_ok(reg.organization.org_code)


# ---- the generated files ----------------------------------------------------------------


def test_every_file_has_truth_and_index_entry() -> None:
    listed = {e["file"] for e in entries()}
    on_disk = {p.name for p in OUT.iterdir() if p.is_file()}
    documents = {n for n in on_disk if not n.endswith(".truth.json") and n != "index.json"}
    truths = {n.removesuffix(".truth.json") for n in on_disk if n.endswith(".truth.json")}
    assert documents == listed
    assert truths == listed


def test_output_stays_under_size_budget() -> None:
    total = sum(p.stat().st_size for p in OUT.iterdir() if p.is_file())
    assert total < MAX_TOTAL_BYTES


def test_index_vocabulary_and_coverage() -> None:
    index = load_index()
    formats = {e["format"] for e in index["files"]}
    damages = {e["damage"] for e in index["files"]}
    assert formats <= FORMATS
    assert damages <= DAMAGES
    expected = {"xlsx", "docx", "image", "pdf_scan"}
    if not index["skipped"]:
        expected |= {"xls", "doc", "pdf_text"}
    assert expected <= formats
    assert {
        "clean",
        "noise",
        "blur",
        "jpeg",
        "skew",
        "perspective",
        "shadow",
        "rot90",
        "rot180",
        "seal",
        "fax",
        "none",
    } <= damages
    kinds = {k for e in index["files"] for k in e["kinds"]}
    assert kinds == KINDS
    for e in index["files"]:
        assert [d["kind"] for d in truth_of(e["file"])] == e["kinds"]


def check_truths(folder: Path) -> int:
    """Assert that every truth file in `folder` is self-consistent; return how many docs."""
    index = json.loads((folder / "index.json").read_text(encoding="utf-8"))
    count = 0
    for entry in index["files"]:
        name = entry["file"]
        assert (folder / name).is_file(), name
        truth = json.loads((folder / f"{name}.truth.json").read_text(encoding="utf-8"))
        assert truth, name
        for doc in truth:
            check_truth_doc(name, doc)
            count += 1
    return count


def check_truth_doc(name: str, doc: dict[str, Any]) -> None:
    """One document's truth: keys, required fields, checksums, dates, codes."""
    assert doc["file"] == name or re.fullmatch(re.escape(name) + r"#page=\d+", doc["file"])
    assert doc["kind"] in KINDS
    fields = doc["fields"]
    assert REQUIRED[doc["kind"]] <= fields.keys(), (name, doc["kind"])
    assert all(isinstance(v, str) and v == v.strip() and v for v in fields.values())
    for key in ("id_number", "manager_id_number"):
        if key in fields:
            assert id_number_ok(fields[key]), (name, key)
    if "credit_code" in fields:
        assert credit_code_ok(fields["credit_code"]), name
    for key in ("birth_date", "valid_from", "valid_until", "filled_on", "established_on"):
        if key in fields:
            assert iso_date_ok(fields[key]), (name, key)
    if doc["kind"] == "id_card_front":
        assert fields["id_number"][6:14] == fields["birth_date"].replace("-", "")
    if doc["kind"] == "org_code_certificate":
        assert re.fullmatch(r"[0-9A-Z]{8}-[0-9X]", fields["credit_code"])
    if doc["kind"] == "business_licence":
        assert len(fields["credit_code"]) == 18
    if doc["kind"] == "registration_form":
        check_form_truth(name, fields, doc["accounts"])
    else:
        assert doc["accounts"] == []


def test_truths_are_self_consistent() -> None:
    assert check_truths(OUT) > 50


def check_form_truth(name: str, fields: dict[str, str], accounts: list[dict[str, str]]) -> None:
    """A form's fields: subject-type rules, office code, phone, filing type, accounts."""
    assert fields["subject_type"] in {"individual", "organization"}
    if fields["subject_type"] == "individual":
        assert "id_number" in fields and "credit_code" not in fields, name
    else:
        assert {"credit_code", "manager_name", "manager_id_number"} <= fields.keys(), name
    assert fields["county"] in OFFICE_CODES, name
    assert phone_ok(fields["phone"]), (name, fields["phone"])
    assert fields.get("filing_type", "new") in {"new", "change"}
    assert 1 <= len(accounts) <= 3, name
    for acc in accounts:
        assert {"platform", "account_name", "account_id"} <= acc.keys()
        assert acc["platform"] in PLATFORMS
        assert iso_date_ok(acc["opened_on"])
        assert acc["followers"].isdigit() and not acc["followers"].startswith("0")


def test_truth_covers_gbk_only_names_and_both_subject_types() -> None:
    names = "".join(
        d["fields"].get("subject_name", "") + d["fields"].get("name", "")
        for e in entries()
        for d in truth_of(e["file"])
    )
    assert any(c in names for c in "喆镕堃珺玥赟昇祎燊")
    types = {
        d["fields"]["subject_type"]
        for e in entries()
        for d in truth_of(e["file"])
        if d["kind"] == "registration_form"
    }
    assert types == {"individual", "organization"}


def files_of(fmt: str) -> list[str]:
    """Names of the files of one format."""
    return [e["file"] for e in entries() if e["format"] == fmt]


def test_xlsx_files_open_and_show_their_truth() -> None:
    for name in files_of("xlsx"):
        wb = openpyxl.load_workbook(OUT / name, read_only=True)
        text = " ".join(
            str(c)
            for ws in wb.worksheets
            for row in ws.iter_rows(values_only=True)
            for c in row
            if c is not None
        )
        assert "样本" in text
        for value in expected_strings(truth_of(name)):
            assert value in text, (name, value)


def test_xls_files_open_and_show_their_truth() -> None:
    for name in files_of("xls"):
        book = xlrd.open_workbook(str(OUT / name))
        sheet = book.sheet_by_index(0)
        text = " ".join(
            str(sheet.cell_value(r, c)) for r in range(sheet.nrows) for c in range(sheet.ncols)
        )
        for value in expected_strings(truth_of(name)):
            assert value in text, (name, value)


def docx_text(path: Path) -> str:
    """All paragraph and table text of a Word document, with its header."""
    document = docx.Document(str(path))
    parts = [p.text for p in document.paragraphs]
    for table in document.tables:
        parts.extend(cell.text for row in table.rows for cell in row.cells)
    parts.extend(p.text for p in document.sections[0].header.paragraphs)
    return " ".join(parts)


def test_docx_files_open_and_show_their_truth() -> None:
    for name in files_of("docx"):
        text = docx_text(OUT / name)
        assert "样本" in text
        for value in expected_strings(truth_of(name)):
            assert value in text, (name, value)


def test_doc_files_are_word_97_documents_holding_their_truth() -> None:
    for name in files_of("doc"):
        data = (OUT / name).read_bytes()
        assert data[:8] == bytes.fromhex("D0CF11E0A1B11AE1"), name
        # Word 97 keeps text with Chinese in it as UTF-16LE pieces.
        for value in expected_strings(truth_of(name)):
            assert value.encode("utf-16-le") in data, (name, value)


def test_text_pdfs_have_a_text_layer_with_their_truth() -> None:
    for name in files_of("pdf_text"):
        with pdfplumber.open(OUT / name) as pdf:
            text = "".join((page.extract_text() or "") for page in pdf.pages)
        compact = re.sub(r"\s", "", text)
        assert "样本" in compact
        for value in expected_strings(truth_of(name)):
            assert value in compact, (name, value)


def test_scan_pdfs_are_image_only_with_the_truth_pages() -> None:
    for name in files_of("pdf_scan"):
        pages = {
            int(d["file"].split("#page=")[1]) if "#page=" in d["file"] else 1
            for d in truth_of(name)
        }
        # Only multi-page PDFs name their pages.
        assert ("#page=" in truth_of(name)[0]["file"]) == (max(pages) > 1), name
        with pdfplumber.open(OUT / name) as pdf:
            assert len(pdf.pages) == max(pages), name
            for page in pdf.pages:
                assert not (page.extract_text() or "").strip()
                assert page.images


def test_images_open_with_sensible_sizes() -> None:
    for entry in entries():
        if entry["format"] != "image":
            continue
        path = OUT / entry["file"]
        with Image.open(path) as img:
            img.verify()
        with Image.open(path) as img:
            width, height = img.size
            if entry["damage"] == "fax":
                assert img.mode == "1"
            if entry["damage"] == "rot90":
                assert width > height
            assert 600 <= max(width, height) <= 2600, entry["file"]
