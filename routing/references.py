"""Filing reference numbers: ``XT<office code>-<yyyymmdd>-<sequence>``, e.g. ``XT130582-20200510-0003``.

The office code is that of the office holding the filing when it was first decided, the date
is the Asia/Shanghai date of that moment and the sequence counts that office's filings of the
day from 1 to 9999. People quote references on the phone and in subjects, so the parser
tolerates full-width characters, a lower-case ``xt`` and spaces around the hyphens.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from routing.characters import fold_width

_REFERENCE = re.compile(
    r"XT\s*([0-9]{6})\s*-\s*([0-9]{8})\s*-\s*([0-9]{4})(?![0-9])", re.IGNORECASE
)
MAX_SEQUENCE = 9999


@dataclass(frozen=True)
class Reference:
    """A reference number's parts."""

    office: str
    day: date
    sequence: int

    def __str__(self) -> str:
        return format_reference(self.office, self.day, self.sequence)


def format_reference(office: str, day: date, sequence: int) -> str:
    """The reference for an office's `sequence`-th filing of `day`.

    Raises ValueError for an office code that is not six digits or a sequence outside 1-9999:
    those are programming errors, not input.
    """
    if not re.fullmatch(r"[0-9]{6}", office):
        raise ValueError(f"office code must be six digits: {office!r}")
    if not 1 <= sequence <= MAX_SEQUENCE:
        raise ValueError(f"sequence must be 1..{MAX_SEQUENCE}: {sequence}")
    return f"XT{office}-{day:%Y%m%d}-{sequence:04d}"


def _build(match: re.Match[str]) -> Reference | None:
    office, day, sequence = match.groups()
    try:
        parsed = date(int(day[:4]), int(day[4:6]), int(day[6:]))
    except ValueError:
        return None
    if int(sequence) == 0:
        return None
    return Reference(office, parsed, int(sequence))


def parse_reference(text: str | None) -> Reference | None:
    """The reference a text consists of, or None."""
    match = _REFERENCE.fullmatch(fold_width(text or "").strip())
    return _build(match) if match else None


def find_references(text: str | None) -> tuple[Reference, ...]:
    """Every well-formed reference in a text (e.g. a subject), in order, without repeats."""
    found = (_build(match) for match in _REFERENCE.finditer(fold_width(text or "")))
    return tuple(dict.fromkeys(reference for reference in found if reference is not None))
