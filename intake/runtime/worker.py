"""The scheduled worker (`intake run`): APScheduler polls each office on its own timer.

Each office has one interval job: at most one instance at a time, missed runs coalesced into one,
started at once. SIGTERM and Ctrl-C set a stop flag that the fetcher and the pipeline check
between messages, so the message in hand is finished and the worker then exits.
"""

from __future__ import annotations

import functools
import logging
import signal
import threading
from collections.abc import Callable
from datetime import timedelta
from types import FrameType
from typing import TYPE_CHECKING

from apscheduler.executors.pool import ThreadPoolExecutor as SchedulerThreads
from apscheduler.schedulers.background import BackgroundScheduler

from intake.errors import IntakeError
from intake.runtime.logs import RoundTally
from intake.runtime.pipeline import DEFAULT_STEPS
from intake.runtime.service import (
    Deployment,
    digests_due,
    poll_one,
    poll_seen,
    process,
    purge_due,
    send_due,
)
from intake.settings import OfficeSettings

if TYPE_CHECKING:
    from intake.runtime.metrics import WorkerMetrics

log = logging.getLogger(__name__)


class StopFlag:
    """Set by a signal or by a caller; checked between messages."""

    def __init__(self) -> None:
        self._event = threading.Event()

    def set(self) -> None:
        self._event.set()

    def __call__(self) -> bool:
        return self._event.is_set()

    def wait(self, seconds: float) -> bool:
        return self._event.wait(seconds)


def guarded(name: str, job: Callable[[], None]) -> Callable[[], None]:
    """A job whose database, disk or server trouble becomes one plain log line (it is retried
    at its next run) instead of a traceback from the scheduler."""

    def run() -> None:
        try:
            job()
        except (IntakeError, OSError) as exc:
            words = " ".join(str(exc).split())[:300] or type(exc).__name__
            log.warning("%s: FAILED: %s (retried at the next run)", name, words)

    return run


def office_job(
    deployment: Deployment,
    office: OfficeSettings,
    stop: StopFlag,
    *,
    metrics: WorkerMetrics | None = None,
    tally: RoundTally | None = None,
) -> Callable[[], None]:
    """The job of one office: poll its mailbox, then move its mails through the pipeline
    (counted and timed into `metrics` when the worker serves them); once every office has
    polled, one summary line for the round (`tally`)."""
    steps = metrics.timed(DEFAULT_STEPS) if metrics is not None else None

    @functools.partial(guarded, f"office {office.code}")
    def job() -> None:
        if stop():
            return
        poll = poll_one(deployment, office, stop)
        if metrics is not None:
            metrics.observe_poll(poll)
        summary = tally.add(poll_seen(poll)) if tally is not None else None
        if summary is not None:
            log.info("%s", summary)
        report = process(deployment, stop, office=office.code, steps=steps)
        if report.advanced or report.failed or report.quarantined:
            log.info(
                "pipeline %s: %d steps done, %d failed, %d quarantined",
                office.code,
                report.advanced,
                report.failed,
                report.quarantined,
            )

    return job


def build_scheduler(
    deployment: Deployment, stop: StopFlag, metrics: WorkerMetrics | None = None
) -> BackgroundScheduler:
    """A scheduler with one polling job per enabled office."""
    schedule = deployment.settings.schedule
    scheduler = BackgroundScheduler(
        timezone=schedule.timezone,
        executors={"default": SchedulerThreads(4)},
        job_defaults={
            "coalesce": True,
            "max_instances": 1,
            "misfire_grace_time": schedule.poll_every_minutes * 60,
        },
    )
    now = deployment.clock()
    offices = deployment.settings.enabled_offices
    tally = RoundTally(frozenset(o.code for o in offices))
    for index, office in enumerate(offices):
        scheduler.add_job(
            office_job(deployment, office, stop, metrics=metrics, tally=tally),
            "interval",
            minutes=schedule.poll_every_minutes,
            id=f"poll-{office.code}",
            name=f"poll {office.code} {office.name}",
            next_run_time=now + timedelta(seconds=2 * index),
        )
    scheduler.add_job(
        sending_job(deployment, stop),
        "interval",
        minutes=1,
        id="send",
        name="send due mail",
        next_run_time=now + timedelta(seconds=30),
    )
    scheduler.add_job(
        digest_job(deployment, stop),
        "cron",
        hour=schedule.digest_at.hour,
        minute=schedule.digest_at.minute,
        id="digest",
        name="daily digests",
    )
    scheduler.add_job(
        purge_job(deployment, stop),
        "cron",
        hour=PURGE_AT[0],
        minute=PURGE_AT[1],
        id="purge",
        name="daily purge of files past retention",
    )
    return scheduler


def sending_job(deployment: Deployment, stop: StopFlag) -> Callable[[], None]:
    """Every minute: make the digests that are due but not made (a worker that was down at
    `digest_at` catches up on start), then drain the outbox (replies, digests)."""

    @functools.partial(guarded, "sending")
    def job() -> None:
        if not stop():
            for made in digests_due(deployment):
                log.info("digest %s %s made (catching up)", made.office, made.day)
            report = send_due(deployment, stop)
            if report.sent or report.failed or report.held_offices:
                log.info(
                    "sent %d, failed %d, held %s",
                    report.sent,
                    report.failed,
                    report.held_offices or "-",
                )

    return job


def digest_job(deployment: Deployment, stop: StopFlag) -> Callable[[], None]:
    """At `digest_at`: each office's digest of the day, then send them."""

    @functools.partial(guarded, "digests")
    def job() -> None:
        if stop():
            return
        for made in digests_due(deployment):
            log.info("digest %s %s made", made.office, made.day)
        send_due(deployment, stop)

    return job


PURGE_AT = (3, 15)
"""When the daily purge runs (hour, minute in the schedule's time zone)."""


def purge_job(deployment: Deployment, stop: StopFlag) -> Callable[[], None]:
    """Daily: delete raw mail and attachments past their retention time (intake.privacy.retention)."""

    @functools.partial(guarded, "purge")
    def job() -> None:
        if not stop():
            report = purge_due(deployment)
            if report.messages or report.filings:
                log.info("retention: %s", report.summary())

    return job


def run_forever(
    deployment: Deployment, stop: StopFlag | None = None, metrics: WorkerMetrics | None = None
) -> None:
    """Run until SIGTERM/SIGINT (or `stop` is set); finish the message in hand, then return.
    With `metrics`, each poll is counted and each pipeline step timed into them."""
    flag = stop or StopFlag()

    def on_signal(signum: int, _frame: FrameType | None) -> None:
        log.info(
            "signal %s received: finishing the message in hand, then stopping",
            signal.Signals(signum).name,
        )
        flag.set()

    previous = {s: signal.signal(s, on_signal) for s in (signal.SIGTERM, signal.SIGINT)}
    scheduler = build_scheduler(deployment, flag, metrics)
    scheduler.start()
    log.info(
        "worker started: %d offices, every %d minutes",
        len(deployment.settings.enabled_offices),
        deployment.settings.schedule.poll_every_minutes,
    )
    try:
        while not flag.wait(1.0):
            pass
    finally:
        scheduler.shutdown(wait=True)
        for signum, handler in previous.items():
            signal.signal(signum, handler)
        log.info("worker stopped")
