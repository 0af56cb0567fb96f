"""Content type sniffing by magic bytes: what a file really is, whatever its name or label says.

Mail clients label attachments `application/octet-stream` or guess from the name; phones send
photos with no name at all. Readers choose on the type returned here. The optional file name
only refines what the bytes cannot tell (a CSV from other plain text, a Kingsoft WPS document
from a Word document).
"""

from __future__ import annotations

import io
import re
import zipfile

PDF = "application/pdf"
JPEG = "image/jpeg"
PNG = "image/png"
GIF = "image/gif"
BMP = "image/bmp"
TIFF = "image/tiff"
WEBP = "image/webp"
HEIC = "image/heic"
AVIF = "image/avif"
ZIP = "application/zip"
SEVEN_Z = "application/x-7z-compressed"
RAR = "application/vnd.rar"
GZIP = "application/gzip"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
OFD = "application/ofd"
DOC = "application/msword"
XLS = "application/vnd.ms-excel"
PPT = "application/vnd.ms-powerpoint"
WPS = "application/vnd.ms-works"
OLE = "application/x-ole-storage"
EML = "message/rfc822"
TEXT = "text/plain"
HTML = "text/html"
CSV = "text/csv"
UNKNOWN = "application/octet-stream"

ARCHIVE_TYPES = frozenset({ZIP, SEVEN_Z, RAR})

_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"hevx", b"heim", b"heis", b"mif1", b"msf1"}
_MAIL_HEADER = re.compile(
    rb"^(received|from|to|subject|date|message-id|return-path|mime-version|delivered-to|"
    rb"x-[a-z0-9-]+|reply-to|cc|content-type|sender|dkim-signature|authentication-results)"
    rb"[ \t]*:",
    re.IGNORECASE,
)
_HEADER_SHAPE = re.compile(rb"^([!-9;-~]+[ \t]*:|[ \t])")
_KEY_HEADERS = (b"from:", b"subject:", b"date:", b"received:", b"message-id:")


def _zip_type(data: bytes) -> str:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
            mimetype = archive.read("mimetype")[:100] if "mimetype" in names else b""
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError, KeyError):
        return ZIP
    if "word/document.xml" in names:
        return DOCX
    if "xl/workbook.xml" in names:
        return XLSX
    if "ppt/presentation.xml" in names:
        return PPTX
    if "OFD.xml" in names:
        return OFD
    if mimetype.startswith(b"application/vnd.oasis.opendocument"):
        return mimetype.decode("ascii", errors="replace").strip()
    return ZIP


def _ole_type(data: bytes, name: str) -> str:
    if name.lower().endswith(".wps"):
        return WPS
    if "WordDocument".encode("utf-16-le") in data:
        return DOC
    if "Workbook".encode("utf-16-le") in data or "Book".encode("utf-16-le") in data:
        return XLS
    if "PowerPoint Document".encode("utf-16-le") in data:
        return PPT
    return OLE


def _looks_like_mail(head: bytes) -> bool:
    lines = head.replace(b"\r\n", b"\n").split(b"\n")
    header_lines = 0
    has_key = False
    for line in lines[:40]:
        if not line:
            break
        if not _HEADER_SHAPE.match(line):
            return False
        header_lines += 1
        has_key = has_key or line.lower().startswith(_KEY_HEADERS)
    return header_lines >= 2 and has_key and bool(_MAIL_HEADER.match(lines[0]))


def _is_text(head: bytes) -> bool:
    if not head:
        return False
    if head.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        return True
    controls = sum(1 for byte in head if byte < 32 and byte not in (9, 10, 12, 13, 27))
    if controls:
        return False
    for codec in ("utf-8", "gb18030"):
        try:
            head.decode(codec)
            return True
        except UnicodeDecodeError as error:
            if error.start >= len(head) - 4:
                return True
    return False


def sniff_type(data: bytes, name: str | None = None) -> str:
    """The MIME type of `data` judged by its first bytes (and `name` where bytes cannot tell)."""
    head = data[:4096]
    lower_name = (name or "").lower()
    if head.startswith(b"%PDF-"):
        return PDF
    if head.startswith(b"\xff\xd8\xff"):
        return JPEG
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return PNG
    if head.startswith((b"GIF87a", b"GIF89a")):
        return GIF
    if head.startswith(b"BM") and len(head) > 18 and head[14] in (12, 40, 52, 56, 64, 108, 124):
        return BMP
    if head.startswith((b"II*\x00", b"MM\x00*")):
        return TIFF
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return WEBP
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in (b"avif", b"avis"):
            return AVIF
        if brand in _HEIF_BRANDS:
            return HEIC
    if head.startswith((b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")):
        return _zip_type(data)
    if head.startswith(b"7z\xbc\xaf\x27\x1c"):
        return SEVEN_Z
    if head.startswith(b"Rar!\x1a\x07"):
        return RAR
    if head.startswith(b"\x1f\x8b"):
        return GZIP
    if head.startswith(_OLE_MAGIC):
        return _ole_type(data, lower_name)
    if b"%PDF-" in head[:1024]:
        return PDF
    if _looks_like_mail(head):
        return EML
    if _is_text(head):
        stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
        if stripped.startswith((b"<!doctype html", b"<html")):
            return HTML
        if lower_name.endswith(".csv"):
            return CSV
        return TEXT
    return UNKNOWN
