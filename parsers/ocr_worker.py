"""OCR of one image in a separate worker process, under a time limit.

The worker process is started on first use and kept, so the RapidOCR models load once; a page
that takes longer than allowed gets its worker killed (the next page starts a fresh one). Our own
engines (RapidOCR, tesseract) run there; any other engine object runs in the calling process.
"""

from __future__ import annotations

import multiprocessing
import threading
import time
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
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


class OcrTooMuchMemory(OcrFailed):
    """The worker's resident memory passed the limit on this page; it was killed."""


def resident_mb(pid: int) -> float:
    """The resident set size of process `pid` in MB (0 when it is gone)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0.0
    for line in status.splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


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

    def _pids(self) -> list[int]:
        pool = self._pool
        processes = getattr(pool, "_processes", None) or {}
        return [int(pid) for pid in processes]

    def run(
        self, image: ImageArray, engine: OcrEngine, orient: bool, seconds: float, memory_mb: int
    ) -> list[TextBox]:
        with self._lock:
            future = self._executor().submit(prepare_and_recognise, image, engine, orient)
            deadline = time.monotonic() + seconds
            try:
                while True:
                    try:
                        return future.result(timeout=min(WATCH_EVERY, seconds))
                    except FutureTimeout:
                        if time.monotonic() >= deadline:
                            raise
                    used = max((resident_mb(pid) for pid in self._pids()), default=0.0)
                    if used > memory_mb:
                        self.stop()
                        raise OcrTooMuchMemory(
                            f"the OCR worker used {used:.0f} MB (limit {memory_mb} MB)"
                        )
            except FutureTimeout as error:
                self.stop()
                raise OcrTimeout() from error
            except BrokenProcessPool as error:
                self.stop()
                raise OcrFailed("the OCR worker process died") from error
            except OcrFailed:
                raise
            except Exception as error:
                raise OcrFailed(str(error)) from error


WATCH_EVERY = 0.2
"""Seconds between two looks at the worker's memory while a page is read."""

DEFAULT_MEMORY_MB = 1500
"""The OCR worker's resident-memory limit when the caller gives none: RapidOCR's models and one
A4 page use about 700 MB."""

_WORKER = _Worker()


def stop_worker() -> None:
    """Stop the OCR worker process (e.g. at shutdown or in tests)."""
    _WORKER.stop()


def recognise(
    image: ImageArray,
    engine: OcrEngine,
    seconds: float,
    orient: bool = True,
    memory_mb: int = DEFAULT_MEMORY_MB,
) -> list[TextBox]:
    """Text boxes of `image`, in the worker process for our engines.

    Raises `OcrTimeout` past `seconds`, and `OcrTooMuchMemory` when the worker's resident memory
    passes `memory_mb` (the worker is killed in both cases; the next page starts a fresh one).
    """
    if isinstance(engine, RapidOcrEngine | TesseractEngine):
        return _WORKER.run(image, engine, orient, seconds, memory_mb)
    try:
        return prepare_and_recognise(image, engine, orient)
    except Exception as error:
        raise OcrFailed(str(error)) from error
