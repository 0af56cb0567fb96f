"""Builders of hostile input for tests: bombs, deep nesting, floods, encrypted and lying files.

Everything is built in memory from a few bytes of description, so each case is small to keep
and fast to make; what the readers are asked to do with it is what is large.
"""

from __future__ import annotations

import io
import struct
import zipfile
import zlib
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime

OFFICE = "shhlwxxb@163.com"
SENDER = "zhang@qq.com"


def zip_bytes(members: list[tuple[str, bytes]], method: int = zipfile.ZIP_DEFLATED) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", method) as archive:
        for name, data in members:
            archive.writestr(name, data)
    return out.getvalue()


def zip_bomb(unpacked: int = 64 * 1024 * 1024) -> bytes:
    """One member of `unpacked` zero bytes, compressed about 1000:1."""
    out = io.BytesIO()
    block = b"\x00" * (1024 * 1024)
    with (
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive,
        archive.open("zeros.bin", "w", force_zip64=True) as member,
    ):
        for _ in range(unpacked // len(block)):
            member.write(block)
    return out.getvalue()


def lying_zip(real: int = 8 * 1024 * 1024, declared: int = 1000) -> bytes:
    """A member whose headers declare `declared` bytes while its data inflates to `real`."""
    data = bytearray(zip_bytes([("small.txt", b"\x00" * real)]))
    struct.pack_into("<I", data, 22, declared)  # local header: uncompressed size
    central = data.find(b"PK\x01\x02")
    struct.pack_into("<I", data, central + 24, declared)  # central directory: uncompressed size
    return bytes(data)


def nested_zip(levels: int, payload: bytes = b"deep") -> bytes:
    """`levels` zips, each holding the next; the innermost holds `payload` as ``deep.txt``."""
    data = zip_bytes([("deep.txt", payload)])
    for level in range(levels - 1, 0, -1):
        data = zip_bytes([(f"level{level + 1}.zip", data)])
    return data


def encrypted_zip(name: str = "备案表.xlsx") -> bytes:
    """A zip whose one member has the "encrypted" flag set (as a password-protected zip has)."""
    data = bytearray(zip_bytes([(name, b"secret")], zipfile.ZIP_STORED))
    struct.pack_into("<H", data, 6, struct.unpack_from("<H", data, 6)[0] | 1)
    central = data.find(b"PK\x01\x02")
    struct.pack_into("<H", data, central + 8, struct.unpack_from("<H", data, central + 8)[0] | 1)
    return bytes(data)


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def png_bomb(side: int = 50_000) -> bytes:
    """A PNG declaring a `side` x `side` 1-bit canvas, a few hundred bytes on disk: the first
    rows are real, the rest would be inflated by a decoder that trusts the header."""
    header = struct.pack(">IIBBBBB", side, side, 1, 0, 0, 0, 0)
    rows = (b"\x00" + b"\x00" * ((side + 7) // 8)) * 16
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", zlib.compress(rows, 9))
        + _png_chunk(b"IEND", b"")
    )


def pdf_from_objects(objects: list[bytes], trailer_extra: bytes = b"") -> bytes:
    """A PDF with these objects (numbered from 1, the first being the catalog) and an xref."""
    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R %s>>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        trailer_extra,
        xref,
    )
    return bytes(out)


def _stream(dictionary: bytes, data: bytes) -> bytes:
    return b"<< " + dictionary + b" /Length %d >>\nstream\n" % len(data) + data + b"\nendstream"


def many_pages_pdf(count: int) -> bytes:
    """A PDF of `count` pages sharing one short content stream."""
    content = _stream(b"", b"BT /F1 12 Tf 72 720 Td (page) Tj ET")
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>", b"", content]
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>")
    kids = []
    for _ in range(count):
        kids.append(b"%d 0 R" % (len(objects) + 1))
        objects.append(
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
            b"/Resources << /Font << /F1 4 0 R >> >> /Contents 3 0 R >>"
        )
    objects[1] = b"<< /Type /Pages /Kids [" + b" ".join(kids) + b"] /Count %d >>" % count
    return pdf_from_objects(objects)


def huge_image_pdf(side: int = 20_000) -> bytes:
    """One A4 page showing an RGB image of `side` x `side` pixels (1.2 GB decoded at 20,000),
    stored as about a megabyte of deflated zeros."""
    compressor = zlib.compressobj(9)
    row = b"\x00" * (side * 3)
    data = b"".join(compressor.compress(row) for _ in range(side)) + compressor.flush()
    image = _stream(
        b"/Type /XObject /Subtype /Image /Width %d /Height %d /ColorSpace /DeviceRGB "
        b"/BitsPerComponent 8 /Filter /FlateDecode" % (side, side),
        data,
    )
    return pdf_from_objects(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] "
            b"/Resources << /XObject << /Im1 5 0 R >> >> /Contents 4 0 R >>",
            _stream(b"", b"q 500 0 0 700 50 50 cm /Im1 Do Q"),
            image,
        ]
    )


