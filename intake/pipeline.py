"""The pipeline: each stored message moves through its steps, and a restart resumes it.

A message's state says which step comes next (stored → read → parsed → decided → replied). Each
step runs in its own transaction, so a crash between steps loses nothing and repeats nothing that
was committed. A step that raises is recorded on the message with its attempt count; after
`MAX_ATTEMPTS` failures the message is quarantined (kept, shown to a person, not retried) and the
rest of the mailbox goes on. A transient error (database or disk unavailable) stops the round
without counting against the message: the next round retries it.

A limit a mail hits (`[limits]`: too large to read, too many attachments, MIME nested too deep)
is written as an attachment row with no file and that limit's problem code, beside the
attachments that were read, so the registrant's reply and the office's digest name it.
"""

from __future__ import annotations

import hashlib
import logging
import traceback
from collections.abc import Callable
from dataclasses import dataclass, field, replace

from sqlalchemy import select
from sqlalchemy.orm import Session

from intake.clock import Clock
from intake.deciding import decide_message
from intake.errors import TransientError
from intake.ledger import RAW_KIND, RAW_SUFFIX, split_header
from intake.logs import correlated
from intake.reading import LimitCode, LimitHit, MailReading, ReadLimits, read_message
from intake.replying import ReplyAdapters, queue_reply
from intake.settings import LimitsSettings
from intake.store.database import Store
from intake.store.files import FileStore
from intake.store.tables import Attachment, Document, Filing, Message, MessageState
from parsers.model import ParsedDocument
from parsers.reader import ParseLimits, read_document

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 3
ATTACHMENT_KIND = "att"
CONTAINER_TYPES = frozenset(
    {
        "application/zip",
        "application/x-7z-compressed",
        "application/vnd.rar",
        "application/x-rar-compressed",
        "message/rfc822",
    }
)


@dataclass
class PipelineContext:
    """Everything the steps need, handed in (no globals): store, files, clock, limits, OCR."""

    store: Store
    files: FileStore
    clock: Clock
    read_limits: ReadLimits = field(default_factory=ReadLimits)
    max_read_bytes: int = 64 * 1024 * 1024
    own_addresses: tuple[str, ...] = ()
    replies: ReplyAdapters | None = None
    parse_limits: ParseLimits = field(default_factory=ParseLimits)
    ocr: Callable[[], object | None] = lambda: None


Step = Callable[[PipelineContext, Session, Message], MessageState]
NOTHING_READ = hashlib.sha256(b"").hexdigest()
HEAD_BYTES = 256 * 1024


def with_limits(ctx: PipelineContext, limits: LimitsSettings) -> PipelineContext:
    """`ctx` with the reading and parsing bounds of the `[limits]` settings."""
    return replace(
        ctx,
        max_read_bytes=limits.max_mail_bytes,
        read_limits=ReadLimits(
            max_attachments=limits.max_attachments,
            max_depth=limits.max_mime_depth,
            max_archive_total_bytes=limits.max_archive_bytes,
            max_archive_members=limits.max_archive_members,
            max_archive_depth=limits.max_archive_depth,
            max_compression_ratio=limits.max_archive_ratio,
        ),
        parse_limits=parse_limits_of(limits),
    )


def parse_limits_of(limits: LimitsSettings) -> ParseLimits:
    """The document reader's bounds from the `[limits]` settings."""
    return ParseLimits(
        max_pages=limits.max_pages,
        max_pixels=limits.max_pixels,
        seconds_per_document=limits.seconds_per_document,
        max_bytes=limits.max_document_bytes,
        ocr_memory_mb=limits.ocr_memory_mb,
    )


@dataclass
class RoundReport:
    """What one round of the pipeline did."""

    advanced: int = 0
    failed: int = 0
    quarantined: int = 0
    interrupted: str | None = None
    skipped: str | None = None


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


def _stored_head(files: FileStore, sha256: str) -> bytes:
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


def parse_step(ctx: PipelineContext, db: Session, message: Message) -> MessageState:
    """Attachments → documents (kind, fields, confidences), one per page or archive member."""
    attachments = db.execute(
        select(Attachment).where(Attachment.message_pk == message.id).order_by(Attachment.ordinal)
    ).scalars()
    for attachment in attachments:
        if attachment.problem or attachment.sniffed_type in CONTAINER_TYPES:
            continue
        done = db.execute(
            select(Document.id).where(Document.attachment_pk == attachment.id).limit(1)
        ).first()
        if done:
            continue
        data = ctx.files.read(ATTACHMENT_KIND, attachment.sha256)
        engine = ctx.ocr()
        for parsed in read_document(attachment.name, data, ctx.parse_limits, engine):  # type: ignore[arg-type]
            db.add(_document_row(attachment.id, parsed))
    return MessageState.PARSED


