"""Checks of card values against each other and against what a value can be.

Chinese text has no check digit, so a misread comes back at the engine's confidence. What can be
checked is checked here, after a card's fields are read: the birth date and gender against the
ID number (when its check character holds), dates against plausible ranges, a name against what
names are made of, and addresses and issuers against the national list of divisions
(`parsers.places`). A value found wrong is corrected when exactly one value fits, lowered below
the review threshold when none does, and dropped when it cannot be a value at all (a pixelated
name read as ``1``). Pure functions.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping

from parsers.model import Box, FieldReading
from parsers.places import check_divisions
from parsers.values import id_number_valid
from vocabulary.surnames import has_known_surname

DOUBTFUL = 0.5
"""The confidence a value gets when a check says it is probably wrong (below any review bar)."""

CORRECTED = 0.9
"""The confidence of a value corrected because exactly one value fits (a division name one
character off, a birth date that the ID number's check character vouches for)."""

_NAME = re.compile(r"[\u4e00-\u9fff\u3400-\u4dbf][\u4e00-\u9fff\u3400-\u4dbf·•]{1,14}")
EARLIEST_BIRTH_YEAR = 1900


def checked_card_fields(
    fields: Mapping[str, FieldReading], today: dt.date | None = None
) -> dict[str, FieldReading]:
    """The fields of an ID card side or a licence after every check that applies."""
    out = dict(fields)
    number = out.get("id_number")
    trusted = number.value if number and id_number_valid(number.value) else None
    for key in ("name", "legal_representative"):
        reading = out.get(key)
        if reading is None:
            continue
        if not _NAME.fullmatch(reading.value):
            del out[key]
        elif not has_known_surname(reading.value):
            out[key] = FieldReading(reading.value, min(reading.confidence, DOUBTFUL), reading.box)
    if "birth_date" in out:
        out["birth_date"] = _birth_date(out["birth_date"], trusted, today or dt.date.today())
    if "gender" in out and trusted:
        expected = "男" if int(trusted[16]) % 2 else "女"
        if out["gender"].value != expected:
            out["gender"] = FieldReading(expected, CORRECTED, out["gender"].box)
    if trusted and number is not None:
        out.update(from_id_number(trusted, number.box, out))
    for key in ("address", "issuer"):
        if key in out:
            out[key] = _places(out[key])
    return out


def from_id_number(
    number: str, box: Box | None, fields: Mapping[str, FieldReading]
) -> dict[str, FieldReading]:
    """The birth date and gender that a number whose check character holds encodes, for those
    of the two that were not read (a tiny or blurred card photo loses its small rows first, its
    large number last). Placed on the number's box, at the confidence of a value one check
    vouches for."""
    derived = {
        "birth_date": f"{number[6:10]}-{number[10:12]}-{number[12:14]}",
        "gender": "男" if int(number[16]) % 2 else "女",
    }
    return {
        key: FieldReading(value, CORRECTED, box)
        for key, value in derived.items()
        if key not in fields
    }


def _birth_date(reading: FieldReading, trusted: str | None, today: dt.date) -> FieldReading:
    try:
        day = dt.date.fromisoformat(reading.value)
    except ValueError:
        day = None
    if trusted:
        from_number = f"{trusted[6:10]}-{trusted[10:12]}-{trusted[12:14]}"
        if reading.value == from_number:
            return reading
        return FieldReading(from_number, CORRECTED, reading.box)
    if day is None or day.year < EARLIEST_BIRTH_YEAR or day > today:
        return FieldReading(reading.value, min(reading.confidence, DOUBTFUL), reading.box)
    return reading


def _places(reading: FieldReading) -> FieldReading:
    check = check_divisions(reading.value)
    if not check.fits:
        return FieldReading(reading.value, min(reading.confidence, DOUBTFUL), reading.box)
    if check.corrected:
        return FieldReading(check.value, min(reading.confidence, CORRECTED), reading.box)
    return reading
