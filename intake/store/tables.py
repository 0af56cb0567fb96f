"""SQL tables of the store, declared once for SQLite and PostgreSQL.

The ledger has two levels: `messages` holds each distinct mail once (by content hash, or by
Message-ID with the same body), and `mailbox_entries` records every place a mail was seen, keyed by
(office, folder, UIDVALIDITY, UID). Polling asks the entries table which UIDs are new, so a mail is
fetched once per place and stored once overall.
"""

from __future__ import annotations

from datetime import UTC, datetime
from enum import StrEnum

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.types import TypeDecorator


class MessageState(StrEnum):
    """Where a stored message is on its way through the pipeline."""

    STORED = "stored"
    READ = "read"
    PARSED = "parsed"
    DECIDED = "decided"
    REPLIED = "replied"
    DUPLICATE = "duplicate"
    QUARANTINED = "quarantined"


class OutboxState(StrEnum):
    """Where a reply or digest mail is on its way out."""

    QUEUED = "queued"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    SUPPRESSED = "suppressed"


class PollResult(StrEnum):
    """How the last poll of one office folder ended."""

    OK = "ok"
    FAILED = "failed"
    SKIPPED = "skipped"


class Base(DeclarativeBase):
    """Declarative base of every table."""


class UTCDateTime(TypeDecorator[datetime]):
    """An aware datetime stored as UTC; SQLite hands back naive values, which are UTC."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to the store; pass an aware one")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class PollState(Base):
    """The last poll of one office's folder, and what it found."""

    __tablename__ = "poll_state"
    __table_args__ = (UniqueConstraint("office", "folder", name="uq_poll_state_office_folder"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    office: Mapped[str] = mapped_column(String(16), index=True)
    folder: Mapped[str] = mapped_column(String(255))
    uidvalidity: Mapped[int | None] = mapped_column(BigInteger)
    last_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_result: Mapped[str | None] = mapped_column(String(16))
    last_error: Mapped[str | None] = mapped_column(Text)
    last_fetched: Mapped[int] = mapped_column(Integer, default=0)
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)


class Message(Base):
    """One distinct mail, its raw bytes on disk, and its state in the pipeline."""

    __tablename__ = "messages"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    body_sha256: Mapped[str] = mapped_column(String(64), index=True)
    message_id: Mapped[str | None] = mapped_column(String(998), index=True)
    size: Mapped[int] = mapped_column(BigInteger)
    office: Mapped[str] = mapped_column(String(16), index=True)
    folder: Mapped[str] = mapped_column(String(255))
    stored_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    state: Mapped[str] = mapped_column(String(16), index=True, default=MessageState.STORED)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    quarantined_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    duplicate_of: Mapped[int | None] = mapped_column(ForeignKey("messages.id"))
    # Filled by the read step.
    from_addr: Mapped[str | None] = mapped_column(String(320), index=True)
    subject: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    in_reply_to: Mapped[str | None] = mapped_column(String(998))
    references: Mapped[list[str] | None] = mapped_column(JSON)
    recipients: Mapped[list[str] | None] = mapped_column(JSON)
    auto_reply: Mapped[str | None] = mapped_column(String(32))
    is_bounce: Mapped[bool] = mapped_column(Boolean, default=False)
    bounced_recipients: Mapped[list[str] | None] = mapped_column(JSON)
    body_text: Mapped[str | None] = mapped_column(Text)
    large_links: Mapped[list[dict[str, str | None]] | None] = mapped_column(JSON)
    defects: Mapped[list[str] | None] = mapped_column(JSON)
    filing_id: Mapped[int | None] = mapped_column(ForeignKey("filings.id"), index=True)
    # Filled by the decide step.
    nature: Mapped[str | None] = mapped_column(String(16))
    ignored_reason: Mapped[str | None] = mapped_column(String(32))
    thread_rule: Mapped[str | None] = mapped_column(String(32))


class MailboxEntry(Base):
    """A place where a mail was seen: the ledger key of the architecture."""

    __tablename__ = "mailbox_entries"
    __table_args__ = (
        UniqueConstraint("office", "folder", "uidvalidity", "uid", name="uq_mailbox_entry_key"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    office: Mapped[str] = mapped_column(String(16))
    folder: Mapped[str] = mapped_column(String(255))
    uidvalidity: Mapped[int] = mapped_column(BigInteger)
    uid: Mapped[int] = mapped_column(BigInteger)
    message_pk: Mapped[int] = mapped_column(ForeignKey("messages.id"), index=True)
    seen_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Attachment(Base):
    """One attachment (or archive member, inline image, forwarded part) of a message."""

    __tablename__ = "attachments"
    __table_args__ = (UniqueConstraint("message_pk", "ordinal", name="uq_attachment_ordinal"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    message_pk: Mapped[int] = mapped_column(ForeignKey("messages.id"), index=True)
    ordinal: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(Text)
    declared_type: Mapped[str] = mapped_column(String(255))
    sniffed_type: Mapped[str] = mapped_column(String(255))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    origin: Mapped[str] = mapped_column(String(32))
    container: Mapped[str | None] = mapped_column(Text)
    problem: Mapped[str | None] = mapped_column(String(64))


class Filing(Base):
    """A registration filing: the documents of one registrant, with its decision."""

    __tablename__ = "filings"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    reference: Mapped[str | None] = mapped_column(String(32), unique=True)
    office: Mapped[str] = mapped_column(String(16), index=True)
    received_by: Mapped[str] = mapped_column(String(16))
    sender: Mapped[str] = mapped_column(String(320), index=True)
    status: Mapped[str] = mapped_column(String(16), index=True)
    subject_type: Mapped[str | None] = mapped_column(String(16))
    filing_type: Mapped[str] = mapped_column(String(16), default="new")
    fields: Mapped[dict[str, str] | None] = mapped_column(JSON)
    accounts: Mapped[list[dict[str, str]] | None] = mapped_column(JSON)
    missing: Mapped[list[str] | None] = mapped_column(JSON)
    problems: Mapped[list[str] | None] = mapped_column(JSON)
    reply_kind: Mapped[str | None] = mapped_column(String(32))
    change_of: Mapped[int | None] = mapped_column(ForeignKey("filings.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())


class Document(Base):
    """A document read from an attachment: its kind, fields and confidences."""

    __tablename__ = "documents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    attachment_pk: Mapped[int] = mapped_column(ForeignKey("attachments.id"), index=True)
    filing_id: Mapped[int | None] = mapped_column(ForeignKey("filings.id"), index=True)
    part: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(32))
    engine: Mapped[str | None] = mapped_column(String(32))
    fields: Mapped[dict[str, str] | None] = mapped_column(JSON)
    accounts: Mapped[list[dict[str, str]] | None] = mapped_column(JSON)
    confidence: Mapped[dict[str, float] | None] = mapped_column(JSON)
    unreadable: Mapped[str | None] = mapped_column(String(64))
    superseded: Mapped[bool] = mapped_column(Boolean, default=False)


class FilingEvent(Base):
    """One change to a filing: what changed and which mail caused it."""

    __tablename__ = "filing_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    filing_id: Mapped[int] = mapped_column(ForeignKey("filings.id"), index=True)
    message_pk: Mapped[int | None] = mapped_column(ForeignKey("messages.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    change: Mapped[dict[str, object]] = mapped_column(JSON)


class OutboxMail(Base):
    """A reply or digest waiting to be sent, written in the same transaction as its decision."""

    __tablename__ = "outbox"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    office: Mapped[str] = mapped_column(String(16), index=True)
    filing_id: Mapped[int | None] = mapped_column(ForeignKey("filings.id"))
    message_pk: Mapped[int | None] = mapped_column(ForeignKey("messages.id"))
    kind: Mapped[str] = mapped_column(String(32))
    recipient: Mapped[str] = mapped_column(String(320), index=True)
    message_id: Mapped[str] = mapped_column(String(998), unique=True)
    raw_sha256: Mapped[str] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16), index=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    not_before: Mapped[datetime | None] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    appended: Mapped[bool] = mapped_column(Boolean, default=False)
    subject: Mapped[str | None] = mapped_column(Text)


class SendState(Base):
    """Per office: sending held until a time (NetEase throttling), or its login broken."""

    __tablename__ = "send_state"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    office: Mapped[str] = mapped_column(String(16), unique=True)
    hold_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reason: Mapped[str | None] = mapped_column(Text)
    login_broken: Mapped[bool] = mapped_column(Boolean, default=False)
    last_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class Digest(Base):
    """A daily digest made for one office and date (made once unless forced)."""

    __tablename__ = "digests"
    __table_args__ = (UniqueConstraint("office", "day", name="uq_digest_office_day"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    office: Mapped[str] = mapped_column(String(16))
    day: Mapped[str] = mapped_column(String(10))
    made_at: Mapped[datetime] = mapped_column(UTCDateTime())
    html_path: Mapped[str | None] = mapped_column(Text)
    xlsx_path: Mapped[str | None] = mapped_column(Text)
    outbox_id: Mapped[int | None] = mapped_column(ForeignKey("outbox.id"))


class Suppression(Base):
    """An address nothing is sent to: it hard-bounced (recorded from the bounce) or was blocked."""

    __tablename__ = "suppressions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    address: Mapped[str] = mapped_column(String(320), unique=True)
    reason: Mapped[str] = mapped_column(String(32))
    since: Mapped[datetime] = mapped_column(UTCDateTime())
    message_pk: Mapped[int | None] = mapped_column(ForeignKey("messages.id"))


Index("ix_messages_state_office", Message.state, Message.office)
