"""The maintenance crash test (`bench/maintenance_crash.py`) at a smaller size: one seed (the
bench takes several), a store of 16 mails (half stored 90 days ago, half a day ago, retention
30 days), `intake keys rotate` and `intake purge` each killed with SIGKILL at 3 random moments,
then run to the end: everything under the current key and readable, the old mail purged, the
new mail whole.

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


def maintenance_module() -> ModuleType:
    path = REPO / "bench" / "maintenance_crash.py"
    spec = importlib.util.spec_from_file_location("maintenance_crash", path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["maintenance_crash"] = module
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_rotation_and_purge_killed_then_finished_lose_nothing(tmp_path: Path) -> None:
    crash = maintenance_module()
    seed = int(os.environ.get("INTAKE_CRASH_SEED") or random.SystemRandom().randrange(10**6))
    outcome = crash.run(seed, 16, 3, tmp_path)
    text = crash.report(outcome)
    print(text)
    assert outcome.ok, text
    assert len(outcome.kills) >= 4
    counts = outcome.counts
    assert counts["items outside the current key"] == 0
    assert counts["mails purged"] == counts["old mails"] == 8
    assert counts["new raw mails read back"] == counts["new mails"] == 8
