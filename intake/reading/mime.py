"""A tolerant MIME entity parser working on raw bytes.

Python's `email` package re-encodes and "fixes" headers; here every header keeps its raw bytes so
the charset repair in `charsets` sees what the client really sent. Bodies stay as memoryview
slices of the raw message until a part is decoded, so a large attachment is decoded exactly once.
Malformed structure (no closing boundary, junk lines in the header, nesting beyond the limit)
is recorded as a defect on the entity, never raised.
"""

from __future__ import annotations

import binascii
from dataclasses import dataclass, field

from intake.reading.charsets import decode_base64_lenient
from intake.reading.params import HeaderValue, parse_header_value

_IDENTITY_ENCODINGS = {"", "7bit", "8bit", "binary", "7-bit", "8-bit", "8bits", "7bits", "none"}
_UU_ENCODINGS = {"x-uuencode", "uuencode", "x-uue", "uue"}
DEPTH_DEFECT = "MIME nesting deeper than"
"""How the defect of a part cut off by the depth limit begins (the reader turns it into a
`LimitHit`)."""


@dataclass
class Entity:
    """One MIME entity: raw headers, raw (still transfer-encoded) body, and child entities."""

    headers: list[tuple[str, bytes]]
    body: memoryview
    content_type: HeaderValue
    children: list[Entity] = field(default_factory=list)
    defects: list[str] = field(default_factory=list)

    def header(self, name: str) -> bytes | None:
        """The raw value of the first header called `name` (lower-case), if any."""
        for key, value in self.headers:
            if key == name:
                return value
        return None

    def all_headers(self, name: str) -> list[bytes]:
        """Raw values of every header called `name` (lower-case), in order."""
        return [value for key, value in self.headers if key == name]

    @property
    def mime_type(self) -> str:
        """``maintype/subtype`` in lower case."""
        return self.content_type.value

    @property
    def disposition(self) -> HeaderValue:
        """The parsed `Content-Disposition`."""
        return parse_header_value(self.header("content-disposition"))


def _valid_name(name: bytes) -> bool:
    return bool(name) and all(33 <= byte <= 126 for byte in name)


KNOWN_HEADERS: frozenset[bytes] = frozenset(
    {
        b"from",
        b"to",
        b"cc",
        b"subject",
        b"date",
        b"message-id",
        b"mime-version",
        b"content-type",
        b"content-transfer-encoding",
        b"reply-to",
        b"received",
        b"return-path",
        b"sender",
        b"in-reply-to",
        b"references",
        b"x-mailer",
        b"x-priority",
        b"x-originating-ip",
    }
)
"""Header names common enough that a line naming one proves the header block goes on."""


def _headers_follow(buf: bytes, pos: int, end: int) -> bool:
    """True when one of the next two lines is a well-known header: the line before it was a
    header folded without leading whitespace, not the start of the body."""
    for _ in range(2):
        if pos >= end:
            return False
        newline = buf.find(b"\n", pos, end)
        line = buf[pos : end if newline == -1 else newline].rstrip(b"\r")
        if not line:
            return False
        colon = line.find(b":")
        if colon > 0 and line[:colon].strip().lower() in KNOWN_HEADERS:
            return True
        pos = end if newline == -1 else newline + 1
    return False


