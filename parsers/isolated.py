"""`read_document` in watched worker processes: every reader, not only OCR, under limits.

xlsx, docx, PDF text and archives are read by libraries that can be made to use gigabytes or
minutes by a small hostile file (a sharedStrings table that expands to hundreds of MB, a
decompression bomb the format allows). Here each file is read in one of a pool of kept worker
processes (`parsers.watched.WatchedPool`, `ParseLimits.workers` of them, one per core by
default): past `ocr_memory_mb` of resident memory, or `seconds_per_document` without progress
(a page or member begun), that worker is killed and the file comes back as one unreadable
document with the reason; the caller's process and the other workers never are. Pages are
OCR'd inside the worker, in process, so the models load once there. `read_all` reads the files
of one mail at once, one per worker, so every core reads.

An engine object that is not one of ours (a test's stand-in) cannot be sent to another
process; with one, the file is read in the calling process as before.
"""

from __future__ import annotations

from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

from parsers.model import ParsedDocument
from parsers.ocr import OcrEngine, RapidOcrEngine, TesseractEngine
from parsers.reader import ParseLimits, read_document
from parsers.watched import (
    WatchedPool,
    WorkerDied,
    WorkerFailed,
    WorkerTimeout,
    WorkerTooMuchMemory,
)
from vocabulary.documents import DocumentKind

_READERS = WatchedPool("document reader")


def read_isolated(
    name: str, data: bytes, limits: ParseLimits | None = None, ocr: OcrEngine | None = None
) -> list[ParsedDocument]:
    """Every document found in the file, read in a watched worker; never raises."""
    limits = limits or ParseLimits()
    if ocr is not None and not isinstance(ocr, RapidOcrEngine | TesseractEngine):
        return read_document(name, data, limits, ocr)
    _READERS.resize(limits.workers)
    inside = replace(limits, ocr_in_process=True)
    try:
        return _READERS.run(
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


def read_all(
    files: Sequence[tuple[str, bytes]],
    limits: ParseLimits | None = None,
    ocr: OcrEngine | None = None,
) -> list[list[ParsedDocument]]:
    """`read_isolated` of each (name, data), in parallel on the pool, results in input order.

    Each file keeps its own time and memory limit in its own worker: one that passes a limit
    comes back unreadable alone.
    """
    limits = limits or ParseLimits()
    _READERS.resize(limits.workers)
    ours = ocr is None or isinstance(ocr, RapidOcrEngine | TesseractEngine)
    if len(files) <= 1 or _READERS.size == 1 or not ours:
        return [read_isolated(name, data, limits, ocr) for name, data in files]
    with ThreadPoolExecutor(max_workers=min(_READERS.size, len(files))) as threads:
        return list(threads.map(lambda file: read_isolated(file[0], file[1], limits, ocr), files))


def stop_reader() -> None:
    """Stop the reader worker processes (at shutdown, or in tests)."""
    _READERS.stop()


def reader_pids() -> list[int]:
    """The reader workers' process ids while they run (for benchmarks that measure memory)."""
    return _READERS.pids()


def _unreadable(name: str, reason: str, note: str = "") -> ParsedDocument:
    notes = (note[:200],) if note else ()
    return ParsedDocument(file=name, kind=DocumentKind.OTHER, unreadable=reason, notes=notes)
