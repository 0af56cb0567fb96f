"""Resident identity card numbers (GB 11643-1999): normalise and check.

An 18-character number is a 6-digit region code (where it was issued), an 8-digit birth date,
a 3-digit sequence (odd for men) and a check character over the first 17 digits. Full-width
digits, a lower-case ``x`` and spaces are normalised first. A 15-digit first-generation number
is recognised but expired: it gets its own reason so a reply can say so, and its 18-digit form
is computed as a hint.

Every single-character change of a valid number is caught: each weight is non-zero modulo
the prime 11 and two digits differ by less than 11, so a changed digit changes the sum modulo
11 (and with it the expected check character); a changed check character no longer equals the
computed one; an ``X`` anywhere but last fails the shape. The tests show it by property.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from routing.characters import fold_width, remove_spaces

ID_WEIGHTS: tuple[int, ...] = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK_CHARACTERS = "10X98765432"
EARLIEST_BIRTH_YEAR = 1800

_EIGHTEEN = re.compile(r"[0-9]{17}[0-9X]")
_FIFTEEN = re.compile(r"[0-9]{15}")


class IdNumberProblem(StrEnum):
    """Why an identity number was not accepted."""

    EMPTY = "empty"
    BAD_LENGTH = "bad_length"
    BAD_CHARACTER = "bad_character"
    BAD_BIRTH_DATE = "bad_birth_date"
    FUTURE_BIRTH_DATE = "future_birth_date"
    BAD_CHECK = "bad_check"
    EXPIRED_15_DIGIT = "expired_15_digit"


@dataclass(frozen=True)
class IdNumberCheck:
    """The outcome of checking one identity number.

    `value` is the normalised 18-character number when valid, else None. `birth_date` and
    `region_code` are filled whenever they could be read (also for a 15-digit number, whose
    computed 18-digit form is in `eighteen_digit_form`).
    """

    value: str | None
    reason: IdNumberProblem | None
    birth_date: date | None = None
    region_code: str | None = None
    eighteen_digit_form: str | None = None

    @property
    def valid(self) -> bool:
        """True when the number passed every check."""
        return self.reason is None


def normalise_id_text(text: str) -> str:
    """Full-width digits folded, spaces removed, ``x`` upper-cased."""
    return remove_spaces(fold_width(text)).upper()


def id_check_character(first17: str) -> str:
    """The check character for 17 digits."""
    total = sum(int(ch) * weight for ch, weight in zip(first17, ID_WEIGHTS, strict=True))
    return ID_CHECK_CHARACTERS[total % 11]


def _birth_date(digits: str) -> date | None:
    try:
        born = date(int(digits[0:4]), int(digits[4:6]), int(digits[6:8]))
    except ValueError:
        return None
    return born if born.year >= EARLIEST_BIRTH_YEAR else None


def check_id_number(text: str | None, *, today: date | None = None) -> IdNumberCheck:
    """Check a resident identity number as written on a form or read from a card.

    `today` (Asia/Shanghai) is used to refuse a birth date in the future; without it that test
    is skipped, so the function never reads the clock.
    """
    number = normalise_id_text(text or "")
    if not number:
        return IdNumberCheck(None, IdNumberProblem.EMPTY)
    if len(number) == 15:
        return _check_fifteen(number)
    if len(number) != 18:
        return IdNumberCheck(None, IdNumberProblem.BAD_LENGTH)
    if not _EIGHTEEN.fullmatch(number):
        return IdNumberCheck(None, IdNumberProblem.BAD_CHARACTER)
    region = number[:6]
    born = _birth_date(number[6:14])
    if born is None:
        return IdNumberCheck(None, IdNumberProblem.BAD_BIRTH_DATE, region_code=region)
    if today is not None and born > today:
        return IdNumberCheck(None, IdNumberProblem.FUTURE_BIRTH_DATE, born, region)
    if id_check_character(number[:17]) != number[17]:
        return IdNumberCheck(None, IdNumberProblem.BAD_CHECK, born, region)
    return IdNumberCheck(number, None, born, region)


def _check_fifteen(number: str) -> IdNumberCheck:
    if not _FIFTEEN.fullmatch(number):
        return IdNumberCheck(None, IdNumberProblem.BAD_CHARACTER)
    region = number[:6]
    born = _birth_date("19" + number[6:12])
    if born is None:
        return IdNumberCheck(None, IdNumberProblem.BAD_BIRTH_DATE, region_code=region)
    first17 = region + "19" + number[6:]
    upgraded = first17 + id_check_character(first17)
    return IdNumberCheck(None, IdNumberProblem.EXPIRED_15_DIGIT, born, region, upgraded)
