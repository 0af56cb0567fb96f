"""SQL tables of the store, declared once for SQLite and PostgreSQL.

The ledger has two levels: `messages` holds each distinct mail once (by content hash, or by
Message-ID with the same body), and `mailbox_entries` records every place a mail was seen, keyed by
(office, folder, UIDVALIDITY, UID). Polling asks the entries table which UIDs are new, so a mail is
fetched once per place and stored once overall.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

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
from sqlalchemy.engine import Dialect, Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, defer, mapped_column
from sqlalchemy.orm.interfaces import LoaderOption
from sqlalchemy.types import TypeDecorator

from intake.privacy import crypto


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
    HELD = "held"
    """Waits for a person (review before sending); the sender never picks it up."""


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


KeyringSource = Callable[[], crypto.Keyring]
"""Hands out the keyring of one store (made or loaded on first use)."""

_KEYRING_ATTRIBUTE = "intake_keyring"


def bind_keyring(engine: Engine, source: KeyringSource) -> None:
    """Make `source` the keyring of the encrypted columns written and read through `engine`.

    SQLAlchemy hands a column type's processors only the engine's dialect, an object made anew
    for each engine, so the keyring rides on it: two stores (two engines) in one process each
    encrypt under their own keys."""
    setattr(engine.dialect, _KEYRING_ATTRIBUTE, source)


def dialect_keyring(dialect: Dialect) -> crypto.Keyring:
    """The keyring bound to the engine of `dialect` (see `bind_keyring`)."""
    source: KeyringSource | None = getattr(dialect, _KEYRING_ATTRIBUTE, None)
    if source is None:
        raise crypto.NoKeyError(
            "this database engine has no keyring (fix: open it through intake.store.database.Store)"
        )
    return source()


class EncryptedText(TypeDecorator[str]):
    """Text stored encrypted under the keyring of the store's engine (`bind_keyring`); `purpose`
    names the column and is bound into the ciphertext. A value written before encryption reads
    as is."""

    impl = Text
    cache_ok = True

    def __init__(self, purpose: str) -> None:
        super().__init__()
        self.purpose = purpose

    def process_bind_param(self, value: str | None, dialect: Dialect) -> str | None:
        if value is None:
            return None
        return dialect_keyring(dialect).encrypt_value(value.encode("utf-8"), self.purpose)

    def process_result_value(self, value: str | None, dialect: Dialect) -> str | None:
        if value is None or crypto.value_key_id(value) is None:
            return value
        return dialect_keyring(dialect).decrypt_value(value, self.purpose).decode("utf-8")


class EncryptedJSON(TypeDecorator[Any]):
    """A JSON value stored encrypted (see `EncryptedText`); plain JSON from before still reads."""

    impl = Text
    cache_ok = True

    def __init__(self, purpose: str) -> None:
        super().__init__()
        self.purpose = purpose

    def process_bind_param(self, value: Any, dialect: Dialect) -> str | None:
        if value is None:
            return None
        plain = json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
        return dialect_keyring(dialect).encrypt_value(plain, self.purpose)

    def process_result_value(self, value: Any, dialect: Dialect) -> Any:
        if value is None:
            return None
        if not isinstance(value, str):  # a JSON column not yet migrated
            return value
        if crypto.value_key_id(value) is None:
            return json.loads(value)
        return json.loads(dialect_keyring(dialect).decrypt_value(value, self.purpose))


ENCRYPTED_COLUMNS: dict[str, tuple[str, ...]] = {
    "messages": ("subject", "body_text", "large_links"),
    "attachments": ("name", "container"),
    "filings": ("fields", "accounts"),
    "documents": ("fields", "accounts"),
    "filing_events": ("change",),
    "staff_events": ("detail",),
    "field_corrections": ("value",),
    "work_resolutions": ("note",),
}
"""Every encrypted column, by table (rotation and purge walk these)."""


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
    # the last complete look at the folder: its UIDNEXT then (from STATUS), and when
    uidnext: Mapped[int | None] = mapped_column(BigInteger)
    looked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


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
    subject: Mapped[str | None] = mapped_column(EncryptedText("messages.subject"))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    in_reply_to: Mapped[str | None] = mapped_column(String(998))
    references: Mapped[list[str] | None] = mapped_column(JSON)
    recipients: Mapped[list[str] | None] = mapped_column(JSON)
    auto_reply: Mapped[str | None] = mapped_column(String(32))
    is_bounce: Mapped[bool] = mapped_column(Boolean, default=False)
    bounced_recipients: Mapped[list[str] | None] = mapped_column(JSON)
    body_text: Mapped[str | None] = mapped_column(EncryptedText("messages.body_text"))
    large_links: Mapped[list[dict[str, str | None]] | None] = mapped_column(
        EncryptedJSON("messages.large_links")
    )
    defects: Mapped[list[str] | None] = mapped_column(JSON)
    filing_id: Mapped[int | None] = mapped_column(ForeignKey("filings.id"), index=True)
    mail_signs: Mapped[list[str] | None] = mapped_column(JSON)
    # Filled by the decide step: filing / question / ignored / uncertain (waits for a person).
    nature: Mapped[str | None] = mapped_column(String(16), index=True)
    ignored_reason: Mapped[str | None] = mapped_column(String(32))
    thread_rule: Mapped[str | None] = mapped_column(String(32))
    signals: Mapped[list[str] | None] = mapped_column(JSON)
    # Set by the purge: the raw mail and attachment files are deleted, the record kept.
    purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


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
    name: Mapped[str] = mapped_column(EncryptedText("attachments.name"))
    declared_type: Mapped[str] = mapped_column(String(255))
    sniffed_type: Mapped[str] = mapped_column(String(255))
    size: Mapped[int] = mapped_column(BigInteger)
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    origin: Mapped[str] = mapped_column(String(32))
    container: Mapped[str | None] = mapped_column(EncryptedText("attachments.container"))
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
    fields: Mapped[dict[str, str] | None] = mapped_column(EncryptedJSON("filings.fields"))
    accounts: Mapped[list[dict[str, str]] | None] = mapped_column(EncryptedJSON("filings.accounts"))
    missing: Mapped[list[str] | None] = mapped_column(JSON)
    problems: Mapped[list[str] | None] = mapped_column(JSON)
    reply_kind: Mapped[str | None] = mapped_column(String(32))
    change_of: Mapped[int | None] = mapped_column(ForeignKey("filings.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime())
    # Set by the purge: files deleted, ID numbers masked, the decision record kept.
    purged_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Set when a person passed the filing to another office: later decisions keep that office.
    transferred_from: Mapped[str | None] = mapped_column(String(16))
    office_by_hand: Mapped[bool] = mapped_column(Boolean, default=False)


class Document(Base):
    """A document read from an attachment: its kind, fields and confidences."""

    __tablename__ = "documents"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    attachment_pk: Mapped[int] = mapped_column(ForeignKey("attachments.id"), index=True)
    filing_id: Mapped[int | None] = mapped_column(ForeignKey("filings.id"), index=True)
    part: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(32))
    engine: Mapped[str | None] = mapped_column(String(32))
    fields: Mapped[dict[str, str] | None] = mapped_column(EncryptedJSON("documents.fields"))
    accounts: Mapped[list[dict[str, str]] | None] = mapped_column(
        EncryptedJSON("documents.accounts")
    )
    confidence: Mapped[dict[str, float] | None] = mapped_column(JSON)
    # Where each value was read: {field: [page, x0, y0, x1, y1]}, the page index in the stored
    # file and the box in 0..1 of that page as stored; a field read from no known place is absent.
    boxes: Mapped[dict[str, list[float]] | None] = mapped_column(JSON)
    unreadable: Mapped[str | None] = mapped_column(String(64))
    superseded: Mapped[bool] = mapped_column(Boolean, default=False)


class FilingEvent(Base):
    """One change to a filing: what changed and which mail caused it."""

    __tablename__ = "filing_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    filing_id: Mapped[int] = mapped_column(ForeignKey("filings.id"), index=True)
    message_pk: Mapped[int | None] = mapped_column(ForeignKey("messages.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    change: Mapped[dict[str, object]] = mapped_column(EncryptedJSON("filing_events.change"))


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
    # Review before sending: why a HELD reply waits, and whether a person rewrote its text.
    held_reason: Mapped[str | None] = mapped_column(String(255))
    edited: Mapped[bool] = mapped_column(Boolean, default=False)


class StaffEvent(Base):
    """One thing a person did in the console (correct, approve, resolve, transfer …); the
    filing's history shows these beside the pipeline's `FilingEvent` rows."""

    __tablename__ = "staff_events"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    filing_id: Mapped[int | None] = mapped_column(ForeignKey("filings.id"), index=True)
    message_pk: Mapped[int | None] = mapped_column(ForeignKey("messages.id"))
    outbox_id: Mapped[int | None] = mapped_column(ForeignKey("outbox.id"))
    office: Mapped[str] = mapped_column(String(16), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime())
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32))
    detail: Mapped[dict[str, object] | None] = mapped_column(EncryptedJSON("staff_events.detail"))


class FieldCorrection(Base):
    """A field value a person set on a filing: it overrides what was read, also after later
    mails join the filing."""

    __tablename__ = "field_corrections"
    __table_args__ = (UniqueConstraint("filing_id", "field", name="uq_field_correction"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    filing_id: Mapped[int] = mapped_column(ForeignKey("filings.id"), index=True)
    field: Mapped[str] = mapped_column(String(64))
    value: Mapped[str] = mapped_column(EncryptedText("field_corrections.value"))
    actor: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime())


class WorkResolution(Base):
    """A queue item a person marked done (or reopened). `signature` is the item's reasons when
    it was resolved: the item stays out of the queue until its reasons change."""

    __tablename__ = "work_resolutions"
    __table_args__ = (UniqueConstraint("item_key", name="uq_work_resolutions_item_key"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_key: Mapped[str] = mapped_column(String(64))
    filing_id: Mapped[int | None] = mapped_column(ForeignKey("filings.id"), index=True)
    office: Mapped[str] = mapped_column(String(16), index=True)
    resolved: Mapped[bool] = mapped_column(Boolean, default=True)
    signature: Mapped[str] = mapped_column(Text)
    note: Mapped[str | None] = mapped_column(EncryptedText("work_resolutions.note"))
    actor: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime())


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


class AuditEntry(Base):
    """Who or what read or changed a filing (or the store as a whole), and when."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32), index=True)
    filing_id: Mapped[int | None] = mapped_column(Integer, index=True)
    reference: Mapped[str | None] = mapped_column(String(32), index=True)
    detail: Mapped[str | None] = mapped_column(Text)


