"""Phone numbers: Chinese mobiles and Xingtai (0319) landlines.

Mobile: ``1[3-9]`` and 9 more digits, optionally after ``+86``, ``86`` or ``0086``, with spaces or
hyphens anywhere. Landline: area code 0319 and a 7-digit local number, written
``0319-xxxxxxx``, ``(0319)xxxxxxx``, ``+86 319 xxxxxxx`` or, as the notice itself does, the bare 7
digits; an extension (``转801``) is dropped. A field holding two numbers (``138…/3699072``, or
two numbers apart by spaces) is read as its first valid one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from routing.characters import compact

XINGTAI_AREA_CODE = "0319"

_MOBILE = re.compile(r"(?:\+?86|0086)?(1[3-9][0-9]{9})")
_LANDLINE = re.compile(r"(?:(?:\+?86|0086)319|0319)?([2-9][0-9]{6})")
_OTHER_LANDLINE = re.compile(r"(?:\+?86|0086)?0?([1-9][0-9]{1,3})([2-9][0-9]{6,7})")
_SEPARATORS = re.compile(r"[/,;、，；]|或")
_SPACES = re.compile(r"\s+")
_EXTENSION = re.compile(r"(?:转|分机|ext\.?|x)[0-9]{1,5}$", re.IGNORECASE)


class PhoneKind(StrEnum):
    """Which kind of number was written."""

    MOBILE = "mobile"
    LANDLINE = "landline"


class PhoneProblem(StrEnum):
    """Why a phone number was not accepted."""

    EMPTY = "empty"
    NOT_A_PHONE_NUMBER = "not_a_phone_number"
    OTHER_AREA_CODE = "other_area_code"


@dataclass(frozen=True)
class PhoneCheck:
    """The outcome of checking a phone field.

    `value` is 11 digits for a mobile and ``0319-xxxxxxx`` for a landline; None when invalid.
    """

    value: str | None
    reason: PhoneProblem | None
    kind: PhoneKind | None = None

    @property
    def valid(self) -> bool:
        """True when a usable number was found."""
        return self.reason is None


def _strip_punctuation(text: str) -> str:
    """Spaces, hyphens, brackets and dots removed; an extension (转801, ext. 12) dropped."""
    return _EXTENSION.sub("", re.sub(r"[\s\-()（）.]", "", compact(text)))


def _check_one(text: str) -> PhoneCheck:
    digits = _strip_punctuation(text)
    if not digits:
        return PhoneCheck(None, PhoneProblem.EMPTY)
    mobile = _MOBILE.fullmatch(digits)
    if mobile:
        return PhoneCheck(mobile.group(1), None, PhoneKind.MOBILE)
    landline = _LANDLINE.fullmatch(digits)
    if landline:
        return PhoneCheck(f"{XINGTAI_AREA_CODE}-{landline.group(1)}", None, PhoneKind.LANDLINE)
    if _OTHER_LANDLINE.fullmatch(digits) and (digits.startswith("0") or digits.startswith("+")):
        return PhoneCheck(None, PhoneProblem.OTHER_AREA_CODE, PhoneKind.LANDLINE)
    return PhoneCheck(None, PhoneProblem.NOT_A_PHONE_NUMBER)


def check_phone(text: str | None) -> PhoneCheck:
    """Check a phone field; the first valid number in it wins."""
    whole = _check_one(text or "")
    if whole.valid or whole.reason is PhoneProblem.EMPTY:
        return whole
    for separator in (_SEPARATORS, _SPACES):
        pieces = [piece for piece in separator.split(text or "") if piece.strip()]
        found = next((check for check in map(_check_one, pieces) if check.valid), None)
        if found is not None:
            return found
    pieces = [piece for piece in _SEPARATORS.split(text or "") if piece.strip()]
    return _check_one(pieces[0]) if len(pieces) > 1 else whole
