"""Assembling a deployment from its settings, and one pass of the worker over every office.

`Deployment` holds the adapters (store, files, mailbox adapter, clock, OCR) built from the config;
`open_deployment` is the one way every command and the worker open them (the keyring and the audit
actor belong to the deployment's store, nothing to the process). `run_once` polls every enabled office, each under its own lock and in its own thread so one slow
or broken mailbox holds up no other, then moves the stored mails through the pipeline.
"""

from __future__ import annotations

import logging
import os
import threading
from collections.abc import Callable, Mapping
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager
from dataclasses import dataclass, field, replace
from pathlib import Path

from intake.digesting.digests import DigestMade, due_digests, make_digest
from intake.errors import IntakeError, PermanentError, TransientError
from intake.fetching.fetcher import PollReport, poll_office
from intake.mailbox.base import MailboxAdapter, MailboxSession
from intake.mailbox.imap import ImapAdapter
from intake.mailbox.local import LocalFolderAdapter
from intake.parsing.engines import OcrSource, no_ocr
from intake.privacy import crypto
from intake.privacy.audit import record_digest
from intake.privacy.keyproof import prove_keys
from intake.privacy.retention import PurgeReport, purge
from intake.replying.queue import ReplyAdapters, template_dir
from intake.runtime.clock import Clock, system_clock
from intake.runtime.context import Step
from intake.runtime.locks import process_lock
from intake.runtime.logs import PollSeen, correlated, round_summary
from intake.runtime.pipeline import PipelineContext, RoundReport, run_round, with_limits
from intake.sending.outbox import FolderTransport, Outbox, SendReport, Transport
from intake.settings import OfficeSettings, Settings, StorageSettings
from intake.settings.model import FilesSettings, FilesStoreKind
from intake.store.database import Store
from intake.store.files import FileStore
from intake.store.files_interface import Files
from intake.store.identity import UnreachableFilesStore, claim_files_folder
from intake.store.tables import DEFAULT_ACTOR, MessageState
from notifications.replies import ReplyRenderer
from notifications.smtp import SmtpEndpoint, SmtpSender

log = logging.getLogger(__name__)
POLL_THREADS = 4
PIPELINE_LOCK = "pipeline"  # the lock of pipeline rounds and purges, across processes
OUTBOX_LOCK = "outbox"  # the lock of outbox drains, across processes
ELSEWHERE = "another process is doing this now; skipped"


@dataclass
class Deployment:
    """The adapters of one running deployment."""

    settings: Settings
    store: Store
    files: Files
    mailboxes: MailboxAdapter
    clock: Clock = system_clock
    ocr: OcrSource = no_ocr
    pipeline_lock: threading.Lock = field(default_factory=threading.Lock)
    send_lock: threading.Lock = field(default_factory=threading.Lock)
    digest_lock: threading.Lock = field(default_factory=threading.Lock)
    environ: Mapping[str, str] = field(default_factory=dict)
    _renderer: ReplyRenderer | None = None

    @property
    def keyring(self) -> crypto.Keyring:
        """The keys of this deployment's personal data (its store's and its files')."""
        return self.store.keyring

    @property
    def lock_dir(self) -> Path:
        return self.files.root / "locks"

    def lock(
        self, name: str, *, shared: bool = False, file: bool = True
    ) -> AbstractContextManager[bool]:
        """The lock `name` (an office code, `PIPELINE_LOCK`, `OUTBOX_LOCK`) shared by every
        process of this deployment: a file lock beside the files, and a PostgreSQL advisory
        lock when the store is PostgreSQL. Yields whether it was taken (never waits).
        `shared` and `file`: see `intake.runtime.locks.process_lock`."""
        return process_lock(self.lock_dir, name, self.store.engine, shared=shared, file=file)

    def pipeline(self) -> PipelineContext:
        own = tuple(o.mailbox for o in self.settings.offices if o.mailbox)
        replies = ReplyAdapters(
            {o.code: o for o in self.settings.offices},
            self.renderer,
            self.files,
            self.settings.sending.review_confidence,
        )
        context = PipelineContext(
            self.store,
            self.files,
            self.clock,
            ocr=self.ocr,
            own_addresses=own,
            replies=replies,
            directory=self.settings.directory,
        )
        return with_limits(context, self.settings.limits, self.settings.ocr)

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


class NoMailboxes:
    """The mailbox adapter of a deployment opened without one (commands that only read the
    store): opening a mailbox is a mistake in the caller."""

    def open(self, office_code: str) -> MailboxSession:
        raise PermanentError(f"office {office_code}: this command opened no mailboxes")


def mailbox_adapter(settings: Settings, environ: Mapping[str, str]) -> MailboxAdapter:
    """The local folder adapter when the config names one, else IMAP with each office's code."""
    if settings.local_mailboxes is not None:
        return LocalFolderAdapter(settings.local_mailboxes)
    return ImapAdapter({o.code: (o.imap, o.mailbox, o.password(environ)) for o in settings.offices})


SCRATCH_KEY_SOURCE = "a throw-away key"


