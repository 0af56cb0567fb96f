"""Business registration numbers (注册号) of licences issued before the credit code (GB 15-digit).

A 注册号 is 15 digits: a 6-digit registering authority's division code, an 8-digit sequence and
a check digit computed by ISO 7064 MOD 11,10. Licences of that style (before the 2015 reform)
carry no unified social credit code; a filing that gives one is not missing a credit code but
names its registration by the older number. Every single-digit change is caught by the check.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from routing.characters import compact

_SHAPE = re.compile(r"\d{15}")


class RegistrationNumberProblem(StrEnum):
    """Why a registration number was not accepted."""

    EMPTY = "empty"
    BAD_LENGTH = "bad_length"
    BAD_CHARACTER = "bad_character"
    BAD_CHECK = "bad_registration_number_check"


@dataclass(frozen=True)
class RegistrationNumberCheck:
    """The outcome of checking a 15-digit 注册号: its value when valid, else the reason."""

    value: str | None
    reason: RegistrationNumberProblem | None

    @property
    def valid(self) -> bool:
        """True when the number passed its check."""
        return self.reason is None


def registration_check_digit(first14: str) -> str:
    """The ISO 7064 MOD 11,10 check digit for the first 14 digits of a 注册号."""
    product = 10
    for ch in first14:
        total = (product + int(ch)) % 10 or 10
        product = (total * 2) % 11
    return str((11 - product) % 10)


def looks_like_registration_number(text: str | None) -> bool:
    """True when the text, spaces removed, is 15 digits (the shape of a 注册号)."""
    return bool(_SHAPE.fullmatch(compact(text or "")))


def check_registration_number(text: str | None) -> RegistrationNumberCheck:
    """Check a 15-digit 注册号."""
    number = compact(text or "")
    if not number:
        return RegistrationNumberCheck(None, RegistrationNumberProblem.EMPTY)
    if len(number) != 15:
        return RegistrationNumberCheck(None, RegistrationNumberProblem.BAD_LENGTH)
    if not _SHAPE.fullmatch(number):
        return RegistrationNumberCheck(None, RegistrationNumberProblem.BAD_CHARACTER)
    if registration_check_digit(number[:14]) != number[14]:
        return RegistrationNumberCheck(None, RegistrationNumberProblem.BAD_CHECK)
    return RegistrationNumberCheck(number, None)
