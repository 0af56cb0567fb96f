"""Documents from bytes: type sniffing, office/PDF/image readers, OCR, field extraction.

The public face is `read_document` (a file's name and bytes to the documents it holds), its
`ParseLimits`, and the OCR engines (`OcrEngine`, `make_engine`). This package imports nothing of
the application, routing or notifications; its words (document kinds, counties, platforms) are
`vocabulary`'s. The readers (and numpy, OpenCV, PIL with them) load
on first use, so importing `parsers.sniff` or `parsers.model` alone stays light.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from parsers.model import FieldReading, ParsedDocument, TextBox
from vocabulary.documents import DocumentKind

if TYPE_CHECKING:
    from parsers.ocr import OcrEngine, make_engine
    from parsers.reader import ParseLimits, read_document

__all__ = [
    "DocumentKind",
    "FieldReading",
    "OcrEngine",
    "ParseLimits",
    "ParsedDocument",
    "TextBox",
    "make_engine",
    "read_document",
]


def __getattr__(name: str) -> Any:
    """The readers and engines, imported when first asked for."""
    if name in ("ParseLimits", "read_document"):
        from parsers import reader

        return getattr(reader, name)
    if name in ("OcrEngine", "make_engine"):
        from parsers import ocr

        return getattr(ocr, name)
    raise AttributeError(f"module 'parsers' has no attribute {name!r}")