def open_deployment(
    settings: Settings,
    environ: Mapping[str, str] | None = None,
    clock: Clock = system_clock,
    ocr: OcrSource | None = None,
    *,
    actor: str = DEFAULT_ACTOR,
    mailboxes: bool = True,
    keyring: crypto.Keyring | None = None,
    scratch: Path | None = None,
    connections: int | None = None,
) -> Deployment:
    """Open the store (migrating it), the files folder and the mailbox adapter.

    `actor` is who the pipeline's decisions and changes are recorded under; `mailboxes=False`
    opens no mailbox adapter (commands that only read or maintain the store); `keyring` replaces
    the configured keys (key rotation); `scratch` opens a throw-away deployment instead of the
    configured storage: an SQLite store and files in that folder, under a new random key;
    `connections` is how many database connections the store keeps for reuse (`make_engine`).

    Before anything else, the files folder must be this store's (`claim_files_folder`) and the
    keys must open the store (`prove_keys`): otherwise ConfigError, one line with the fix."""
    env = os.environ if environ is None else environ
    os.umask(0o077)
    if scratch is not None:
        storage = StorageSettings(f"sqlite:///{scratch / 'intake.db'}", scratch / "files")
        settings = replace(settings, storage=storage, files=FilesSettings())
        keyring = keyring or crypto.Keyring((crypto.new_key(),), SCRATCH_KEY_SOURCE)
    keyring = keyring or deployment_keyring(settings, env)
    store = Store.open(settings.storage.database, keyring, actor, connections)
    try:
        files = files_store(settings, keyring, env)
        claim_files_folder(store, files, clock())
        prove_keys(store, files, keyring, clock())
    except BaseException:
        store.close()
        raise
    return Deployment(
        settings,
        store,
        files,
        mailbox_adapter(settings, env) if mailboxes else NoMailboxes(),
        clock,
        ocr or no_ocr,
        environ=dict(env),
    )


def files_store(settings: Settings, keyring: crypto.Keyring, environ: Mapping[str, str]) -> Files:
    """The configured files store: the `[storage] files` folder, or the `[files]` bucket
    (checked now: UnreachableFilesStore, one line with the fix, when it cannot be used)."""
    if settings.files.store is not FilesStoreKind.S3:
        return FileStore(settings.storage.files, keyring)
    from intake.store.s3files import S3FileStore, S3Place, s3_client

    wanted = settings.files
    place = S3Place(wanted.endpoint, wanted.bucket or "", wanted.region, wanted.prefix)
    try:
        client = s3_client(place, environ, timeout_seconds=wanted.timeout_seconds)
        files = S3FileStore(client, place, settings.storage.files, keyring)
        files.check_bucket()
    except TransientError as exc:
        raise UnreachableFilesStore(
            f"{exc}; nothing was started (fix: make the object store reachable from this host, "
            f"or correct [files] endpoint, then start again)"
        ) from exc
    except PermanentError as exc:
        raise UnreachableFilesStore(f"{exc}; nothing was started") from exc
    return files


def deployment_keyring(settings: Settings, environ: Mapping[str, str]) -> crypto.Keyring:
    """The keyring of this deployment: `INTAKE_KEYS` in `environ`, else `[storage] key_file`,
    else `INTAKE_KEYS` of the process environment; NoKeyError (a one-line reason and the fix)
    otherwise."""
    if environ.get(crypto.KEYS_ENV) or settings.storage.key_file is not None:
        return crypto.load_keyring(settings.storage.key_file, environ)
    return crypto.load_keyring(None, os.environ)


def poll_one(
    deployment: Deployment, office: OfficeSettings, should_stop: Callable[[], bool]
) -> PollReport:
    """Poll one office under its lock; a poll already running elsewhere is skipped, not waited for.

    Never raises for trouble with the mailbox, the database or the disk: the report says it."""
    with correlated(f"poll-{office.code}"):
        try:
            with deployment.lock(office.code) as taken:
                if not taken:
                    report = PollReport(
                        office.code, skipped="another poll of this mailbox is running"
                    )
                else:
                    report = poll_office(
                        office,
                        deployment.mailboxes,
                        deployment.store,
                        deployment.files,
                        deployment.clock,
                        should_stop,
                    )
        except (IntakeError, OSError) as exc:
            report = PollReport(office.code, error=_plain(exc))
        if not report.ok:
            log.warning("poll %s", report.summary())
        elif report.fetched or report.skipped:
            log.info("poll %s", report.summary())
        else:  # nothing new: the round's summary line counts it
            log.debug("poll %s", report.summary())
    return report


def poll_seen(report: PollReport) -> PollSeen:
    """What the round's summary line counts of one poll."""
    return PollSeen(report.office, report.fetched, not report.ok, bool(report.skipped))


def _plain(exc: BaseException) -> str:
    """An error as one line for a person: its own words, else its type."""
    words = " ".join(str(exc).split())
    return words[:300] if words else type(exc).__name__


