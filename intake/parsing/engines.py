"""The OCR engine a deployment reads with: made on first use, once per process (models load once)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeAlias

if TYPE_CHECKING:  # parsers.ocr imports OpenCV: only the handlers that read documents load it
    from parsers.ocr import OcrEngine

OcrSource: TypeAlias = "Callable[[], OcrEngine | None]"
"""Hands out the OCR engine for scans (made on first use), or None to read without OCR."""


def no_ocr() -> OcrEngine | None:
    """No OCR engine: scans are left unread."""
    return None


def lazy_ocr(name: str) -> OcrSource:
    """A lazy OCR engine: made on first use, once per process (models load once)."""
    engine: list[OcrEngine] = []

    def get() -> OcrEngine | None:
        if not engine:
            from parsers.ocr import make_engine

            engine.append(make_engine(name))
        return engine[0]

    return get
