"""The test suite reads nothing outside the repository, so a fresh clone runs all of it.

Data the tests need lives in `tests/data/` (see its README). This reads every Python file under
`tests/` and fails on a path that climbs out of the repository: a `parents[n]` past the
repository's root, `.parent` after `parents[n]`, a `shared` folder beside the clone, or an
absolute path under the machine's work folder. (`../` alone is not looked for: hostile file
names such as `../../etc/passwd` are test data.)
"""

from __future__ import annotations

import re
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]
REPO = TESTS.parent
THIS = Path(__file__).resolve()

# Built from pieces so that this file's own text does not match them.
WORK_FOLDER = "/" + "work" + "/"
SHARED = "sha" + "red"
LEAVING = [
    (re.compile(r"parents\[\d+\]\s*\.\s*parent\b"), "parents[n].parent"),
    (re.compile(r"""/\s*["']shared["']|["'][^"'\n]*\bshared/"""), "a shared/ folder"),
    (re.compile(re.escape(WORK_FOLDER)), "an absolute path under " + WORK_FOLDER),
]
PARENTS = re.compile(r"Path\(__file__\)\.resolve\(\)\.parents\[(\d+)\]")


def _test_sources() -> list[Path]:
    return sorted(p for p in TESTS.rglob("*.py") if p.resolve() != THIS)


def _leaving_lines(text: str, depth: int) -> list[tuple[int, str]]:
    """Each line of a file `depth` folders deep that names a place outside the repository.

    Returns (line number, what the path is); `parents[depth - 1]` of the file is the root.
    """
    found: list[tuple[int, str]] = []
    for number, line in enumerate(text.splitlines(), 1):
        found.extend((number, what) for pattern, what in LEAVING if pattern.search(line))
        found.extend(
            (number, f"parents[{m.group(1)}] is outside the repository")
            for m in PARENTS.finditer(line)
            if int(m.group(1)) >= depth
        )
    return found


def test_no_test_reads_outside_the_repository() -> None:
    sources = _test_sources()
    assert len(sources) > 40  # the whole suite, both folders
    found = [
        f"{path.relative_to(REPO)}:{number}: {what}"
        for path in sources
        for number, what in _leaving_lines(
            path.read_text(encoding="utf-8"), len(path.relative_to(REPO).parts)
        )
    ]
    assert found == []


def test_the_check_catches_each_kind_of_path() -> None:
    lines = [
        'A = Path(__file__).resolve().parents[2].parent / "x"',
        'B = Path(__file__).resolve().parents[3] / "seed"',
        f'C = ROOT / "{SHARED}" / "corpus"',
        f'D = "../{SHARED}/seed/notice.txt"',
        f'E = "{WORK_FOLDER}main/samples"',
        'F = Path(__file__).resolve().parents[2] / "samples"',  # the root itself: fine
        "shared = set(a) & set(b)  # a word, not a folder",
    ]
    found = _leaving_lines("\n".join(lines), depth=3)  # as for tests/unit/test_x.py
    assert [number for number, _ in found] == [1, 2, 3, 4, 5]


def test_the_data_the_tests_read_is_in_the_repository() -> None:
    data = TESTS / "data"
    assert (data / "notice.txt").stat().st_size > 5000
    assert (data / "README.md").is_file()
    corpus = data / "imap_tools"
    assert (corpus / "LICENSE").read_text(encoding="utf-8").count("Apache License") >= 1
    assert len(list((corpus / "messages").rglob("*.eml"))) > 100
