"""Step 2 in the store: a stored mail's raw bytes read into its envelope and attachment rows.

The attachment files are stored (content-addressed) and a limit the mail hits becomes an
attachment row with no file and that limit's problem code, so the reply and the digest name it.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import replace

from sqlalchemy import select
from sqlalchemy.orm import Session

from intake.fetching.ledger import RAW_KIND, RAW_SUFFIX, split_header
from intake.reading import LimitCode, LimitHit, MailReading, read_message
from intake.runtime.context import PipelineContext
from intake.store.files_interface import Files
from intake.store.tables import Attachment, Message, MessageState

log = logging.getLogger(__name__)

ATTACHMENT_KIND = "att"
NOTHING_READ = hashlib.sha256(b"").hexdigest()
HEAD_BYTES = 256 * 1024


def read_step(ctx: PipelineContext, db: Session, message: Message) -> MessageState:
    """Raw bytes → envelope and attachments (files stored, rows written)."""
    if message.size > ctx.max_read_bytes:
        head = _stored_head(ctx.files, message.sha256)
        reading = read_message(head + b"\r\n\r\n", ctx.read_limits)
        too_large = (
            f"message too large to read: {message.size / 1e6:.0f} MB is over the limit of "
            f"{ctx.max_read_bytes / 1e6:.0f} MB; the raw mail is kept, its attachments were not opened"
        )
        hit = LimitHit(
            LimitCode.MESSAGE_TOO_LARGE,
            ctx.max_read_bytes,
            f"整封邮件（{_megabytes(message.size)}，每封最多读取 {_megabytes(ctx.max_read_bytes)}）",
        )
        reading = replace(
            reading, defects=(too_large, *reading.defects), limits_hit=(hit, *reading.limits_hit)
        )
    else:
        reading = read_message(
            ctx.files.read(RAW_KIND, message.sha256, RAW_SUFFIX), ctx.read_limits
        )
    _write_envelope(message, reading)
    existing = {
        a.ordinal
        for a in db.execute(select(Attachment).where(Attachment.message_pk == message.id)).scalars()
    }
    for ordinal, attachment in enumerate(reading.attachments):
        if ordinal in existing:
            continue
        ctx.files.put(ATTACHMENT_KIND, attachment.data)
        db.add(
            Attachment(
                message_pk=message.id,
                ordinal=ordinal,
                name=attachment.name,
                declared_type=attachment.declared_type,
                sniffed_type=attachment.sniffed_type,
                size=attachment.size,
                sha256=attachment.sha256,
                origin=attachment.origin.value,
                container=attachment.container,
                problem=attachment.problem,
            )
        )
    for ordinal, hit in enumerate(reading.limits_hit, start=len(reading.attachments)):
        if ordinal not in existing:
            db.add(_limit_row(message.id, ordinal, hit))
    if reading.limits_hit:
        log.warning(
            "message %s hit limits: %s", message.id, ", ".join(h.code for h in reading.limits_hit)
        )
    return MessageState.READ


def _stored_head(files: Files, sha256: str) -> bytes:
    """The header block of a stored raw mail, read from the start of the file only (a mail over
    the size limit is never loaded whole)."""
    with files.open_read(RAW_KIND, sha256, RAW_SUFFIX) as stream:
        start = stream.read(HEAD_BYTES)
    head, _ = split_header(start)
    return head


def _megabytes(size: int) -> str:
    return f"{size / 1024 / 1024:,.0f} MB"


def _limit_row(message_pk: int, ordinal: int, hit: LimitHit) -> Attachment:
    """An attachment row standing for what a limit kept from being read: no file, its code."""
    return Attachment(
        message_pk=message_pk,
        ordinal=ordinal,
        name=hit.label,
        declared_type="application/octet-stream",
        sniffed_type="application/octet-stream",
        size=0,
        sha256=NOTHING_READ,
        origin="limit",
        container=None,
        problem=hit.code.value,
    )


def _write_envelope(message: Message, reading: MailReading) -> None:
    envelope = reading.envelope
    message.from_addr = envelope.from_.addr if envelope.from_ else None
    message.subject = envelope.subject
    message.sent_at = envelope.date
    message.in_reply_to = envelope.in_reply_to
    message.references = list(envelope.references)
    recipients = [a.addr for a in (*envelope.to, *envelope.cc)] + list(envelope.delivered_to)
    message.recipients = list(dict.fromkeys(r.lower() for r in recipients if r))
    message.auto_reply = envelope.auto_reply.value if envelope.auto_reply else None
    message.is_bounce = envelope.is_bounce
    message.bounced_recipients = list(envelope.bounced_recipients)
    message.body_text = reading.text[:100_000]
    message.large_links = [
        {
            "provider": link.provider,
            "file_name": link.file_name,
            "url": link.url,
            "size_text": link.size_text,
            "expires_text": link.expires_text,
        }
        for link in reading.large_links
    ]
    message.defects = list(reading.defects)
    message.mail_signs = list(envelope.header_signs)