def _read_headers(
    buf: bytes, start: int, end: int, defects: list[str]
) -> tuple[list[tuple[str, bytes]], int]:
    """Read the header block from `start`; returns the headers and where the body begins."""
    headers: list[tuple[str, bytes]] = []
    pos = start
    if buf.startswith(b"From ", pos):
        newline = buf.find(b"\n", pos, end)
        pos = end if newline == -1 else newline + 1
    while pos < end:
        newline = buf.find(b"\n", pos, end)
        line_end = end if newline == -1 else newline
        after = end if newline == -1 else newline + 1
        line = buf[pos:line_end].rstrip(b"\r")
        if not line:
            return headers, after
        if line[0] in b" \t":
            if headers:
                last_name, value = headers[-1]
                folded = line.strip(b" \t")
                headers[-1] = (last_name, value + b" " + folded if folded else value)
            else:
                defects.append("header block starts with a continuation line")
            pos = after
            continue
        colon = line.find(b":")
        name = line[:colon].rstrip(b" \t") if colon > 0 else b""
        if not _valid_name(name):
            if headers and _headers_follow(buf, after, end):
                last_name, value = headers[-1]
                headers[-1] = (last_name, value + b" " + line.strip(b" \t"))
                defects.append(
                    f"a {last_name} header line was folded without leading whitespace; joined"
                )
                pos = after
                continue
            defects.append(
                "a line in the header block is no header; the body is taken to start there"
            )
            return headers, pos
        headers.append((name.decode("ascii").lower(), line[colon + 1 :].strip(b" \t")))
        pos = after
    return headers, end


def _delimiter_at(buf: bytes, index: int, after: int, end: int) -> tuple[bool, bool, int] | None:
    """If a boundary delimiter line starts at `index`, return (is_close, has_newline, next)."""
    is_close = buf.startswith(b"--", after)
    rest_start = after + 2 if is_close else after
    newline = buf.find(b"\n", rest_start, end)
    line_end = end if newline == -1 else newline
    if buf[rest_start:line_end].strip(b" \t\r"):
        return None
    return is_close, newline != -1, end if newline == -1 else newline + 1


def _split_multipart(
    buf: bytes, start: int, end: int, boundary: bytes, defects: list[str]
) -> list[tuple[int, int]]:
    """Byte ranges of the body parts of a multipart body between `start` and `end`."""
    delimiter = b"--" + boundary
    ranges: list[tuple[int, int]] = []
    part_start: int | None = None
    search = start
    closed = False
    while True:
        index = buf.find(delimiter, search, end)
        if index == -1:
            break
        if index != start and buf[index - 1] != 0x0A:
            search = index + 1
            continue
        found = _delimiter_at(buf, index, index + len(delimiter), end)
        if found is None:
            search = index + 1
            continue
        is_close, _, following = found
        if part_start is not None:
            part_end = index
            if part_end > part_start and buf[part_end - 1] == 0x0A:
                part_end -= 1
                if part_end > part_start and buf[part_end - 1] == 0x0D:
                    part_end -= 1
            ranges.append((part_start, max(part_start, part_end)))
        if is_close:
            closed = True
            break
        part_start = following
        search = following
    if not closed:
        if part_start is not None:
            ranges.append((part_start, end))
            defects.append("multipart has no closing boundary; the last part runs to the end")
        else:
            defects.append("multipart has no boundary line at all; nothing in it was read")
    return ranges


def parse_entity(
    buf: bytes,
    start: int = 0,
    end: int | None = None,
    *,
    depth: int = 0,
    max_depth: int = 10,
    default_type: str = "text/plain",
) -> Entity:
    """Parse the entity in `buf[start:end]` with its children, down to `max_depth` levels."""
    stop = len(buf) if end is None else end
    defects: list[str] = []
    headers, body_start = _read_headers(buf, start, stop, defects)
    raw_type = next((value for key, value in headers if key == "content-type"), None)
    content_type = parse_header_value(raw_type)
    if "/" not in content_type.value or " " in content_type.value:
        if raw_type is not None and raw_type.strip():
            defects.append(
                f"unreadable Content-Type {content_type.value!r}; read as {default_type}"
            )
        content_type = HeaderValue(default_type, content_type.params)
    entity = Entity(headers, memoryview(buf)[body_start:stop], content_type, defects=defects)
    maintype = content_type.value.split("/", 1)[0]
    if maintype == "multipart":
        boundary = content_type.params.get("boundary", "")
        if not boundary:
            defects.append("multipart without boundary; read as text/plain")
            entity.content_type = HeaderValue("text/plain", content_type.params)
            return entity
        if depth >= max_depth:
            defects.append(f"{DEPTH_DEFECT} {max_depth} levels; deeper parts not read")
            return entity
        child_type = "message/rfc822" if content_type.value == "multipart/digest" else "text/plain"
        boundary_bytes = boundary.encode("utf-8", errors="surrogateescape")
        for part_start, part_end in _split_multipart(
            buf, body_start, stop, boundary_bytes, defects
        ):
            entity.children.append(
                parse_entity(
                    buf,
                    part_start,
                    part_end,
                    depth=depth + 1,
                    max_depth=max_depth,
                    default_type=child_type,
                )
            )
    elif content_type.value in ("message/rfc822", "message/global"):
        if depth >= max_depth:
            defects.append(f"{DEPTH_DEFECT} {max_depth} levels; deeper parts not read")
            return entity
        if transfer_encoding(entity) in _IDENTITY_ENCODINGS:
            entity.children.append(
                parse_entity(buf, body_start, stop, depth=depth + 1, max_depth=max_depth)
            )
        else:
            inner, _ = decode_payload(entity)
            entity.children.append(parse_entity(inner, depth=depth + 1, max_depth=max_depth))
    return entity


