"""Which memory allocator a reader process runs with, and the environment that selects it.

glibc's malloc keeps large freed blocks on its heap, so a reader process grows past 450 MB over
a few A4 pages; fixing its mmap threshold (`parsers.ocr.tune_malloc`) keeps it under 400 MB but
costs about 0.6 s of system CPU per page in page faults. jemalloc (Debian's libjemalloc2)
returns freed pages by itself and reuses them without those faults. The reader processes are
started with it preloaded when the library is installed (`reader_environment`); the caller's
own process keeps glibc's malloc. `[ocr] allocator = "glibc"` turns it off.
"""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path

JEMALLOC_PATHS = (
    "/usr/lib/x86_64-linux-gnu/libjemalloc.so.2",
    "/usr/lib/aarch64-linux-gnu/libjemalloc.so.2",
    "/usr/lib64/libjemalloc.so.2",
    "/usr/lib/libjemalloc.so.2",
)
"""Where Debian (and a few other systems) install jemalloc's shared library."""

JEMALLOC_CONF = (
    "background_thread:false,narenas:1,tcache:false,dirty_decay_ms:1000,muzzy_decay_ms:0"
)
"""jemalloc's settings in a reader: no extra thread, one arena and no thread caches (a reader
reads on one thread), freed pages handed back within a second (the reader also purges after
each page, `parsers.ocr.release_memory`)."""


class Allocator(StrEnum):
    """The malloc a reader process uses."""

    AUTO = "auto"
    """jemalloc when installed, else glibc's with its mmap threshold fixed."""
    JEMALLOC = "jemalloc"
    GLIBC = "glibc"


def find_jemalloc(candidates: tuple[str, ...] = JEMALLOC_PATHS) -> str | None:
    """The path of an installed jemalloc library, or None."""
    for candidate in candidates:
        if Path(candidate).is_file():
            return candidate
    return None


def reader_environment(allocator: Allocator = Allocator.AUTO) -> dict[str, str]:
    """The variables a reader process is started with for `allocator` (empty: glibc's)."""
    if allocator is Allocator.GLIBC:
        return {}
    library = find_jemalloc()
    if library is None:
        return {}
    return {"LD_PRELOAD": library, "MALLOC_CONF": JEMALLOC_CONF}
