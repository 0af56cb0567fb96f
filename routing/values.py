"""Other field values: e-mail addresses and follower counts.

Follower counts are written ``12000``, ``1,234``, ``1.2万``, ``3千``, ``2k``, ``1.5W``, ``10w+``,
``3000余``, ``约5000``, ``1.2亿``. ``+``/余/多/以上 mean "at least" and 约/左右/大约 "about";
both are kept as a note beside the integer so a reader knows the number is not exact.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from enum import StrEnum

from routing.characters import compact, fold_width, remove_spaces

_EMAIL = re.compile(
    r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,24}"
)
_MULTIPLIERS = {
    "": 1,
    "个": 1,
    "人": 1,
    "k": 1000,
    "千": 1000,
    "w": 10000,
    "万": 10000,
    "十万": 100000,
    "百万": 1000000,
    "千万": 10000000,
    "亿": 100000000,
}
_FOLLOWERS = re.compile(
    r"(?P<prefix>约|大约|近|超过|超|逾)?"
    r"(?P<number>[0-9]+(?:\.[0-9]+)?)"
    r"(?P<unit>十万|百万|千万|k|千|w|万|亿)?"
    r"(?P<suffix>\+|余|多|以上|左右)?"
    r"(?:个|人|粉丝|名)?(?P<tail>\+|余|多|以上|左右)?"
)
_NONE_WORDS = ("无", "暂无", "没有", "none", "-")


class EmailProblem(StrEnum):
    """Why an e-mail address was not accepted."""

    EMPTY = "empty"
    BAD_SHAPE = "bad_shape"


@dataclass(frozen=True)
class EmailCheck:
    """The outcome of checking an address; `value` has the domain lower-cased."""

    value: str | None
    reason: EmailProblem | None

    @property
    def valid(self) -> bool:
        """True when the address is usable."""
        return self.reason is None


def check_email(text: str | None) -> EmailCheck:
    """Check one e-mail address (full-width ＠ and ．, ``mailto:`` and spaces tolerated)."""
    cleaned = remove_spaces(fold_width(text or "")).replace("。", ".").strip("<>")
    if cleaned.lower().startswith("mailto:"):
        cleaned = cleaned[7:]
    if not cleaned:
        return EmailCheck(None, EmailProblem.EMPTY)
    if not _EMAIL.fullmatch(cleaned) or len(cleaned) > 254:
        return EmailCheck(None, EmailProblem.BAD_SHAPE)
    local, _, domain = cleaned.rpartition("@")
    return EmailCheck(f"{local}@{domain.lower()}", None)


class FollowerNote(StrEnum):
    """How exact a follower count is."""

    EXACT = "exact"
    AT_LEAST = "at_least"
    ABOUT = "about"


class FollowerProblem(StrEnum):
    """Why a follower count was not read."""

    EMPTY = "empty"
    UNRECOGNISED = "unrecognised"


@dataclass(frozen=True)
class FollowerCount:
    """A follower count as an integer, with a note when the writer gave a round figure."""

    value: int | None
    reason: FollowerProblem | None
    note: FollowerNote = FollowerNote.EXACT

    @property
    def valid(self) -> bool:
        """True when a number was read."""
        return self.reason is None


def _note(prefix: str | None, suffix: str | None) -> FollowerNote:
    if suffix in ("+", "余", "多", "以上") or prefix in ("超过", "超", "逾"):
        return FollowerNote.AT_LEAST
    if suffix == "左右" or prefix in ("约", "大约", "近"):
        return FollowerNote.ABOUT
    return FollowerNote.EXACT


def parse_followers(text: str | None) -> FollowerCount:
    """Read a follower count such as ``1.2万`` (12000) or ``10w+`` (100000, at least)."""
    cleaned = compact(text or "").lower().replace(",", "").replace("，", "")
    if not cleaned:
        return FollowerCount(None, FollowerProblem.EMPTY)
    if cleaned in _NONE_WORDS:
        return FollowerCount(0, None)
    match = _FOLLOWERS.fullmatch(cleaned)
    if not match:
        return FollowerCount(None, FollowerProblem.UNRECOGNISED)
    try:
        number = Decimal(match.group("number")) * _MULTIPLIERS[match.group("unit") or ""]
    except InvalidOperation:
        return FollowerCount(None, FollowerProblem.UNRECOGNISED)
    if number != number.to_integral_value() and not match.group("unit"):
        return FollowerCount(None, FollowerProblem.UNRECOGNISED)
    suffix = match.group("suffix") or match.group("tail")
    return FollowerCount(int(number), None, _note(match.group("prefix"), suffix))
