"""How long `intake --help` and `intake status` take to start and answer, and their peak memory.

Each command runs 5 times as a new process (`python -m intake ...`); the median wall time and the
largest peak resident size (the child's own, from wait4) are printed. `status` reads a small
SQLite store made for the purpose (the demo's config pointed at an empty temporary folder, the
store made and migrated by one untimed `status`). The target is 0.3 s for each.

Two rows per command: with a bytecode cache (a private one, filled by an untimed run first: how
an installed package runs), and without one (every module compiled at each start, as in a
virtualenv made with PYTHONDONTWRITEBYTECODE=1 and never byte-compiled).

    .venv/bin/python bench/cli_startup.py
    .venv/bin/python bench/cli_startup.py --runs 9
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TARGET_SECONDS = 0.3


@dataclass(frozen=True)
class Timing:
    """The runs of one command line."""

    label: str
    seconds: tuple[float, ...]
    peak_kb: int

    @property
    def median(self) -> float:
        return statistics.median(self.seconds)

    def line(self) -> str:
        verdict = "ok" if self.median < TARGET_SECONDS else f"over {TARGET_SECONDS} s"
        return (
            f"{self.label:<44} median {self.median:5.3f} s  "
            f"(min {min(self.seconds):.3f}, max {max(self.seconds):.3f})  "
            f"peak RSS {self.peak_kb / 1024:6.1f} MB  {verdict}"
        )


def run_once(argv: list[str], env: dict[str, str]) -> tuple[float, int]:
    """Wall time and peak resident size (KB) of one run; fails loudly on a non-zero exit."""
    started = time.perf_counter()
    child = subprocess.Popen(
        argv, env=env, cwd=REPO, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - started
    child.returncode = os.waitstatus_to_exitcode(status)
    error = child.stderr.read().decode() if child.stderr else ""
    if child.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} failed ({child.returncode}): {error}")
    return seconds, int(usage.ru_maxrss)


def measure(label: str, args: list[str], env: dict[str, str], runs: int) -> Timing:
    argv = [sys.executable, "-m", "intake", *args]
    run_once(argv, env)  # untimed: fills the bytecode cache when there is one
    results = [run_once(argv, env) for _ in range(runs)]
    return Timing(label, tuple(s for s, _ in results), max(kb for _, kb in results))


def small_store(folder: Path, env: dict[str, str]) -> Path:
    """A config with an empty, migrated SQLite store in `folder` (made in child processes: this
    one stays small, as a forked child's peak size starts from its parent's)."""
    (folder / "mailboxes").mkdir()
    config = folder / "intake.toml"
    make = f"from intake.commands.demo import local_config; local_config(__import__('pathlib').Path({str(folder)!r}))"
    subprocess.run([sys.executable, "-c", make], env=env, cwd=REPO, check=True)
    run_once([sys.executable, "-m", "intake", "status", "--config", str(config)], env)
    return config


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="timed runs per command (default 5)")
    options = parser.parse_args()
    base = {**os.environ, "PYTHONPATH": str(REPO)}
    with tempfile.TemporaryDirectory(prefix="intake-startup-") as work:
        folder = Path(work)
        cached = {**base, "PYTHONPYCACHEPREFIX": str(folder / "pycache")}
        cached.pop("PYTHONDONTWRITEBYTECODE", None)
        uncached = {**base, "PYTHONDONTWRITEBYTECODE": "1"}
        uncached.pop("PYTHONPYCACHEPREFIX", None)
        store = folder / "store"
        store.mkdir()
        config = small_store(store, cached)
        status = ["status", "--config", str(config)]
        timings = [
            measure("intake --help (bytecode cached)", ["--help"], cached, options.runs),
            measure("intake status (bytecode cached)", status, cached, options.runs),
            measure("intake --help (no bytecode cache)", ["--help"], uncached, options.runs),
            measure("intake status (no bytecode cache)", status, uncached, options.runs),
        ]
    print(f"{options.runs} runs each, python {sys.version.split()[0]}, {os.cpu_count()} cores")
    for timing in timings:
        print(timing.line())


if __name__ == "__main__":
    main()
