"""Agreement between a filing's documents as a confidence input (pure).

Chinese text has no check digit; what vouches for a name read off an ID card photo is the same
name written elsewhere: typed on the form, printed on the licence. When two documents of one
filing hold the same value (the form's 主体名称 and the card's 姓名 of an individual, the form's
运维负责人 and the manager's card, the form's name and the licence's 名称), both readings are
right unless both went wrong the same way: each value's confidence rises to at least
`AGREED`. When a value has counterparts and none of them is the same, one of the readings (or
the filing) is wrong and nothing says which: both go below the review threshold (`DISAGREED`)
with the reason ``disagree:<field>``, so a person looks at them in the review queue.

Numbers with a check digit are compared too (the form's ID number and the card's), by the
same rule. Values are compared as `routing.characters.name_key` writes them (spaces, bracket
widths and middle dots aside). A value without counterparts keeps its confidence.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from routing.characters import name_key
from routing.review import low_confidence_fields
from vocabulary import DocumentKind, SubjectType

AGREED = 0.95
"""The least confidence of a value that another document of the filing holds too."""

DISAGREED = 0.5
"""The confidence of a value whose counterparts on the filing's other documents all differ."""

FORM = DocumentKind.REGISTRATION_FORM.value
ID_FRONT = DocumentKind.ID_CARD_FRONT.value
LICENCE = DocumentKind.BUSINESS_LICENCE.value
CODE_CERTIFICATE = DocumentKind.ORG_CODE_CERTIFICATE.value

Slot = tuple[str, str]
"""A document kind and a field key: where a value stands."""


def corresponding(subject_type: SubjectType | None) -> tuple[tuple[Slot, Slot], ...]:
    """Pairs of places that hold the same value on a filing of `subject_type`: for an
    individual the card's name is the subject's, for an organisation the licence's name is."""
    pairs: list[tuple[Slot, Slot]] = [
        ((FORM, "manager_name"), (ID_FRONT, "name")),
        ((FORM, "manager_id_number"), (ID_FRONT, "id_number")),
    ]
    if subject_type is SubjectType.INDIVIDUAL:
        pairs += [
            ((FORM, "subject_name"), (ID_FRONT, "name")),
            ((FORM, "id_number"), (ID_FRONT, "id_number")),
        ]
    if subject_type is SubjectType.ORGANIZATION:
        for paper in (LICENCE, CODE_CERTIFICATE):
            pairs += [
                ((FORM, "subject_name"), (paper, "subject_name")),
                ((FORM, "credit_code"), (paper, "credit_code")),
            ]
    return tuple(pairs)


@dataclass(frozen=True)
class ReadDocument:
    """One current document of a filing: its kind, values and their confidences."""

    kind: str
    fields: Mapping[str, str]
    confidence: Mapping[str, float]


@dataclass(frozen=True)
class Agreement:
    """The documents' confidences after comparing them (one map per document, in order), and
    the fields whose counterparts disagreed (``disagree:<field>``, each once)."""

    confidences: tuple[dict[str, float], ...]
    reasons: tuple[str, ...]


def _counterparts(
    slot: Slot, pairs: Sequence[tuple[Slot, Slot]], documents: Sequence[ReadDocument], own: int
) -> list[str]:
    """The values standing where `slot`'s value should be repeated, on the other documents."""
    others = {b for a, b in pairs if a == slot} | {a for a, b in pairs if b == slot}
    found: list[str] = []
    for index, document in enumerate(documents):
        if index == own:
            continue
        for kind, key in others:
            value = document.fields.get(key, "") if document.kind == kind else ""
            if value.strip():
                found.append(name_key(value))
    return found


def cross_document_confidence(
    documents: Sequence[ReadDocument], subject_type: SubjectType | None
) -> Agreement:
    """Each document's confidences with agreement between documents taken in (see above)."""
    pairs = corresponding(subject_type)
    confidences: list[dict[str, float]] = []
    reasons: dict[str, None] = {}
    for index, document in enumerate(documents):
        adjusted = dict(document.confidence)
        for key, value in document.fields.items():
            if not value.strip():
                continue
            others = _counterparts((document.kind, key), pairs, documents, index)
            if not others:
                continue
            current = adjusted.get(key, 1.0)
            if name_key(value) in others:
                adjusted[key] = max(current, AGREED)
            else:
                adjusted[key] = min(current, DISAGREED)
                reasons[f"disagree:{key}"] = None
        confidences.append(adjusted)
    return Agreement(tuple(confidences), tuple(reasons))


def low_fields_after_agreement(
    documents: Sequence[ReadDocument], subject_type: SubjectType | None, threshold: float
) -> tuple[str, ...]:
    """The fields (each once, in order met) below `threshold` once agreement between the
    documents is taken in: what `routing.review.low_confidence_fields` gives on the stored
    confidences, less the values another document confirms, plus those it contradicts."""
    agreement = cross_document_confidence(documents, subject_type)
    return low_confidence_fields(agreement.confidences, threshold)
