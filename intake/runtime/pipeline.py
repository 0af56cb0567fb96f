"""The pipeline: each stored message moves through its steps, and a restart resumes it.

A message's state says which step comes next (stored → read → parsed → decided → replied). Each
step runs in its own transaction, so a crash between steps loses nothing and repeats nothing that
was committed. Each attempt at a step is counted on the message before the step runs, so a step
that raises and a step that takes the process down both count; after `MAX_ATTEMPTS` the message
is quarantined (kept, shown to a person, not retried) and the rest of the mailbox goes on; a
mail whose stored data does not decrypt is quarantined at once, the cause named (`intake
requeue` puts it back once the key or the data is fixed). A
transient error (database or disk unavailable) stops the round without counting against the
message: the next round retries it.

A round reads its mails ahead when it can use more than one reader process: every stored mail
of the round is read (MIME) first, in arrival order, then the attachments of all its mails are
begun at once on the reader pool (`intake.parsing.ahead`), and the round goes on mail by mail
in arrival order, each parse step taking its readings, then deciding, as before: what is stored,
decided and replied, and in which order, is the same; only the reading runs at once.

A limit a mail hits (`[limits]`: too large to read, too many attachments, MIME nested too deep)
is written as an attachment row with no file and that limit's problem code, beside the
attachments that were read, so the registrant's reply and the office's digest name it.
"""

from __future__ import annotations

import logging
import traceback
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.orm import Session, load_only

from intake.deciding.step import decide_step
from intake.errors import TransientError
from intake.parsing.step import parse_step
from intake.privacy.crypto import DecryptionError
from intake.reading.step import read_step
from intake.runtime.context import PipelineContext, Step, parse_limits_of, with_limits
from intake.runtime.logs import correlated
from intake.store.database import Store
from intake.store.tables import Message, MessageState

if TYPE_CHECKING:
    from intake.parsing.ahead import ReadAhead

__all__ = [
    "DEFAULT_STEPS",
    "PipelineContext",
    "RoundReport",
    "advance_one",
    "parse_limits_of",
    "run_round",
    "with_limits",
]

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 3


@dataclass
class RoundReport:
    """What one round of the pipeline did."""

    advanced: int = 0
    failed: int = 0
    quarantined: int = 0
    interrupted: str | None = None
    skipped: str | None = None


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
    ahead: ReadAhead | None = None
    try:
        pending = pending_ids(ctx.store, table, office)
        if table.get(MessageState.READ) is parse_step and len(pending) > 1:
            ahead, pending = _begin_reading(ctx, table, pending, report, should_stop)
            if ahead is not None:
                table = {**table, MessageState.READ: _parse_with(ahead)}
        for message_pk in pending:
            if should_stop():
                report.interrupted = "stop requested"
                break
            with correlated(f"mail-{message_pk}"):
                _advance(ctx, table, message_pk, report)
    except TransientError as exc:
        report.interrupted = str(exc)
        log.warning("pipeline round interrupted, retried next round: %s", exc)
    finally:
        if ahead is not None:
            ahead.close()
    return report


def _begin_reading(
    ctx: PipelineContext,
    table: dict[MessageState, Step],
    pending: list[int],
    report: RoundReport,
    should_stop: Callable[[], bool],
) -> tuple[ReadAhead | None, list[int]]:
    """The round's stored mails read (MIME) in order, then the reading of all their attachments
    begun on the reader pool; the mails left for the rest of the round (a mail whose read step
    failed waits for the next round, as it would have). No read-ahead (None) with one reader."""
    from intake.parsing.ahead import ReadAhead, read_ahead_worthwhile

    if not read_ahead_worthwhile(ctx):
        return None, pending
    reading = (
        {MessageState.STORED: table[MessageState.STORED]} if MessageState.STORED in table else {}
    )
    left: list[int] = []
    for message_pk in pending:
        if should_stop():
            report.interrupted = "stop requested"
            break
        troubles = (report.failed, report.quarantined)
        with correlated(f"mail-{message_pk}"):
            _advance(ctx, reading, message_pk, report)
        if (report.failed, report.quarantined) == troubles:
            left.append(message_pk)
    ahead = ReadAhead(ctx)
    try:
        with ctx.store.session() as db:
            started = ahead.begin(db, left)
    except BaseException:
        ahead.close()
        raise
    log.debug("reading %d attachments of %d mails ahead", started, len(left))
    return ahead, left


def _parse_with(ahead: ReadAhead) -> Step:
    """The parse step, taking the readings begun ahead."""

    def step(ctx: PipelineContext, db: Session, message: Message) -> MessageState:
        return parse_step(ctx, db, message, ahead)

    return step


