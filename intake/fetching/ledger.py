"""The ledger: storing a fetched mail exactly once, and knowing which UIDs are already stored.

`store_fetched` is the first thing that happens to a mail: its raw bytes go to a content-addressed
file, then one transaction records the mail (or finds it already recorded, by content hash or by
Message-ID with the same body) and the place it was seen. Running it twice changes nothing.
`store_fetched_stream` does the same for a mail too large to hold in memory, given in pieces.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from intake.errors import TransientError
from intake.store.database import Store, StoreConflict
from intake.store.files import sha256_hex
from intake.store.files_interface import Files
from intake.store.tables import MailboxEntry, Message, MessageState

RAW_KIND = "raw"
RAW_SUFFIX = ".eml"
HEAD_LIMIT = 1024 * 1024
_MESSAGE_ID_RE = re.compile(rb"^Message-ID:[ \t]*(.*?)[ \t]*\r?$", re.IGNORECASE | re.MULTILINE)


@dataclass(frozen=True)
class Place:
    """Where a mail was seen: the ledger key."""

    office: str
    folder: str
    uidvalidity: int
    uid: int


@dataclass(frozen=True)
class StoreOutcome:
    """What `store_fetched` did: stored a new mail, or recognised one it had."""

    message_pk: int
    new: bool


def split_header(raw: bytes) -> tuple[bytes, bytes]:
    """The header block and the body of a raw mail (either line ending)."""
    for separator in (b"\r\n\r\n", b"\n\n"):
        head, found, body = raw.partition(separator)
        if found:
            return head, body
    return raw, b""


def header_message_id(raw: bytes) -> str | None:
    """The Message-ID of a raw mail, without angle brackets, or None."""
    head, _ = split_header(raw)
    found = _MESSAGE_ID_RE.search(head)
    if not found:
        return None
    value = found.group(1).decode("ascii", "replace").strip().strip("<>").strip()
    return value[:998] or None


def known_uids(session: Session, office: str, folder: str, uidvalidity: int) -> set[int]:
    """UIDs of this folder and UIDVALIDITY that the ledger already has."""
    rows = session.execute(
        select(MailboxEntry.uid).where(
            MailboxEntry.office == office,
            MailboxEntry.folder == folder,
            MailboxEntry.uidvalidity == uidvalidity,
        )
    )
    return {int(uid) for (uid,) in rows}


def has_other_uidvalidity(session: Session, office: str, folder: str, uidvalidity: int) -> bool:
    """Whether the ledger holds entries of this folder under another UIDVALIDITY (a reset)."""
    row = session.execute(
        select(MailboxEntry.id)
        .where(
            MailboxEntry.office == office,
            MailboxEntry.folder == folder,
            MailboxEntry.uidvalidity != uidvalidity,
        )
        .limit(1)
    ).first()
    return row is not None


def find_by_message_id(session: Session, message_id: str, size: int) -> int | None:
    """A stored mail with this Message-ID and exactly this size, for re-scans without fetching."""
    row = session.execute(
        select(Message.id).where(Message.message_id == message_id, Message.size == size).limit(1)
    ).first()
    return int(row[0]) if row else None


def record_place(session: Session, place: Place, message_pk: int, now: datetime) -> None:
    """Add a ledger entry for a mail already stored (idempotent)."""
    exists = session.execute(
        select(MailboxEntry.id).where(
            MailboxEntry.office == place.office,
            MailboxEntry.folder == place.folder,
            MailboxEntry.uidvalidity == place.uidvalidity,
            MailboxEntry.uid == place.uid,
        )
    ).first()
    if exists is None:
        session.add(
            MailboxEntry(
                office=place.office,
                folder=place.folder,
                uidvalidity=place.uidvalidity,
                uid=place.uid,
                message_pk=message_pk,
                seen_at=now,
            )
        )


def _existing_message(
    session: Session, digest: str, message_id: str | None, body_digest: str
) -> int | None:
    row = session.execute(select(Message.id).where(Message.sha256 == digest)).first()
    if row:
        return int(row[0])
    if message_id:
        row = session.execute(
            select(Message.id)
            .where(Message.message_id == message_id, Message.body_sha256 == body_digest)
            .limit(1)
        ).first()
        if row:
            return int(row[0])
    return None


def store_fetched(
    store: Store, files: Files, place: Place, raw: bytes, now: datetime
) -> StoreOutcome:
    """Store one fetched mail durably and record where it was seen; committed on return."""
    digest = sha256_hex(raw)
    _, body = split_header(raw)
    body_digest = sha256_hex(body)
    message_id = header_message_id(raw)
    with store.session() as session:
        existing = _existing_message(session, digest, message_id, body_digest)
        if existing is not None:
            record_place(session, place, existing, now)
            return StoreOutcome(existing, new=False)
    files.put(RAW_KIND, raw, RAW_SUFFIX)
    return _record_new(store, place, digest, body_digest, message_id, len(raw), now)


class _StreamProbe:
    """Watches a mail's bytes go by: keeps its header block (up to `HEAD_LIMIT` bytes) and
    hashes its body, as `split_header` would divide it, in constant memory."""

    def __init__(self) -> None:
        self.head = b""
        self._start = b""
        self._body = hashlib.sha256()
        self._in_body = False

    def watch(self, chunks: Iterable[bytes]) -> Iterator[bytes]:
        for chunk in chunks:
            self._see(chunk)
            yield chunk
        if not self._in_body:
            self.head, rest = split_header(self._start)
            self._body.update(rest)

    def _see(self, chunk: bytes) -> None:
        if self._in_body:
            self._body.update(chunk)
            return
        self._start += chunk
        for separator in (b"\r\n\r\n", b"\n\n"):
            head, found, rest = self._start.partition(separator)
            if found:
                self.head, self._in_body = head, True
                self._body.update(rest)
                self._start = b""
                return
        if len(self._start) > HEAD_LIMIT:  # no blank line: all header, as split_header says
            self.head, self._in_body = self._start, True
            self._start = b""

    def body_digest(self) -> str:
        return self._body.hexdigest()


def store_fetched_stream(
    store: Store, files: Files, place: Place, chunks: Iterable[bytes], now: datetime
) -> StoreOutcome:
    """`store_fetched` for a mail given in pieces: written to the files store as it arrives
    (never whole in memory), then recorded, or recognised as a mail already held."""
    probe = _StreamProbe()
    digest, _, size = files.put_stream(RAW_KIND, probe.watch(chunks), RAW_SUFFIX)
    message_id = header_message_id(probe.head + b"\r\n\r\n")
    body_digest = probe.body_digest()
    with store.session() as session:
        existing = _existing_message(session, digest, message_id, body_digest)
        if existing is not None:
            record_place(session, place, existing, now)
            return StoreOutcome(existing, new=False)
    return _record_new(store, place, digest, body_digest, message_id, size, now)


def _record_new(
    store: Store,
    place: Place,
    digest: str,
    body_digest: str,
    message_id: str | None,
    size: int,
    now: datetime,
) -> StoreOutcome:
    """Record a mail whose raw bytes are stored (or find the one a racing process recorded)."""
    try:
        with store.session() as session:
            message = Message(
                sha256=digest,
                body_sha256=body_digest,
                message_id=message_id,
                size=size,
                office=place.office,
                folder=place.folder,
                stored_at=now,
                state=MessageState.STORED,
                attempts=0,
            )
            session.add(message)
            session.flush()
            record_place(session, place, message.id, now)
            return StoreOutcome(message.id, new=True)
    except StoreConflict:
        return _after_race(store, place, digest, message_id, body_digest, now)


def _after_race(
    store: Store, place: Place, digest: str, message_id: str | None, body_digest: str, now: datetime
) -> StoreOutcome:
    """Another process stored the same mail between our look and our insert: point at theirs."""
    with store.session() as session:
        existing = _existing_message(session, digest, message_id, body_digest)
        if existing is None:
            raise TransientError(
                "mail vanished after a unique-key conflict; retried at the next poll"
            )
        record_place(session, place, existing, now)
        return StoreOutcome(existing, new=False)