def transfer_encoding(entity: Entity) -> str:
    """The normalised Content-Transfer-Encoding token (``""`` when absent)."""
    raw = entity.header("content-transfer-encoding") or b""
    token = raw.decode("ascii", errors="replace").strip().lower()
    return token.split(";", 1)[0].split()[0] if token.split(";", 1)[0].split() else ""


def _decode_uu(data: bytes) -> tuple[bytes, bool]:
    out = bytearray()
    repaired = False
    inside = False
    for line in data.splitlines():
        if not inside:
            inside = line.startswith(b"begin ")
            continue
        stripped = line.rstrip(b"\r")
        if stripped.strip() in (b"end", b"`", b""):
            if stripped.strip() == b"end":
                break
            continue
        try:
            out.extend(binascii.a2b_uu(stripped))
        except binascii.Error:
            count = (((stripped[0] - 32) & 63) * 4 + 5) // 3
            try:
                out.extend(binascii.a2b_uu(stripped[:count]))
            except binascii.Error:
                repaired = True
            repaired = True
    return bytes(out), repaired or not inside


_NOT_BASE64 = bytes(
    b for b in range(256) if not (chr(b).isalnum() and b < 128) and b not in b"+/= \t\r\n"
)


def looks_like_base64(body: bytes | memoryview) -> bool:
    """False for a body labelled base64 that plainly is not: more than a twentieth of its
    non-space bytes (8-bit text, punctuation) lie outside the base64 alphabet. Decoding such a
    body would turn readable text into garbage."""
    raw = bytes(body)
    solid = raw.translate(None, b" \t\r\n")
    if not solid:
        return True
    foreign = len(solid) - len(solid.translate(None, _NOT_BASE64))
    return foreign * 20 <= len(solid)


def decode_payload(entity: Entity) -> tuple[bytes, str | None]:
    """The entity's body with the transfer encoding undone, and a defect text if it needed repair."""
    encoding = transfer_encoding(entity)
    body = entity.body
    if "base64" in encoding and not looks_like_base64(body):
        return bytes(body), "Content-Transfer-Encoding says base64 but the body is plain text"
    if "base64" in encoding:
        data, repaired = decode_base64_lenient(body)
        return (
            data,
            "base64 body needed repair (junk characters or bad padding)" if repaired else None,
        )
    if encoding.startswith("quoted"):
        return binascii.a2b_qp(bytes(body)), None
    if encoding in _UU_ENCODINGS:
        data, repaired = _decode_uu(bytes(body))
        return data, "uuencoded body needed repair" if repaired else None
    if encoding in _IDENTITY_ENCODINGS:
        return bytes(body), None
    return bytes(body), f"unknown Content-Transfer-Encoding {encoding!r}; body taken as it is"
