"""Which allocator a reader process is started with, and the environment it is started in."""

from __future__ import annotations

import os
from pathlib import Path

from parsers.allocator import Allocator, find_jemalloc, reader_environment
from parsers.watched import _started_with


def test_jemalloc_is_found_where_it_is_installed(tmp_path: Path) -> None:
    library = tmp_path / "libjemalloc.so.2"
    assert find_jemalloc((str(library),)) is None
    library.write_bytes(b"")
    assert find_jemalloc((str(tmp_path / "missing.so"), str(library))) == str(library)


def test_glibc_asks_for_no_variables() -> None:
    assert reader_environment(Allocator.GLIBC) == {}
    chosen = reader_environment(Allocator.AUTO)
    assert chosen == {} or chosen["LD_PRELOAD"].endswith("libjemalloc.so.2")


def test_the_variables_are_there_while_a_worker_starts_and_gone_after() -> None:
    key = "INTAKE_TEST_READER_VARIABLE"
    assert key not in os.environ
    with _started_with({key: "1"}):
        assert os.environ[key] == "1"
    assert key not in os.environ
    os.environ[key] = "before"
    try:
        with _started_with({key: "during"}):
            assert os.environ[key] == "during"
        assert os.environ[key] == "before"
    finally:
        del os.environ[key]
