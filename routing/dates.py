"""Dates as people write them, turned into ISO dates.

Accepted: ``2020年5月8日`` (also ``号``), ``2020.5.8``, ``2020/05/08``, ``2020-5-8``, ``20200508``,
ISO dates with a time after them, full-width digits, spaces anywhere, and years in Chinese
numerals (``二〇二〇年五月八日``). A year and month without a day, a two-digit year or an
impossible date (``2020-02-30``) is refused with a reason, never guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from routing.characters import compact

EARLIEST_YEAR = 1949
LATEST_YEAR = 2100

_SEPARATED = re.compile(r"([0-9]{4})\s*[年./\-]\s*([0-9]{1,2})\s*[月./\-]\s*([0-9]{1,2})\s*[日号]?")
_PACKED = re.compile(r"([0-9]{4})([0-9]{2})([0-9]{2})(?![0-9])")
_YEAR_MONTH = re.compile(r"([0-9]{4})\s*[年./\-]\s*([0-9]{1,2})\s*月?")
_CHINESE_DIGITS = {
    "〇": 0,
    "○": 0,
    "零": 0,
    "一": 1,
    "二": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}


class DateProblem(StrEnum):
    """Why a date was not read."""

    EMPTY = "empty"
    UNRECOGNISED = "unrecognised"
    NO_DAY = "no_day"
    IMPOSSIBLE = "impossible"
    OUT_OF_RANGE = "out_of_range"


@dataclass(frozen=True)
class DateReading:
    """The outcome of reading a date; `value` is None when the text is not a full date."""

    value: date | None
    reason: DateProblem | None

    @property
    def iso(self) -> str | None:
        """The date as ``YYYY-MM-DD``, or None."""
        return self.value.isoformat() if self.value else None


_CHINESE_TENS = re.compile(r"([一二三四五六七八九]?)十([一二三四五六七八九]?)")
_CHINESE_RUN = re.compile(r"[〇○零一二三四五六七八九]+")


def _chinese_number(text: str) -> str:
    """Digit-by-digit year (二〇二〇) and 十-style month/day (十二, 二十八) as Arabic digits."""

    def tens(match: re.Match[str]) -> str:
        high, low = match.groups()
        return str(
            (_CHINESE_DIGITS[high] if high else 1) * 10 + (_CHINESE_DIGITS[low] if low else 0)
        )

    def run(match: re.Match[str]) -> str:
        return "".join(str(_CHINESE_DIGITS[ch]) for ch in match.group(0))

    return _CHINESE_RUN.sub(run, _CHINESE_TENS.sub(tens, text))


def _build(year: str, month: str, day: str) -> DateReading:
    try:
        value = date(int(year), int(month), int(day))
    except ValueError:
        return DateReading(None, DateProblem.IMPOSSIBLE)
    if not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
        return DateReading(None, DateProblem.OUT_OF_RANGE)
    return DateReading(value, None)


def parse_date(text: str | None) -> DateReading:
    """Read a written date; the first date in the text counts."""
    cleaned = _chinese_number(compact(text or ""))
    if not cleaned:
        return DateReading(None, DateProblem.EMPTY)
    separated = _SEPARATED.search(cleaned)
    if separated:
        return _build(*separated.groups())
    packed = _PACKED.match(cleaned)
    if packed:
        return _build(*packed.groups())
    if _YEAR_MONTH.fullmatch(cleaned):
        return DateReading(None, DateProblem.NO_DAY)
    return DateReading(None, DateProblem.UNRECOGNISED)
