"""The maintenance crash test (`bench/maintenance_crash.py`) at a smaller size: one seed (the
bench takes several), a store of 16 mails (half stored 90 days ago, half a day ago, retention
30 days), `intake keys rotate` and `intake purge` each killed with SIGKILL at 3 random moments,
then run to the end: everything under the current key and readable, the old mail purged, the
new mail whole.

The seed is fixed (INTAKE_CRASH_SEED=<n> repeats another, INTAKE_CRASH_SEED=random draws one;
a failure names it). The kills still fall where the processes happen to be, so the runs differ
in timing; the properties must hold for every timing.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from tests.integration.crash_seeds import crash_seed

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
    seed = crash_seed(21)
    outcome = crash.run(seed, 16, 3, tmp_path)
    text = crash.report(outcome)
    print(text)
    assert outcome.ok, text
    assert len(outcome.kills) >= 4
    counts = outcome.counts
    assert counts["items outside the current key"] == 0
    assert counts["mails purged"] == counts["old mails"] == 8
    assert counts["new raw mails read back"] == counts["new mails"] == 8
