"""Snapping read values to the domain's fixed lists: offices (counties), platforms, subject and
filing types.

The lists are `vocabulary`'s; this module holds only the matching: width and punctuation
folding, an edit distance, and the repair of characters OCR confuses. OCR misreads a character
or two of short names (襄 as 训/圳/囊, 鹿, 尧), so snapping allows an edit distance of 1 on names
of two or three characters when exactly one entry is that close.
"""

from __future__ import annotations

import re

from vocabulary.areas import (
    CITY_NAMES,
    CITY_OFFICE_NAMES,
    COUNTY_NAMES,
    DEVELOPMENT_ZONE_NAMES,
    WEAK_COUNTY_NAMES,
    XINGTAI_DEVELOPMENT_ZONE_NAMES,
)
from vocabulary.offices import CITY_OFFICE, DEVELOPMENT_ZONE_OFFICE, OFFICES
from vocabulary.platforms import OTHER_PLATFORM, PLATFORM_NAMES
from vocabulary.subjects import (
    CHANGE_WORDS,
    INDIVIDUAL_WORDS,
    NEW_WORDS,
    ORGANIZATION_WORDS,
    TICK_MARKS,
    FilingType,
    SubjectType,
)

__all__ = [
    "OTHER_PLATFORM",
    "edit_distance",
    "snap_county",
    "snap_filing_type",
    "snap_platform",
    "snap_subject_type",
]


def _office_names(code: str) -> tuple[str, ...]:
    """Every name that stands for an office in a county field: its area's names and aliases,
    weak short forms included (the written form is kept beside the code)."""
    if code == CITY_OFFICE:
        return (*CITY_NAMES, *CITY_OFFICE_NAMES)
    if code == DEVELOPMENT_ZONE_OFFICE:
        return (*DEVELOPMENT_ZONE_NAMES, *XINGTAI_DEVELOPMENT_ZONE_NAMES)
    weak = tuple(name for name, office in WEAK_COUNTY_NAMES.items() if office == code)
    return (*COUNTY_NAMES.get(code, ()), *weak)


COUNTY_TABLE: dict[str, tuple[str, ...]] = {
    office.code: _office_names(office.code) for office in OFFICES
}
"""Office code -> the names snapped to it, in the notice's order of offices."""

PLATFORM_TABLE: dict[str, tuple[str, ...]] = {
    name: (name, *aliases) for name, aliases in PLATFORM_NAMES.items()
}
"""The notice's platform name -> itself and the other names registrants use."""

_PLAIN = re.compile(r"[\s\u3000·.。,，:：()（）\[\]【】]+")


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance between two short strings."""
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i]
        for j, cb in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def _plain(text: str) -> str:
    return _PLAIN.sub("", text).upper()


def _snap(text: str, table: dict[str, tuple[str, ...]]) -> tuple[str, bool] | None:
    """The key whose name equals, is contained in, or is one edit away from `text`.

    Returns (key, exact); None when nothing or more than one key is close.
    """
    plain = _plain(text)
    if not plain:
        return None
    names = sorted(
        ((name.upper(), key) for key, names in table.items() for name in names),
        key=lambda pair: -len(pair[0]),
    )
    for name, key in names:
        if plain == name:
            return key, True
    contained = [key for name, key in names if len(name) >= 2 and name in plain]
    if contained:
        specific = [key for key in contained if key != CITY_OFFICE] or contained
        return specific[0], True
    close = {key for name, key in names if 2 <= len(name) <= 4 and _near(plain, name)}
    if len(close) == 1:
        return close.pop(), False
    return None


def _near(plain: str, name: str) -> bool:
    if abs(len(plain) - len(name)) > 1:
        return False
    if edit_distance(plain, name) != 1:
        return False
    # a single differing character is only accepted when at least two characters agree
    return sum(1 for ch in name if ch in plain) >= 2 or (len(name) == 2 and len(plain) == 2)


# characters OCR engines put in place of the rarer ones in county names (measured: 襄 鹿 尧)
OCR_CONFUSIONS = str.maketrans(
    {"训": "襄", "圳": "襄", "囊": "襄", "壤": "襄", "镶": "襄", "麂": "鹿", "尭": "尧", "荛": "尧"}
)


def snap_county(text: str) -> tuple[str, bool] | None:
    """The office code for a written county name (old or new name, alias, OCR misread).

    The flag is False when the name was repaired (a known OCR confusion or one edit away).
    """
    found = _snap(text, COUNTY_TABLE)
    if found is not None and found[1]:
        return found
    repaired = text.translate(OCR_CONFUSIONS)
    if repaired != text:
        again = _snap(repaired, COUNTY_TABLE)
        if again is not None:
            return again[0], False
    return found


def snap_platform(text: str) -> tuple[str, bool] | None:
    """The notice's platform name for a written platform; None when it is not one of the 12."""
    return _snap(text, PLATFORM_TABLE)


def _alternatives(words: tuple[str, ...]) -> str:
    return "|".join(re.escape(word) for word in sorted(words, key=len, reverse=True))


_TICKED_SUBJECT = re.compile(
    f"[{TICK_MARKS}]\\s*({_alternatives(ORGANIZATION_WORDS + INDIVIDUAL_WORDS)})", re.IGNORECASE
)
_TICKED_FILING = re.compile(
    f"[{TICK_MARKS}]\\s*({_alternatives(CHANGE_WORDS + NEW_WORDS)})", re.IGNORECASE
)


def _contains_any(plain: str, words: tuple[str, ...]) -> bool:
    return any(word.upper() in plain for word in words)


def snap_subject_type(text: str) -> str | None:
    """`individual` or `organization` from the written subject type; None when unclear.

    A ticked option decides; otherwise words of only one kind must appear (个体工商户, 法人 and
    社会团体 are organisations, see `vocabulary.subjects`).
    """
    plain = _plain(text)
    if not plain:
        return None
    # a ticked box (☑ / √ / ■) before one option decides between the two printed options
    ticked = _TICKED_SUBJECT.search(text)
    if ticked:
        individual = _contains_any(ticked.group(1).upper(), INDIVIDUAL_WORDS)
        return SubjectType.INDIVIDUAL.value if individual else SubjectType.ORGANIZATION.value
    has_org = _contains_any(plain, ORGANIZATION_WORDS)
    has_ind = _contains_any(plain, INDIVIDUAL_WORDS)
    if has_org and not has_ind:
        return SubjectType.ORGANIZATION.value
    if has_ind and not has_org:
        return SubjectType.INDIVIDUAL.value
    return None


def snap_filing_type(text: str) -> str | None:
    """`new` or `change` from the written filing type (更新 is a change, though it holds 新)."""
    plain = _plain(text)
    ticked = _TICKED_FILING.search(text)
    if ticked:
        change = _contains_any(ticked.group(1).upper(), CHANGE_WORDS)
        return FilingType.CHANGE.value if change else FilingType.NEW.value
    has_change = _contains_any(plain, CHANGE_WORDS)
    rest = plain
    for word in CHANGE_WORDS:
        rest = rest.replace(word.upper(), "")
    has_new = _contains_any(rest, NEW_WORDS)
    if has_change and not has_new:
        return FilingType.CHANGE.value
    if has_new and not has_change:
        return FilingType.NEW.value
    return None
