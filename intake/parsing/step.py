"""Step 3: each stored attachment read into documents (kind, fields, confidences, and the box
each value was read from) by `parsers`, in a watched reader process (`parsers.isolated`): a
file that would take the worker down under a memory or time limit comes back unreadable, with
the reason, instead. The attachments of one mail are read at once, one per reader process
(`[ocr] workers`, one per core); in a round, the attachments of all its mails were begun at once
(`intake.parsing.ahead`), and the step takes those readings."""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session

from intake.reading.step import ATTACHMENT_KIND
from intake.runtime.context import PipelineContext
from intake.store.tables import Attachment, Document, Message, MessageState
from parsers.isolated import read_all
from parsers.model import ParsedDocument

if TYPE_CHECKING:
    from intake.parsing.ahead import ReadAhead

CONTAINER_TYPES = frozenset(
    {
        "application/zip",
        "application/x-7z-compressed",
        "application/vnd.rar",
        "application/x-rar-compressed",
        "message/rfc822",
    }
)


def unread_attachments(db: Session, message_pk: int) -> list[tuple[int, str, str]]:
    """(id, name, sha256) of the message's attachments that the parse step reads: stored files,
    not containers (their members are attachments of their own), without documents yet."""
    attachments = db.execute(
        select(Attachment).where(Attachment.message_pk == message_pk).order_by(Attachment.ordinal)
    ).scalars()
    todo: list[tuple[int, str, str]] = []
    for attachment in attachments:
        if attachment.problem or attachment.sniffed_type in CONTAINER_TYPES:
            continue
        done = db.execute(
            select(Document.id).where(Document.attachment_pk == attachment.id).limit(1)
        ).first()
        if not done:
            todo.append((attachment.id, attachment.name, attachment.sha256))
    return todo


def parse_step(
    ctx: PipelineContext, db: Session, message: Message, ahead: ReadAhead | None = None
) -> MessageState:
    """Attachments → documents (kind, fields, confidences), one per page or archive member;
    the readings begun `ahead` are taken, the others read now."""
    readings: dict[int, list[ParsedDocument]] = {}
    rest: list[tuple[int, str, bytes]] = []
    todo = unread_attachments(db, message.id)
    for attachment_pk, name, digest in todo:
        taken = ahead.take(attachment_pk) if ahead is not None else None
        if taken is not None:
            readings[attachment_pk] = taken
        else:
            rest.append((attachment_pk, name, ctx.files.read(ATTACHMENT_KIND, digest)))
    if rest:
        files = [(name, data) for _, name, data in rest]
        read = read_all(files, ctx.parse_limits, ctx.ocr())
        for (attachment_pk, _, _), documents in zip(rest, read, strict=True):
            readings[attachment_pk] = documents
    for attachment_pk, _, _ in todo:
        for parsed in readings[attachment_pk]:
            db.add(_document_row(attachment_pk, parsed))
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
        boxes={k: list(v.box) for k, v in parsed.fields.items() if v.box is not None} or None,
        unreadable=parsed.unreadable,
        superseded=False,
    )
