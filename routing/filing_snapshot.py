"""What the decide step knows when a mail arrives, as frozen plain values.

The store's adapter (`intake.deciding.filing`) reads these from the database and hands them to
`routing.filing_decision.decide_filing`: the mail's envelope and documents, the filings the
sender might mean (each with its documents, its mails' unreadable attachments and what was last
recorded of it), and the addresses that are ours. Nothing here touches the store; ``key``
fields are the store's row ids, kept so the answer can name rows and so that "newest" means
"stored last", as it does in the store.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from routing.mail_classifier import AttachmentEvidence, SenderHistory
from vocabulary import DocumentKind
from vocabulary.offices import XINGTAI, OfficeDirectory

CLOCK_SKEW = timedelta(days=1)
"""How far a mail's Date header may lie ahead of the moment we stored it and still be believed."""


def registrant_time(sent_at: datetime | None, stored_at: datetime) -> datetime:
    """When the registrant sent a mail: its Date header unless that lies in our future."""
    if sent_at is not None and sent_at <= stored_at + CLOCK_SKEW:
        return sent_at
    return stored_at


def document_kind(text: str) -> DocumentKind:
    """The kind a stored document records; a kind no parser reports counts as ``other``."""
    try:
        return DocumentKind(text)
    except ValueError:
        return DocumentKind.OTHER


@dataclass(frozen=True)
class MailTimes:
    """When a mail was sent (its Date header) and stored; `key` orders mails as stored."""

    key: int
    sent_at: datetime | None
    stored_at: datetime

    @property
    def registrant_time(self) -> datetime:
        """When the registrant sent it (see `registrant_time`)."""
        return registrant_time(self.sent_at, self.stored_at)


@dataclass(frozen=True)
class DocumentSnapshot:
    """One document as the parsers stored it: `key` is its row id (higher = read later)."""

    key: int
    kind: DocumentKind
    fields: Mapping[str, str] = field(default_factory=dict)
    accounts: tuple[Mapping[str, str], ...] = ()
    unreadable: str | None = None

    @property
    def readable(self) -> bool:
        """True when the parsers read something from it."""
        return self.unreadable is None

    @property
    def is_readable_form(self) -> bool:
        """True for a registration form the parsers could read."""
        return self.kind is DocumentKind.REGISTRATION_FORM and self.readable


@dataclass(frozen=True)
class RecordedState:
    """What a filing's history compares before and after a decision (None: not yet decided)."""

    status: str | None = None
    office: str | None = None
    missing: tuple[str, ...] | None = None
    problems: tuple[str, ...] | None = None
    reply: str | None = None
    subject_type: str | None = None

    def as_record(self) -> dict[str, object]:
        """The values as the history stores them (lists for the lists)."""
        return {
            "status": self.status,
            "office": self.office,
            "missing": None if self.missing is None else list(self.missing),
            "problems": None if self.problems is None else list(self.problems),
            "reply": self.reply,
            "subject_type": self.subject_type,
        }


@dataclass(frozen=True)
class MailEnvelope:
    """The incoming mail's own facts.

    `office` is the office whose mailbox got the mail; `attachment_problems` holds the reader's
    problem (or None) for each attachment in order; `own_message` is True when its Message-ID is
    one we made; `references` are the bare Message-IDs of its ``References`` header.
    `attachments` are its attachments as read (with the kinds of the documents read from each),
    `recipients` its To/Cc/Delivered-To addresses, `header_signs` the reader's bulk and forgery
    signs, `history` what the store knows of the sender and `replies_to_us` whether it answers
    one of our replies (for `routing.mail_classifier`).
    """

    key: int
    office: str
    sender: str
    stored_at: datetime
    subject: str = ""
    body_text: str = ""
    sent_at: datetime | None = None
    in_reply_to: str | None = None
    references: tuple[str, ...] = ()
    auto_reply: bool = False
    is_bounce: bool = False
    bounced_recipients: tuple[str, ...] = ()
    large_link_count: int = 0
    attachment_problems: tuple[str | None, ...] = ()
    own_message: bool = False
    attachments: tuple[AttachmentEvidence, ...] = ()
    recipients: tuple[str, ...] = ()
    header_signs: tuple[str, ...] = ()
    history: SenderHistory = field(default_factory=SenderHistory)
    replies_to_us: bool = False

    @property
    def times(self) -> MailTimes:
        """The mail's own times, ordered by its key."""
        return MailTimes(self.key, self.sent_at, self.stored_at)


@dataclass(frozen=True)
class CandidateSnapshot:
    """A filing the mail might belong to, as the store has it now.

    `documents` are its current (not superseded) documents in stored order; `changes` is True
    for a change filing, whose `original_documents` are the current documents of the filing it
    changes; `attachment_problems` are the problems of its mails' attachments; `first_mail` is
    its earliest stored mail (None when it has none left).
    """

    key: int
    reference: str
    sender: str
    received_by: str
    recorded: RecordedState
    created_at: datetime
    first_mail: MailTimes | None = None
    reply_message_ids: tuple[str, ...] = ()
    documents: tuple[DocumentSnapshot, ...] = ()
    changes: bool = False
    original_documents: tuple[DocumentSnapshot, ...] = ()
    attachment_problems: tuple[str, ...] = ()


@dataclass(frozen=True)
class FilingSnapshot:
    """Everything the decision on one incoming mail reads.

    `documents` are the mail's documents in attachment order; `candidates` the filings the
    sender might mean, in the store's order; `own_addresses` our offices' mailboxes;
    `directory` the offices the deployment serves.
    """

    mail: MailEnvelope
    documents: tuple[DocumentSnapshot, ...] = ()
    candidates: tuple[CandidateSnapshot, ...] = ()
    own_addresses: tuple[str, ...] = ()
    directory: OfficeDirectory = XINGTAI
