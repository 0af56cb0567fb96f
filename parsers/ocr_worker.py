"""OCR of one image in a separate worker process, under a time and a memory limit.

The worker (`parsers.watched.WatchedWorker`) is started on first use and kept, so the RapidOCR
models load once; a page that takes longer or uses more memory than allowed gets its worker
killed (the next page starts a fresh one). Our own engines (RapidOCR, tesseract) run there; any
other engine object runs in the calling process. Inside the document reader's own worker
(`parsers.isolated`), pages are read in that process instead, already watched.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from parsers.model import TextBox
from parsers.ocr import OcrEngine, RapidOcrEngine, TesseractEngine, tesseract_orientation
from parsers.preprocess import prepare_mapped, rotate
from parsers.provenance import with_sources
from parsers.watched import (
    WatchedWorker,
    WorkerFailed,
    WorkerTimeout,
    WorkerTooMuchMemory,
)

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


def prepare_and_recognise(image: ImageArray, engine: OcrEngine, orient: bool) -> list[TextBox]:
    """Prepare the image and read it, turning it upright first when `orient`.

    RapidOCR finds the orientation from its own detection and line classifier
    (`RapidOcrEngine.read_page`). Other engines get tesseract OSD; when their text still reads
    as standing on its side, the page is also read turned 90° both ways and the reading with
    the most confident text wins.
    """
    if isinstance(engine, RapidOcrEngine):
        prepared, page = prepare_mapped(image)
        boxes, turn = engine.read_page_turned(prepared, orient=orient)
        return with_sources(boxes, page, prepared, turn)
    prepared, page = prepare_mapped(image, tesseract_orientation if orient else None)
    boxes = engine.recognise(prepared)
    if not orient or not looks_sideways(boxes):
        return with_sources(boxes, page, prepared, 0)
    readings = [(boxes, 0)] + [
        (engine.recognise(rotate(prepared, turn)), turn) for turn in (90, 270)
    ]
    best, turn = max(readings, key=lambda reading: _text_weight(reading[0]))
    return with_sources(best, page, prepared, turn)


def looks_sideways(boxes: list[TextBox]) -> bool:
    """True when most multi-character boxes are much taller than wide (vertical text lines)."""
    shapes = [(b.y1 - b.y0) / max(b.x1 - b.x0, 1.0) for b in boxes if len(b.text.strip()) >= 3]
    if len(shapes) < 3:
        return False
    return sum(1 for ratio in shapes if ratio > 1.5) > len(shapes) / 2


def _text_weight(boxes: list[TextBox]) -> float:
    return sum(len(b.text.strip()) * b.confidence for b in boxes)


DEFAULT_MEMORY_MB = 1500
"""The OCR worker's resident-memory limit when the caller gives none: RapidOCR's models and one
A4 page use about 700 MB."""

_WORKER = WatchedWorker("OCR worker")


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
        try:
            return _WORKER.run(
                prepare_and_recognise, image, engine, orient, seconds=seconds, memory_mb=memory_mb
            )
        except WorkerTimeout as error:
            raise OcrTimeout() from error
        except WorkerTooMuchMemory as error:
            raise OcrTooMuchMemory(str(error)) from error
        except WorkerFailed as error:
            raise OcrFailed(str(error)) from error
    try:
        return prepare_and_recognise(image, engine, orient)
    except Exception as error:
        raise OcrFailed(str(error)) from error
