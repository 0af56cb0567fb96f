"""Format-level normalisation of read values and the check characters of ID numbers and codes.

Every function takes the text as written (or as OCR read it) and returns the canonical value,
or None when the text does not hold such a value. Nothing here guesses a missing value.
"""

from __future__ import annotations

import datetime as dt
import functools
import re
import unicodedata
from typing import Any

ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
ID_CHECK = "10X98765432"
USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)

HIGH_CONFIDENCE = 0.97
FAILED_CHECK_CONFIDENCE = 0.3

_SPACES = re.compile(r"[\s\u3000]+")
# characters that OCR and typists put in place of digits
_DIGIT_LOOKALIKES = str.maketrans({"O": "0", "o": "0", "D": "0", "I": "1", "l": "1", "|": "1"})


def halfwidth(text: str) -> str:
    """Full-width letters, digits and punctuation turned into their ASCII forms."""
    return unicodedata.normalize("NFKC", text)


def clean_text(text: str) -> str:
    """Trimmed text with runs of spaces collapsed to one (Chinese text keeps its characters)."""
    return _SPACES.sub(" ", text.replace("\u00a0", " ")).strip()


def simplified(text: str) -> str:
    """`text` with each character outside GB2312 that has a simplified form replaced by it.

    The OCR models answer some brush-script or printed glyphs in traditional form (鋼 for 钢,
    號 for 号, 臺 for 台). Characters inside GB2312 stay as they are, so a name written with
    乾 or 於 keeps it; rare simplified characters (赟, 喆) have no traditional form and stay too.
    """
    return "".join(_simplified_char(char) for char in text)


@functools.cache
def _simplified_char(char: str) -> str:
    if char.isascii() or not unicodedata.category(char).startswith("Lo"):
        return char
    try:
        char.encode("gb2312")
        return char
    except UnicodeEncodeError:
        pass
    converted = str(_t2s().convert(char))
    if len(converted) != 1 or converted == char:
        return char
    try:
        converted.encode("gb2312")
    except UnicodeEncodeError:
        return char
    return converted


@functools.cache
def _t2s() -> Any:
    import opencc

    return opencc.OpenCC("t2s")


def compact(text: str) -> str:
    """Half-width text with every space removed."""
    return _SPACES.sub("", halfwidth(text))


def id_number_valid(number: str) -> bool:
    """True for an 18-character resident ID whose check character and birth date are right."""
    if not re.fullmatch(r"\d{17}[\dX]", number):
        return False
    total = sum(int(ch) * w for ch, w in zip(number[:17], ID_WEIGHTS, strict=True))
    if ID_CHECK[total % 11] != number[17]:
        return False
    return parse_yyyymmdd(number[6:14]) is not None


def uscc_valid(code: str) -> bool:
    """True for an 18-character Unified Social Credit Code whose check character is right."""
    if len(code) != 18 or any(ch not in USCC_ALPHABET for ch in code):
        return False
    total = sum(USCC_ALPHABET.index(ch) * w for ch, w in zip(code[:17], USCC_WEIGHTS, strict=True))
    return USCC_ALPHABET[(31 - total % 31) % 31] == code[17]


def org_code_valid(code: str) -> bool:
    """True for a 9-character organisation code (written without its hyphen) with a right check."""
    if not re.fullmatch(r"[0-9A-Z]{8}[0-9X]", code):
        return False
    values = [int(ch) if ch.isdigit() else ord(ch) - 55 for ch in code[:8]]
    check = 11 - sum(v * w for v, w in zip(values, ORG_WEIGHTS, strict=True)) % 11
    expected = {10: "X", 11: "0"}.get(check, str(check))
    return code[8] == expected


def normalise_id_number(text: str) -> str | None:
    """An ID number: half-width, no spaces, upper-case X; None unless 15 or 18 characters."""
    value = compact(text).upper().replace("-", "")
    if re.fullmatch(r"\d{17}[\dX]|\d{15}", value):
        return value
    match = re.search(r"(?<!\d)(\d{17}[\dX]|\d{15})(?![\dX])", value)
    return match.group(1) if match else None


