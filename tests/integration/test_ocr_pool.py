"""The pool of reader processes, and the lean OCR path against the full one.

The pool runs calls at once in separate processes, and a call over its time or memory limit is
killed alone: the call beside it, in its own worker, finishes in the same process it began in.
The lean RapidOCR path (inked part only, batches padded to their widest line) reads the same
fields as the full path, and the ground truth, on sample forms and an ID card, read two at a
time on the pool as the parse step reads the attachments of a mail.
"""

from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from typing import Any

import pytest

from parsers.isolated import read_all, stop_reader
from parsers.model import ParsedDocument
from parsers.ocr import RapidOcrEngine, inked_box
from parsers.reader import ParseLimits, read_document
from parsers.watched import WatchedPool, WorkerTimeout, WorkerTooMuchMemory
from tests.integration.pool_calls import hold_memory, pid_after
from tests.unit.test_parsers_samples import OUT, _truth

SAMPLES = ["scan_01_table_clean.png", "scan_02_lines_clean.jpg", "idcard_front_04_clean.jpg"]


def _at_once(pool: WatchedPool, *calls: tuple[Any, ...]) -> list[Any]:
    """Each (function, arg, seconds, memory_mb) on the pool from its own thread; results or
    the exceptions raised, in order."""

    def one(call: tuple[Any, ...]) -> Any:
        function, arg, seconds, memory = call
        try:
            return pool.run(function, arg, seconds=seconds, memory_mb=memory)
        except Exception as error:
            return error

    with ThreadPoolExecutor(len(calls)) as threads:
        return list(threads.map(one, calls))


def test_the_pool_runs_calls_at_once_in_separate_processes() -> None:
    pool = WatchedPool("test pool", 2)
    try:  # each worker first imports this module, under a long limit
        warm = _at_once(pool, (pid_after, 0.5, 60, 2000), (pid_after, 0.5, 60, 2000))
        assert len(set(warm)) == 2 and set(warm) == set(pool.pids())
        started = time.monotonic()
        pids = _at_once(pool, (pid_after, 1.5, 60, 2000), (pid_after, 1.5, 60, 2000))
        assert time.monotonic() - started < 2.7  # one after the other would take 3 s
        assert set(pids) == set(warm)
    finally:
        pool.stop()


def test_a_call_over_its_limit_is_killed_alone() -> None:
    pool = WatchedPool("test pool", 2)
    try:
        warm = set(_at_once(pool, (pid_after, 0.5, 60, 2000), (pid_after, 0.5, 60, 2000)))
        hog, calm = _at_once(pool, (hold_memory, 400, 60, 200), (pid_after, 2.0, 60, 2000))
        assert isinstance(hog, WorkerTooMuchMemory) and "200 MB" in str(hog)
        assert calm in warm  # the worker beside it was not touched
        slow, calm = _at_once(pool, (pid_after, 30, 1.0, 2000), (pid_after, 2.0, 60, 2000))
        assert isinstance(slow, WorkerTimeout)
        assert calm in warm
        assert len(set(pool.pids()) & warm) == 1  # only the killed ones were replaced
    finally:
        pool.stop()


def _fields(documents: list[ParsedDocument]) -> list[dict[str, Any]]:
    return [
        {
            "file": d.file,
            "kind": d.kind.value,
            "fields": {k: v.value for k, v in d.fields.items() if not k.endswith("_written")},
            "accounts": [{k: v.value for k, v in a.items()} for a in d.accounts],
        }
        for d in documents
    ]


@pytest.fixture(scope="module")
def lean_readings() -> list[list[ParsedDocument]]:
    files = [(name, (OUT / name).read_bytes()) for name in SAMPLES]
    try:
        return read_all(files, ParseLimits(workers=2), RapidOcrEngine())
    finally:
        stop_reader()


@pytest.mark.parametrize("index", range(len(SAMPLES)))
def test_the_lean_path_reads_what_the_full_path_reads(
    lean_readings: list[list[ParsedDocument]], index: int
) -> None:
    name = SAMPLES[index]
    full = read_document(
        name,
        (OUT / name).read_bytes(),
        replace(ParseLimits(), ocr_in_process=True),
        RapidOcrEngine(lean=False),
    )
    assert _fields(lean_readings[index]) == _fields(full) == _truth(name)
    assert all(d.engine == "rapidocr" for d in lean_readings[index])


def test_the_inked_box_leaves_out_blank_paper() -> None:
    import numpy as np

    page = np.full((2000, 1400, 3), 255, dtype=np.uint8)
    page[300:500, 200:900] = 0
    x0, y0, x1, y1 = inked_box(page, margin=16)
    assert 176 <= x0 <= 200 and 276 <= y0 <= 300 and 900 <= x1 <= 924 and 500 <= y1 <= 524
    assert inked_box(np.full((100, 80, 3), 255, dtype=np.uint8)) == (0, 0, 80, 100)
