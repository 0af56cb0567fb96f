"""The form's two printed choices read from text: subject type (个人 / 企业…) and filing type.

The words come from `vocabulary.subjects`, the same the parsers snap to, so a text reads the
same here and there: 个体工商户, 法人 and 社会团体 are organisations.
"""

from __future__ import annotations

from vocabulary.subjects import (
    CHANGE_WORDS,
    INDIVIDUAL_WORDS,
    NEW_WORDS,
    ORGANIZATION_WORDS,
    TICK_MARKS,
    FilingType,
    SubjectType,
)


def subject_type_from_text(text: str | None) -> SubjectType | None:
    """``individual`` for 个人, ``organization`` for 企业/单位/公司/个体工商户/…; None when
    unrecognised.

    A ticked box often arrives as ``☑个人 □企业``: a word preceded by a ticked mark wins.
    """
    if not text:
        return None
    lowered = text.strip().lower()
    for mark in TICK_MARKS:
        at = lowered.find(mark)
        if at >= 0:
            ticked = subject_type_from_text(lowered[at + 1 : at + 6].lstrip("□☐ "))
            if ticked is not None:
                return ticked
    if any(word in lowered for word in ORGANIZATION_WORDS):
        return SubjectType.ORGANIZATION
    if any(word in lowered for word in INDIVIDUAL_WORDS):
        return SubjectType.INDIVIDUAL
    return None


def filing_type_from_text(text: str | None) -> FilingType | None:
    """``change`` for 变更/更新, ``new`` for 首次备案/新开通/新增/空; None when unrecognised."""
    if text is None or not text.strip():
        return FilingType.NEW
    lowered = text.strip().lower()
    if any(word in lowered for word in CHANGE_WORDS):
        return FilingType.CHANGE
    if any(word in lowered for word in NEW_WORDS):
        return FilingType.NEW
    return None
