"""systemd's own check of the units in deploy/systemd (`systemd-analyze verify`), with the
worker's command pointed at a stand-in executable: no unknown key, no value it cannot parse."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
UNITS = ("intake.service", "intake-backup.service", "intake-backup.timer")
INSTALLED = "/opt/xt-intake/.venv/bin/intake"


def test_systemd_accepts_every_unit(tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed (apt-get install systemd)")
    stand_in = tmp_path / "bin" / "intake"
    stand_in.parent.mkdir()
    stand_in.write_text("#!/bin/sh\nexit 0\n")
    stand_in.chmod(0o755)
    for name in UNITS:
        text = (REPO / "deploy" / "systemd" / name).read_text(encoding="utf-8")
        assert name.endswith(".timer") or INSTALLED in text
        (tmp_path / name).write_text(text.replace(INSTALLED, str(stand_in)), encoding="utf-8")
    result = subprocess.run(
        [analyze, "verify", *(str(tmp_path / name) for name in UNITS)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0 and result.stderr == "" and result.stdout == "", (
        result.stdout + result.stderr
    )
