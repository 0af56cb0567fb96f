"""The import rule between the packages, read from the source with `ast`.

`vocabulary` imports nothing of ours; the leaves `parsers`, `routing` and `notifications` import
nothing of ours but `vocabulary` and themselves (so no leaf imports another leaf or `intake`).
Every import counts, including those inside functions and under ``TYPE_CHECKING``. The checker
is tested on a small synthetic tree too, so that a rule it stopped enforcing would show.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

OUR_PACKAGES = frozenset({"intake", "parsers", "routing", "notifications", "vocabulary"})

ALLOWED: Mapping[str, frozenset[str]] = {
    "vocabulary": frozenset({"vocabulary"}),
    "parsers": frozenset({"parsers", "vocabulary"}),
    "routing": frozenset({"routing", "vocabulary"}),
    "notifications": frozenset({"notifications", "vocabulary"}),
}
"""For each ruled package, the packages of ours it may import."""


def imported_modules(path: Path, package_parts: tuple[str, ...]) -> Iterator[tuple[int, str]]:
    """(line, absolute module name) of every import in one file; relative imports are resolved
    against `package_parts`, the dotted package the file belongs to."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom):
            if node.level == 0:
                yield node.lineno, node.module or ""
                continue
            base = package_parts[: len(package_parts) - (node.level - 1)]
            module = ".".join((*base, node.module) if node.module else base)
            yield node.lineno, module


def import_violations(root: Path, allowed: Mapping[str, frozenset[str]]) -> list[str]:
    """``file:line imports module`` for every import of one of our packages that a ruled
    package may not make."""
    problems: list[str] = []
    for package, may_import in sorted(allowed.items()):
        for path in sorted((root / package).rglob("*.py")):
            relative = path.relative_to(root)
            parts = relative.with_suffix("").parts
            # a module's package is its folder, whether it is the package's __init__ or not
            for line, module in imported_modules(path, parts[:-1]):
                top = module.split(".")[0]
                if top in OUR_PACKAGES | set(allowed) and top not in may_import:
                    problems.append(f"{relative}:{line} imports {module}")
    return problems


def test_packages_keep_the_import_rule() -> None:
    assert import_violations(ROOT, ALLOWED) == []


def test_every_ruled_package_has_source() -> None:
    for package in ALLOWED:
        assert any((ROOT / package).rglob("*.py")), package


def _write(root: Path, relative: str, text: str) -> None:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")


def test_checker_finds_each_kind_of_forbidden_import(tmp_path: Path) -> None:
    _write(tmp_path, "vocabulary/__init__.py", "import re\nfrom vocabulary.areas import X\n")
    _write(tmp_path, "vocabulary/areas.py", "from routing.offices import OFFICES\n")
    _write(tmp_path, "parsers/__init__.py", "from . import model\nfrom vocabulary import Office\n")
    _write(tmp_path, "parsers/model.py", "def late():\n    import intake.settings\n")
    _write(
        tmp_path,
        "routing/sub/__init__.py",
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from notifications import x\n",
    )
    _write(tmp_path, "routing/sub/deep.py", "from ...parsers import model\nfrom .. import y\n")
    _write(tmp_path, "notifications/__init__.py", "import vocabulary.offices, parsers.fields\n")

    assert import_violations(tmp_path, ALLOWED) == [
        "notifications/__init__.py:1 imports parsers.fields",
        "parsers/model.py:2 imports intake.settings",
        "routing/sub/__init__.py:3 imports notifications",
        "routing/sub/deep.py:1 imports parsers",
        "vocabulary/areas.py:1 imports routing.offices",
    ]


def test_checker_accepts_a_tree_that_keeps_the_rule(tmp_path: Path) -> None:
    _write(tmp_path, "vocabulary/__init__.py", "from vocabulary.offices import Office\n")
    _write(tmp_path, "routing/__init__.py", "from . import jurisdiction\nimport vocabulary\n")
    _write(tmp_path, "parsers/__init__.py", "import numpy\n")
    _write(tmp_path, "notifications/__init__.py", "from notifications.model import A\n")

    assert import_violations(tmp_path, ALLOWED) == []
