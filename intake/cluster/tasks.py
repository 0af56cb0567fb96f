"""The cluster's tasks: thin wrappers that run `intake.cluster.work` on this worker's deployment
and queue the task that comes next (a poll queues the reading of what it stored, a read queues
deciding, deciding queues each office's sending).

`bind` gives the tasks the deployment `intake worker` opened; a task that runs in a process
with none bound fails, and its message goes back to the queue for a worker that has one.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from amqp.exceptions import ChannelError
from celery import current_app, shared_task
from kombu.exceptions import OperationalError

from intake.cluster import work
from intake.cluster.app import QUEUES
from intake.errors import IntakeError, TransientError
from intake.runtime.service import Deployment, digests_due, purge_due

log = logging.getLogger(__name__)
_bound: list[Deployment] = []


def task(name: str) -> Callable[[Callable[..., None]], Any]:
    """A Celery task of the cluster's app (`shared_task`, typed for the checker). A task that
    meets a transient error (the database or the disk away, a restart) is tried again later,
    with a growing pause, rather than dropped."""
    made: Callable[[Callable[..., None]], Any] = shared_task(
        name=name,
        autoretry_for=(TransientError,),
        retry_backoff=2,
        retry_backoff_max=120,
        retry_jitter=True,
        max_retries=None,
    )
    return made


def bind(deployment: Deployment) -> None:
    """The deployment every task of this process works on."""
    _bound[:] = [deployment]


def deployment() -> Deployment:
    if not _bound:
        raise RuntimeError("no deployment bound in this process: start it with intake worker")
    return _bound[0]


@task("intake.cluster.tasks.poll")
def poll(office: str) -> None:
    """Poll one office's mailbox; queue the reading of each mail it stored."""
    _poll(office)


@task("intake.cluster.tasks.poll_group")
def poll_group(offices: list[str]) -> None:
    """Poll a group of offices' mailboxes one after another (the beat's polls: see
    `work.poll_groups`); queue the reading of each mail they stored."""
    for office in offices:
        _poll(office)


def _poll(office: str) -> None:
    done = work.poll(deployment(), office)
    if done.stored or not done.ok:
        log.info("poll %s", done.summary)
    for message_pk in done.stored:
        read.delay(message_pk)


@task("intake.cluster.tasks.read")
def read(message_pk: int) -> None:
    """Read and parse one message; queue deciding when it is parsed."""
    done = work.read_message(deployment(), message_pk)
    if done.held_elsewhere:
        log.debug("message %s: held by another worker", message_pk)
        return
    if done.report.failed or done.report.quarantined:
        log.warning("message %s: now %s", message_pk, done.state)
    if done.ready_to_decide:
        decide.delay()


@task("intake.cluster.tasks.decide")
def decide() -> None:
    """Decide every parsed message; after each round, queue sending for each office that got
    mail in it."""

    def queue_sends(offices: tuple[str, ...]) -> None:
        for office in offices:
            send.delay(office)

    done = work.decide(deployment(), queue_sends)
    if done.held_elsewhere:
        return
    report = done.report
    if report.advanced or report.failed or report.quarantined:
        log.info(
            "decided %d, failed %d, quarantined %d",
            report.advanced,
            report.failed,
            report.quarantined,
        )


@task("intake.cluster.tasks.send")
def send(office: str) -> None:
    """Drain one office's outbox."""
    report = work.send(deployment(), office)
    if report.sent or report.failed or report.held_offices:
        log.info(
            "sent %s: %d, failed %d, held %s",
            office,
            report.sent,
            report.failed,
            report.held_offices or "-",
        )


@task("intake.cluster.tasks.tick")
def tick() -> None:
    """Queue a poll of every enabled office (the beat's timer), in groups."""
    offices = deployment().settings.enabled_offices
    groups = work.poll_groups(tuple(o.code for o in offices))
    for group in groups:
        poll_group.delay(list(group))
    log.info("polls queued: %d offices in %d tasks", len(offices), len(groups))


@task("intake.cluster.tasks.sweep")
def sweep() -> None:
    """Queue the work the store shows waiting that no queued task carries: only when both
    queues are empty (a queued task will do what it carries), so nothing is queued twice over
    in a backlog. What a dead worker left half done (its commit made, its next task not
    queued) is found here."""
    if queued() != 0:
        return
    pending = work.pending_work(deployment())
    for message_pk in pending.to_read:
        read.delay(message_pk)
    if pending.to_decide:
        decide.delay()
    for office in pending.to_send:
        send.delay(office)
    if pending.to_read or pending.to_decide:
        log.info(
            "sweep: %d messages to read, deciding %s, sending for %d offices",
            len(pending.to_read),
            "queued" if pending.to_decide else "not needed",
            len(pending.to_send),
        )


def queued() -> int | None:
    """Tasks waiting in the cluster's queues (not counting those a worker holds); None when
    the broker cannot say."""
    total = 0
    try:
        with current_app.connection_for_read() as connection:
            for name in QUEUES:
                total += _queued_in(connection, name)
    except (OperationalError, OSError) as exc:
        log.warning("sweep: the broker cannot say how much is queued: %s", exc)
        return None
    return total


def _queued_in(connection: Any, name: str) -> int:
    """Tasks waiting in one queue; a queue the broker does not have (nothing was ever sent to
    it, or Redis dropped its empty list) holds none."""
    try:
        declared = connection.default_channel.queue_declare(queue=name, passive=True)
    except ChannelError as exc:
        if "NOT_FOUND" in str(exc) or "no queue" in str(exc).lower():
            return 0
        raise
    return int(declared.message_count)


@task("intake.cluster.tasks.minutely")
def minutely() -> None:
    """Make the digests that are due, then queue sending for each office with mail to send."""
    try:
        for made in digests_due(deployment()):
            log.info("digest %s %s made", made.office, made.day)
    except (IntakeError, OSError) as exc:
        log.warning("digests: FAILED: %s (made at the next run)", exc)
    for office in work.offices_with_mail(deployment()):
        send.delay(office)


@task("intake.cluster.tasks.purge")
def purge() -> None:
    """Delete what is past its retention time (skipped while any message is being read)."""
    report = purge_due(deployment())
    if report.messages or report.filings:
        log.info("retention: %s", report.summary())