def process(
    deployment: Deployment,
    should_stop: Callable[[], bool],
    office: str | None = None,
    steps: dict[MessageState, Step] | None = None,
) -> RoundReport:
    """One pipeline round. Rounds never overlap: inside one process by a lock, across processes
    (an admin's `intake run --once` beside the worker, or workers on two machines sharing a
    PostgreSQL store) by the `pipeline` lock; a round that finds it taken is skipped, not
    waited for — the other process is doing the same work. `steps` replaces the pipeline's
    steps (the worker's metrics time them)."""
    with deployment.pipeline_lock:
        try:
            with deployment.lock(PIPELINE_LOCK) as taken:
                if not taken:
                    log.info("pipeline: %s", ELSEWHERE)
                    return RoundReport(skipped=ELSEWHERE)
                return run_round(
                    deployment.pipeline(), steps, office=office, should_stop=should_stop
                )
        except TransientError as exc:  # the lock's database could not be reached
            return RoundReport(interrupted=_plain(exc))


@dataclass
class PassReport:
    """What `run_once` did."""

    polls: list[PollReport]
    pipeline: RoundReport
    sending: SendReport
    digests: list[DigestMade]
    problems: list[str] = field(default_factory=list)

    def text(self) -> str:
        """The pass as `intake run --once` prints it: each poll, the round, sending, problems."""
        p = self.pipeline
        s = self.sending
        return "\n".join(
            [
                *(poll.summary() for poll in self.polls),
                f"pipeline: {p.advanced} steps done, {p.failed} failed, {p.quarantined} quarantined"
                + (
                    f"; interrupted: {p.interrupted} (resumed at the next run)"
                    if p.interrupted
                    else ""
                ),
                f"sending: {s.sent} sent, {s.settled} settled, {s.suppressed} suppressed, "
                f"{s.failed} failed, {s.retrying} to retry"
                + (f"; held: {', '.join(s.held_offices)}" if s.held_offices else ""),
                *self.problems,
            ]
        )

    @property
    def failed(self) -> bool:
        """Whether the pass failed: every poll that ran failed, or digests or sending did."""
        failed = [poll for poll in self.polls if not poll.ok and not poll.skipped]
        all_failed = bool(failed) and len(failed) == len(self.polls)
        return all_failed or bool(self.problems)


def send_due(deployment: Deployment, should_stop: Callable[[], bool] = lambda: False) -> SendReport:
    """Drain the outbox of every enabled office; one drain at a time, in a process and across
    processes (two drains could both take the same queued mail and send it twice)."""
    with deployment.send_lock, deployment.lock(OUTBOX_LOCK) as taken:
        if not taken:
            log.info("sending: %s", ELSEWHERE)
            return SendReport(skipped=ELSEWHERE)
        return deployment.outbox().drain(
            deployment.settings.enabled_offices, deployment.transport_for, should_stop
        )


def digests_due(deployment: Deployment) -> list[DigestMade]:
    """Make the digests that are due now (after `digest_at`, once per office and day); one
    maker at a time in a process (the database's unique key guards against other processes)."""
    with deployment.digest_lock:
        now = deployment.clock()
        made = []
        for office, day in due_digests(deployment.settings, deployment.store, now):
            result = make_digest(
                deployment.settings, deployment.store, deployment.files, office, day, now
            )
            if result is not None:
                made.append(result)
                record_digest(
                    deployment.store,
                    now,
                    result.office,
                    result.day.isoformat(),
                    deployment.store.actor,
                )
        return made


def purge_due(deployment: Deployment) -> PurgeReport:
    """Delete what is past its retention time (daily job); never while a pipeline round runs,
    in this process or another."""
    with deployment.pipeline_lock, deployment.lock(PIPELINE_LOCK) as taken:
        if not taken:
            log.info("purge: %s", ELSEWHERE)
            return PurgeReport(dry_run=False)
        return purge(
            deployment.store, deployment.files, deployment.settings.retention, deployment.clock()
        )


def run_once(deployment: Deployment, should_stop: Callable[[], bool] = lambda: False) -> PassReport:
    """Poll every enabled office (in parallel threads), process what was stored, make the
    digests that are due, then send what is due."""
    offices = deployment.settings.enabled_offices
    with ThreadPoolExecutor(max_workers=max(1, min(POLL_THREADS, len(offices)))) as pool:
        polls = list(pool.map(lambda o: poll_one(deployment, o, should_stop), offices))
    log.info("%s", round_summary(poll_seen(poll) for poll in polls))
    pipeline = process(deployment, should_stop)
    problems: list[str] = []
    digests: list[DigestMade] = []
    sending = SendReport()
    if not should_stop():
        try:
            digests = digests_due(deployment)
        except (IntakeError, OSError) as exc:
            problems.append(f"digests: FAILED: {_plain(exc)} (made at the next run)")
    try:
        sending = send_due(deployment, should_stop)
    except (IntakeError, OSError) as exc:
        problems.append(f"sending: FAILED: {_plain(exc)} (retried at the next run)")
    for problem in problems:
        log.warning("%s", problem)
    return PassReport(polls, pipeline, sending, digests, problems)
