"""Structured header values (`Content-Type`, `Content-Disposition`) and their parameters.

Parameters are read from raw bytes, tolerating what clients send: RFC 2047 words inside quoted
values, RFC 2231 `name*=charset''%XX` with continuations, unquoted values with spaces, raw 8-bit
GBK or UTF-8, a missing closing quote.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from urllib.parse import unquote_to_bytes

from intake.reading.charsets import decode_bytes, decode_header_bytes

_SECTION = re.compile(r"^(?P<base>[^*]+)\*(?P<index>\d+)?(?P<ext>\*)?$")


@dataclass(frozen=True)
class HeaderValue:
    """A structured header: its main value (lower-cased) and decoded parameters (keys lower)."""

    value: str
    params: dict[str, str] = field(default_factory=dict)


def _split_top(raw: bytes) -> list[bytes]:
    """Split at `;` outside double quotes."""
    pieces: list[bytes] = []
    start = 0
    quoted = False
    escaped = False
    for index, byte in enumerate(raw):
        if escaped:
            escaped = False
        elif byte == 0x5C and quoted:
            escaped = True
        elif byte == 0x22:
            quoted = not quoted
        elif byte == 0x3B and not quoted:
            pieces.append(raw[start:index])
            start = index + 1
    pieces.append(raw[start:])
    return pieces


def _unquote(value: bytes) -> bytes:
    value = value.strip()
    if not value.startswith(b'"'):
        return value
    out = bytearray()
    index = 1
    while index < len(value):
        byte = value[index]
        if byte == 0x5C and index + 1 < len(value) and value[index + 1] in b'"\\':
            out.append(value[index + 1])
            index += 2
            continue
        if byte == 0x22:
            break
        out.append(byte)
        index += 1
    return bytes(out)


def _join_sections(sections: dict[int, tuple[bool, bytes]]) -> str:
    """Join RFC 2231 sections in order and decode them with the charset of section 0."""
    charset: str | None = None
    data = bytearray()
    any_extended = False
    for position, index in enumerate(sorted(sections)):
        extended, value = sections[index]
        if extended:
            any_extended = True
            if position == 0 and value.count(b"'") >= 2:
                label, _, rest = value.split(b"'", 2)
                charset = label.decode("ascii", errors="replace") or None
                value = rest
            data.extend(unquote_to_bytes(value))
        else:
            data.extend(value)
    if not any_extended:
        return decode_header_bytes(bytes(data))
    text, _ = decode_bytes(bytes(data), charset)
    if "=?" in text:
        return decode_header_bytes(text.encode("utf-8"))
    return text


def parse_header_value(raw: bytes | None) -> HeaderValue:
    """Parse `value; key=val; key*=utf-8''%E4…` into a `HeaderValue`."""
    if raw is None:
        return HeaderValue("")
    pieces = _split_top(raw)
    main = pieces[0].strip().decode("utf-8", errors="replace").lower()
    plain: dict[str, str] = {}
    sectioned: dict[str, dict[int, tuple[bool, bytes]]] = {}
    for piece in pieces[1:]:
        key_raw, sep, value_raw = piece.partition(b"=")
        if not sep:
            continue
        key = key_raw.strip().decode("ascii", errors="replace").lower()
        if not key:
            continue
        value = _unquote(value_raw)
        match = _SECTION.match(key)
        if match:
            index = int(match.group("index") or 0)
            group = sectioned.setdefault(match.group("base"), {})
            extended = match.group("ext") is not None or match.group("index") is None
            group.setdefault(index, (extended, value))
        elif key not in plain:
            plain[key] = decode_header_bytes(value)
    params = dict(plain)
    for base, sections in sectioned.items():
        joined = _join_sections(sections)
        if joined and ("\ufffd" not in joined or base not in params):
            params[base] = joined
    return HeaderValue(main, params)
