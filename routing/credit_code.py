"""Unified social credit codes (GB 32100-2015) and organisation codes (GB 11714-1997).

A credit code is 18 characters over ``0123456789ABCDEFGHJKLMNPQRTUWXY``: registration
department, category (letter-led categories such as ``N2``, ``A1``, ``G1``, ``J1``, ``Q1``,
``Y1`` exist), a 6-digit region, the 9-character organisation code and a mod-31 check
character. The organisation code (printed ``XXXXXXXX-C``) carries its own mod-11 check, which
is tested too when it sits inside a credit code.

Detection: every single-character change of a credit code is caught, because each weight is
non-zero modulo the prime 31 and any two alphabet values differ by less than 31. A stand-alone
organisation code is weaker: its body values run 0-35 while the modulus is 11, so replacing a
body character by one whose value differs by 11, 22 or 33 (``0``↔``B``, ``1``↔``C``, ``A``↔``L``…)
keeps the check and cannot be detected; digit-for-digit changes and check-character changes
are always caught.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from routing.characters import compact

USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
USCC_WEIGHTS: tuple[int, ...] = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
ORG_CODE_WEIGHTS: tuple[int, ...] = (3, 7, 9, 10, 5, 8, 4, 2)
ORG_CODE_CHARACTERS = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"

_USCC_SHAPE = re.compile(r"[0-9A-HJ-NPQRTUWXY]{2}[0-9]{6}[0-9A-HJ-NPQRTUWXY]{10}")
_ORG_CODE_SHAPE = re.compile(r"[0-9A-Z]{8}[0-9X]")


class CreditCodeProblem(StrEnum):
    """Why a credit code or organisation code was not accepted."""

    EMPTY = "empty"
    BAD_LENGTH = "bad_length"
    BAD_CHARACTER = "bad_character"
    BAD_CHECK = "bad_check"
    BAD_ORG_CODE_CHECK = "bad_org_code_check"


class CreditCodeKind(StrEnum):
    """Which of the two numbers was written."""

    USCC = "uscc"
    ORG_CODE = "org_code"


@dataclass(frozen=True)
class CreditCodeCheck:
    """The outcome of checking a credit code or an organisation code.

    `value` is the normalised code when valid (18 characters, or 9 without the hyphen);
    `org_code` is the 9-character organisation code it contains or is, when it could be read.
    """

    value: str | None
    reason: CreditCodeProblem | None
    kind: CreditCodeKind | None = None
    org_code: str | None = None

    @property
    def valid(self) -> bool:
        """True when the code passed every check."""
        return self.reason is None


def normalise_code_text(text: str) -> str:
    """Width folded, spaces removed, upper-cased; a hyphen before the last character dropped."""
    code = compact(text).upper()
    if len(code) == 10 and code[8] == "-":
        code = code[:8] + code[9]
    return code


def uscc_check_character(first17: str) -> str:
    """The check character for the first 17 characters of a credit code."""
    total = sum(
        USCC_ALPHABET.index(ch) * weight for ch, weight in zip(first17, USCC_WEIGHTS, strict=True)
    )
    return USCC_ALPHABET[(31 - total % 31) % 31]


def org_code_check_character(body: str) -> str:
    """The check character for the 8-character body of an organisation code."""
    total = sum(
        ORG_CODE_CHARACTERS.index(ch) * weight
        for ch, weight in zip(body, ORG_CODE_WEIGHTS, strict=True)
    )
    check = 11 - total % 11
    return {10: "X", 11: "0"}.get(check, str(check))


def printed_org_code(code: str) -> str:
    """A 9-character organisation code as printed: ``XXXXXXXX-C``."""
    return f"{code[:8]}-{code[8:]}"


def check_uscc(text: str | None) -> CreditCodeCheck:
    """Check an 18-character unified social credit code."""
    code = normalise_code_text(text or "")
    kind = CreditCodeKind.USCC
    if not code:
        return CreditCodeCheck(None, CreditCodeProblem.EMPTY, kind)
    if len(code) != 18:
        return CreditCodeCheck(None, CreditCodeProblem.BAD_LENGTH, kind)
    if not _USCC_SHAPE.fullmatch(code):
        return CreditCodeCheck(None, CreditCodeProblem.BAD_CHARACTER, kind)
    org_code = code[8:17]
    if uscc_check_character(code[:17]) != code[17]:
        return CreditCodeCheck(None, CreditCodeProblem.BAD_CHECK, kind, org_code)
    if org_code_check_character(org_code[:8]) != org_code[8]:
        return CreditCodeCheck(None, CreditCodeProblem.BAD_ORG_CODE_CHECK, kind, org_code)
    return CreditCodeCheck(code, None, kind, org_code)


def check_org_code(text: str | None) -> CreditCodeCheck:
    """Check a 9-character organisation code, written with or without its hyphen."""
    code = normalise_code_text(text or "")
    kind = CreditCodeKind.ORG_CODE
    if not code:
        return CreditCodeCheck(None, CreditCodeProblem.EMPTY, kind)
    if len(code) != 9:
        return CreditCodeCheck(None, CreditCodeProblem.BAD_LENGTH, kind)
    if not _ORG_CODE_SHAPE.fullmatch(code):
        return CreditCodeCheck(None, CreditCodeProblem.BAD_CHARACTER, kind)
    if org_code_check_character(code[:8]) != code[8]:
        return CreditCodeCheck(None, CreditCodeProblem.BAD_CHECK, kind, code)
    return CreditCodeCheck(code, None, kind, code)


def check_credit_code(text: str | None) -> CreditCodeCheck:
    """Check whichever was written: an 18-character credit code or a 9-character org code."""
    code = normalise_code_text(text or "")
    if len(code) == 9:
        return check_org_code(code)
    return check_uscc(code)


def same_organisation(first: str | None, second: str | None) -> bool | None:
    """Whether two codes name the same organisation; None when either is not a valid code.

    A credit code and an organisation code agree when the organisation code is the one
    embedded in the credit code (positions 9-17).
    """
    one, two = check_credit_code(first), check_credit_code(second)
    if not (one.valid and two.valid):
        return None
    if one.kind == two.kind:
        return one.value == two.value
    return one.org_code == two.org_code
