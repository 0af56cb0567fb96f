"""Plain text from HTML mail bodies, and the `cid:` images an HTML body shows inline.

Block elements become line breaks, scripts, styles and comments are dropped, entities are
unescaped. Regular expressions rather than a full parser: mail HTML is often huge (tens of
thousands of tags, inline `data:` images) and a tag-level parser in Python is too slow for it.
"""

from __future__ import annotations

import re
from html import unescape

_DATA_URI_PAYLOAD = re.compile(r"(data:[\w/.+-]+;base64,)[A-Za-z0-9+/=\s]+", re.IGNORECASE)
_COMMENT = re.compile(r"<!--.*?(?:-->|$)", re.DOTALL)
_SKIPPED = re.compile(
    r"<(script|style|head|noscript|template)\b[^>]*>.*?</\1\s*>", re.IGNORECASE | re.DOTALL
)
_BLOCK = re.compile(
    r"</?(?:p|div|br|tr|li|h[1-6]|table|ul|ol|blockquote|pre|hr|section|article|header|footer|"
    r"dt|dd|title)\b[^>]*>",
    re.IGNORECASE,
)
_CELL = re.compile(r"<(?:td|th)\b[^>]*>", re.IGNORECASE)
_TAG = re.compile(r"<[^>]*>")
_SPACES = re.compile(r"[ \t\r\f\v\xa0\u3000]+")
_CID = re.compile(r"""cid:([^"'\s>)]+)""", re.IGNORECASE)


def html_to_text(html: str) -> str:
    """The readable text of an HTML document, one block per line, blank runs collapsed."""
    text = _DATA_URI_PAYLOAD.sub(r"\1", html)
    text = _COMMENT.sub("", text)
    text = _SKIPPED.sub("", text)
    text = _BLOCK.sub("\n", text)
    text = _CELL.sub("\t", text)
    text = unescape(_TAG.sub("", text))
    out: list[str] = []
    for line in text.split("\n"):
        cleaned = _SPACES.sub(" ", line).strip()
        if cleaned or (out and out[-1]):
            out.append(cleaned)
    return "\n".join(out).strip()


def referenced_content_ids(html: str) -> set[str]:
    """Content-IDs referenced as ``cid:…`` in an HTML body (without angle brackets)."""
    return {match.group(1).strip("<>").lower() for match in _CID.finditer(html)}
