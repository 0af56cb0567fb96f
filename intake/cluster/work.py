"""What each cluster task does to a deployment, without the task engine: poll one office, move
one message through reading and parsing, decide what is parsed, drain one office's outbox, and
find work that no queued task carries.

Every function here is safe to run twice, at once on two hosts, or after a worker died in the
middle of it, because each one works under a lock shared by every host (a PostgreSQL advisory
lock, see `intake.runtime.locks`) and moves a message only by the state the store records:

* a poll holds its office's lock (two polls of one mailbox never overlap) and stores by the
  ledger's key, so a poll repeated after a crash stores nothing twice;
* reading and parsing (the costly steps, OCR) hold the message's own lock: any number of
  messages are read at once, by any worker, and a message is read by one worker at a time;
* deciding holds one lock for the whole deployment: a mail's filing may be any office's (a
  transfer) and its sender's other mails may be in another mailbox, so decisions are made one
  at a time, as `intake run` makes them; it is quick beside reading;
* sending holds its office's outbox lock (one drain per office at a time: two could send one
  queued mail twice), so offices send side by side;
* all of them share the ``pipeline`` / ``outbox`` locks that a purge or an admin's
  `intake run --once` takes alone, so those never run beside the cluster's steps.

A lock that is taken elsewhere means another worker is doing that work now: the task returns at
once and says so. The sweep (`pending_work`) finds what is left over when a worker died after
its commit but before it queued the next task.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field

from sqlalchemy import func, or_, select

from intake.deciding.step import decide_step
from intake.parsing.step import parse_step
from intake.reading.step import read_step
from intake.runtime.context import Step
from intake.runtime.pipeline import RoundReport, advance_one, run_round
from intake.runtime.service import (
    OUTBOX_LOCK,
    PIPELINE_LOCK,
    Deployment,
    poll_one,
)
from intake.sending.outbox import SendReport
from intake.store.tables import Message, MessageState, OutboxMail, OutboxState

log = logging.getLogger(__name__)

READING_STEPS: dict[MessageState, Step] = {
    MessageState.STORED: read_step,
    MessageState.READ: parse_step,
}
DECIDING_STEPS: dict[MessageState, Step] = {MessageState.PARSED: decide_step}
DECIDE_LOCK = "decide"


def message_lock(message_pk: int) -> str:
    return f"message-{message_pk}"


def outbox_lock(office: str) -> str:
    return f"outbox-{office}"


@contextmanager
def _locks(deployment: Deployment, *names: tuple[str, bool]) -> Iterator[bool]:
    """Each named lock in turn (name, shared), without waiting; yields whether all were taken."""
    with ExitStack() as stack:
        for name, shared in names:
            per_message = name.startswith("message-")
            taken = stack.enter_context(deployment.lock(name, shared=shared, file=not per_message))
            if not taken:
                yield False
                return
        yield True


POLLS_PER_TASK = 10


def poll_groups(offices: tuple[str, ...], per_task: int = POLLS_PER_TASK) -> list[tuple[str, ...]]:
    """The offices of one round of polls, in groups of `per_task`, one task each. An idle poll
    costs a few milliseconds; a task of its own would cost the broker and the worker's consumer
    as much again, one message after the other. Small groups keep the polls spread over every
    worker, and one slow mailbox holds up only the few after it in its group."""
    return [offices[i : i + per_task] for i in range(0, len(offices), per_task)]


@dataclass(frozen=True)
class PollDone:
    """What a poll task did: the poll's one line, and the messages it stored that now wait to
    be read."""

    office: str
    summary: str
    stored: tuple[int, ...] = ()
    ok: bool = True


def poll(deployment: Deployment, office_code: str) -> PollDone:
    """Poll one office's mailbox under its lock; the new messages that wait to be read."""
    office = deployment.settings.office(office_code)
    if office is None or not office.enabled:
        return PollDone(office_code, f"{office_code}: not an enabled office here", ok=False)
    report = poll_one(deployment, office, lambda: False)
    return PollDone(office_code, report.summary(), tuple(report.stored), report.ok)


@dataclass(frozen=True)
class Advanced:
    """What reading one message did: whether this worker held it, and where it now stands."""

    message_pk: int
    held_elsewhere: bool
    report: RoundReport = field(default_factory=RoundReport)
    state: str | None = None

    @property
    def ready_to_decide(self) -> bool:
        return self.state == MessageState.PARSED.value


def read_message(deployment: Deployment, message_pk: int) -> Advanced:
    """Read and parse one message (steps 2 and 3) under its own lock."""
    names = ((PIPELINE_LOCK, True), (message_lock(message_pk), False))
    with _locks(deployment, *names) as taken:
        if not taken:
            return Advanced(message_pk, held_elsewhere=True)
        report = RoundReport()
        advance_one(deployment.pipeline(), READING_STEPS, message_pk, report)
        return Advanced(message_pk, False, report, _state(deployment, message_pk))


