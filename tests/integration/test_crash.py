"""The crash test (`bench/crash_test.py`) at a smaller size: 40 mails to 3 offices, the worker
killed with SIGKILL 6 times (the first while it makes the digests, then mid-fetch, mid-parse,
right after a commit, mid-send), then a clean run: every mail stored once, every filing decided
once, every reply and digest received once, nothing quarantined.

The seed is new each run (set INTAKE_CRASH_SEED to repeat one); a failure names it.
"""

from __future__ import annotations

import importlib.util
import os
import random
import sys
from pathlib import Path
from types import ModuleType

import pytest

REPO = Path(__file__).resolve().parents[2]


def crash_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("crash_test", REPO / "bench" / "crash_test.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["crash_test"] = module
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_killed_worker_leaves_everything_done_exactly_once(tmp_path: Path) -> None:
    crash = crash_module()
    seed = int(os.environ.get("INTAKE_CRASH_SEED") or random.SystemRandom().randrange(10**6))
    outcome = crash.run(seed, 40, 6, 3, tmp_path)
    text = crash.report(outcome, seed)
    print(text)
    assert outcome.ok, text
    assert len(outcome.kills) == 6
    counts = outcome.counts
    assert counts["messages stored"] == counts["decided"] == 40
    assert counts["replies received"] == counts["mails wanting a reply"] > 0
    assert counts["digests received"] == counts["digests made"] == 3
