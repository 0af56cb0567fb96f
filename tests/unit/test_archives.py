"""Safe archive expansion: names, encodings, encryption, damage and every limit."""

from __future__ import annotations

import io
import struct
import zipfile
import zlib

import py7zr
from hypothesis import given, settings
from hypothesis import strategies as st

from parsers.archives import (
    ArchiveContents,
    ArchiveLimits,
    archive_kind,
    expand_archive,
    rar_backend_available,
    safe_member_name,
)


def _zip(members: list[tuple[str, bytes]], compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, data in members:
            archive.writestr(name, data)
    return buffer.getvalue()


def _zip_raw_names(members: list[tuple[bytes, bytes]], extra: bytes = b"") -> bytes:
    """A zip whose names are the given bytes with no UTF-8 flag (placeholders swapped in)."""
    buffer = io.BytesIO()
    swaps = []
    with zipfile.ZipFile(buffer, "w") as archive:
        for index, (name, data) in enumerate(members):
            placeholder = f"#{index}#".ljust(len(name), "#").encode()
            swaps.append((placeholder, name))
            info = zipfile.ZipInfo(placeholder.decode())
            info.extra = extra
            archive.writestr(info, data)
    raw = buffer.getvalue()
    for placeholder, name in swaps:
        raw = raw.replace(placeholder, name)
    return raw


def _names(data: bytes, limits: ArchiveLimits | None = None) -> list[tuple[str, str | None]]:
    return [(m.name, m.problem) for m in expand_archive(data, limits).members]


def test_safe_member_name() -> None:
    assert safe_member_name("../../etc/passwd") == "etc/passwd"
    assert safe_member_name("/abs/x.jpg") == "abs/x.jpg"
    assert safe_member_name("C:\\Users\\a\\..\\id.jpg") == "Users/a/id.jpg"
    assert safe_member_name("a/./b\x00\u202e.jpg") == "a/b.jpg"
    assert safe_member_name("...") == "unnamed"
    assert safe_member_name("") == "unnamed"


def test_gbk_names_without_utf8_flag() -> None:
    data = _zip_raw_names(
        [("材料/营业执照.jpg".encode("gbk"), b"x"), ("珺.pdf".encode("gbk"), b"y")]
    )
    assert _names(data) == [("材料/营业执照.jpg", None), ("珺.pdf", None)]


def test_utf8_names_without_flag_and_unicode_path_field() -> None:
    data = _zip_raw_names([("登记表.xlsx".encode(), b"x")])
    assert _names(data) == [("登记表.xlsx", None)]
    utf8 = "身份证.jpg".encode()
    field = b"\x01" + struct.pack("<I", zlib.crc32(b"????.jpg")) + utf8
    extra = struct.pack("<HH", 0x7075, len(field)) + field
    with_extra = _zip_raw_names([(b"????.jpg", b"x")], extra=extra)
    assert _names(with_extra) == [("身份证.jpg", None)]


def test_members_and_path_traversal() -> None:
    data = _zip([("../../../etc/id.jpg", b"jpeg"), ("dir/", b""), ("a/b.pdf", b"pdf")])
    contents = expand_archive(data)
    assert contents.kind == "zip" and contents.problem is None
    assert [(m.name, m.data) for m in contents.members] == [
        ("etc/id.jpg", b"jpeg"),
        ("a/b.pdf", b"pdf"),
    ]


def test_damaged_and_unknown() -> None:
    assert expand_archive(b"PK\x03\x04 not really a zip").problem == "damaged"
    assert expand_archive(b"plain text").kind == "unknown"
    good = _zip([("a.txt", b"hello " * 100)])
    cut = good[:40] + b"\x00" * 20 + good[60:]
    contents = expand_archive(cut)
    assert contents.problem == "damaged" or contents.members[0].problem == "damaged"


def test_encrypted_zip_member() -> None:
    data = bytearray(_zip([("secret.pdf", b"%PDF")], zipfile.ZIP_STORED))
    struct.pack_into("<H", data, 6, 1)
    central = data.find(b"PK\x01\x02")
    struct.pack_into("<H", data, central + 8, 1)
    contents = expand_archive(bytes(data))
    assert contents.problem == "encrypted"
    assert [(m.name, m.problem, m.data) for m in contents.members] == [
        ("secret.pdf", "encrypted", b"")
    ]


def test_member_count_limit() -> None:
    data = _zip([(f"{i}.txt", b"x") for i in range(10)])
    contents = expand_archive(data, ArchiveLimits(max_members=4))
    assert contents.problem == "too_many_members"
    assert len(contents.members) == 4


def test_total_size_limit() -> None:
    data = _zip([("a.bin", bytes(range(256)) * 40), ("b.bin", bytes(range(256)) * 40)])
    contents = expand_archive(data, ArchiveLimits(max_total_bytes=15_000))
    assert [(m.name, m.problem) for m in contents.members] == [
        ("a.bin", None),
        ("b.bin", "too_large"),
    ]
    assert contents.problem == "too_large"


def test_compression_ratio_limit() -> None:
    data = _zip([("bomb.txt", b"\x00" * 3_000_000), ("ok.txt", b"fine")])
    assert _names(data) == [("bomb.txt", "ratio_exceeded"), ("ok.txt", None)]


def test_nested_archives_and_depth_limit() -> None:
    level3 = _zip([("deep.txt", b"deep")])
    level2 = _zip([("l3.zip", level3)])
    level1 = _zip([("l2.zip", level2), ("top.txt", b"top")])
    assert _names(level1) == [
        ("l2.zip", None),
        ("l2.zip/l3.zip", None),
        ("l2.zip/l3.zip/deep.txt", None),
        ("top.txt", None),
    ]
    assert _names(level1, ArchiveLimits(max_depth=2)) == [
        ("l2.zip", None),
        ("l2.zip/l3.zip", "nested_too_deep"),
        ("top.txt", None),
    ]


def test_seven_zip_plain_and_encrypted() -> None:
    buffer = io.BytesIO()
    with py7zr.SevenZipFile(buffer, "w") as archive:
        archive.writestr(b"form", "平乡县/登记表.pdf")
    assert archive_kind(buffer.getvalue()) == "7z"
    contents = expand_archive(buffer.getvalue())
    assert [(m.name, m.data) for m in contents.members] == [("平乡县/登记表.pdf", b"form")]
    locked = io.BytesIO()
    with py7zr.SevenZipFile(locked, "w", password="pw", header_encryption=True) as archive:
        archive.writestr(b"secret", "s.txt")
    assert expand_archive(locked.getvalue()).problem == "encrypted"


def _rar4(name: bytes, data: bytes) -> bytes:
    """A RAR 4 archive holding one stored (uncompressed) file, built by hand."""

    def block(body: bytes) -> bytes:
        return struct.pack("<H", zlib.crc32(body) & 0xFFFF) + body

    main = block(struct.pack("<BHHHI", 0x73, 0, 13, 0, 0))
    header = struct.pack(
        "<BHHIIBIIBBHI",
        0x74,
        0x8000,
        32 + len(name),
        len(data),
        len(data),
        0,
        zlib.crc32(data),
        0x50AA4800,
        20,
        0x30,
        len(name),
        0x20,
    )
    end = block(struct.pack("<BHH", 0x7B, 0x4000, 7))
    return b"Rar!\x1a\x07\x00" + main + block(header + name) + data + end


def test_rar_with_and_without_a_backend() -> None:
    rar = _rar4(b"id.txt", b"rar member")
    assert archive_kind(rar) == "rar"
    assert expand_archive(rar, rar_backend=False) == ArchiveContents("rar", (), "rar_unsupported")
    contents = expand_archive(rar, rar_backend=True)
    assert [(m.name, m.data, m.problem) for m in contents.members] == [
        ("id.txt", b"rar member", None)
    ]
    fake = b"Rar!\x1a\x07\x01\x00" + bytes(40)
    assert expand_archive(fake, rar_backend=True).problem == "damaged"
    detected = expand_archive(fake).problem
    assert detected == ("damaged" if rar_backend_available() else "rar_unsupported")


def test_office_files_are_not_archives() -> None:
    docx = _zip([("[Content_Types].xml", b"<x/>"), ("word/document.xml", b"<x/>")])
    assert archive_kind(docx) is None
    assert archive_kind(_zip([("a.txt", b"a")])) == "zip"


@settings(max_examples=80, deadline=None)
@given(
    st.sampled_from([b"PK\x03\x04", b"7z\xbc\xaf\x27\x1c", b"Rar!\x1a\x07\x00"]),
    st.binary(max_size=400),
)
def test_random_archive_bytes_never_raise(magic: bytes, tail: bytes) -> None:
    contents = expand_archive(magic + tail)
    assert contents.kind in ("zip", "7z", "rar")


@settings(max_examples=40, deadline=None)
@given(st.data())
def test_corrupted_real_zip_never_raises(data: st.DataObject) -> None:
    raw = bytearray(_zip([("a/b.txt", b"hello " * 50), ("c.jpg", b"\xff\xd8\xff" + bytes(300))]))
    for _ in range(data.draw(st.integers(min_value=1, max_value=10))):
        index = data.draw(st.integers(min_value=0, max_value=len(raw) - 1))
        raw[index] = data.draw(st.integers(min_value=0, max_value=255))
    contents = expand_archive(bytes(raw))
    for member in contents.members:
        assert ".." not in member.name.split("/")
        assert not member.name.startswith("/")