def advance_one(
    ctx: PipelineContext, steps: dict[MessageState, Step], message_pk: int, report: RoundReport
) -> None:
    """Move one message as far as `steps` go (a cluster task holds the message's lock around
    it); a transient error interrupts it, uncounted, as it interrupts a round."""
    try:
        with correlated(f"mail-{message_pk}"):
            _advance(ctx, steps, message_pk, report)
    except TransientError as exc:
        report.interrupted = str(exc)
        log.warning("message %s interrupted, retried later: %s", message_pk, exc)


def _advance(
    ctx: PipelineContext, steps: dict[MessageState, Step], message_pk: int, report: RoundReport
) -> None:
    while True:
        state = _take(ctx, steps, message_pk, report)
        if state is None:
            return
        try:
            with ctx.store.session() as db:
                message = db.get(Message, message_pk)
                assert message is not None
                message.state = steps[state](ctx, db, message).value
                message.last_error = None
                message.attempts = 0
            report.advanced += 1
        except TransientError:
            _give_back(ctx, message_pk)
            raise
        except Exception as exc:
            _record_failure(ctx, message_pk, state, exc, report)
            return


def _bookkeeping(db: Session, message_pk: int) -> Message | None:
    """The message's state and attempt columns only: its encrypted columns are not read, so a
    value that does not decrypt is the step's failure (that mail's), never the round's."""
    return db.get(
        Message,
        message_pk,
        options=[
            load_only(Message.state, Message.attempts, Message.last_error, Message.quarantined_at)
        ],
    )


def _take(
    ctx: PipelineContext, steps: dict[MessageState, Step], message_pk: int, report: RoundReport
) -> MessageState | None:
    """The step the message waits for, with this attempt counted and committed before the step
    runs (a delivery count): a mail whose step kills the process (SIGKILL, the OOM killer, a
    native crash) is counted all the same, and after `MAX_ATTEMPTS` such deaths it is
    quarantined instead of being taken first again at every round. None: nothing to do."""
    with ctx.store.session() as db:
        message = _bookkeeping(db, message_pk)
        if message is None or MessageState(message.state) not in steps:
            return None
        state = MessageState(message.state)
        if (message.attempts or 0) >= MAX_ATTEMPTS:
            message.state = MessageState.QUARANTINED.value
            message.quarantined_at = ctx.clock()
            message.last_error = (
                f"{state.value} step: the worker died while reading it "
                f"({message.attempts} attempts, the last one never finished)"
            )
            report.quarantined += 1
            log.error("message %s quarantined: %s", message_pk, message.last_error)
            return None
        message.attempts = (message.attempts or 0) + 1
        message.last_error = f"{state.value} step: started, not finished (the process stopped)"
        return state


def _give_back(ctx: PipelineContext, message_pk: int) -> None:
    """Uncount an attempt that a transient error (database or disk away) cut short; when the
    store cannot be reached now either, the attempt stays counted."""
    try:
        with ctx.store.session() as db:
            message = _bookkeeping(db, message_pk)
            if message is not None and message.attempts:
                message.attempts -= 1
    except TransientError as exc:
        log.warning("attempt of message %s stays counted: %s", message_pk, exc)


def _record_failure(
    ctx: PipelineContext, message_pk: int, state: MessageState, exc: Exception, report: RoundReport
) -> None:
    where = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
    detail = f"{state.value} step: {type(exc).__name__}: {exc}"[:900]
    if where is not None:
        detail += f" (at {where.filename.rsplit('/', 1)[-1]}:{where.lineno})"
    undecryptable = isinstance(exc, DecryptionError)
    if undecryptable:  # no later attempt can succeed: quarantined at once, the cause named
        detail = (
            f"{state.value} step: stored data does not decrypt: {exc}"[:900]
            + f" (fix the key or the stored data, then intake requeue --message {message_pk})"
        )
    with ctx.store.session() as db:
        message = _bookkeeping(db, message_pk)
        if message is None:
            return
        message.last_error = detail
        if undecryptable or (message.attempts or 0) >= MAX_ATTEMPTS:
            message.state = MessageState.QUARANTINED.value
            message.quarantined_at = ctx.clock()
            report.quarantined += 1
            log.error(
                "message %s quarantined after %d attempts: %s", message_pk, message.attempts, detail
            )
        else:
            report.failed += 1
            log.warning("message %s failed (attempt %d): %s", message_pk, message.attempts, detail)
