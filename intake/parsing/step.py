"""Step 3: each stored attachment read into documents (kind, fields, confidences, and the box
each value was read from) by `parsers`, in a watched reader process (`parsers.isolated`): a
file that would take the worker down under a memory or time limit comes back unreadable, with
the reason, instead. The attachments of one mail are read at once, one per reader process
(`[ocr] workers`, one per core)."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from intake.reading.step import ATTACHMENT_KIND
from intake.runtime.context import PipelineContext
from intake.store.tables import Attachment, Document, Message, MessageState
from parsers.isolated import read_all
from parsers.model import ParsedDocument

CONTAINER_TYPES = frozenset(
    {
        "application/zip",
        "application/x-7z-compressed",
        "application/vnd.rar",
        "application/x-rar-compressed",
        "message/rfc822",
    }
)


def parse_step(ctx: PipelineContext, db: Session, message: Message) -> MessageState:
    """Attachments → documents (kind, fields, confidences), one per page or archive member."""
    attachments = db.execute(
        select(Attachment).where(Attachment.message_pk == message.id).order_by(Attachment.ordinal)
    ).scalars()
    todo: list[tuple[int, str, bytes]] = []
    for attachment in attachments:
        if attachment.problem or attachment.sniffed_type in CONTAINER_TYPES:
            continue
        done = db.execute(
            select(Document.id).where(Document.attachment_pk == attachment.id).limit(1)
        ).first()
        if done:
            continue
        todo.append(
            (attachment.id, attachment.name, ctx.files.read(ATTACHMENT_KIND, attachment.sha256))
        )
    if not todo:
        return MessageState.PARSED
    engine = ctx.ocr()
    files = [(name, data) for _, name, data in todo]
    for (attachment_pk, _, _), documents in zip(
        todo, read_all(files, ctx.parse_limits, engine), strict=True
    ):
        for parsed in documents:
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
