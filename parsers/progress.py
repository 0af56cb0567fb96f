"""Progress ticks from a watched worker process to the process watching it.

A worker started by `parsers.watched.WatchedWorker` gets a shared counter at start (`install`);
readers call `tick()` when they begin a page or an archive member, and the watcher gives the
call its time limit anew. Outside such a worker `tick()` does nothing.
"""

from __future__ import annotations

from typing import Any

_counter: list[Any] = []


def install(counter: Any) -> None:
    """Called once in the worker process, with the watcher's shared counter."""
    _counter[:] = [counter]


def tick() -> None:
    """Say that the work moved on (a new page, a new member)."""
    if _counter:
        _counter[0].value += 1
