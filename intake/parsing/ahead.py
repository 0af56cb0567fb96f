"""Reading ahead: the attachments of every mail of a round, read at once on the reader pool.

`run_round` reads (MIME) every stored mail of the round first, then hands the unread
attachments of all of them to `ReadAhead`, which reads them on the reader processes
(`parsers.isolated`, `[ocr] workers` of them) in the order the mails arrived, while the round
goes on deciding mail by mail in that same order: the parse step of a mail takes its readings
from here, waiting for the ones still being read. Nothing is written here: the documents are
stored by the parse step in its own transaction, as when it reads them itself, so a crash
loses only readings. A file's bytes are loaded when its reading starts, so no more files are in
memory than there are readers.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from concurrent.futures import Future, ThreadPoolExecutor

from sqlalchemy import select
from sqlalchemy.orm import Session

from intake.parsing.step import unread_attachments
from intake.privacy.crypto import DecryptionError
from intake.reading.step import ATTACHMENT_KIND
from intake.runtime.context import PipelineContext
from intake.store.tables import Message, MessageState
from parsers.isolated import ours, read_isolated, reader_count
from parsers.model import ParsedDocument

log = logging.getLogger(__name__)


class ReadAhead:
    """Readings of attachments begun at once, taken by attachment id (each once)."""

    def __init__(self, ctx: PipelineContext) -> None:
        self._ctx = ctx
        self._engine = ctx.ocr()
        self._threads = ThreadPoolExecutor(
            max_workers=reader_count(ctx.parse_limits), thread_name_prefix="read-ahead"
        )
        self._readings: dict[int, Future[list[ParsedDocument]]] = {}

    def begin(self, db: Session, message_pks: Iterable[int]) -> int:
        """Start reading the unread attachments of the messages waiting for the parse step,
        oldest first; how many were started."""
        started = 0
        for message_pk in message_pks:
            state = db.execute(
                select(Message.state).where(Message.id == message_pk)
            ).scalar_one_or_none()
            if state != MessageState.READ.value:
                continue
            try:
                todo = unread_attachments(db, message_pk)
            except DecryptionError:
                continue  # its parse step meets the same and quarantines that mail alone
            for attachment_pk, name, digest in todo:
                if attachment_pk not in self._readings:
                    self._readings[attachment_pk] = self._threads.submit(self._read, name, digest)
                    started += 1
        return started

    def _read(self, name: str, digest: str) -> list[ParsedDocument]:
        data = self._ctx.files.read(ATTACHMENT_KIND, digest)
        return read_isolated(name, data, self._ctx.parse_limits, self._engine)

    def take(self, attachment_pk: int) -> list[ParsedDocument] | None:
        """The attachment's documents (waiting while it is read), or None when it was not read
        ahead. An error the reading raised (a stored file missing) is raised here, in the parse
        step of its mail, as if the step had read the file itself."""
        reading = self._readings.pop(attachment_pk, None)
        return None if reading is None else reading.result()

    def close(self) -> None:
        """Cancel the readings not begun; wait for the ones under way (each is bounded by its
        time limit)."""
        self._threads.shutdown(wait=True, cancel_futures=True)
        self._readings.clear()


def read_ahead_worthwhile(ctx: PipelineContext) -> bool:
    """Whether reading a round's mails ahead can use more than one reader: our OCR engine (or
    none) and a pool of two or more reader processes."""
    return ours(ctx.ocr()) and reader_count(ctx.parse_limits) > 1
