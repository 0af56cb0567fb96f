"""`intake check`: decide mails offline, in order, in a throw-away store with no mail servers.

Each file is stored as if it had arrived in the mailbox of the office it was addressed to (the
first recipient that is an office mailbox; else the city office), at the time of its Date header,
and goes through the same pipeline as polled mail. The result is the state of each message's
filing right after that message was taken in.
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import select

from intake.fetching.ledger import Place, store_fetched
from intake.privacy import crypto
from intake.privacy.audit import set_pipeline_actor
from intake.reading import read_message
from intake.runtime.pipeline import MAX_ATTEMPTS, PipelineContext, run_round, with_limits
from intake.settings import LimitsSettings
from intake.store.database import Store
from intake.store.files import FileStore
from intake.store.tables import Attachment, Document, Filing, Message, MessageState
from vocabulary.offices import CITY_OFFICE, OFFICES

CHECK_FOLDER = "check"


def received_by(recipients: Sequence[str], mailboxes: dict[str, str]) -> str:
    """The office whose mailbox is the first recipient that is one (else the city office)."""
    for address in recipients:
        code = mailboxes.get(address.strip().lower())
        if code:
            return code
    return CITY_OFFICE


def check_files(
    paths: Sequence[Path],
    mailboxes: dict[str, str] | None = None,
    ocr: Callable[[], object | None] = lambda: None,
    on_progress: Callable[[int, Path], None] = lambda i, p: None,
    limits: LimitsSettings | None = None,
) -> list[dict[str, object]]:
    """The state of each message's filing after it was taken in, in input order (under the
    config's `[limits]` when given, else the defaults)."""
    offices = mailboxes or {o.mailbox.lower(): o.code for o in OFFICES}
    results: list[dict[str, object]] = []
    # The throw-away store is encrypted under a throw-away key, so no set-up is needed.
    crypto.install(crypto.Keyring((crypto.new_key(),), "the throw-away key of intake check"))
    set_pipeline_actor("intake check")
    with tempfile.TemporaryDirectory(prefix="intake-check-") as work:
        store = Store.open(f"sqlite:///{Path(work) / 'check.db'}")
        files = FileStore(Path(work) / "files")
        moment = [datetime.now(UTC)]
        context = PipelineContext(
            store, files, lambda: moment[0], ocr=ocr, own_addresses=tuple(offices)
        )
        if limits is not None:
            context = with_limits(context, limits)
        try:
            for index, path in enumerate(paths, start=1):
                on_progress(index, path)
                results.append(_check_one(index, path, store, files, context, offices, moment))
        finally:
            store.close()
    return results


def _check_one(
    index: int,
    path: Path,
    store: Store,
    files: FileStore,
    context: PipelineContext,
    offices: dict[str, str],
    moment: list[datetime],
) -> dict[str, object]:
    raw = path.read_bytes()
    envelope = read_message(raw).envelope
    recipients = [
        *envelope.delivered_to,
        *(a.addr for a in envelope.to),
        *(a.addr for a in envelope.cc),
    ]
    office = received_by(recipients, offices)
    moment[0] = envelope.date.astimezone(UTC) if envelope.date else datetime.now(UTC)
    outcome = store_fetched(store, files, Place(office, CHECK_FOLDER, 1, index), raw, moment[0])
    for _ in range(MAX_ATTEMPTS):
        run_round(replace(context))
    return _state(store, outcome.message_pk, str(path), office)


def _state(store: Store, message_pk: int, name: str, office: str) -> dict[str, object]:
    with store.session() as db:
        message = db.get(Message, message_pk)
        assert message is not None
        own_documents = [
            {"file": part, "kind": kind}
            for part, kind in db.execute(
                select(Document.part, Document.kind)
                .join(Attachment, Document.attachment_pk == Attachment.id)
                .where(Attachment.message_pk == message.id)
                .order_by(Attachment.ordinal, Document.id)
            )
        ]
        base: dict[str, object] = {"file": name, "received_by": office}
        if message.state == MessageState.QUARANTINED.value:
            return {
                **base,
                "filing": None,
                "office": office,
                "status": "unreadable",
                "subject_type": None,
                "missing": [],
                "problems": [],
                "reply": "none",
                "documents": own_documents,
                "error": message.last_error,
            }
        filing = db.get(Filing, message.filing_id) if message.filing_id else None
        if filing is None:
            return {
                **base,
                "filing": None,
                "office": office,
                "status": "ignored",
                "subject_type": None,
                "missing": [],
                "problems": [],
                "reply": "none",
                "documents": own_documents,
                "reason": message.ignored_reason,
            }
        documents = [
            {"file": part, "kind": kind}
            for part, kind in db.execute(
                select(Document.part, Document.kind)
                .where(Document.filing_id == filing.id, Document.superseded.is_(False))
                .order_by(Document.id)
            )
        ]
        return {
            "file": name,
            "filing": filing.reference,
            "office": filing.office,
            "received_by": office,
            "status": filing.status,
            "subject_type": filing.subject_type,
            "missing": list(filing.missing or []),
            "problems": list(filing.problems or []),
            "reply": filing.reply_kind or "none",
            "documents": documents,
            "joined_by": message.thread_rule,
            "filing_type": filing.filing_type,
        }
