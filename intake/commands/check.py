"""`intake check`: decide mails offline, in order, in a throw-away store with no mail servers.

Each file is stored as if it had arrived in the mailbox of the office it was addressed to (the
first recipient that is an office mailbox; else the city office), at the time of its Date header,
and goes through the same pipeline as polled mail. The result is the state of each message's
filing right after that message was taken in.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, time
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING

from intake.commands.arguments import (
    EXIT_FAILED,
    EXIT_OK,
    Subparsers,
    add_engine_option,
    examples,
    usable_settings,
)
from intake.parsing.engines import OcrSource, no_ocr
from intake.runtime.clock import SHANGHAI, Clock, system_clock
from intake.settings import ScheduleSettings, Settings, StorageSettings

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from intake.runtime.pipeline import PipelineContext
    from intake.store.database import Store
    from intake.store.files_interface import Files
    from intake.store.tables import Message

CHECK_FOLDER = "check"
CHECK_ACTOR = "intake check"


class Outcome(StrEnum):
    """What became of a checked mail."""

    FILED = "filed"
    IGNORED = "ignored"
    QUARANTINED = "quarantined"


@dataclass(frozen=True)
class CheckedDocument:
    """A document read from a checked mail (or from its filing)."""

    file: str
    kind: str

    def to_json(self) -> dict[str, str]:
        return {"file": self.file, "kind": self.kind}


@dataclass(frozen=True)
class CheckedMail:
    """The state of one checked mail's filing right after the mail was taken in."""

    outcome: Outcome
    file: str
    received_by: str
    office: str
    status: str
    filing: str | None = None
    subject_type: str | None = None
    missing: tuple[str, ...] = ()
    problems: tuple[str, ...] = ()
    reply: str = "none"
    documents: tuple[CheckedDocument, ...] = ()
    error: str | None = None
    """Why the mail was quarantined."""
    reason: str | None = None
    """Why the mail was ignored."""
    joined_by: str | None = None
    """The thread rule that joined the mail to its filing."""
    filing_type: str | None = None
    nature: str | None = None
    """filing / question / not_a_filing / uncertain (None when the mail was not decided)."""
    signals: tuple[str, ...] = ()
    """The signals the classifier used for the nature."""

    def to_json(self) -> dict[str, object]:
        """The object of `intake check --json` (its keys in the order they always had)."""
        decided = {
            "nature": self.nature,
            "signals": list(self.signals),
            "status": self.status,
            "subject_type": self.subject_type,
            "missing": list(self.missing),
            "problems": list(self.problems),
            "reply": self.reply,
            "documents": [d.to_json() for d in self.documents],
        }
        if self.outcome is Outcome.FILED:
            return {
                "file": self.file,
                "filing": self.filing,
                "office": self.office,
                "received_by": self.received_by,
                **decided,
                "joined_by": self.joined_by,
                "filing_type": self.filing_type,
            }
        head = {
            "file": self.file,
            "received_by": self.received_by,
            "filing": self.filing,
            "office": self.office,
        }
        if self.outcome is Outcome.QUARANTINED:
            return {**head, **decided, "error": self.error}
        return {**head, **decided, "reason": self.reason}

    def text(self) -> str:
        extra = ", ".join([*self.missing, *self.problems])
        return (
            f"{self.file}: {self.status} {self.filing or ''} office {self.office} "
            f"reply {self.reply}" + (f" ({extra})" if extra else "")
        )


def add_parser(sub: Subparsers, common: argparse.ArgumentParser) -> None:
    """The `check` subcommand."""
    check = sub.add_parser(
        "check",
        parents=[common],
        help="decide mails offline, in order, in a throw-away store",
        description="Decide saved mails (.eml) offline, in the order given, as the worker would: "
        "each is taken in by the office it was sent to, in a throw-away store; nothing is sent.",
        **examples(
            "intake check first.eml reply.eml",
            "intake check --json samples/scenarios/*/*.eml",
        ),
    )
    check.add_argument("files", nargs="+", metavar="EML", help="saved mails, in the order sent")
    check.add_argument("--json", action="store_true", help="print JSON (a list of mails)")
    add_engine_option(check)
    check.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    """Check the mails in order (under the config's offices and limits when it is usable)."""
    from intake.commands.progress import Progress, wanted
    from intake.parsing.engines import lazy_ocr

    paths = [Path(name) for name in args.files]
    for path in paths:
        if not path.is_file():
            print(f"intake: {path}: no such file", file=sys.stderr)
            return EXIT_FAILED
    settings = usable_settings(args)
    with Progress("check", len(paths), shown=wanted(args.quiet)) as bar:

        def next_mail(index: int, path: Path) -> None:
            bar.advance(0 if index == 1 else 1, note=path.name)

        results = check_files(paths, settings, lazy_ocr(args.engine), next_mail)
        bar.advance()
    if args.json:
        print(json.dumps([r.to_json() for r in results], ensure_ascii=False, indent=1))
    else:
        for result in results:
            print(result.text())
    return EXIT_OK


def received_by(recipients: Sequence[str], mailboxes: dict[str, str]) -> str:
    """The office whose mailbox is the first recipient that is one (else the city office)."""
    from vocabulary.offices import CITY_OFFICE

    for address in recipients:
        code = mailboxes.get(address.strip().lower())
        if code:
            return code
    return CITY_OFFICE


