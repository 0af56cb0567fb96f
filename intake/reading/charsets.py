"""Charset repair for headers and bodies as Chinese mail clients really send them.

Browsers decode the whole GB family (gb2312, gbk, cp936, x-gbk, …) with the GB18030 decoder, and
so do we: a word labelled gb2312 often carries GBK-only characters such as 喆 镕 堃 珺. Raw 8-bit
header bytes are tried as UTF-8 strictly, then as GB18030. RFC 2047 encoded words next to each
other are joined as bytes before decoding, so a character split across two words survives.

Mojibake is repaired where it is certain (`repair_mojibake`): Chinese bytes labelled
iso-8859-1 (``¶þÔòÑ§Êõ±¨¸æÍ¨Öª`` is 二则学术报告通知 in GBK) and Chinese text decoded as
latin-1 and encoded to UTF-8 again (``2005ÄêÕÐÊÕ``). Text is changed only when every
character outside ASCII is a latin-1 one and the bytes they stand for read, strictly, as
Chinese that is almost all common (GB2312) characters in whole byte pairs, so real European
text (café, Müller, Grüße) is left as it is.
"""

from __future__ import annotations

import binascii
import codecs
import re

_GB_FAMILY = {
    "gb2312",
    "gb_2312",
    "gb_2312-80",
    "gb2312-80",
    "gb2312-1980",
    "csgb2312",
    "euc-cn",
    "euccn",
    "x-euc-cn",
    "gbk",
    "x-gbk",
    "cp936",
    "ms936",
    "windows-936",
    "936",
    "gb18030",
    "x-gb18030",
    "gb-18030",
    "gb18030-2000",
    "gb18030-2005",
    "chinese",
    "iso-ir-58",
    "csiso58gb231280",
    "hz-gb-2312",
}

_ALIASES = {
    "utf8": "utf-8",
    "utf-8": "utf-8",
    "x-unicode20utf8": "utf-8",
    "unicode-1-1-utf-8": "utf-8",
    "us-ascii": "cp1252",
    "ascii": "cp1252",
    "ansi_x3.4-1968": "cp1252",
    "iso-8859-1": "cp1252",
    "iso8859-1": "cp1252",
    "latin1": "cp1252",
    "latin-1": "cp1252",
    "l1": "cp1252",
    "big5": "big5hkscs",
    "x-big5": "big5hkscs",
    "big5-hkscs": "big5hkscs",
    "cn-big5": "big5hkscs",
    "ks_c_5601-1987": "cp949",
    "ks_c_5601": "cp949",
    "euc-kr": "cp949",
    "x-sjis": "cp932",
    "shift_jis": "cp932",
    "shift-jis": "cp932",
    "sjis": "cp932",
    "windows-31j": "cp932",
    "x-mac-chinesesimp": "gb18030",
}

_SEVEN_BIT_STATEFUL = ("iso2022", "utf_7", "utf-7", "hz")
_ENCODED_WORD = re.compile(rb"=\?([^?\s]+)\?([bBqQ])\?([^?]*)\?=")
_B64_KEEP = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=")
_B64_DELETE = bytes(b for b in range(256) if b not in _B64_KEEP)
_B64_AND_SPACE = bytes(_B64_KEEP | frozenset(b" \t\r\n"))


def codec_for(label: str | None) -> str | None:
    """The Python codec to use for a MIME charset label, or None when the label is unknown.

    The whole GB family maps to ``gb18030``; latin-1 and ASCII map to ``cp1252`` (as browsers
    do); an RFC 2231 language suffix (``utf-8*zh``) is ignored.
    """
    if not label:
        return None
    name = label.strip().strip("\"'").split("*", 1)[0].strip().lower()
    if not name:
        return None
    if name in _GB_FAMILY or name.startswith(("gb2312", "gb_2312", "gbk", "gb18030")):
        return "gb18030"
    if name in _ALIASES:
        return _ALIASES[name]
    try:
        found = codecs.lookup(name).name
    except (LookupError, ValueError):  # ValueError: a NUL inside the label
        return None
    return "gb18030" if found in {"gbk", "gb2312", "gb18030"} else found


def decode_bytes(data: bytes, label: str | None = None) -> tuple[str, bool]:
    """Decode bytes declared in `label`; returns the text and whether it needed repair.

    The declared codec is tried strictly, then UTF-8, then GB18030; if none fits, the declared
    (or UTF-8) codec decodes with replacement characters and the result is marked repaired.
    A wrong or missing label therefore never loses a Chinese character that one of them carries.
    """
    declared = codec_for(label)
    if data.isascii() and not (declared or "").startswith(_SEVEN_BIT_STATEFUL):
        return data.decode("ascii"), bool(label) and declared is None
    candidates = [c for c in (declared, "utf-8", "gb18030") if c]
    for index, codec in enumerate(dict.fromkeys(candidates)):
        try:
            text = data.decode(codec)
        except (UnicodeDecodeError, LookupError):
            continue
        fixed, changed = repair_mojibake(text)
        return fixed, changed or index > 0 or (bool(label) and declared is None)
    return data.decode(declared or "utf-8", errors="replace"), True


