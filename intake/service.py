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
from intake.fetcher import PollReport, poll_office
from intake.locks import mailbox_lock
from intake.mailbox.base import MailboxAdapter
from intake.mailbox.imap import ImapAdapter
from intake.mailbox.local import LocalFolderAdapter
from intake.pipeline import PipelineContext, RoundReport, run_round
from intake.settings import OfficeSettings, Settings
from intake.store.database import Store
from intake.store.files import FileStore

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

    @property
    def lock_dir(self) -> Path:
        return self.files.root / "locks"

    def pipeline(self) -> PipelineContext:
        own = tuple(o.mailbox for o in self.settings.offices if o.mailbox)
        return PipelineContext(self.store, self.files, self.clock, ocr=self.ocr, own_addresses=own)

    def close(self) -> None:
        self.store.close()


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
        settings, store, files, mailbox_adapter(settings, env), clock, ocr or (lambda: None)
    )


def poll_one(
    deployment: Deployment, office: OfficeSettings, should_stop: Callable[[], bool]
) -> PollReport:
    """Poll one office under its lock; a poll already running elsewhere is skipped, not waited for."""
    with mailbox_lock(deployment.lock_dir, office.code, deployment.store.engine) as taken:
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


def run_once(deployment: Deployment, should_stop: Callable[[], bool] = lambda: False) -> PassReport:
    """Poll every enabled office (in parallel threads), then process what was stored."""
    offices = deployment.settings.enabled_offices
    with ThreadPoolExecutor(max_workers=max(1, min(POLL_THREADS, len(offices)))) as pool:
        polls = list(pool.map(lambda o: poll_one(deployment, o, should_stop), offices))
    return PassReport(polls, process(deployment, should_stop))
