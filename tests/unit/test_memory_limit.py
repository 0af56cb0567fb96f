"""The memory check at start: OCR readers × their limit + the main process's share against the
cgroup limit (pure decision), and where the limit is read from (cgroup v2 and v1 files laid out
in a temporary folder)."""

from __future__ import annotations

from pathlib import Path

import pytest

from intake.runtime.memory import (
    BASE_MB,
    MB,
    MemoryLimitTooSmall,
    cgroup_memory_limit,
    judge_memory,
    limit_value,
    memory_limit_files,
    memory_problems,
    refuse_over_memory,
)
from intake.settings import Severity, load_settings

GB = 1024 * MB


def test_workers_that_fit_under_the_limit_pass() -> None:
    verdict = judge_memory(2, 1500, 4 * GB)
    assert verdict.fits and verdict.needed_mb == 2 * 1500 + BASE_MB


def test_no_limit_always_fits() -> None:
    assert judge_memory(64, 64_000, None).fits
    assert judge_memory(64, 64_000, 9223372036854771712).fits  # v1's "no limit"


def test_too_many_workers_for_memory_max_are_told_the_sum_and_each_fix() -> None:
    verdict = judge_memory(4, 1500, 4 * GB)
    assert not verdict.fits
    line = verdict.line()
    assert "\n" not in line
    assert "[ocr] workers = 4 × [limits] ocr_memory_mb = 1500 MB" in line
    assert f"= {4 * 1500 + BASE_MB} MB, more than this process's memory limit of 4096 MB" in line
    assert f"set [ocr] workers = {(4096 - BASE_MB) // 1500}" in line
    assert f"set [limits] ocr_memory_mb = {(4096 - BASE_MB) // 4}" in line
    assert f"raise the service's MemoryMax to at least {4 * 1500 + BASE_MB}M" in line


def test_a_limit_too_small_for_one_worker_only_suggests_raising_it() -> None:
    line = judge_memory(1, 1500, 1 * GB).line()
    assert "set [ocr] workers" not in line and "ocr_memory_mb = " in line.split("(fix:")[0]
    assert "(fix: set [limits] ocr_memory_mb = 424, or raise" in line


def test_the_exact_limit_fits_and_one_byte_less_does_not() -> None:
    need = (2 * 1500 + BASE_MB) * MB
    assert judge_memory(2, 1500, need).fits
    assert not judge_memory(2, 1500, need - MB).fits


@pytest.mark.parametrize(
    ("text", "value"),
    [("max\n", None), ("4294967296\n", 4 * GB), ("9223372036854771712", None), ("", None),
     ("junk", None)],
)  # fmt: skip
def test_limit_files_are_read_as_bytes_or_no_limit(text: str, value: int | None) -> None:
    assert limit_value(text) == value


def test_the_limit_files_of_a_v2_cgroup_and_its_ancestors(tmp_path: Path) -> None:
    files = list(memory_limit_files("0::/system.slice/intake.service\n", tmp_path))
    assert files[0] == tmp_path / "system.slice/intake.service/memory.max"
    assert tmp_path / "system.slice/memory.max" in files
    assert tmp_path / "unified/system.slice/intake.service/memory.max" in files


def test_the_smallest_limit_along_the_ancestors_counts(tmp_path: Path) -> None:
    service = tmp_path / "system.slice" / "intake.service"
    service.mkdir(parents=True)
    (service / "memory.max").write_text("max\n")
    (tmp_path / "system.slice" / "memory.max").write_text(f"{3 * GB}\n")
    proc = tmp_path / "cgroup"
    proc.write_text("0::/system.slice/intake.service\n")
    assert cgroup_memory_limit(proc, tmp_path) == 3 * GB


def test_a_v1_memory_cgroup_is_read_too(tmp_path: Path) -> None:
    group = tmp_path / "memory" / "docker" / "abc"
    group.mkdir(parents=True)
    (group / "memory.limit_in_bytes").write_text(f"{2 * GB}\n")
    (tmp_path / "memory" / "memory.limit_in_bytes").write_text("9223372036854771712\n")
    proc = tmp_path / "cgroup"
    proc.write_text("5:cpu,cpuacct:/docker/abc\n4:memory:/docker/abc\n0::/\n")
    assert cgroup_memory_limit(proc, tmp_path) == 2 * GB


def test_no_cgroup_file_means_no_limit(tmp_path: Path) -> None:
    assert cgroup_memory_limit(tmp_path / "absent", tmp_path) is None


CONFIG = """\
[storage]
database = "sqlite:///x.db"

[limits]
ocr_memory_mb = 1500

[ocr]
workers = 4

[[office]]
code = "130582"
name = "沙河市互联网信息办公室"
mailbox = "shhlwxxb@163.com"
password_env = "P"
"""


def test_config_check_warns_at_the_workers_line_and_the_start_refuses(tmp_path: Path) -> None:
    path = tmp_path / "intake.toml"
    path.write_text(CONFIG, encoding="utf-8")
    settings = load_settings(path, {"P": "x"})
    (problem,) = memory_problems(settings, 4 * GB)
    assert problem.severity is Severity.WARNING and problem.key == "ocr.workers"
    assert problem.line == CONFIG.splitlines().index("workers = 4") + 1
    assert str(problem).startswith(f"{path}:{problem.line}: ocr.workers: [ocr] workers = 4 ×")
    assert "(fix: set [ocr] workers = 2, or set [limits] ocr_memory_mb = 874" in str(problem)
    assert memory_problems(settings, 16 * GB) == []
    with pytest.raises(MemoryLimitTooSmall, match=r"nothing was started$"):
        refuse_over_memory(settings, 4 * GB)
    refuse_over_memory(settings, 16 * GB)