def giant_page_pdf(points: int = 14_400) -> bytes:
    """One page of `points` x `points` (200 inches square): rendering it would need 1.6 G pixels."""
    return pdf_from_objects(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %d %d] >>" % (points, points),
        ]
    )


def encrypted_pdf() -> bytes:
    """A PDF under the standard security handler whose user password is not empty."""
    return pdf_from_objects(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>",
            b"<< /Filter /Standard /V 1 /R 2 /P -44 /O <"
            + b"11" * 32
            + b"> /U <"
            + b"22" * 32
            + b"> >>",
        ],
        trailer_extra=b"/Encrypt 4 0 R /ID [<" + b"33" * 16 + b"> <" + b"33" * 16 + b">] ",
    )


def mail_head(subject: str = "备案", sender: str = SENDER, extra: str = "") -> bytes:
    date = format_datetime(datetime(2020, 5, 10, 9, 30, tzinfo=UTC))
    return (
        f"From: {sender}\r\nTo: {OFFICE}\r\nSubject: {subject}\r\nDate: {date}\r\n"
        f"Message-ID: <hostile-{abs(hash(subject))}@qq.com>\r\nMIME-Version: 1.0\r\n{extra}"
    ).encode()


def mime_nested(levels: int, text: str = "最深处的正文") -> bytes:
    """A mail whose body is `levels` multiparts, each inside the last, with text at the bottom."""
    inner = b"Content-Type: text/plain; charset=utf-8\r\n\r\n" + text.encode() + b"\r\n"
    for level in range(levels):
        boundary = f"b{level}".encode()
        inner = (
            b"Content-Type: multipart/mixed; boundary="
            + boundary
            + b"\r\n\r\n--"
            + boundary
            + b"\r\n"
            + inner
            + b"\r\n--"
            + boundary
            + b"--\r\n"
        )
    return mail_head("深层嵌套") + inner


def mail_with_files(files: list[tuple[str, bytes]], subject: str = "备案材料") -> bytes:
    """A mail carrying these attachments (application/octet-stream, names RFC 2231-encoded)."""
    message = EmailMessage()
    message["From"] = SENDER
    message["To"] = OFFICE
    message["Subject"] = subject
    message["Date"] = format_datetime(datetime(2020, 5, 10, 9, 30, tzinfo=UTC))
    message["Message-ID"] = f"<files-{abs(hash(subject))}@qq.com>"
    message.set_content("您好，附件是备案材料。")
    for name, data in files:
        message.add_attachment(data, maintype="application", subtype="octet-stream", filename=name)
    return message.as_bytes()


def many_attachments(count: int) -> bytes:
    """A mail with `count` small text attachments, written directly (fast at 10,000)."""
    parts = [b"--B\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n\xe5\xa4\x87\xe6\xa1\x88\r\n"]
    for index in range(count):
        parts.append(
            b"--B\r\nContent-Type: application/octet-stream\r\n"
            b'Content-Disposition: attachment; filename="f%05d.txt"\r\n\r\nfile %d\r\n'
            % (index, index)
        )
    parts.append(b"--B--\r\n")
    return (
        mail_head("一万个附件", extra="Content-Type: multipart/mixed; boundary=B\r\n")
        + b"\r\n"
        + b"".join(parts)
    )
