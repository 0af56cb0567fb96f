"""What a person does to a filing: correct a field, answer, resolve, reopen, transfer.

Each action checks the office, changes the store in the caller's session (the caller commits),
records a staff event in the filing's history and writes the audit log with the person.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session


@dataclass(frozen=True)
class CannedText:
    """A ready-made paragraph a person can put into a reply."""

    key: str
    title: str
    text: str


def canned_texts() -> list[CannedText]:
    """The canned paragraphs, in the notice's register."""
    raise NotImplementedError


@dataclass(frozen=True)
class CorrectionResult:
    """What a correction changed: the decision before and after, and the reply it queued or
    held (None when the decision needs no new reply)."""

    filing_id: int
    status_before: str
    status_after: str
    problems_after: tuple[str, ...]
    outbox_id: int | None
    held: bool


def correct_field(
    session: Session,
    offices: Collection[str],
    filing_id: int,
    field: str,
    value: str,
    actor: str,
    now: datetime,
) -> CorrectionResult:
    """Store a staff correction of `field` (it overrides what was read, also after later mails)
    and decide the filing again at once."""
    raise NotImplementedError


def approve_reply(
    session: Session, offices: Collection[str], outbox_id: int, actor: str, now: datetime
) -> None:
    """A held reply goes out as it is (held → queued; the outbox sends it once)."""
    raise NotImplementedError


def edit_reply(
    session: Session,
    offices: Collection[str],
    outbox_id: int,
    subject: str,
    body: str,
    actor: str,
    now: datetime,
) -> int:
    """Replace a held or queued reply's text with the staff text; returns the outbox id (the
    same row; a new Message-ID only if it was not yet handed to SMTP). The reply stays held
    until approved if it was held."""
    raise NotImplementedError


def compose_reply(
    session: Session,
    offices: Collection[str],
    filing_id: int,
    canned_keys: Sequence[str],
    extra_text: str,
    actor: str,
    now: datetime,
) -> int:
    """Write a new reply to the filing's sender from canned paragraphs and free text; it is
    queued at once (a person wrote it). Returns the new outbox id."""
    raise NotImplementedError


def resend_reply(
    session: Session, offices: Collection[str], outbox_id: int, actor: str, now: datetime
) -> int:
    """Send a bounced or failed reply again as a new outbox row; returns its id."""
    raise NotImplementedError


def resolve(
    session: Session, offices: Collection[str], item_key: str, note: str, actor: str, now: datetime
) -> None:
    """Mark a queue item (`WorkItem.key`) done with a note; it leaves the queue and the digest."""
    raise NotImplementedError


def reopen(
    session: Session, offices: Collection[str], item_key: str, note: str, actor: str, now: datetime
) -> None:
    """Put a resolved item back into the queue."""
    raise NotImplementedError


def transfer(
    session: Session,
    offices: Collection[str],
    filing_id: int,
    to_office: str,
    note: str,
    actor: str,
    now: datetime,
) -> None:
    """Pass a filing to another office by hand: it shows in that office's queue with where it
    came from; the sending office keeps a trace in the history."""
    raise NotImplementedError