def normalise_credit_code(text: str) -> str | None:
    """A USCC (18 characters) or organisation code written ``XXXXXXXX-C``."""
    value = compact(text).upper()
    value = re.sub(r"^(统一社会信用代码|信用代码|组织机构代码|代码)", "", value)
    match = re.search(r"(?<![0-9A-Z])[0-9A-Z]{18}(?![0-9A-Z])", value)
    if match:
        return match.group(0)
    match = re.search(r"(?<![0-9A-Z])([0-9A-Z]{8})[-—–]?([0-9X])(?![0-9A-Z])", value)
    if match:
        return f"{match.group(1)}-{match.group(2)}"
    return None


def credit_code_valid(code: str) -> bool:
    """True when a USCC or organisation code (with or without its hyphen) passes its check."""
    plain = code.replace("-", "")
    return uscc_valid(plain) if len(plain) == 18 else org_code_valid(plain)


def parse_yyyymmdd(text: str) -> dt.date | None:
    """The date of an 8-digit yyyymmdd string, None when it is no calendar date."""
    try:
        return dt.date(int(text[:4]), int(text[4:6]), int(text[6:8]))
    except ValueError:
        return None


_DATE_PATTERNS = (
    re.compile(r"(\d{4})\s*年\s*(\d{1,2})\s*月\s*(\d{1,2})\s*[日号]?"),
    re.compile(r"(\d{4})\s*[./\-]\s*(\d{1,2})\s*[./\-]\s*(\d{1,2})"),
    re.compile(r"(?<!\d)(\d{4})(\d{2})(\d{2})(?!\d)"),
)


def normalise_date(text: str) -> str | None:
    """An ISO date from 2020年5月8日, 2020.5.8, 2020/05/08, 2020-5-8 or 20200508."""
    value = halfwidth(text)
    for pattern in _DATE_PATTERNS:
        match = pattern.search(value)
        if match:
            try:
                day = dt.date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
            except ValueError:
                return None
            return day.isoformat()
    return None


def normalise_followers(text: str) -> str | None:
    """A follower count as an integer string: 1.2万 → 12000, 3,400 → 3400, 5k → 5000."""
    value = compact(text).replace(",", "").replace("，", "").lower()
    match = re.search(r"(\d+(?:\.\d+)?)\s*(万|w|千|k|亿)?", value)
    if not match:
        return None
    number = float(match.group(1))
    factor = {"万": 10_000, "w": 10_000, "千": 1_000, "k": 1_000, "亿": 100_000_000}.get(
        match.group(2) or "", 1
    )
    return str(round(number * factor))


def normalise_phone(text: str) -> str | None:
    """A phone number as written without spaces; a mobile as its 11 digits (no +86, no dashes).

    Landlines keep their written shape (``0319-1234567``, ``(0319)1234567``, ``03191234567``).
    """
    value = compact(text).translate(_DIGIT_LOOKALIKES)
    digits = re.sub(r"[\-–—]", "", value)
    mobile = re.fullmatch(r"(?:\+?86|0086)?(1[3-9]\d{9})", digits)
    if mobile:
        return mobile.group(1)
    match = re.search(r"[(+]?[\d()\-–—]{7,20}", value)
    if not match:
        return None
    number = match.group(0).strip("-–—")
    if sum(ch.isdigit() for ch in number) < 7:
        return None
    found_mobile = re.fullmatch(r"(?:\+?86|0086)?(1[3-9]\d{9})", re.sub(r"\D", "", number))
    return found_mobile.group(1) if found_mobile else number


def normalise_email(text: str) -> str | None:
    """An e-mail address from the text (half-width, lower-case domain)."""
    value = compact(text).replace("＠", "@")
    match = re.search(r"[\w.+\-]+@[\w\-]+(?:\.[\w\-]+)+", value)
    if not match:
        return None
    local, _, domain = match.group(0).partition("@")
    return f"{local}@{domain.lower()}"


def normalise_account_id(text: str) -> str | None:
    """An account ID or link: half-width, spaces removed."""
    value = compact(text)
    return value or None
