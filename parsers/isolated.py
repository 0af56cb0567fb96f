"""`read_document` in a watched worker process: every reader, not only OCR, under limits.

xlsx, docx, PDF text and archives are read by libraries that can be made to use gigabytes or
minutes by a small hostile file (a sharedStrings table that expands to hundreds of MB, a
decompression bomb the format allows). Here the whole file is read in a kept worker process
(`parsers.watched`): past `ocr_memory_mb` of resident memory, or `seconds_per_document` without
progress (a page or member begun), the worker is killed and the file comes back as one
unreadable document with the reason; the caller's process never is. Pages are OCR'd inside that
worker, in process, so the models load once there.

An engine object that is not one of ours (a test's stand-in) cannot be sent to another
process; with one, the file is read in the calling process as before.
"""

from __future__ import annotations

from dataclasses import replace

from parsers.model import ParsedDocument
from parsers.ocr import OcrEngine, RapidOcrEngine, TesseractEngine
from parsers.reader import ParseLimits, read_document
from parsers.watched import (
    WatchedWorker,
    WorkerDied,
    WorkerFailed,
    WorkerTimeout,
    WorkerTooMuchMemory,
)
from vocabulary.documents import DocumentKind

_READER = WatchedWorker("document reader")


def read_isolated(
    name: str, data: bytes, limits: ParseLimits | None = None, ocr: OcrEngine | None = None
) -> list[ParsedDocument]:
    """Every document found in the file, read in the watched worker; never raises."""
    limits = limits or ParseLimits()
    if ocr is not None and not isinstance(ocr, RapidOcrEngine | TesseractEngine):
        return read_document(name, data, limits, ocr)
    inside = replace(limits, ocr_in_process=True)
    try:
        return _READER.run(
            read_document,
            name,
            data,
            inside,
            ocr,
            seconds=limits.seconds_per_document,
            memory_mb=limits.ocr_memory_mb,
        )
    except WorkerTimeout:
        return [_unreadable(name, "timeout")]
    except WorkerTooMuchMemory as error:
        return [_unreadable(name, "too_much_memory", str(error))]
    except WorkerDied as error:
        return [_unreadable(name, "reader_died", str(error))]
    except WorkerFailed as error:
        return [_unreadable(name, "damaged", str(error))]


def stop_reader() -> None:
    """Stop the reader's worker process (at shutdown, or in tests)."""
    _READER.stop()


def reader_pids() -> list[int]:
    """The reader worker's process id once it runs (for benchmarks that measure its memory)."""
    return _READER.pids()


def _unreadable(name: str, reason: str, note: str = "") -> ParsedDocument:
    notes = (note[:200],) if note else ()
    return ParsedDocument(file=name, kind=DocumentKind.OTHER, unreadable=reason, notes=notes)
