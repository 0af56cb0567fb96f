"""Workers on several hosts, simulated as processes on this one: a burst of filings over several
mailboxes on the test Dovecot, answered by two `intake worker` processes sharing PostgreSQL and a
Redis broker, one of them killed with SIGKILL (by its pid) mid-burst. Every mail is stored once
and decided, and the SMTP server receives exactly one reply to each (bench/cluster_bench.py at a
small size)."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

REPO = Path(__file__).resolve().parents[2]


def bench_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        "cluster_bench", REPO / "bench" / "cluster_bench.py"
    )
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["cluster_bench"] = module
    spec.loader.exec_module(module)
    return module


@pytest.mark.timeout(120)
def test_a_burst_over_several_mailboxes_is_answered_once_with_a_worker_killed(
    tmp_path: Path,
) -> None:
    bench = bench_module()
    outcome = bench.run(28, 4, 2, tmp_path, concurrency=2, kill=True, timeout=90)
    assert outcome.ok, outcome.problems
    assert len(outcome.killed) == 1
    counts = outcome.counts
    assert counts["messages stored"] == counts["decided"] == 28
    assert counts["quarantined"] == 0
    assert counts["replies received"] == counts["mails answered once"] == 28
