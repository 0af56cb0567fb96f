"""Polling one office's mailbox: every new mail of every folder stored once, nothing changed.

For each folder: ask its STATUS; when that shows nothing added since the last complete look
(`intake.fetching.looks`), the folder is done. Otherwise open it read-only, read its UIDVALIDITY,
ask the ledger which UIDs are new, and fetch those in bounded batches, committing each mail
before the next. When UIDVALIDITY changed (the server renumbered the folder), the new UIDs are
first matched by Message-ID and size to mails already stored, so nothing is fetched or stored
twice. A folder that fails is recorded and the other folders go on; a connection that fails ends
this office's poll until the next one.

The poll's own bookkeeping (`poll_state`: when, how it ended, the last complete look) is read
once and written once per poll, in one transaction that does not wait for the disk on
PostgreSQL: the mails themselves were committed durably before it, and a state lost in a crash
only makes the next poll look at every folder in full.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select, text
from sqlalchemy.orm import Session

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
from intake.fetching.looks import LastLook, after_look, nothing_added
from intake.mailbox.base import (
    FolderStatus,
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
    """What one folder's poll did: `stored` are the new messages (their keys) it stored;
    `unchanged` when STATUS showed nothing added since the last complete look."""

    folder: str
    fetched: int = 0
    already_known: int = 0
    rescanned: bool = False
    error: str | None = None
    stored: list[int] = field(default_factory=list)
    unchanged: bool = False
    started: datetime | None = None
    finished: datetime | None = None
    look: LastLook | None = None


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
    def stored(self) -> list[int]:
        """The new messages this poll stored (their keys), in the order it stored them."""
        return [pk for f in self.folders for pk in f.stored]

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
        _record(store, office.code, started, clock(), report)
        return report
    try:
        looks = _last_looks(store, office.code)
        for folder in folders_to_poll(office, session):
            if should_stop():
                break
            folder_report = _poll_folder(
                office.code, folder, session, store, files, clock, should_stop, looks.get(folder)
            )
            report.folders.append(folder_report)
            if folder_report.error and _is_connection_error(folder_report):
                break
    finally:
        session.close()
    _record(store, office.code, started, clock(), report)
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
    last: LastLook | None,
) -> FolderReport:
    report = FolderReport(folder, started=clock())
    try:
        status = session.status(folder)
        if status is not None and nothing_added(last, status, clock()):
            report.unchanged = True
            report.look = last
        else:
            _look(office, folder, session, store, files, clock, should_stop, status, report)
    except MailboxPermanentError as exc:
        prefix = "folder missing: " if exc.problem is MailboxProblem.FOLDER_MISSING else ""
        report.error = prefix + str(exc)
    except TransientError as exc:
        report.error = str(exc)
    report.finished = clock()
    if report.fetched or report.error:
        log.info(
            "poll %s %s: +%d%s",
            office,
            folder,
            report.fetched,
            f" ({report.error})" if report.error else "",
        )
    return report


def _look(
    office: str,
    folder: str,
    session: MailboxSession,
    store: Store,
    files: Files,
    clock: Clock,
    should_stop: Callable[[], bool],
    status: FolderStatus | None,
    report: FolderReport,
) -> None:
    """Open the folder, store every mail the ledger lacks; remember the look when it was
    complete (every new UID stored or matched, not stopped)."""
    uidvalidity = session.select(folder)
    report.look = after_look(status, uidvalidity, complete=False, now=clock())
    with store.session() as db:
        known = known_uids(db, office, folder, uidvalidity)
        report.rescanned = not known and has_other_uidvalidity(db, office, folder, uidvalidity)
    new = sorted(set(session.uids()) - known)
    wanted = len(new)
    report.already_known = len(known)
    if report.rescanned and new:
        new = _match_without_fetching(
            office, folder, uidvalidity, new, session, store, clock, report
        )
    handled = wanted - len(new)
    stopped = False
    for mail in session.fetch(new):
        place = Place(office, folder, uidvalidity, mail.uid)
        if mail.stream is not None:
            outcome = store_fetched_stream(store, files, place, mail.stream, clock())
        else:
            outcome = store_fetched(store, files, place, mail.raw, clock())
        report.fetched += 1
        handled += 1
        if outcome.new:
            report.stored.append(outcome.message_pk)
        if should_stop():
            stopped = True
            break
    complete = handled == wanted and not stopped
    report.look = after_look(status, uidvalidity, complete, clock())


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


def _last_looks(store: Store, office: str) -> dict[str, LastLook]:
    """The last complete look at each of the office's folders (none when the store cannot
    say: every folder is then looked at in full)."""
    try:
        with store.session() as db:
            rows = db.execute(
                select(
                    PollState.folder, PollState.uidvalidity, PollState.uidnext, PollState.looked_at
                ).where(PollState.office == office)
            ).all()
    except IntakeError as exc:
        log.warning("could not read the last poll of %s: %s", office, exc)
        return {}
    return {folder: LastLook(validity, uidnext, at) for folder, validity, uidnext, at in rows}


def _record(
    store: Store, office: str, started: datetime, finished: datetime, report: PollReport
) -> None:
    """Remember how this poll of an office (folder "*") and of each of its folders ended, in
    one transaction that need not reach the disk before the poll goes on (see the module's
    docstring)."""
    failed = [f for f in report.folders if f.error]
    if report.error:
        error: str | None = report.error
    elif failed:
        error = "; ".join(f"{f.folder}: {f.error}" for f in failed)
    else:
        error = None
    try:
        with store.session() as db:
            _without_waiting_for_disk(db)
            states = {
                s.folder: s
                for s in db.execute(select(PollState).where(PollState.office == office)).scalars()
            }
            _update(db, states, office, "*", started, finished, error, report.fetched)
            for f in report.folders:
                state = _update(
                    db,
                    states,
                    office,
                    f.folder,
                    f.started or started,
                    f.finished or finished,
                    f.error,
                    f.fetched,
                )
                if f.look is not None:
                    state.uidvalidity = f.look.uidvalidity
                    state.uidnext = f.look.uidnext
                    state.looked_at = f.look.looked_at
    except IntakeError as exc:
        log.error("could not record the poll of %s: %s", office, exc)


def _without_waiting_for_disk(db: Session) -> None:
    """On PostgreSQL, this transaction's commit returns before its WAL reaches the disk (it
    still reaches it within a fraction of a second, in order after every earlier commit)."""
    if db.get_bind().dialect.name == "postgresql":
        db.execute(text("SET LOCAL synchronous_commit TO OFF"))


def _update(
    db: Session,
    states: dict[str, PollState],
    office: str,
    folder: str,
    started: datetime,
    finished: datetime,
    error: str | None,
    fetched: int,
) -> PollState:
    state = states.get(folder)
    if state is None:
        state = PollState(office=office, folder=folder, consecutive_failures=0, last_fetched=0)
        db.add(state)
        states[folder] = state
    state.last_started_at = started
    state.last_finished_at = finished
    state.last_result = (PollResult.OK if error is None else PollResult.FAILED).value
    state.last_error = error
    state.last_fetched = fetched
    state.consecutive_failures = 0 if error is None else (state.consecutive_failures or 0) + 1
    return state