def _document_row(attachment_pk: int, parsed: ParsedDocument) -> Document:
    return Document(
        attachment_pk=attachment_pk,
        part=parsed.file,
        kind=parsed.kind.value,
        engine=parsed.engine,
        fields={k: v.value for k, v in parsed.fields.items()},
        accounts=[{k: v.value for k, v in account.items()} for account in parsed.accounts],
        confidence={k: round(v.confidence, 3) for k, v in parsed.fields.items()},
        unreadable=parsed.unreadable,
        superseded=False,
    )


def decide_step(ctx: PipelineContext, db: Session, message: Message) -> MessageState:
    """The mail joins its filing, the filing is decided again (see `intake.deciding`), and the
    reply the decision implies is queued in the outbox in the same transaction."""
    now = ctx.clock()
    outcome = decide_message(db, message, ctx.own_addresses, now)
    if ctx.replies is not None and outcome.filing_id is not None:
        filing = db.get(Filing, outcome.filing_id)
        if filing is not None:
            try:
                queue_reply(db, ctx.replies, message, filing, now)
            except ValueError as exc:
                log.warning("no reply for message %s: %s", message.id, exc)
    return MessageState.DECIDED


DEFAULT_STEPS: dict[MessageState, Step] = {
    MessageState.STORED: read_step,
    MessageState.READ: parse_step,
    MessageState.PARSED: decide_step,
}


def pending_ids(
    store: Store, steps: dict[MessageState, Step], office: str | None = None
) -> list[int]:
    """Messages waiting for a step, oldest first."""
    with store.session() as db:
        query = (
            select(Message.id)
            .where(Message.state.in_([s.value for s in steps]))
            .order_by(Message.id)
        )
        if office is not None:
            query = query.where(Message.office == office)
        return [int(i) for i in db.execute(query).scalars()]


def run_round(
    ctx: PipelineContext,
    steps: dict[MessageState, Step] | None = None,
    office: str | None = None,
    should_stop: Callable[[], bool] = lambda: False,
) -> RoundReport:
    """Move every waiting message as far as the steps go; stops between messages when asked."""
    table = DEFAULT_STEPS if steps is None else steps
    report = RoundReport()
    try:
        for message_pk in pending_ids(ctx.store, table, office):
            if should_stop():
                report.interrupted = "stop requested"
                break
            with correlated(f"mail-{message_pk}"):
                _advance(ctx, table, message_pk, report)
    except TransientError as exc:
        report.interrupted = str(exc)
        log.warning("pipeline round interrupted, retried next round: %s", exc)
    return report


def _advance(
    ctx: PipelineContext, steps: dict[MessageState, Step], message_pk: int, report: RoundReport
) -> None:
    while True:
        with ctx.store.session() as db:
            message = db.get(Message, message_pk)
            if message is None or MessageState(message.state) not in steps:
                return
            state = MessageState(message.state)
        try:
            with ctx.store.session() as db:
                message = db.get(Message, message_pk)
                assert message is not None
                message.state = steps[state](ctx, db, message).value
                message.last_error = None
            report.advanced += 1
        except TransientError:
            raise
        except Exception as exc:
            _record_failure(ctx, message_pk, state, exc, report)
            return


def _record_failure(
    ctx: PipelineContext, message_pk: int, state: MessageState, exc: Exception, report: RoundReport
) -> None:
    where = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
    detail = f"{state.value} step: {type(exc).__name__}: {exc}"[:900]
    if where is not None:
        detail += f" (at {where.filename.rsplit('/', 1)[-1]}:{where.lineno})"
    with ctx.store.session() as db:
        message = db.get(Message, message_pk)
        if message is None:
            return
        message.attempts = (message.attempts or 0) + 1
        message.last_error = detail
        if message.attempts >= MAX_ATTEMPTS:
            message.state = MessageState.QUARANTINED.value
            message.quarantined_at = ctx.clock()
            report.quarantined += 1
            log.error(
                "message %s quarantined after %d attempts: %s", message_pk, message.attempts, detail
            )
        else:
            report.failed += 1
            log.warning("message %s failed (attempt %d): %s", message_pk, message.attempts, detail)
