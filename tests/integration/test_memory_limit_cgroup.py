"""`intake run` in a real memory cgroup too small for its OCR readers refuses to start with one
line naming `[ocr] workers` and `ocr_memory_mb`, and starts when they fit. The test makes its
own cgroup (v2 with the memory controller, else v1's memory hierarchy) and removes it; where no
memory cgroup can be made (not root, no such hierarchy) it is skipped, and the decision stays
covered by tests/unit/test_memory_limit.py."""

from __future__ import annotations

import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from intake.commands.demo import local_config

ROOT = Path("/sys/fs/cgroup")
GB = 1024**3


def _memory_group() -> tuple[Path, str] | None:
    """A parent folder where a memory cgroup can be made, and the name of its limit file."""
    for base in (ROOT, ROOT / "unified"):
        enabled = base / "cgroup.subtree_control"  # children may have a memory limit
        if enabled.exists() and "memory" in enabled.read_text().split():
            return base, "memory.max"
    v1 = ROOT / "memory"
    if (v1 / "memory.limit_in_bytes").exists():
        return v1, "memory.limit_in_bytes"
    return None


@pytest.fixture
def cgroup() -> Iterator[tuple[Path, str]]:
    found = _memory_group()
    if found is None or not os.access(found[0], os.W_OK):
        pytest.skip("no writable memory cgroup hierarchy here")
    base, limit_file = found
    group = base / f"intake-test-{uuid.uuid4().hex[:8]}"
    try:
        group.mkdir()
    except OSError as exc:
        pytest.skip(f"cannot make a cgroup: {exc}")
    try:
        yield group, limit_file
    finally:
        group.rmdir()  # empty again: the process started in it has exited


def run_in(group: Path, config: Path) -> subprocess.CompletedProcess[str]:
    """`intake run --once` started inside `group` (the shell joins it, then becomes intake)."""
    command = (
        f'echo $$ > "{group}/cgroup.procs" && exec "{sys.executable}" -m intake.commands.cli '
        f'run --once --config "{config}"'
    )
    return subprocess.run(
        ["sh", "-c", command], capture_output=True, text=True, timeout=120, check=False
    )


def test_intake_run_refuses_a_cgroup_too_small_for_its_readers(
    tmp_path: Path, cgroup: tuple[Path, str]
) -> None:
    group, limit_file = cgroup
    config = local_config(tmp_path)
    text = config.read_text(encoding="utf-8")
    config.write_text(text + "\n[ocr]\nworkers = 2\n", encoding="utf-8")
    (tmp_path / "mailboxes").mkdir()
    (group / limit_file).write_text(str(2 * GB))
    refused = run_in(group, config)
    assert refused.returncode != 0
    lines = [line for line in refused.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, refused.stderr
    assert "[ocr] workers = 2 × [limits] ocr_memory_mb = 1500 MB" in lines[0]
    assert "memory limit of 2048 MB" in lines[0] and "nothing was started" in lines[0]
    assert not (tmp_path / "intake.db").exists()  # refused before the store was opened
    (group / limit_file).write_text(str(8 * GB))
    started = run_in(group, config)
    assert "[ocr] workers" not in started.stderr
    assert (tmp_path / "intake.db").exists()
