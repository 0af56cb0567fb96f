"""Review before sending, the adapter half: read what the rule needs and hold a queued reply.

`routing.review` decides (pure); this reads the office's `review` mode, the confidences of the
filing's current documents and the filing's problems, and turns a just-queued reply into a
HELD one when the rule says so. A HELD reply waits in the staff queue; the sender never sends it.
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.orm import Session

from intake.settings import OfficeSettings
from intake.store.tables import Document, Filing, OutboxMail, OutboxState
from routing.document_agreement import ReadDocument, low_fields_after_agreement
from routing.review import REVIEW_ALL, ReviewVerdict, low_confidence_fields, review_verdict
from vocabulary import SubjectType


def low_fields(db: Session, filing_id: int, threshold: float) -> tuple[str, ...]:
    """The fields of the filing's current documents read below `threshold` that no other
    document of the filing repeats (`routing.document_agreement`): a card name read at 0.6 that
    the form repeats is trusted. Values are compared as read: a person's correction settles the
    filing's review item, it does not make the reading itself more certain. A value
    its counterparts contradict is the decision's mismatch problem, not a low field here, so
    that the staff queue (which weighs only filings with a value stored below the threshold)
    and the reply's hold name the same reasons."""
    rows = db.execute(
        select(Document.kind, Document.fields, Document.confidence)
        .where(
            Document.filing_id == filing_id,
            Document.superseded.is_(False),
            Document.confidence.is_not(None),
        )
        .order_by(Document.id)
    ).all()
    if not rows:
        return ()
    filing = db.get(Filing, filing_id)
    documents = [
        ReadDocument(kind=kind, fields=dict(fields or {}), confidence=dict(confidence or {}))
        for kind, fields, confidence in rows
    ]
    read_low = set(low_confidence_fields((d.confidence for d in documents), threshold))
    weighed = low_fields_after_agreement(
        documents, _subject_type(filing.subject_type if filing else None), threshold
    )
    return tuple(field for field in weighed if field in read_low)


def _subject_type(value: str | None) -> SubjectType | None:
    try:
        return SubjectType(value or "")
    except ValueError:
        return None


def review_mode(offices: Mapping[str, OfficeSettings], filing: Filing, replying: str) -> str:
    """The review mode of the office that holds the filing (else of the one replying)."""
    office = offices.get(filing.office) or offices.get(replying)
    return office.review if office is not None else "risky"


def verdict_for(
    db: Session, mode: str, filing: Filing, reply_kind: str, threshold: float
) -> ReviewVerdict:
    """Whether a reply of `reply_kind` on `filing` waits for a person."""
    return review_verdict(
        mode, reply_kind, filing.problems or (), low_fields(db, filing.id, threshold)
    )


def hold_if_needed(
    db: Session,
    offices: Mapping[str, OfficeSettings],
    row: OutboxMail,
    filing: Filing,
    threshold: float,
) -> ReviewVerdict:
    """Turn the just-queued reply `row` into a HELD one when the office's review rule says so."""
    verdict = verdict_for(db, review_mode(offices, filing, row.office), filing, row.kind, threshold)
    if verdict.hold and row.state == OutboxState.QUEUED.value:
        row.state = OutboxState.HELD.value
        row.held_reason = ",".join(verdict.reasons)[:255]
    return verdict


def hold_unfiled_if_all(offices: Mapping[str, OfficeSettings], row: OutboxMail) -> bool:
    """A reply without a filing (the information reply to a question) rests on no reading, so
    only `review = "all"` holds it; True when it was held."""
    office = offices.get(row.office)
    if office is None or office.review != "all" or row.state != OutboxState.QUEUED.value:
        return False
    row.state = OutboxState.HELD.value
    row.held_reason = REVIEW_ALL
    return True


SUPERSEDED_NOTE = "superseded by a newer reply to the same filing before anyone approved it"
WITHDRAWN = "withdrawn by staff"
"""`last_error` prefix of a held reply a person resolved without sending it."""
NOT_SENT_ON_PURPOSE = (SUPERSEDED_NOTE, WITHDRAWN)
"""`last_error` prefixes of SUPPRESSED replies nobody needs to hear about (no sending trouble)."""


def retire_older_held(db: Session, filing_id: int, keep: OutboxMail) -> int:
    """A newer reply to a filing replaces its older HELD ones (they were never sent, and the
    newer one carries the current decision); returns how many were retired."""
    db.flush()
    older = db.execute(
        select(OutboxMail).where(
            OutboxMail.filing_id == filing_id,
            OutboxMail.state == OutboxState.HELD.value,
            OutboxMail.id != keep.id,
        )
    ).scalars()
    count = 0
    for row in older:
        row.state = OutboxState.SUPPRESSED.value
        row.last_error = SUPERSEDED_NOTE
        count += 1
    return count
