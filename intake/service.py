"""Assembling a deployment from its settings, and one pass of the worker over every office.

`Deployment` holds the adapters (store, files, mailbox adapter, clock, OCR) built from the config;
`run_once` polls every enabled office, each under its own lock and in its own thread so one slow
or broken mailbox holds up no other, then moves the stored mails through the pipeline.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from intake.clock import Clock, system_clock
from intake.digests import DigestMade, due_digests, make_digest
from intake.fetcher import PollReport, poll_office
from intake.locks import mailbox_lock
from intake.logs import correlated
from intake.mailbox.base import MailboxAdapter
from intake.mailbox.imap import ImapAdapter
from intake.mailbox.local import LocalFolderAdapter
from intake.pipeline import PipelineContext, RoundReport, run_round
from intake.replying import ReplyAdapters, template_dir
from intake.sending import FolderTransport, Outbox, SendReport, Transport
from intake.settings import OfficeSettings, Settings
from intake.store.database import Store
from intake.store.files import FileStore
from notifications.replies import ReplyRenderer
from notifications.smtp import SmtpEndpoint, SmtpSender

log = logging.getLogger(__name__)
POLL_THREADS = 4


@dataclass
class Deployment:
    """The adapters of one running deployment."""

    settings: Settings
    store: Store
    files: FileStore
    mailboxes: MailboxAdapter
    clock: Clock = system_clock
    ocr: Callable[[], object | None] = lambda: None
    pipeline_lock: threading.Lock = field(default_factory=threading.Lock)
    send_lock: threading.Lock = field(default_factory=threading.Lock)
    environ: Mapping[str, str] = field(default_factory=dict)
    _renderer: ReplyRenderer | None = None

    @property
    def lock_dir(self) -> Path:
        return self.files.root / "locks"

    def pipeline(self) -> PipelineContext:
        own = tuple(o.mailbox for o in self.settings.offices if o.mailbox)
        replies = ReplyAdapters(
            {o.code: o for o in self.settings.offices}, self.renderer, self.files
        )
        return PipelineContext(
            self.store, self.files, self.clock, ocr=self.ocr, own_addresses=own, replies=replies
        )

    @property
    def renderer(self) -> ReplyRenderer:
        if self._renderer is None:
            overrides = template_dir(self.settings.path)
            self._renderer = ReplyRenderer(overrides if overrides.is_dir() else None)
        return self._renderer

    def outbox(self) -> Outbox:
        return Outbox(self.store, self.files, self.mailboxes, self.settings.sending, self.clock)

    def transport_for(self, office: OfficeSettings) -> Transport:
        """Replies go over SMTP, or into `replies/<office>/` beside the files folder when the
        mailboxes are local folders (the demo)."""
        if self.settings.local_mailboxes is not None:
            return FolderTransport(self.files.root.parent / "replies" / office.code)
        endpoint = SmtpEndpoint(
            office.smtp.host,
            office.smtp.port,
            office.smtp.security.value,
            office.smtp.ca_file,
            office.smtp.timeout_seconds,
        )
        return SmtpSender(endpoint, office.mailbox, office.password(self.environ) or "")

    def close(self) -> None:
        self.store.close()


def lazy_ocr(name: str) -> Callable[[], object | None]:
    """A lazy OCR engine: made on first use, once per process (models load once)."""
    engine: list[object] = []

    def get() -> object | None:
        if not engine:
            from parsers.ocr import make_engine

            engine.append(make_engine(name))
        return engine[0]

    return get


def mailbox_adapter(settings: Settings, environ: Mapping[str, str]) -> MailboxAdapter:
    """The local folder adapter when the config names one, else IMAP with each office's code."""
    if settings.local_mailboxes is not None:
        return LocalFolderAdapter(settings.local_mailboxes)
    return ImapAdapter({o.code: (o.imap, o.mailbox, o.password(environ)) for o in settings.offices})


def open_deployment(
    settings: Settings,
    environ: Mapping[str, str] | None = None,
    clock: Clock = system_clock,
    ocr: Callable[[], object | None] | None = None,
) -> Deployment:
    """Open the store (migrating it), the files folder and the mailbox adapter."""
    env = os.environ if environ is None else environ
    os.umask(0o077)
    store = Store.open(settings.storage.database)
    files = FileStore(settings.storage.files)
    return Deployment(
        settings,
        store,
        files,
        mailbox_adapter(settings, env),
        clock,
        ocr or (lambda: None),
        environ=dict(env),
    )


def poll_one(
    deployment: Deployment, office: OfficeSettings, should_stop: Callable[[], bool]
) -> PollReport:
    """Poll one office under its lock; a poll already running elsewhere is skipped, not waited for."""
    with (
        correlated(f"poll-{office.code}"),
        mailbox_lock(deployment.lock_dir, office.code, deployment.store.engine) as taken,
    ):
        if not taken:
            report = PollReport(office.code, skipped="another poll of this mailbox is running")
        else:
            report = poll_office(
                office,
                deployment.mailboxes,
                deployment.store,
                deployment.files,
                deployment.clock,
                should_stop,
            )
        (log.info if report.ok else log.warning)("poll %s", report.summary())
    return report


def process(
    deployment: Deployment, should_stop: Callable[[], bool], office: str | None = None
) -> RoundReport:
    """One pipeline round; rounds never overlap inside one process."""
    with deployment.pipeline_lock:
        return run_round(deployment.pipeline(), office=office, should_stop=should_stop)


@dataclass
class PassReport:
    """What `run_once` did."""

    polls: list[PollReport]
    pipeline: RoundReport
    sending: SendReport
    digests: list[DigestMade]


def send_due(deployment: Deployment, should_stop: Callable[[], bool] = lambda: False) -> SendReport:
    """Drain the outbox of every enabled office; one drain at a time in a process."""
    with deployment.send_lock:
        return deployment.outbox().drain(
            deployment.settings.enabled_offices, deployment.transport_for, should_stop
        )


def digests_due(deployment: Deployment) -> list[DigestMade]:
    """Make the digests that are due now (after `digest_at`, once per office and day)."""
    now = deployment.clock()
    made = []
    for office, day in due_digests(deployment.settings, deployment.store, now):
        result = make_digest(
            deployment.settings, deployment.store, deployment.files, office, day, now
        )
        if result is not None:
            made.append(result)
    return made


def run_once(deployment: Deployment, should_stop: Callable[[], bool] = lambda: False) -> PassReport:
    """Poll every enabled office (in parallel threads), process what was stored, make the
    digests that are due, then send what is due."""
    offices = deployment.settings.enabled_offices
    with ThreadPoolExecutor(max_workers=max(1, min(POLL_THREADS, len(offices)))) as pool:
        polls = list(pool.map(lambda o: poll_one(deployment, o, should_stop), offices))
    pipeline = process(deployment, should_stop)
    digests = digests_due(deployment) if not should_stop() else []
    return PassReport(polls, pipeline, send_due(deployment, should_stop), digests)