class StoreIdentity(Base):
    """The one row naming this store; its files folder carries the same id in a marker file."""

    __tablename__ = "store_identity"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    store_id: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    files_claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())


class KeyCheck(Base):
    """The check value of one key id (`intake.privacy.crypto.key_check_value`)."""

    __tablename__ = "key_checks"

    kid: Mapped[str] = mapped_column(String(32), primary_key=True)
    check_value: Mapped[str] = mapped_column(String(80))
    made_at: Mapped[datetime] = mapped_column(UTCDateTime())


def without_encrypted(entity: type[Base]) -> list[LoaderOption]:
    """Loader options leaving out (deferring) the encrypted columns of `entity`: for listings
    that do not show them, so one value that does not decrypt fails no listing."""
    names = ENCRYPTED_COLUMNS.get(str(entity.__tablename__), ())
    return [defer(getattr(entity, name)) for name in names]


Index("ix_messages_state_office", Message.state, Message.office)


ACTOR_INFO = "intake.actor"
"""The `Session.info` key of the actor a session's pipeline changes are recorded under."""
DEFAULT_ACTOR = "worker"


def session_actor(session: Session) -> str:
    """Who the changes made in `session` are recorded under (set by the store that made it)."""
    actor = session.info.get(ACTOR_INFO)
    return actor if isinstance(actor, str) and actor else DEFAULT_ACTOR


