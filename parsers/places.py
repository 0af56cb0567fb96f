"""Addresses and issuing authorities checked against the national list of divisions.

OCR misreads the rare characters of place names at high confidence (埇桥区 → 埔桥区, 濉溪县 →
滩溪县), and Chinese text has no check digit. But an address on an ID card or a licence starts
with division names that nest (province, prefecture, county), and an ID card's issuer is a
division's police office (宿州市公安局埇桥分局). So the leading names are looked up in
`vocabulary.divisions`: a name that is one character off (not its 省/市/区/县 ending) from
exactly one division that fits under the one before it is corrected; text that should be a
division but fits none is flagged. Pure functions.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache

from vocabulary.divisions import DIVISIONS, level

SUFFIXES = (
    "自治县",
    "自治州",
    "自治旗",
    "特区",
    "林区",
    "地区",
    "省",
    "市",
    "区",
    "县",
    "旗",
    "盟",
    "州",
)
_HOLE = "\0"
_COUNTY_LIKE = re.compile(r"^[\u4e00-\u9fff]{1,4}?(?:县|区|旗)")
_BRANCH = re.compile(r"公安局([\u4e00-\u9fff]{1,5})分局")


@dataclass(frozen=True)
class PlaceCheck:
    """The text with a one-character miss in a division name corrected, whether it was, whether
    its division names fit the national list, and the codes of those found."""

    value: str
    corrected: bool
    fits: bool
    codes: tuple[str, ...] = ()


@cache
def _index() -> tuple[dict[str, tuple[str, ...]], dict[str, frozenset[str]]]:
    """Names → codes, and each name with one character (not its last) blanked → names."""
    by_name: dict[str, list[str]] = {}
    for code, names in DIVISIONS.items():
        for name in names:
            by_name.setdefault(name, []).append(code)
    masked: dict[str, set[str]] = {}
    for name in by_name:
        if len(name) < 3:
            continue
        for index in range(len(name) - 1):
            masked.setdefault(name[:index] + _HOLE + name[index + 1 :], set()).add(name)
    return (
        {name: tuple(codes) for name, codes in by_name.items()},
        {key: frozenset(names) for key, names in masked.items()},
    )


def _under(code: str, parent: str | None) -> bool:
    """Whether division `code` can follow `parent` in an address (None: at the start)."""
    if parent is None:
        return True
    if level(code) <= level(parent):
        return False
    if level(parent) == 1:
        return code[:2] == parent[:2]
    return code[:4] == parent[:4]


def _exact(text: str, parent: str | None) -> tuple[str, str] | None:
    by_name, _ = _index()
    for length in range(min(9, len(text)), 1, -1):
        piece = text[:length]
        for code in by_name.get(piece, ()):
            if _under(code, parent):
                return piece, code
    return None


def _near(text: str, parent: str | None) -> tuple[str, str, str] | None:
    """(piece as written, the one division name it is one character from, its code) when
    exactly one division under `parent` fits."""
    by_name, masked = _index()
    found: set[tuple[str, str, str]] = set()
    for length in range(min(9, len(text)), 2, -1):
        piece = text[:length]
        if not piece.endswith(SUFFIXES):
            continue
        for index in range(length - 1):
            for name in masked.get(piece[:index] + _HOLE + piece[index + 1 :], ()):
                found.update((piece, name, code) for code in by_name[name] if _under(code, parent))
    names = {name for _, name, _ in found}
    if len(names) != 1:
        return None
    return min(found)


def check_divisions(text: str) -> PlaceCheck:
    """The leading division names of an address or an issuer, checked and corrected."""
    out = text
    position = 0
    parent: str | None = None
    codes: list[str] = []
    corrected = False
    while position < len(out) and len(codes) < 3:
        rest = out[position:]
        exact = _exact(rest, parent)
        if exact:
            piece, code = exact
        else:
            near = _near(rest, parent)
            if near is None:
                break
            written, piece, code = near
            out = out[:position] + piece + out[position + len(written) :]
            corrected = True
        codes.append(code)
        parent = code
        position += len(piece)
    rest = out[position:]
    fits = bool(codes)
    if codes and level(codes[-1]) < 3 and _COUNTY_LIKE.match(rest):
        fits = _is_street_level(rest)
    branch = _BRANCH.search(rest)
    if branch and codes:
        short, fixed = _branch(branch.group(1), codes[-1])
        if fixed is None:
            fits = False
        elif fixed != short:
            start = position + branch.start(1)
            out = out[:start] + fixed + out[start + len(short) :]
            corrected = True
    return PlaceCheck(out, corrected, fits, tuple(codes))


def _is_street_level(rest: str) -> bool:
    """Text after a prefecture that ends like a county but is a development zone or similar."""
    return rest.startswith(("开发区", "经济开发区", "高新区", "新区", "园区"))


def _short(name: str) -> str:
    for suffix in SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix) + 1:
            return name[: -len(suffix)]
    return name


def _branch(short: str, parent: str) -> tuple[str, str | None]:
    """The branch office's place (埇桥 in 公安局埇桥分局) checked against the divisions
    under `parent`: (as written, as corrected or None when none fits)."""
    children = {
        _short(name): name
        for code, names in DIVISIONS.items()
        if _under(code, parent)
        for name in names
    }
    if short in children or any(short.startswith(s) for s in children if len(s) >= 2):
        return short, short
    near = {
        s
        for s in children
        if len(s) == len(short) and sum(a != b for a, b in zip(s, short, strict=True)) == 1
    }
    if len(near) == 1 and len(short) >= 2:
        return short, near.pop()
    if near:  # one character from several divisions: a misread that cannot be told apart
        return short, None
    return short, short  # a branch named for something else (a zone, a railway station)
