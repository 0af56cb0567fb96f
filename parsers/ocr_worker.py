"""OCR of one image in a separate worker process, under a time limit.

The worker process is started on first use and kept, so the RapidOCR models load once; a page
that takes longer than allowed gets its worker killed (the next page starts a fresh one). Our own
engines (RapidOCR, tesseract) run there; any other engine object runs in the calling process.
"""

from __future__ import annotations

import multiprocessing
import threading
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures.process import BrokenProcessPool
from typing import TYPE_CHECKING

from parsers.model import TextBox
from parsers.ocr import OcrEngine, RapidOcrEngine, TesseractEngine, tesseract_orientation
from parsers.preprocess import prepare, rotate

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    ImageArray = npt.NDArray[np.uint8]


class OcrTimeout(Exception):
    """The page took longer than the per-document time limit."""


class OcrFailed(Exception):
    """The worker died or the engine failed on this page."""


def prepare_and_recognise(image: ImageArray, engine: OcrEngine, orient: bool) -> list[TextBox]:
    """Prepare the image and read it, turning it upright first when `orient`.

    RapidOCR finds the orientation from its own detection and line classifier
    (`RapidOcrEngine.read_page`). Other engines get tesseract OSD; when their text still reads
    as standing on its side, the page is also read turned 90° both ways and the reading with
    the most confident text wins.
    """
    if isinstance(engine, RapidOcrEngine):
        return engine.read_page(prepare(image), orient=orient)
    prepared = prepare(image, tesseract_orientation if orient else None)
    boxes = engine.recognise(prepared)
    if not orient or not looks_sideways(boxes):
        return boxes
    readings = [boxes] + [engine.recognise(rotate(prepared, turn)) for turn in (90, 270)]
    return max(readings, key=_text_weight)


def looks_sideways(boxes: list[TextBox]) -> bool:
    """True when most multi-character boxes are much taller than wide (vertical text lines)."""
    shapes = [(b.y1 - b.y0) / max(b.x1 - b.x0, 1.0) for b in boxes if len(b.text.strip()) >= 3]
    if len(shapes) < 3:
        return False
    return sum(1 for ratio in shapes if ratio > 1.5) > len(shapes) / 2


def _text_weight(boxes: list[TextBox]) -> float:
    return sum(len(b.text.strip()) * b.confidence for b in boxes)


class _Worker:
    """The one OCR worker process of this process, started lazily."""

    def __init__(self) -> None:
        self._pool: ProcessPoolExecutor | None = None
        self._lock = threading.Lock()

    def _executor(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                max_workers=1, mp_context=multiprocessing.get_context("spawn")
            )
        return self._pool

    def stop(self) -> None:
        """Kill the worker process (if any) and forget it."""
        pool, self._pool = self._pool, None
        if pool is None:
            return
        for process in list(getattr(pool, "_processes", {}).values()):
            process.kill()
        pool.shutdown(wait=False, cancel_futures=True)

    def run(
        self, image: ImageArray, engine: OcrEngine, orient: bool, seconds: float
    ) -> list[TextBox]:
        with self._lock:
            future = self._executor().submit(prepare_and_recognise, image, engine, orient)
            try:
                return future.result(timeout=seconds)
            except FutureTimeout as error:
                self.stop()
                raise OcrTimeout() from error
            except BrokenProcessPool as error:
                self.stop()
                raise OcrFailed("the OCR worker process died") from error
            except Exception as error:
                raise OcrFailed(str(error)) from error


_WORKER = _Worker()


def stop_worker() -> None:
    """Stop the OCR worker process (e.g. at shutdown or in tests)."""
    _WORKER.stop()


def recognise(
    image: ImageArray, engine: OcrEngine, seconds: float, orient: bool = True
) -> list[TextBox]:
    """Text boxes of `image`, in the worker process for our engines, raising `OcrTimeout`."""
    if isinstance(engine, RapidOcrEngine | TesseractEngine):
        return _WORKER.run(image, engine, orient, seconds)
    try:
        return prepare_and_recognise(image, engine, orient)
    except Exception as error:
        raise OcrFailed(str(error)) from error