def check_files(
    paths: Sequence[Path],
    settings: Settings | None = None,
    ocr: OcrSource = no_ocr,
    on_progress: Callable[[int, Path], None] = lambda i, p: None,
    clock: Clock = system_clock,
) -> list[CheckedMail]:
    """The state of each message's filing after it was taken in, in input order (with the
    offices and `[limits]` of `settings` when given, else the notice's offices and the default
    limits). The store is a throw-away one under a throw-away key, so nothing needs setting up."""
    import tempfile

    from intake.runtime.pipeline import PipelineContext, with_limits
    from intake.runtime.service import open_deployment
    from vocabulary.offices import OFFICES

    configured = (
        {o.mailbox.lower(): o.code for o in settings.offices if o.mailbox} if settings else {}
    )
    offices = configured or {o.mailbox.lower(): o.code for o in OFFICES}
    results: list[CheckedMail] = []
    with tempfile.TemporaryDirectory(prefix="intake-check-") as work:
        deployment = open_deployment(
            settings or _unconfigured(Path(work)),
            {},
            clock,
            ocr,
            actor=CHECK_ACTOR,
            mailboxes=False,
            scratch=Path(work),
        )
        moment = [clock()]
        context = PipelineContext(
            deployment.store,
            deployment.files,
            lambda: moment[0],
            ocr=ocr,
            own_addresses=tuple(offices),
        )
        if settings is not None:
            context = with_limits(context, settings.limits, settings.ocr)
        try:
            for index, path in enumerate(paths, start=1):
                on_progress(index, path)
                results.append(
                    _check_one(
                        index,
                        path,
                        deployment.store,
                        deployment.files,
                        context,
                        offices,
                        moment,
                        clock,
                    )
                )
        finally:
            deployment.close()
    return results


def _unconfigured(folder: Path) -> Settings:
    """Settings for a check run without a usable config: no offices of its own (the notice's
    are used), the store in `folder`."""
    return Settings(
        path=folder / "no config",
        storage=StorageSettings(f"sqlite:///{folder / 'intake.db'}", folder / "files"),
        schedule=ScheduleSettings(SHANGHAI, 5, time(18, 0)),
        offices=(),
    )


def _check_one(
    index: int,
    path: Path,
    store: Store,
    files: Files,
    context: PipelineContext,
    offices: dict[str, str],
    moment: list[datetime],
    clock: Clock,
) -> CheckedMail:
    from dataclasses import replace
    from datetime import UTC

    from intake.fetching.ledger import Place, store_fetched
    from intake.reading import read_message
    from intake.runtime.pipeline import MAX_ATTEMPTS, run_round

    raw = path.read_bytes()
    envelope = read_message(raw).envelope
    recipients = [
        *envelope.delivered_to,
        *(a.addr for a in envelope.to),
        *(a.addr for a in envelope.cc),
    ]
    office = received_by(recipients, offices)
    moment[0] = envelope.date.astimezone(UTC) if envelope.date else clock()
    outcome = store_fetched(store, files, Place(office, CHECK_FOLDER, 1, index), raw, moment[0])
    for _ in range(MAX_ATTEMPTS):
        run_round(replace(context))
    return _state(store, outcome.message_pk, str(path), office)


def _state(store: Store, message_pk: int, name: str, office: str) -> CheckedMail:
    from sqlalchemy import select

    from intake.store.tables import Attachment, Document, Filing, Message, MessageState

    with store.session() as db:
        message = db.get(Message, message_pk)
        assert message is not None
        own_documents = tuple(
            CheckedDocument(part, kind)
            for part, kind in db.execute(
                select(Document.part, Document.kind)
                .join(Attachment, Document.attachment_pk == Attachment.id)
                .where(Attachment.message_pk == message.id)
                .order_by(Attachment.ordinal, Document.id)
            )
        )
        if message.state == MessageState.QUARANTINED.value:
            return CheckedMail(
                Outcome.QUARANTINED,
                name,
                office,
                office,
                "unreadable",
                documents=own_documents,
                error=message.last_error,
            )
        nature = JSON_NATURE.get(message.nature or "", message.nature)
        signals = tuple(message.signals or ())
        filing = db.get(Filing, message.filing_id) if message.filing_id else None
        if filing is None:
            status = {"question": "question", "uncertain": "uncertain"}.get(
                message.nature or "", "ignored"
            )
            answered = message.nature == "question" and _answered(db, message)
            return CheckedMail(
                Outcome.IGNORED,
                name,
                office,
                office,
                status,
                reply="information" if answered else "none",
                documents=own_documents,
                reason=message.ignored_reason,
                nature=nature,
                signals=signals,
            )
        documents = tuple(
            CheckedDocument(part, kind)
            for part, kind in db.execute(
                select(Document.part, Document.kind)
                .where(Document.filing_id == filing.id, Document.superseded.is_(False))
                .order_by(Document.id)
            )
        )
        return CheckedMail(
            Outcome.FILED,
            name,
            office,
            filing.office,
            filing.status,
            filing=filing.reference,
            subject_type=filing.subject_type,
            missing=tuple(filing.missing or ()),
            problems=tuple(filing.problems or ()),
            reply=filing.reply_kind or "none",
            documents=documents,
            joined_by=message.thread_rule,
            filing_type=filing.filing_type,
            nature=nature,
            signals=signals,
        )


JSON_NATURE = {"ignored": "not_a_filing"}
"""The stored nature as `intake check --json` names it."""


def _answered(db: Session, message: Message) -> bool:
    """Whether the worker would answer this question: the sender's questions in this check,
    in order, each answered unless one was answered within the week before it."""
    from sqlalchemy import func, select

    from intake.replying.information import ANSWER_EVERY
    from intake.store.tables import Message

    sender = (message.from_addr or "").lower()
    last: datetime | None = None
    for row in db.execute(
        select(Message)
        .where(func.lower(Message.from_addr) == sender, Message.nature == "question")
        .where(Message.id <= message.id)
        .order_by(Message.id)
    ).scalars():
        moment = row.sent_at or row.stored_at
        answered = last is None or moment - last >= ANSWER_EVERY
        if answered:
            last = moment
        if row.id == message.id:
            return answered
    return False
