"""One kept worker process that runs a function under a time limit and a memory limit.

The process is started on first use (spawned, so it shares no state with the caller) and kept,
so models and imports load once. While a call runs, the caller looks at the worker's resident
memory every `WATCH_EVERY` seconds and kills it past the limit; past the time limit it is
killed too, and the next call starts a fresh one. The worker may report progress
(`progress.tick`): each tick gives the call its time limit anew, so a long archive of quick
pages is not cut off while one page that hangs is. A worker may be started with variables of
its own in its environment (`environment`: the reader's allocator, `parsers.allocator`).
"""

from __future__ import annotations

import multiprocessing
import os
import queue
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from parsers import progress

WATCH_EVERY = 0.2
"""Seconds between two looks at the worker's memory while a call runs."""

Result = TypeVar("Result")


class WorkerTimeout(Exception):
    """The call took longer than allowed since its last progress; the worker was killed."""


class WorkerFailed(Exception):
    """The worker process died, or the function raised."""


class WorkerTooMuchMemory(WorkerFailed):
    """The worker's resident memory passed the limit; it was killed."""


class WorkerDied(WorkerFailed):
    """The worker process ended in the middle of the call (killed, or crashed natively)."""


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


_ENVIRONMENT_LOCK = threading.Lock()


@contextmanager
def _started_with(environment: Mapping[str, str]) -> Iterator[None]:
    """This process's environment with `environment` added while a worker is spawned (a spawned
    process inherits it); put back as it was after. Other threads that start a process at the
    same moment may see the variables too."""
    if not environment:
        yield
        return
    with _ENVIRONMENT_LOCK:
        saved = {key: os.environ.get(key) for key in environment}
        os.environ.update(environment)
        try:
            yield
        finally:
            for key, value in saved.items():
                if value is None:
                    os.environ.pop(key, None)
                else:
                    os.environ[key] = value


class WatchedWorker:
    """A kept worker process of this process, started lazily; one call at a time."""

    def __init__(self, name: str, environment: Mapping[str, str] | None = None) -> None:
        self.name = name
        self.environment = dict(environment or {})
        self._pool: ProcessPoolExecutor | None = None
        self._ticks: Any = None
        self._lock = threading.Lock()

    def _executor(self) -> ProcessPoolExecutor:
        if self._pool is None:
            context = multiprocessing.get_context("spawn")
            self._ticks = context.Value("q", 0, lock=False)
            self._pool = ProcessPoolExecutor(
                max_workers=1,
                mp_context=context,
                initializer=progress.install,
                initargs=(self._ticks,),
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

    def pids(self) -> list[int]:
        """The worker's process id, once it runs."""
        processes = getattr(self._pool, "_processes", None) or {}
        return [int(pid) for pid in processes]

    def run(
        self,
        function: Callable[..., Result],
        *args: Any,
        seconds: float,
        memory_mb: int,
    ) -> Result:
        """`function(*args)` in the worker; raises `WorkerTimeout`, `WorkerTooMuchMemory`,
        `WorkerDied` or `WorkerFailed` (the function's own error) instead of returning."""
        with self._lock:
            if self._pool is None:  # the process is spawned by this first submit
                with _started_with(self.environment):
                    future = self._executor().submit(function, *args)
            else:
                future = self._executor().submit(function, *args)
            seen = self._ticks.value
            deadline = time.monotonic() + seconds
            try:
                while True:
                    try:
                        return future.result(timeout=WATCH_EVERY)
                    except FutureTimeout:
                        if self._ticks.value != seen:
                            seen = self._ticks.value
                            deadline = time.monotonic() + seconds
                        elif time.monotonic() >= deadline:
                            raise
                    used = max((resident_mb(pid) for pid in self.pids()), default=0.0)
                    if used > memory_mb:
                        self.stop()
                        raise WorkerTooMuchMemory(
                            f"the {self.name} used {used:.0f} MB (limit {memory_mb} MB)"
                        )
            except FutureTimeout as error:
                self.stop()
                raise WorkerTimeout(f"the {self.name} took over {seconds:.0f} s") from error
            except BrokenProcessPool as error:
                self.stop()
                raise WorkerDied(f"the {self.name} process died") from error
            except WorkerFailed:
                raise
            except Exception as error:
                raise WorkerFailed(str(error)) from error


def default_workers() -> int:
    """One worker per core this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # pragma: no cover - not Linux
        return max(1, multiprocessing.cpu_count())


class WatchedPool:
    """Up to `size` kept worker processes, each a `WatchedWorker` with its own limits.

    Calls from several threads run at once, one per worker; a call takes whichever worker is
    idle (started on first use) and waits while all are busy. A call that passes its time or
    memory limit kills its own worker only; the others' calls go on.
    """

    def __init__(
        self, name: str, size: int = 0, environment: Mapping[str, str] | None = None
    ) -> None:
        self.name = name
        self.environment = dict(environment or {})
        self._guard = threading.Lock()
        self._busy = 0
        self._most_busy = 0
        self._workers: list[WatchedWorker] = []
        self._idle: queue.SimpleQueue[WatchedWorker] = queue.SimpleQueue()
        self.resize(size)

    @property
    def size(self) -> int:
        """How many worker processes the pool may run."""
        return len(self._workers)

    def resize(self, size: int, environment: Mapping[str, str] | None = None) -> None:
        """Make the pool `size` workers (0: one per core), started with `environment` (None:
        as before); a change of either stops the current ones."""
        wanted = size if size > 0 else default_workers()
        with self._guard:
            if environment is not None and dict(environment) != self.environment:
                self.environment = dict(environment)
            elif wanted == len(self._workers):
                return
            for worker in self._workers:
                worker.stop()
            self._workers = [WatchedWorker(self.name, self.environment) for _ in range(wanted)]
            self._idle = queue.SimpleQueue()
            for worker in self._workers:
                self._idle.put(worker)

    def stop(self) -> None:
        """Kill every worker process (they start again on the next call)."""
        with self._guard:
            for worker in self._workers:
                worker.stop()

    def pids(self) -> list[int]:
        """The process ids of the workers that run now."""
        return [pid for worker in list(self._workers) for pid in worker.pids()]

    def most_busy(self, reset: bool = False) -> int:
        """The most calls that ran at once (each in its own worker) since the last reset."""
        with self._guard:
            most = self._most_busy
            if reset:
                self._most_busy = self._busy
            return most

    def _count(self, change: int) -> None:
        with self._guard:
            self._busy += change
            self._most_busy = max(self._most_busy, self._busy)

    def run(
        self,
        function: Callable[..., Result],
        *args: Any,
        seconds: float,
        memory_mb: int,
    ) -> Result:
        """`function(*args)` in an idle worker, as `WatchedWorker.run` (same errors)."""
        idle = self._idle
        worker = idle.get()
        self._count(+1)
        try:
            return worker.run(function, *args, seconds=seconds, memory_mb=memory_mb)
        finally:
            self._count(-1)
            idle.put(worker)
