"""`read_document` in watched worker processes: every reader, not only OCR, under limits.

xlsx, docx, PDF text and archives are read by libraries that can be made to use gigabytes or
minutes by a small hostile file (a sharedStrings table that expands to hundreds of MB, a
decompression bomb the format allows). Here each file is read in one of a pool of kept worker
processes (`parsers.watched.WatchedPool`, `ParseLimits.workers` of them, one per core by
default): past `ocr_memory_mb` of resident memory, or `seconds_per_document` without progress
(a page or member begun), that worker is killed and the file comes back as one unreadable
document with the reason; the caller's process and the other workers never are. Pages are
OCR'd inside the worker, in process, so the models load once there. `read_all` reads the files
of one mail at once, one per worker, so every core reads; `read_isolated` may be called from
several threads at once (the pipeline reads the mails of a round so). The scanned pages of one
PDF are read at once too, each page a call of its own with its own limits, merged in page order
(`parsers.reader.read_pdf_page`): the same documents as one call would return. The reader
processes run with jemalloc when it is installed (`parsers.allocator`).

An engine object that is not one of ours (a test's stand-in) cannot be sent to another
process; with one, the file is read in the calling process as before.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import Any

from parsers.allocator import Allocator, reader_environment
from parsers.model import ParsedDocument
from parsers.ocr import OcrEngine, RapidOcrEngine, TesseractEngine
from parsers.reader import ParseLimits, pdf_overflow, pdf_scans, read_document, read_pdf_page
from parsers.watched import (
    WatchedPool,
    WorkerDied,
    WorkerFailed,
    WorkerTimeout,
    WorkerTooMuchMemory,
)
from vocabulary.documents import DocumentKind

_READERS = WatchedPool("document reader")


ALLOCATOR_VARIABLE = "INTAKE_READER_ALLOCATOR"
"""Set to ``glibc`` to start reader processes without jemalloc (default ``auto``)."""


def ours(ocr: OcrEngine | None) -> bool:
    """Whether files read with `ocr` go to the reader processes (our engines, or none); an
    engine object of the caller's (a test's stand-in) cannot be sent to another process."""
    return ocr is None or isinstance(ocr, RapidOcrEngine | TesseractEngine)


def reader_count(limits: ParseLimits | None = None) -> int:
    """How many reader processes read at once under `limits` (`workers`, 0: one per core)."""
    _prepare((limits or ParseLimits()).workers)
    return _READERS.size


def _prepare(workers: int) -> None:
    allocator = Allocator(os.environ.get(ALLOCATOR_VARIABLE, "auto").strip().lower() or "auto")
    _READERS.resize(workers, reader_environment(allocator))


def read_isolated(
    name: str, data: bytes, limits: ParseLimits | None = None, ocr: OcrEngine | None = None
) -> list[ParsedDocument]:
    """Every document found in the file, read in a watched worker; never raises."""
    limits = limits or ParseLimits()
    if not ours(ocr):
        return read_document(name, data, limits, ocr)
    _prepare(limits.workers)
    inside = replace(limits, ocr_in_process=True)
    if _READERS.size > 1 and data[:4096].startswith(b"%PDF-"):
        pages = _pdf_by_pages(name, data, limits, inside, ocr)
        if pages is not None:
            return pages
    return _watched(name, limits, read_document, name, data, inside, ocr)


def _watched(
    name: str, limits: ParseLimits, function: Callable[..., list[ParsedDocument]], *args: Any
) -> list[ParsedDocument]:
    """`function(*args)` on the pool under `limits`; a limit passed is one unreadable `name`."""
    try:
        return _READERS.run(
            function,
            *args,
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


def _pdf_by_pages(
    name: str, data: bytes, limits: ParseLimits, inside: ParseLimits, ocr: OcrEngine | None
) -> list[ParsedDocument] | None:
    """A PDF with two or more scanned pages read a page per call, at once; None when it has
    fewer (or cannot be looked into): it is then read in one call, as any file."""
    try:
        plan = _READERS.run(
            pdf_scans,
            name,
            data,
            inside,
            seconds=limits.seconds_per_document,
            memory_mb=limits.ocr_memory_mb,
        )
    except WorkerFailed:
        return None
    except WorkerTimeout:
        return None
    if plan is None or len(plan[1]) < 2:
        return None
    total, _ = plan
    numbers = range(1, min(total, limits.max_pages) + 1)

    def page(number: int) -> list[ParsedDocument]:
        part = f"{name}#page={number}"
        return _watched(part, limits, read_pdf_page, name, data, number, total, inside, ocr)

    with ThreadPoolExecutor(max_workers=min(_READERS.size, len(numbers))) as threads:
        pages = list(threads.map(page, numbers))
    return [document for documents in pages for document in documents] + pdf_overflow(
        name, total, limits
    )


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
    _prepare(limits.workers)
    if len(files) <= 1 or _READERS.size == 1 or not ours(ocr):
        return [read_isolated(name, data, limits, ocr) for name, data in files]
    with ThreadPoolExecutor(max_workers=min(_READERS.size, len(files))) as threads:
        return list(threads.map(lambda file: read_isolated(file[0], file[1], limits, ocr), files))


def stop_reader() -> None:
    """Stop the reader worker processes (at shutdown, or in tests)."""
    _READERS.stop()


def reader_pids() -> list[int]:
    """The reader workers' process ids while they run (for benchmarks that measure memory)."""
    return _READERS.pids()


def readers_most_busy(reset: bool = False) -> int:
    """The most reader processes that read at once since the last reset (tests, benchmarks)."""
    return _READERS.most_busy(reset)


def _unreadable(name: str, reason: str, note: str = "") -> ParsedDocument:
    notes = (note[:200],) if note else ()
    return ParsedDocument(file=name, kind=DocumentKind.OTHER, unreadable=reason, notes=notes)
