"""The sample generator run for real: a small run writes documents whose truth files are
self-consistent and whose first form matches the committed samples.

The generator runs as its own process and takes seconds; the checks of the committed samples
and of the truth files are in tests/unit/test_sample_documents.py.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from tests.unit.test_sample_documents import SAMPLES, check_truths, load_index, truth_of


def test_generator_small_run_writes_valid_samples(tmp_path: Path) -> None:
    out = tmp_path / "out"
    result = subprocess.run(
        [sys.executable, str(SAMPLES / "generate.py"), "--out", str(out), "--small", "--no-office"],
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert check_truths(out) >= 12
    index = json.loads((out / "index.json").read_text(encoding="utf-8"))
    assert index["mode"] == "small"
    assert index["skipped"] == ["xls, doc and pdf_text (--no-office given)"]
    damages = {e["damage"] for e in index["files"]}
    assert {"noise", "seal", "fax", "perspective", "glare", "rot90"} <= damages
    committed = {e["file"]: e for e in load_index()["files"]}
    # The small run draws from the same seeded pool: its first xlsx is the full run's first.
    first = "form_01_table.xlsx"
    assert json.loads((out / f"{first}.truth.json").read_text(encoding="utf-8")) == truth_of(first)
    assert committed[first]["case"] == index["files"][0]["case"]
