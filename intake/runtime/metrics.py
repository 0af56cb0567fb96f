"""Prometheus metrics of the worker (`intake run --metrics-port N`), for the admins' monitoring.

Two kinds of figures, in a registry of their own (nothing process-wide):

* what this worker did since it started, counted as it happens: polls by office and result,
  mails stored by office, and the seconds each pipeline step took (`read`, `parse` — which is
  where OCR runs — and `decide`);
* what the store holds, read from the database at each scrape so that every worker of a shared
  deployment reports the same truth: filings by office and status (the decisions), outbox mail
  by kind and state (replies and digests sent, queued, failed, suppressed), offices whose
  sending is held, messages waiting per pipeline state (the queue depth), quarantined mail and
  failed polls in a row. When the database cannot be read, `intake_store_up` is 0 and the
  store's figures are left out of that scrape.

`serve` exposes the registry over HTTP (`/metrics`) from a daemon thread.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from wsgiref.simple_server import WSGIServer

from prometheus_client import CollectorRegistry, Counter, Histogram, start_http_server
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from intake.errors import IntakeError
from intake.fetching.fetcher import PollReport
from intake.runtime.clock import Clock, system_clock
from intake.runtime.context import PipelineContext, Step
from intake.store.database import Store
from intake.store.tables import (
    Filing,
    Message,
    MessageState,
    OutboxMail,
    PollResult,
    PollState,
    SendState,
)

log = logging.getLogger(__name__)

STEP_NAMES: Mapping[MessageState, str] = {
    MessageState.STORED: "read",
    MessageState.READ: "parse",
    MessageState.PARSED: "decide",
}
"""The name of the step a message in each state waits for."""

STEP_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300)
"""Seconds: a plain mail is read in milliseconds, a scanned page takes about a second of OCR,
the document limit is 60 s per page."""

WAITING_STATES = (MessageState.STORED, MessageState.READ, MessageState.PARSED)


class WorkerMetrics:
    """The metrics of one worker process and the collector of its store's figures."""

    def __init__(self, store: Store, clock: Clock = system_clock) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        self.polls = Counter(
            "intake_polls",
            "Polls of an office's mailbox by this worker, by result (ok, failed, skipped).",
            ["office", "result"],
            registry=self.registry,
        )
        self.mails_stored = Counter(
            "intake_mails_stored",
            "Mails fetched and stored by this worker's polls.",
            ["office"],
            registry=self.registry,
        )
        self.step_seconds = Histogram(
            "intake_step_seconds",
            "Seconds one pipeline step took for one mail (parse includes OCR).",
            ["step"],
            buckets=STEP_BUCKETS,
            registry=self.registry,
        )
        self.registry.register(StoreCollector(store, clock))

    def observe_poll(self, report: PollReport) -> None:
        """Count one poll and the mails it stored."""
        if report.skipped:
            result = PollResult.SKIPPED
        elif report.ok:
            result = PollResult.OK
        else:
            result = PollResult.FAILED
        self.polls.labels(report.office, result.value).inc()
        if report.fetched:
            self.mails_stored.labels(report.office).inc(report.fetched)

    def timed(self, steps: Mapping[MessageState, Step]) -> dict[MessageState, Step]:
        """The same steps, each timed into `intake_step_seconds` (failures too)."""
        return {
            state: self._timed(STEP_NAMES.get(state, state.value), step)
            for state, step in steps.items()
        }

    def _timed(self, name: str, step: Step) -> Step:
        histogram = self.step_seconds.labels(name)

        def run(ctx: PipelineContext, db: Session, message: Message) -> MessageState:
            started = time.monotonic()
            try:
                return step(ctx, db, message)
            finally:
                histogram.observe(time.monotonic() - started)

        return run


@dataclass(frozen=True)
class StoreFigures:
    """What the store holds, as the gauges show it."""

    filings: Mapping[tuple[str, str], int]
    outbox: Mapping[tuple[str, str], int]
    held_offices: tuple[str, ...]
    messages: Mapping[str, int]
    failed_polls: Mapping[str, int]


