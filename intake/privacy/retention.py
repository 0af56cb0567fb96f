"""Retention: after a set time, raw mail and attachment files are deleted; the record is kept.

Clocks (`[retention]`, in days, counted from a filing's last activity: its last change or the
last mail that joined it, whichever is later):

* a complete filing: `days_after_complete` (180);
* a filing that never completed (incomplete, unreadable, ignored — abandoned by its sender):
  `days_after_last_activity` (365); the same for a mail that belongs to no filing (auto-replies,
  bounces, mail that is not a filing), counted from when it was stored;
* a filing whose `change` filing is still within its time waits for it (the change relies on the
  first filing's identity documents), and so does a filing with a reply still waiting to go out.

The purge deletes the raw mail, the attachment files (ID images, licences, forms) and the sent
replies of what is past its time, and marks the rows purged: the filing row, its status,
reference, history and decision stay, with ID numbers and credit codes masked and the mail text
dropped. Files are named by content and may be shared: a file is deleted only when no mail still
within its time refers to it. Files go first and the marks after, so a purge cut short is
finished by the next one. Running it twice changes nothing the second time.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from intake.fetching.ledger import RAW_KIND, RAW_SUFFIX
from intake.privacy.audit import record
from intake.runtime.logs import mask_id_numbers
from intake.sending.outbox import OUTBOX_KIND
from intake.settings import RetentionSettings
from intake.store.database import Store
from intake.store.files_interface import Files
from intake.store.tables import (
    Attachment,
    Document,
    FieldCorrection,
    Filing,
    Message,
    MessageState,
    OutboxMail,
    OutboxState,
)
from vocabulary.outcomes import FilingStatus

log = logging.getLogger(__name__)
ATTACHMENT_KIND = "att"
MASKED_FIELDS = ("id_number", "credit_code", "org_code")
FINISHED_STATES = (
    MessageState.DECIDED.value,
    MessageState.REPLIED.value,
    MessageState.DUPLICATE.value,
    MessageState.QUARANTINED.value,
)
WAITING_OUTBOX = (OutboxState.QUEUED.value, OutboxState.SENDING.value)


@dataclass
class PurgeReport:
    """What a purge did (or, with `dry_run`, would do)."""

    dry_run: bool
    filings: list[str] = field(default_factory=list)
    messages: int = 0
    files_deleted: int = 0
    files_kept_shared: int = 0
    bytes_freed: int = 0
    temporary_removed: int = 0

    def summary(self) -> str:
        verb = "would purge" if self.dry_run else "purged"
        return (
            f"{verb} {len(self.filings)} filings and {self.messages} mails: "
            f"{self.files_deleted} files ({self.bytes_freed / 1e6:.1f} MB), "
            f"{self.files_kept_shared} kept as still in use; "
            f"{self.temporary_removed} half-written temporary files"
        )

    def text(self) -> str:
        """The summary, then the reference of each purged filing (`intake purge`)."""
        return "\n".join([self.summary(), *(f"  {reference}" for reference in self.filings)])

    def to_json(self) -> dict[str, Any]:
        return {
            "dry_run": self.dry_run,
            "filings": self.filings,
            "messages": self.messages,
            "files_deleted": self.files_deleted,
            "files_kept_shared": self.files_kept_shared,
            "bytes_freed": self.bytes_freed,
            "temporary_removed": self.temporary_removed,
        }


def mask_value(value: str) -> str:
    """An ID number or code shown as its first 6 and last 4 characters."""
    return value if len(value) <= 10 else f"{value[:6]}{'*' * (len(value) - 10)}{value[-4:]}"


def masked_fields(fields: dict[str, str] | None) -> dict[str, str] | None:
    """The fields with ID numbers and codes masked (the rest as they were)."""
    if fields is None:
        return None
    return {
        k: mask_value(v) if k in MASKED_FIELDS and isinstance(v, str) else v
        for k, v in fields.items()
    }


def expired_filings(db: Session, retention: RetentionSettings, now: datetime) -> dict[int, str]:
    """The filings past their retention time, as id → reference (or `#id`)."""
    last_mail = dict(
        db.execute(
            select(Message.filing_id, func.max(Message.stored_at))
            .where(Message.filing_id.is_not(None))
            .group_by(Message.filing_id)
        ).all()
    )
    waiting = set(
        db.execute(
            select(OutboxMail.filing_id).where(
                OutboxMail.filing_id.is_not(None), OutboxMail.state.in_(WAITING_OUTBOX)
            )
        ).scalars()
    )
    rows = db.execute(
        select(Filing.id, Filing.reference, Filing.status, Filing.updated_at, Filing.change_of)
    ).all()
    expired: dict[int, str] = {}
    changes: dict[int, list[int]] = {}
    for filing_id, reference, status, updated_at, change_of in rows:
        if change_of is not None:
            changes.setdefault(change_of, []).append(filing_id)
        mail_at = last_mail.get(filing_id)
        last = max(updated_at, mail_at) if mail_at else updated_at
        days = (
            retention.days_after_complete
            if status == FilingStatus.COMPLETE.value
            else retention.days_after_last_activity
        )
        if last + timedelta(days=days) <= now and filing_id not in waiting:
            expired[filing_id] = reference or f"#{filing_id}"
    changed = True
    while changed:  # a filing waits for its change filings
        changed = False
        for filing_id in list(expired):
            if any(c not in expired for c in changes.get(filing_id, ())):
                del expired[filing_id]
                changed = True
    return expired


def purge(
    store: Store,
    files: Files,
    retention: RetentionSettings,
    now: datetime,
    *,
    dry_run: bool = False,
    actor: str = "worker",
) -> PurgeReport:
    """Delete the files of what is past its retention time and mark it purged (see module)."""
    report = PurgeReport(dry_run)
    report.temporary_removed = files.sweep_temporary(dry_run=dry_run)
    with store.session() as db:
        filings = expired_filings(db, retention, now)
        loose_before = now - timedelta(days=retention.days_after_last_activity)
        candidates = list(
            db.execute(
                select(Message.id, Message.sha256).where(
                    Message.purged_at.is_(None),
                    Message.state.in_(FINISHED_STATES),
                    Message.filing_id.in_(list(filings))
                    | (Message.filing_id.is_(None) & (Message.stored_at <= loose_before)),
                )
            ).all()
        )
        message_ids = {m for m, _ in candidates}
        attachment_files = set(
            db.execute(
                select(Attachment.sha256).where(Attachment.message_pk.in_(message_ids))
            ).scalars()
        )
        in_use = set(
            db.execute(
                select(Attachment.sha256)
                .join(Message, Message.id == Attachment.message_pk)
                .where(Message.purged_at.is_(None), Message.id.not_in(message_ids))
            ).scalars()
        )
        outbox = set(
            db.execute(
                select(OutboxMail.raw_sha256).where(
                    OutboxMail.filing_id.in_(list(filings)), OutboxMail.state.not_in(WAITING_OUTBOX)
                )
            ).scalars()
        )
        outbox_in_use = set(
            db.execute(
                select(OutboxMail.raw_sha256).where(
                    (OutboxMail.filing_id.is_(None))
                    | OutboxMail.filing_id.not_in(list(filings))
                    | OutboxMail.state.in_(WAITING_OUTBOX)
                )
            ).scalars()
        )
        unpurged = set(
            db.execute(
                select(Filing.id).where(Filing.id.in_(list(filings)), Filing.purged_at.is_(None))
            ).scalars()
        )
    report.filings = sorted(filings[f] for f in unpurged)
    report.messages = len(candidates)
    targets = [(RAW_KIND, sha, RAW_SUFFIX) for _, sha in candidates]
    targets += [(ATTACHMENT_KIND, sha, "") for sha in attachment_files - in_use]
    targets += [(OUTBOX_KIND, sha, ".eml") for sha in outbox - outbox_in_use]
    report.files_kept_shared = len(attachment_files & in_use) + len(outbox & outbox_in_use)
    for kind, sha, suffix in targets:
        _delete(files, kind, sha, suffix, report)
    if dry_run or not (message_ids or unpurged):
        return report
    with store.session() as db:
        _mark(db, message_ids, set(filings), now)
        for filing_id in unpurged:
            filing = db.get(Filing, filing_id)
            record(
                db, now, "purged", "files deleted, ID numbers masked", actor=actor, filing=filing
            )
        record(db, now, "purge", report.summary(), actor=actor)
    log.info("retention: %s", report.summary())
    return report


def _delete(files: Files, kind: str, sha: str, suffix: str, report: PurgeReport) -> None:
    try:
        size = files.size(kind, sha, suffix)
    except ValueError:
        return
    if size is None:
        return
    report.files_deleted += 1
    report.bytes_freed += size
    if not report.dry_run:
        files.delete(kind, sha, suffix)


def _mark(db: Session, message_ids: Iterable[int], filing_ids: set[int], now: datetime) -> None:
    ids = list(message_ids)
    for message in db.execute(select(Message).where(Message.id.in_(ids))).scalars():
        message.purged_at = now
        message.body_text = None
        message.subject = mask_id_numbers(message.subject) if message.subject else None
    documents = select(Document).where(
        Document.filing_id.in_(filing_ids)
        | Document.attachment_pk.in_(select(Attachment.id).where(Attachment.message_pk.in_(ids)))
    )
    for document in db.execute(documents).scalars():
        masked = masked_fields(document.fields)
        if masked != document.fields:
            document.fields = masked
    for attachment in db.execute(
        select(Attachment).where(Attachment.message_pk.in_(ids))
    ).scalars():
        name = mask_id_numbers(attachment.name)
        if name != attachment.name:
            attachment.name = name
    for filing in db.execute(select(Filing).where(Filing.id.in_(filing_ids))).scalars():
        if filing.purged_at is None:
            filing.purged_at = now
        masked = masked_fields(filing.fields)
        if masked != filing.fields:
            filing.fields = masked
    for correction in db.execute(
        select(FieldCorrection).where(FieldCorrection.filing_id.in_(filing_ids))
    ).scalars():
        masked = masked_fields({correction.field: correction.value}) or {}
        value = masked.get(correction.field, correction.value)
        if value != correction.value:
            correction.value = value
