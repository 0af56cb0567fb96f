"""Whether the OCR workers fit in the memory this process may use.

Each of the `[ocr] workers` reader processes may grow to `[limits] ocr_memory_mb` before it is
killed, and the main process needs its own share (`BASE_MB`). A cgroup memory limit (systemd's
`MemoryMax=`, a container's `--memory`) smaller than their sum lets the kernel's OOM killer end
the whole service in the middle of a busy round instead of one file's reader: `intake run` and
`intake worker` refuse to start, and `intake config check` warns. `judge_memory` decides (pure);
`cgroup_memory_limit` reads the limit of this process's cgroup (v2 `memory.max`, or v1
`memory.limit_in_bytes`), the smallest along its ancestors.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from intake.errors import ConfigError
from intake.settings import ConfigProblem, Settings, Severity
from intake.settings.loader import key_line

BASE_MB = 600
"""The main process's share: store, pipeline, web console and the interpreter (measured at
about 250-400 MB resident during a round, with headroom)."""
UNLIMITED = 1 << 60  # cgroup v1 writes "no limit" as a huge number (9223372036854771712)
MB = 1024 * 1024
MIN_OCR_MEMORY_MB = 300  # the lowest `[limits] ocr_memory_mb` the config takes


class MemoryLimitTooSmall(ConfigError):
    """The OCR workers and the main process could use more memory than the cgroup allows."""


@dataclass(frozen=True)
class MemoryVerdict:
    """What `judge_memory` found: the need and the limit in MB, and whether they fit."""

    workers: int
    ocr_memory_mb: int
    base_mb: int
    limit_mb: int | None  # None: no limit

    @property
    def needed_mb(self) -> int:
        return self.workers * self.ocr_memory_mb + self.base_mb

    @property
    def fits(self) -> bool:
        return self.limit_mb is None or self.needed_mb <= self.limit_mb

    def line(self) -> str:
        """One line: the sum, the limit, and the fix."""
        return (
            f"[ocr] workers = {self.workers} × [limits] ocr_memory_mb = {self.ocr_memory_mb} MB "
            f"+ {self.base_mb} MB for the main process = {self.needed_mb} MB, more than this "
            f"process's memory limit of {self.limit_mb} MB (cgroup); the kernel would kill the "
            f"whole service instead of one file's reader (fix: {self.fix()})"
        )

    def fix(self) -> str:
        limit = self.limit_mb or 0
        room = limit - self.base_mb
        fixes = []
        if room // self.ocr_memory_mb >= 1:
            fixes.append(f"set [ocr] workers = {room // self.ocr_memory_mb}")
        if self.workers and room // self.workers >= MIN_OCR_MEMORY_MB:
            fixes.append(f"set [limits] ocr_memory_mb = {room // self.workers}")
        fixes.append(f"raise the service's MemoryMax to at least {self.needed_mb}M")
        return ", or ".join(fixes)


def judge_memory(
    workers: int, ocr_memory_mb: int, limit_bytes: int | None, base_mb: int = BASE_MB
) -> MemoryVerdict:
    """Whether `workers` readers of `ocr_memory_mb` each, plus `base_mb`, fit in `limit_bytes`
    (None: no limit)."""
    limit_mb = None if limit_bytes is None or limit_bytes >= UNLIMITED else limit_bytes // MB
    return MemoryVerdict(workers, ocr_memory_mb, base_mb, limit_mb)


def limit_value(text: str) -> int | None:
    """A cgroup limit file's value in bytes; None for no limit ("max", or v1's huge number)."""
    value = text.strip()
    if not value or value == "max":
        return None
    try:
        number = int(value)
    except ValueError:
        return None
    return None if number >= UNLIMITED else number


def memory_limit_files(proc_cgroup: str, root: Path) -> Iterator[Path]:
    """The limit files that bound a process whose `/proc/<pid>/cgroup` reads `proc_cgroup`,
    its own cgroup's first, then each ancestor's (v2 under `root` or `root/unified`, v1 under
    `root/memory`)."""
    for line in proc_cgroup.splitlines():
        parts = line.split(":", 2)
        if len(parts) != 3:
            continue
        hierarchy, controllers, path = parts
        bases: tuple[Path, ...]
        if hierarchy == "0" and controllers == "":
            bases, name = (root, root / "unified"), "memory.max"
        elif "memory" in controllers.split(","):
            bases, name = (root / "memory",), "memory.limit_in_bytes"
        else:
            continue
        here = PurePosixPath(path)
        for folder in (here, *here.parents):
            relative = str(folder).lstrip("/")
            for base in bases:
                yield (base / relative if relative else base) / name


def cgroup_memory_limit(
    proc_cgroup: Path = Path("/proc/self/cgroup"), root: Path = Path("/sys/fs/cgroup")
) -> int | None:
    """The memory limit of this process's cgroup in bytes, the smallest along its ancestors;
    None when there is none (or no cgroup file can be read: not Linux)."""
    try:
        text = proc_cgroup.read_text(encoding="ascii")
    except OSError:
        return None
    limits = []
    for path in memory_limit_files(text, root):
        try:
            value = limit_value(path.read_text(encoding="ascii"))
        except OSError:
            continue
        if value is not None:
            limits.append(value)
    return min(limits) if limits else None


def ocr_worker_count(configured: int) -> int:
    """The number of reader processes `[ocr] workers` means (0: one per core)."""
    from parsers.watched import default_workers

    return configured if configured > 0 else default_workers()


def memory_verdict(settings: Settings, limit_bytes: int | None = None) -> MemoryVerdict:
    """The verdict for this configuration under `limit_bytes` (None: this process's cgroup's)."""
    limit = cgroup_memory_limit() if limit_bytes is None else limit_bytes
    workers = ocr_worker_count(settings.ocr.workers)
    return judge_memory(workers, settings.limits.ocr_memory_mb, limit)


def memory_problems(settings: Settings, limit_bytes: int | None = None) -> list[ConfigProblem]:
    """A warning for `intake config check` when the readers would not fit in this machine's
    cgroup limit (where the check runs is not always where the service runs: a warning)."""
    verdict = memory_verdict(settings, limit_bytes)
    if verdict.fits:
        return []
    message, _, fix = verdict.line().rpartition(" (fix: ")
    return [
        ConfigProblem(
            str(settings.path),
            key_line(settings, "ocr", "workers"),
            "ocr.workers",
            message,
            fix.removesuffix(")"),
            Severity.WARNING,
        )
    ]


def refuse_over_memory(settings: Settings, limit_bytes: int | None = None) -> None:
    """Raise MemoryLimitTooSmall (one line with the fix) when the readers would not fit."""
    verdict = memory_verdict(settings, limit_bytes)
    if not verdict.fits:
        raise MemoryLimitTooSmall(f"{verdict.line()}; nothing was started")