def store_figures(store: Store, now: datetime) -> StoreFigures:
    """Read the store's figures at `now` (a few grouped counts; no personal data is read)."""
    with store.session() as db:
        filings = {
            (office, status): int(n)
            for office, status, n in db.execute(
                select(Filing.office, Filing.status, func.count()).group_by(
                    Filing.office, Filing.status
                )
            )
        }
        outbox = {
            (kind, state): int(n)
            for kind, state, n in db.execute(
                select(OutboxMail.kind, OutboxMail.state, func.count()).group_by(
                    OutboxMail.kind, OutboxMail.state
                )
            )
        }
        held_query = select(SendState.office).where(
            SendState.login_broken.is_(True) | (SendState.hold_until > now)
        )
        held = tuple(sorted(str(office) for office in db.execute(held_query).scalars()))
        messages = {
            str(state): int(n)
            for state, n in db.execute(select(Message.state, func.count()).group_by(Message.state))
        }
        failed_polls = {
            str(office): int(n or 0)
            for office, n in db.execute(
                select(PollState.office, PollState.consecutive_failures).where(
                    PollState.folder == "*"
                )
            )
        }
    return StoreFigures(filings, outbox, held, messages, failed_polls)


class StoreCollector(Collector):  # type: ignore[misc,unused-ignore]
    """Gauges read from the store at each scrape."""

    def __init__(self, store: Store, clock: Clock) -> None:
        self.store = store
        self.clock = clock

    def describe(self) -> list[Metric]:
        return []  # figures vary with the store: not described ahead of a scrape

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily("intake_store_up", "1 when the store's figures could be read.")
        try:
            figures = store_figures(self.store, self.clock())
        except (IntakeError, OSError) as exc:
            log.warning("metrics: the store's figures could not be read: %s", exc)
            up.add_metric([], 0)
            yield up
            return
        up.add_metric([], 1)
        yield up
        yield from figure_metrics(figures)


def figure_metrics(figures: StoreFigures) -> Iterator[Metric]:
    """The gauges of the store's figures."""
    filings = GaugeMetricFamily(
        "intake_filings",
        "Filings by office and status (the decisions made).",
        labels=["office", "status"],
    )
    for (office, status), n in sorted(figures.filings.items()):
        filings.add_metric([office, status], n)
    yield filings
    outbox = GaugeMetricFamily(
        "intake_outbox_mails",
        "Outgoing mail by kind (ack, request_missing, transferred, digest …) and state "
        "(queued, sending, sent, failed, suppressed).",
        labels=["kind", "state"],
    )
    for (kind, state), n in sorted(figures.outbox.items()):
        outbox.add_metric([kind, state], n)
    yield outbox
    held = GaugeMetricFamily(
        "intake_sending_held_offices",
        "Offices whose sending is held (NetEase throttling) or whose login is broken.",
    )
    held.add_metric([], len(figures.held_offices))
    yield held
    waiting = GaugeMetricFamily(
        "intake_messages_waiting",
        "Stored mails waiting for a pipeline step (the queue depth).",
        labels=["state"],
    )
    for state in WAITING_STATES:
        waiting.add_metric([state.value], figures.messages.get(state.value, 0))
    yield waiting
    quarantined = GaugeMetricFamily(
        "intake_messages_quarantined", "Mails parked after 3 failed attempts (need a person)."
    )
    quarantined.add_metric([], figures.messages.get(MessageState.QUARANTINED.value, 0))
    yield quarantined
    failed = GaugeMetricFamily(
        "intake_mailbox_failed_polls_in_a_row",
        "Per office: how many of its last polls failed in a row (0 after a good poll).",
        labels=["office"],
    )
    for office, n in sorted(figures.failed_polls.items()):
        failed.add_metric([office], n)
    yield failed


@dataclass
class MetricsServer:
    """A running `/metrics` endpoint."""

    server: WSGIServer
    thread: threading.Thread

    @property
    def port(self) -> int:
        return int(self.server.server_port)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


def serve(metrics: WorkerMetrics, port: int, address: str = "127.0.0.1") -> MetricsServer:
    """Serve `metrics` over HTTP on `address:port` (port 0: any free port) from a daemon thread."""
    server, thread = start_http_server(port, address, metrics.registry)
    log.info("metrics served on http://%s:%d/metrics", address, server.server_port)
    return MetricsServer(server, thread)
