"""Content type sniffing by magic bytes."""

from __future__ import annotations

import ast
import io
import zipfile
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from parsers import archives, sniff
from parsers.sniff import sniff_type


def _zip(*names: str) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in names:
            archive.writestr(name, b"<x/>")
    return buffer.getvalue()


OLE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 200


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"%PDF-1.4\n", sniff.PDF),
        (b"\r\n\r\n%PDF-1.7 after junk", sniff.PDF),
        (b"\xff\xd8\xff\xe1....Exif", sniff.JPEG),
        (b"\x89PNG\r\n\x1a\n\x00\x00", sniff.PNG),
        (b"GIF89a\x01\x00", sniff.GIF),
        (b"BM" + b"\x00" * 12 + b"\x28" + b"\x00" * 20, sniff.BMP),
        (b"II*\x00\x08\x00", sniff.TIFF),
        (b"MM\x00*\x00\x08", sniff.TIFF),
        (b"RIFF\x10\x00\x00\x00WEBPVP8 ", sniff.WEBP),
        (b"\x00\x00\x00\x18ftypheic\x00\x00", sniff.HEIC),
        (b"\x00\x00\x00\x18ftypmif1\x00\x00", sniff.HEIC),
        (b"7z\xbc\xaf\x27\x1c\x00\x04", sniff.SEVEN_Z),
        (b"Rar!\x1a\x07\x00", sniff.RAR),
        (b"Rar!\x1a\x07\x01\x00", sniff.RAR),
        (b"\x1f\x8b\x08\x00", sniff.GZIP),
        (OLE + "WordDocument".encode("utf-16-le"), sniff.DOC),
        (OLE + "Workbook".encode("utf-16-le"), sniff.XLS),
        (OLE, sniff.OLE),
        (b"From: a@b.cn\r\nSubject: x\r\nDate: today\r\n\r\nbody", sniff.EML),
        (b"Received: from x\r\n\tby y\r\nFrom: a@b.cn\r\n\r\nbody", sniff.EML),
        ("账号名称：邢台发布\n".encode(), sniff.TEXT),
        ("账号名称：邢台发布\n".encode("gbk"), sniff.TEXT),
        (b"<!DOCTYPE html><html></html>", sniff.HTML),
        (b"\x00\x01\x02\x03binary", sniff.UNKNOWN),
        (b"", sniff.UNKNOWN),
    ],
)
def test_magic(data: bytes, expected: str) -> None:
    assert sniff_type(data) == expected


def test_office_open_xml_and_plain_zip() -> None:
    assert sniff_type(_zip("[Content_Types].xml", "word/document.xml")) == sniff.DOCX
    assert sniff_type(_zip("[Content_Types].xml", "xl/workbook.xml")) == sniff.XLSX
    assert sniff_type(_zip("OFD.xml", "Doc_0/Document.xml")) == sniff.OFD
    assert sniff_type(_zip("id.jpg", "form.pdf")) == sniff.ZIP
    assert sniff_type(b"PK\x03\x04broken") == sniff.ZIP


def test_name_refines_what_bytes_cannot_tell() -> None:
    assert sniff_type(b"a,b,c\n1,2,3\n", "list.csv") == sniff.CSV
    assert sniff_type(OLE + "WordDocument".encode("utf-16-le"), "表.wps") == sniff.WPS
    assert sniff_type(b"%PDF-1.4", "photo.jpg") == sniff.PDF


def test_text_cut_mid_character_is_still_text() -> None:
    data = ("邢台" * 3000).encode()
    assert sniff_type(data[:4097]) == sniff.TEXT


@given(st.binary(max_size=600), st.one_of(st.none(), st.text(max_size=20)))
def test_sniff_never_raises(data: bytes, name: str | None) -> None:
    assert "/" in sniff_type(data, name)


def test_parsers_leaf_modules_import_nothing_of_the_application() -> None:
    for module in (sniff, archives):
        tree = ast.parse(Path(module.__file__ or "").read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            for name in names:
                assert name.split(".")[0] not in ("intake", "routing", "notifications"), name
