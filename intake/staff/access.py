"""Shared pieces of the staff functions: finding a row within the person's offices (NotFound
otherwise, exactly as when it does not exist), masking, and writing history and audit rows."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy.orm import Session

from intake.privacy import audit
from intake.staff.errors import NotFound
from intake.store.tables import (
    Attachment,
    Filing,
    Message,
    OutboxMail,
    StaffEvent,
    without_encrypted,
)
from notifications.wording import mask_id

MASKED_FIELDS = frozenset({"id_number", "manager_id_number", "credit_code"})
"""Fields shown masked in history, search results and audit lines."""


mask = mask_id
"""The digest's masking (`notifications.wording.mask_id`): first 6 and last 4 shown."""


def shown(field: str, value: str | None) -> str:
    """A field's value as history and logs may show it (ID numbers and codes masked)."""
    return mask(value) if field in MASKED_FIELDS else (value or "")


def filing_in(
    session: Session, offices: Collection[str], filing_id: int, *, with_personal: bool = True
) -> Filing:
    """The filing, if it is held by one of `offices`; NotFound otherwise."""
    options = [] if with_personal else without_encrypted(Filing)
    filing = session.get(Filing, filing_id, options=options)
    if filing is None or filing.office not in offices:
        raise NotFound()
    return filing


def outbox_in(session: Session, offices: Collection[str], outbox_id: int) -> OutboxMail:
    """A reply of a filing held by one of `offices` (or, without a filing, sent from one)."""
    row = session.get(OutboxMail, outbox_id)
    if row is None or row.kind == "digest":
        raise NotFound()
    if row.filing_id is not None:
        filing = session.get(Filing, row.filing_id, options=without_encrypted(Filing))
        if filing is None or filing.office not in offices:
            raise NotFound()
    elif row.office not in offices:
        raise NotFound()
    return row


def message_in(session: Session, offices: Collection[str], message_pk: int) -> Message:
    """A mail of a filing held by one of `offices` (or, without a filing, received by one)."""
    message = session.get(Message, message_pk, options=without_encrypted(Message))
    if message is None:
        raise NotFound()
    if message.filing_id is not None:
        filing = session.get(Filing, message.filing_id, options=without_encrypted(Filing))
        if filing is None or filing.office not in offices:
            raise NotFound()
    elif message.office not in offices:
        raise NotFound()
    return message


def attachment_in(session: Session, offices: Collection[str], attachment_id: int) -> Attachment:
    """An attachment of a mail the person may see."""
    attachment = session.get(Attachment, attachment_id)
    if attachment is None:
        raise NotFound()
    message_in(session, offices, attachment.message_pk)
    return attachment


def record(
    session: Session,
    *,
    actor: str,
    now: datetime,
    action: str,
    office: str,
    text: str,
    filing: Filing | None = None,
    detail: dict[str, object] | None = None,
    outbox_id: int | None = None,
    message_pk: int | None = None,
) -> None:
    """One staff history row and its audit row (with the person), in the caller's session."""
    session.add(
        StaffEvent(
            filing_id=filing.id if filing is not None else None,
            message_pk=message_pk,
            outbox_id=outbox_id,
            office=office,
            at=now,
            actor=actor[:64],
            action=action[:32],
            detail={"text": text, **(detail or {})},
        )
    )
    audit.record(session, now, f"staff:{action}"[:32], text, actor=actor, filing=filing)


def audit_view(
    session: Session, *, actor: str, now: datetime, what: str, filing: Filing | None = None
) -> None:
    """An audit row for a view of personal data (no history row)."""
    audit.record(session, now, "staff:view", what, actor=actor, filing=filing)