def _state(deployment: Deployment, message_pk: int) -> str | None:
    with deployment.store.session() as db:
        state = db.execute(select(Message.state).where(Message.id == message_pk)).scalar()
    return None if state is None else str(state)


@dataclass(frozen=True)
class Decided:
    """What a deciding task did, and the offices that now have mail to send."""

    held_elsewhere: bool
    report: RoundReport = field(default_factory=RoundReport)
    offices_to_send: tuple[str, ...] = ()


def decide(
    deployment: Deployment, after_round: Callable[[tuple[str, ...]], None] = lambda _: None
) -> Decided:
    """Decide every parsed message (step 4, its reply queued in the same transaction), one
    deciding task at a time in the deployment; again until none is left, so a message parsed
    while the round ran is not left for the sweep. After each round that decided something,
    `after_round` is given the offices whose outbox got mail in that round (so replies go out
    while a long burst is still being decided, and each office's sending is queued once per
    round that gave it mail, not once per round for every office with mail waiting);
    `offices_to_send` is every office that got mail."""
    with _locks(deployment, (PIPELINE_LOCK, True), (DECIDE_LOCK, False)) as taken:
        if not taken:
            return Decided(held_elsewhere=True)
        total = RoundReport()
        seen = _newest_outbox_mail(deployment)
        given: set[str] = set()
        while True:
            report = run_round(deployment.pipeline(), DECIDING_STEPS)
            total.advanced += report.advanced
            total.failed += report.failed
            total.quarantined += report.quarantined
            total.interrupted = report.interrupted
            if report.advanced:
                fresh, seen = _offices_with_new_mail(deployment, seen)
                given.update(fresh)
                after_round(fresh)
            if not report.advanced or report.interrupted:
                break
        return Decided(False, total, tuple(sorted(given)))


def _newest_outbox_mail(deployment: Deployment) -> int:
    with deployment.store.session() as db:
        return int(db.execute(select(func.max(OutboxMail.id))).scalar() or 0)


def _offices_with_new_mail(deployment: Deployment, after: int) -> tuple[tuple[str, ...], int]:
    """The enabled offices with mail queued in their outbox after the mail `after` (its key),
    and the newest mail's key."""
    enabled = {o.code for o in deployment.settings.enabled_offices}
    with deployment.store.session() as db:
        rows = db.execute(
            select(OutboxMail.id, OutboxMail.office).where(
                OutboxMail.id > after, OutboxMail.state == OutboxState.QUEUED.value
            )
        ).all()
    newest = max((int(i) for i, _ in rows), default=after)
    return tuple(sorted({o for _, o in rows if o in enabled})), newest


def offices_with_mail(deployment: Deployment) -> tuple[str, ...]:
    """The enabled offices with queued or interrupted mail in their outbox that is due now."""
    enabled = {o.code for o in deployment.settings.enabled_offices}
    now = deployment.clock()
    with deployment.store.session() as db:
        offices = db.execute(
            select(OutboxMail.office)
            .where(
                OutboxMail.state.in_([OutboxState.QUEUED.value, OutboxState.SENDING.value]),
                or_(OutboxMail.not_before.is_(None), OutboxMail.not_before <= now),
            )
            .distinct()
        ).scalars()
        return tuple(sorted(o for o in offices if o in enabled))


def send(deployment: Deployment, office_code: str) -> SendReport:
    """Drain one office's outbox under its lock (offices send side by side)."""
    office = deployment.settings.office(office_code)
    if office is None or not office.enabled:
        return SendReport(skipped=f"{office_code}: not an enabled office here")
    with _locks(deployment, (OUTBOX_LOCK, True), (outbox_lock(office_code), False)) as taken:
        if not taken:
            return SendReport(skipped="another worker is sending this office's mail")
        return deployment.outbox().drain(
            (office,),
            deployment.transport_for,
            every_office=deployment.settings.offices,
        )


@dataclass(frozen=True)
class Pending:
    """Work the store shows waiting: messages to read, whether any wait to be decided, and the
    offices with mail to send."""

    to_read: tuple[int, ...]
    to_decide: bool
    to_send: tuple[str, ...]

    @property
    def empty(self) -> bool:
        return not (self.to_read or self.to_decide or self.to_send)


def pending_work(deployment: Deployment, limit: int = 10_000) -> Pending:
    """What the store shows waiting (oldest first, at most `limit` messages to read)."""
    with deployment.store.session() as db:
        to_read = tuple(
            int(i)
            for i in db.execute(
                select(Message.id)
                .where(Message.state.in_([s.value for s in READING_STEPS]))
                .order_by(Message.id)
                .limit(limit)
            ).scalars()
        )
        to_decide = (
            db.execute(
                select(Message.id).where(Message.state == MessageState.PARSED.value).limit(1)
            ).first()
            is not None
        )
    return Pending(to_read, to_decide, offices_with_mail(deployment))