def audit_filing_events(session: Session, _context: object, _instances: object) -> None:
    """Every filing event written in a session gets its audit row in the same transaction (a
    `before_flush` listener that `intake.store.database.Store` attaches to its own sessions)."""
    events = [o for o in session.new if isinstance(o, FilingEvent)]
    with session.no_autoflush:
        for event_row in events:
            filing = session.get(Filing, event_row.filing_id) if event_row.filing_id else None
            change = event_row.change or {}
            changed = change.get("changed") if isinstance(change, dict) else None
            keys = sorted(changed) if isinstance(changed, dict) else []
            first = isinstance(changed, dict) and any(
                isinstance(v, dict) and v.get("from") is None and k == "status"
                for k, v in changed.items()
            )
            detail = f"mail {change.get('mail')}: " + (", ".join(keys) or "no change")
            if isinstance(changed, dict) and "status" in changed:
                status = changed["status"]
                detail += f" (status {status.get('from') or '-'} → {status.get('to')})"
            session.add(
                AuditEntry(
                    at=event_row.at,
                    actor=session_actor(session),
                    action="decided" if first else "changed",
                    filing_id=event_row.filing_id,
                    reference=filing.reference if filing else None,
                    detail=detail,
                )
            )


class WebAccount(Base):
    """A staff account of the web console (`intake web add-user`): its office, whether it is an
    admin, its argon2 password hash, whether it is locked, and the generation of its sessions
    (raised by a lock or a password reset, which ends every session signed in before)."""

    __tablename__ = "web_accounts"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    office: Mapped[str] = mapped_column(String(16), index=True)
    admin: Mapped[bool] = mapped_column(Boolean, default=False)
    password_hash: Mapped[str] = mapped_column(String(255))
    locked: Mapped[bool] = mapped_column(Boolean, default=False)
    session_generation: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    password_set_at: Mapped[datetime] = mapped_column(UTCDateTime())
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
