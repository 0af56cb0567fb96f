"""Read models of the console: a filing page, search results, attachments and the 台账 export.

Every view of personal data writes an audit row with the person (`actor`).
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy.orm import Session

from intake.privacy.crypto import Keyring
from intake.store.files import FileStore


@dataclass(frozen=True)
class AttachmentView:
    """One attachment of a mail (`id` is what `attachment_bytes` takes)."""

    id: int
    name: str
    content_type: str
    size: int
    problem: str | None
    problem_words: str | None


@dataclass(frozen=True)
class MessageView:
    """One mail of the thread; `time` is in Asia/Shanghai."""

    message_pk: int
    sender: str | None
    time: datetime | None
    subject: str | None
    text: str
    state: str
    attachments: tuple[AttachmentView, ...]


@dataclass(frozen=True)
class FieldView:
    """One field read from a document: value, confidence and, if stored, its box
    ``(page, x0, y0, x1, y1)`` normalised 0..1."""

    key: str
    label: str
    value: str
    confidence: float | None
    box: tuple[int, float, float, float, float] | None


@dataclass(frozen=True)
class DocumentView:
    """One document read from an attachment."""

    document_id: int
    attachment_id: int
    kind: str
    engine: str | None
    fields: tuple[FieldView, ...]
    unreadable: str | None


@dataclass(frozen=True)
class DecisionView:
    """The filing's current decision, codes and Chinese words."""

    status: str
    status_words: str
    missing: tuple[str, ...]
    missing_words: tuple[str, ...]
    problems: tuple[str, ...]
    problem_words: tuple[str, ...]
    office: str
    reply_kind: str | None
    fields: dict[str, str]
    corrected: dict[str, str]


@dataclass(frozen=True)
class HistoryEntry:
    """One line of history: a pipeline change (``who`` = ``worker``) or a staff action."""

    at: datetime
    who: str
    action: str
    text: str


@dataclass(frozen=True)
class ReplyView:
    """One reply of the outbox for this filing."""

    outbox_id: int
    kind: str
    recipient: str
    subject: str | None
    state: str
    state_words: str
    created_at: datetime
    sent_at: datetime | None
    last_error: str | None
    edited: bool


@dataclass(frozen=True)
class FilingView:
    """Everything about one filing for its page."""

    filing_id: int
    reference: str | None
    office: str
    received_by: str
    sender: str
    created_at: datetime
    updated_at: datetime
    messages: tuple[MessageView, ...]
    documents: tuple[DocumentView, ...]
    decision: DecisionView
    history: tuple[HistoryEntry, ...]
    replies: tuple[ReplyView, ...]
    transferred_from: str | None
    open_items: tuple[str, ...]


@dataclass(frozen=True)
class SearchQuery:
    """What to search by; every given part must match. `id_number` is a whole number typed in."""

    reference: str | None = None
    name: str | None = None
    account: str | None = None
    sender: str | None = None
    id_number: str | None = None
    start: date | None = None
    end: date | None = None
    status: str | None = None
    limit: int = 200


@dataclass(frozen=True)
class FilingRow:
    """One search result; `id_number` is masked."""

    filing_id: int
    reference: str | None
    office: str
    sender: str
    name: str | None
    id_number: str | None
    accounts: tuple[str, ...]
    status: str
    status_words: str
    created_at: datetime
    updated_at: datetime
    problems: tuple[str, ...] = field(default_factory=tuple)


def filing_view(
    session: Session,
    offices: Collection[str],
    filing_id: int,
    keys: Keyring,
    actor: str,
    now: datetime,
) -> FilingView:
    """The page of one filing (writes an audit row: `actor` viewed it)."""
    raise NotImplementedError


def search(
    session: Session, offices: Collection[str], query: SearchQuery, actor: str, now: datetime
) -> list[FilingRow]:
    """Filings of `offices` matching `query`, newest first (audited when it searches by ID
    number or name)."""
    raise NotImplementedError


def attachment_bytes(
    session: Session,
    offices: Collection[str],
    attachment_id: int,
    files: FileStore,
    keys: Keyring,
    actor: str,
    now: datetime,
) -> tuple[str, str, bytes]:
    """(file name, content type, decrypted bytes) of one attachment; audited."""
    raise NotImplementedError


def export_registry(
    session: Session,
    offices: Collection[str],
    start: date,
    end: date,
    actor: str,
    now: datetime,
) -> bytes:
    """The 台账 (xlsx) of filings of `offices` received from `start` to `end` inclusive
    (Asia/Shanghai dates); audited."""
    raise NotImplementedError
