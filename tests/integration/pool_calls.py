"""Small calls for the reader pool's tests: this module imports next to nothing, so a fresh
worker process that unpickles one starts quickly."""

from __future__ import annotations

import os
import time


def pid_after(seconds: float) -> int:
    """The worker's process id, after sleeping `seconds`."""
    time.sleep(seconds)
    return os.getpid()


def hold_memory(megabytes: int) -> int:
    """Hold `megabytes` of resident memory (every page touched) for 30 s."""
    block = bytearray(megabytes * 1024 * 1024)
    for offset in range(0, len(block), 4096):
        block[offset] = 1
    time.sleep(30)
    return len(block)
