"""Text folding shared by the checks: full-width to half-width, spaces removed, brackets unified.

Registrants type numbers with full-width digits (１３０５…), ideographic spaces and Chinese
brackets; OCR adds more of the same. Every check folds its input here first so that the
comparison rules live in one place.
"""

from __future__ import annotations

import re
import unicodedata

_WHITESPACE = re.compile(r"[\s\u00a0\u3000\u200b\ufeff]+")
_DASHES = str.maketrans({"—": "-", "–": "-", "－": "-", "‐": "-", "‑": "-", "﹣": "-"})
_BRACKETS = str.maketrans(
    {"〔": "(", "〕": ")", "【": "(", "】": ")", "［": "(", "］": ")", "[": "(", "]": ")"}
)


def fold_width(text: str) -> str:
    """Full-width letters, digits and punctuation become their ASCII forms (NFKC)."""
    return unicodedata.normalize("NFKC", text)


def remove_spaces(text: str) -> str:
    """Every kind of space (ASCII, no-break, ideographic, zero-width) removed."""
    return _WHITESPACE.sub("", text)


def unify_dashes(text: str) -> str:
    """Long dashes and full-width hyphens become ``-`` (the ideograph 一 is left alone)."""
    return text.translate(_DASHES)


def compact(text: str) -> str:
    """Width folded, spaces removed and dashes unified: the form every number check starts from."""
    return unify_dashes(remove_spaces(fold_width(text)))


def name_key(text: str) -> str:
    """A name in the form used to compare two writings of it.

    Full-width and half-width brackets and other bracket styles are made equal, spaces and
    middle dots are dropped and Latin letters are upper-cased, so that
    ``邢台市某某科技有限公司（分公司）`` equals ``邢台市某某科技有限公司 (分公司)``.
    """
    folded = remove_spaces(fold_width(text)).translate(_BRACKETS)
    return folded.replace("·", "").replace("•", "").replace("・", "").upper()