_LATIN_ONLY = re.compile(
    r"^[\x00-\xff\u0152\u0153\u0160\u0161\u0178\u017d\u017e\u0192\u02c6\u02dc\u2013\u2014\u2018-\u201e\u2020-\u2022\u2026\u2030\u2039\u203a\u20ac\u2122]*$"
)
_HIGH_RUN = re.compile(rb"[\x80-\xff]+")
_CJK = re.compile(r"[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef]")


def _as_single_bytes(text: str) -> bytes | None:
    """The bytes a latin-1/cp1252 decoding of them would show as `text`, or None."""
    out = bytearray()
    for ch in text:
        code = ord(ch)
        if code < 0x100:
            out.append(code)
            continue
        try:
            out.extend(ch.encode("cp1252"))
        except UnicodeEncodeError:
            return None
    return bytes(out)


def _chinese_from(data: bytes) -> str | None:
    """`data` read as Chinese when that is beyond doubt: strict UTF-8 with CJK in it, or strict
    GB18030 in whole high-byte pairs, at least two characters, nearly all of them in GB2312."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = ""
    if text and _CJK.search(text):
        return text
    if any(len(run) % 2 for run in _HIGH_RUN.findall(data)):
        return None
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        return None
    wide = [ch for ch in text if ord(ch) > 0x7F]
    if len(wide) < 2:
        return None
    common = 0
    for ch in wide:
        try:
            ch.encode("gb2312")
            common += 1
        except UnicodeEncodeError:
            continue
    return text if common >= 0.9 * len(wide) else None


def repair_mojibake(text: str) -> tuple[str, bool]:
    """`text` with Chinese mojibake undone (see the module's note); whether it was changed."""
    if text.isascii() or not _LATIN_ONLY.match(text):
        return text, False
    data = _as_single_bytes(text)
    if data is None:
        return text, False
    repaired = _chinese_from(data)
    if repaired is None or repaired == text:
        return text, False
    return repaired, True


def decode_raw_text(data: bytes) -> str:
    """Decode 8-bit text with no trustworthy label: UTF-8 strictly, then GB18030, then cp1252."""
    if data.isascii():
        return data.decode("ascii")
    for codec in ("utf-8", "gb18030"):
        try:
            return data.decode(codec)
        except UnicodeDecodeError:
            continue
    return data.decode("cp1252", errors="replace")


def _word_bytes(encoding: bytes, text: bytes) -> bytes:
    if encoding in (b"b", b"B"):
        return decode_base64_lenient(text)[0]
    return binascii.a2b_qp(text.replace(b"_", b" "), header=False)


def decode_header_bytes(raw: bytes) -> str:
    """Decode a raw header value: RFC 2047 words anywhere (also inside quotes), raw 8-bit bytes.

    Adjacent encoded words whose charsets map to the same codec are joined as bytes before
    decoding; whitespace between encoded words is dropped, as RFC 2047 says.
    """
    pieces: list[str] = []
    pending: bytearray = bytearray()
    pending_label: str | None = None
    pending_codec: str | None = None
    position = 0

    def flush() -> None:
        nonlocal pending, pending_label, pending_codec
        if pending:
            pieces.append(decode_bytes(bytes(pending), pending_label)[0])
        pending = bytearray()
        pending_label = None
        pending_codec = None

    for match in _ENCODED_WORD.finditer(raw):
        between = raw[position : match.start()]
        if between and not (pending and between.strip(b" \t\r\n") == b""):
            flush()
            pieces.append(decode_raw_text(between))
        label = match.group(1).decode("ascii", errors="replace")
        codec = codec_for(label) or "utf-8"
        if pending and codec != pending_codec:
            flush()
        if not pending:
            pending_label, pending_codec = label, codec
        pending.extend(_word_bytes(match.group(2), match.group(3)))
        position = match.end()
    flush()
    pieces.append(decode_raw_text(raw[position:]))
    return repair_mojibake("".join(pieces))[0]


def decode_header_text(value: str) -> str:
    """Decode a header value held as `str` whose 8-bit bytes were kept as surrogate escapes."""
    return decode_header_bytes(value.encode("utf-8", errors="surrogateescape"))


def decode_base64_lenient(data: bytes | memoryview) -> tuple[bytes, bool]:
    """Decode base64 that may carry junk, missing padding or padding in the middle.

    Returns the bytes and whether repair was needed.
    """
    raw = bytes(data)
    junk = bool(raw.translate(None, _B64_AND_SPACE))
    first_pad = raw.find(b"=")
    if first_pad == -1 or not raw[first_pad:].translate(None, b"= \t\r\n"):
        try:
            return binascii.a2b_base64(raw), junk
        except binascii.Error:
            pass
    cleaned = raw.translate(None, _B64_DELETE)
    out = bytearray()
    for chunk in re.split(rb"=+", cleaned):
        if len(chunk) % 4 == 1:
            chunk = chunk[:-1]
        if chunk:
            out.extend(binascii.a2b_base64(chunk + b"=" * (-len(chunk) % 4)))
    return bytes(out), True
