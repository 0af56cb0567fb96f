"""Polling one office's mailbox: every new mail of every folder stored once, nothing changed.

For each folder: open it read-only, read its UIDVALIDITY, ask the ledger which UIDs are new, and
fetch those in bounded batches, committing each mail before the next. When UIDVALIDITY changed
(the server renumbered the folder), the new UIDs are first matched by Message-ID and size to
mails already stored, so nothing is fetched or stored twice. A folder that fails is recorded and
the other folders go on; a connection that fails ends this office's poll until the next one.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select

from intake.errors import IntakeError, TransientError
from intake.fetching.ledger import (
    Place,
    find_by_message_id,
    has_other_uidvalidity,
    known_uids,
    record_place,
    store_fetched,
    store_fetched_stream,
)
from intake.mailbox.base import (
    MailboxAdapter,
    MailboxPermanentError,
    MailboxProblem,
    MailboxSession,
)
from intake.runtime.clock import Clock
from intake.settings import JUNK_FOLDER, OfficeSettings
from intake.store.database import Store
from intake.store.files_interface import Files
from intake.store.tables import PollResult, PollState

log = logging.getLogger(__name__)


@dataclass
class FolderReport:
    """What one folder's poll did."""

    folder: str
    fetched: int = 0
    already_known: int = 0
    rescanned: bool = False
    error: str | None = None


@dataclass
class PollReport:
    """What one office's poll did, folder by folder."""

    office: str
    folders: list[FolderReport] = field(default_factory=list)
    error: str | None = None
    skipped: str | None = None

    @property
    def fetched(self) -> int:
        return sum(f.fetched for f in self.folders)

    @property
    def ok(self) -> bool:
        return self.error is None and all(f.error is None for f in self.folders)

    def summary(self) -> str:
        """One line for the log and the terminal."""
        if self.skipped:
            return f"{self.office}: skipped ({self.skipped})"
        if self.error:
            return f"{self.office}: FAILED: {self.error}"
        parts = [
            f"{f.folder} +{f.fetched}"
            + (" (UIDVALIDITY changed, re-scanned)" if f.rescanned else "")
            + (f" FAILED: {f.error}" if f.error else "")
            for f in self.folders
        ]
        return f"{self.office}: " + ", ".join(parts)


def folders_to_poll(office: OfficeSettings, session: MailboxSession) -> list[str]:
    """The configured folders; by default INBOX and the junk folder where the server has one."""
    if office.folders_explicit:
        return list(office.folders)
    available = session.list_folders()
    chosen = ["INBOX"]
    junk = [f for f in available if f == JUNK_FOLDER] or session.junk_folders()
    chosen += [f for f in junk if f not in chosen]
    return chosen


def poll_office(
    office: OfficeSettings,
    adapter: MailboxAdapter,
    store: Store,
    files: Files,
    clock: Clock,
    should_stop: Callable[[], bool] = lambda: False,
) -> PollReport:
    """Fetch and store every new mail of one office; never raises for mailbox trouble."""
    report = PollReport(office.code)
    started = clock()
    try:
        session = adapter.open(office.code)
    except IntakeError as exc:
        report.error = str(exc)
        _record(store, office.code, "*", None, started, clock(), PollResult.FAILED, str(exc), 0)
        return report
    try:
        for folder in folders_to_poll(office, session):
            if should_stop():
                break
            folder_report = _poll_folder(
                office.code, folder, session, store, files, clock, should_stop
            )
            report.folders.append(folder_report)
            if folder_report.error and _is_connection_error(folder_report):
                break
        if all(f.error is None for f in report.folders):
            _record(
                store, office.code, "*", None, started, clock(), PollResult.OK, None, report.fetched
            )
        else:
            errors = "; ".join(f"{f.folder}: {f.error}" for f in report.folders if f.error)
            _record(
                store,
                office.code,
                "*",
                None,
                started,
                clock(),
                PollResult.FAILED,
                errors,
                report.fetched,
            )
    finally:
        session.close()
    return report


def _is_connection_error(folder_report: FolderReport) -> bool:
    return folder_report.error is not None and not folder_report.error.startswith("folder missing")


def _poll_folder(
    office: str,
    folder: str,
    session: MailboxSession,
    store: Store,
    files: Files,
    clock: Clock,
    should_stop: Callable[[], bool],
) -> FolderReport:
    report = FolderReport(folder)
    started = clock()
    uidvalidity: int | None = None
    try:
        uidvalidity = session.select(folder)
        with store.session() as db:
            known = known_uids(db, office, folder, uidvalidity)
            report.rescanned = not known and has_other_uidvalidity(db, office, folder, uidvalidity)
        new = sorted(set(session.uids()) - known)
        report.already_known = len(known)
        if report.rescanned and new:
            new = _match_without_fetching(
                office, folder, uidvalidity, new, session, store, clock, report
            )
        for mail in session.fetch(new):
            place = Place(office, folder, uidvalidity, mail.uid)
            if mail.stream is not None:
                store_fetched_stream(store, files, place, mail.stream, clock())
            else:
                store_fetched(store, files, place, mail.raw, clock())
            report.fetched += 1
            if should_stop():
                break
    except MailboxPermanentError as exc:
        prefix = "folder missing: " if exc.problem is MailboxProblem.FOLDER_MISSING else ""
        report.error = prefix + str(exc)
    except TransientError as exc:
        report.error = str(exc)
    result = PollResult.OK if report.error is None else PollResult.FAILED
    _record(
        store, office, folder, uidvalidity, started, clock(), result, report.error, report.fetched
    )
    log.info(
        "poll %s %s: +%d%s",
        office,
        folder,
        report.fetched,
        f" ({report.error})" if report.error else "",
    )
    return report


def _match_without_fetching(
    office: str,
    folder: str,
    uidvalidity: int,
    uids: list[int],
    session: MailboxSession,
    store: Store,
    clock: Clock,
    report: FolderReport,
) -> list[int]:
    """After a UIDVALIDITY reset: record mails we already hold by Message-ID and size; return the rest."""
    remaining = []
    summaries = {h.uid: h for h in session.headers(uids)}
    with store.session() as db:
        for uid in uids:
            summary = summaries.get(uid)
            found = (
                find_by_message_id(db, summary.message_id, summary.size)
                if summary and summary.message_id
                else None
            )
            if found is None:
                remaining.append(uid)
            else:
                record_place(db, Place(office, folder, uidvalidity, uid), found, clock())
                report.already_known += 1
    return remaining


def _record(
    store: Store,
    office: str,
    folder: str,
    uidvalidity: int | None,
    started: datetime,
    finished: datetime,
    result: PollResult,
    error: str | None,
    fetched: int,
) -> None:
    """Remember how this poll of an office (folder "*") or of one folder ended."""
    try:
        with store.session() as db:
            state = db.execute(
                select(PollState).where(PollState.office == office, PollState.folder == folder)
            ).scalar_one_or_none()
            if state is None:
                state = PollState(
                    office=office, folder=folder, consecutive_failures=0, last_fetched=0
                )
                db.add(state)
            if uidvalidity is not None:
                state.uidvalidity = uidvalidity
            state.last_started_at = started
            state.last_finished_at = finished
            state.last_result = result.value
            state.last_error = error
            state.last_fetched = fetched
            state.consecutive_failures = (
                0 if result is PollResult.OK else (state.consecutive_failures or 0) + 1
            )
    except IntakeError as exc:
        log.error("could not record the poll of %s %s: %s", office, folder, exc)
