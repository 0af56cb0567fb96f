"""The OCR engine a deployment reads with: made on first use, once per process (models load once)."""

from __future__ import annotations

from collections.abc import Callable


def lazy_ocr(name: str) -> Callable[[], object | None]:
    """A lazy OCR engine: made on first use, once per process (models load once)."""
    engine: list[object] = []

    def get() -> object | None:
        if not engine:
            from parsers.ocr import make_engine

            engine.append(make_engine(name))
        return engine[0]

    return get
