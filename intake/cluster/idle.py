"""IMAP IDLE where the server offers it: a filing is seen within seconds, not at the next poll.

Each worker keeps at most `limit` IDLE connections (`[cluster] idle_connections`). An office is
watched by one worker of the cluster at a time: the worker holds the office's ``idle-<code>``
lock while it watches, all of its watch locks on one database connection of its own (with
PostgreSQL; file locks without), so a worker that dies lets go of them and another worker
takes the office over at its next look. A watcher opens its own IMAP connection, waits in IDLE
on INBOX, and when the server tells of a change (or after `refresh_seconds`, below the 29
minutes RFC 2177 allows) it calls `on_change(office)`, which queues an ordinary poll: the poll
stores by the ledger's keys, as every poll does, and polls the other folders too.

Connections per mailbox: the watcher's one, plus the poll's while a poll runs (polls of one
mailbox never overlap: the office lock). NetEase publishes no limit on simultaneous logins per
account and its servers (Coremail) offer no IDLE, so its mailboxes are only ever polled, with one
connection at a time; the watcher learns that at its first login and leaves the office to
polling for `retry_seconds`. Polling stays the fallback for every office: the beat's polls run
whether or not an office is watched.
"""

from __future__ import annotations

import contextlib
import fcntl
import logging
import os
import threading
import time
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import SQLAlchemyError

from intake.errors import IntakeError
from intake.mailbox.base import MailboxAdapter
from intake.runtime.locks import LOCK_NAMESPACE

log = logging.getLogger(__name__)

WATCHED_FOLDER = "INBOX"


class WatchLocks:
    """The ``idle-<code>`` locks this worker holds, all on one database connection (PostgreSQL
    session-level advisory locks), or as file locks beside the files without PostgreSQL."""

    def __init__(self, engine: Engine, lock_dir: Path) -> None:
        self._engine = engine
        self._lock_dir = lock_dir
        self._guard = threading.Lock()
        self._connection: Connection | None = None
        self._files: dict[str, int] = {}

    @property
    def _postgresql(self) -> bool:
        return self._engine.dialect.name == "postgresql"

    def take(self, office: str) -> bool:
        """Try to take the office's watch lock, without waiting."""
        name = f"idle-{office}"
        with self._guard:
            if not self._postgresql:
                return self._take_file(name)
            try:
                if self._connection is None:
                    self._connection = self._engine.connect()
                return bool(
                    self._connection.execute(
                        text("SELECT pg_try_advisory_lock(:ns, :key)"),
                        {"ns": LOCK_NAMESPACE, "key": _key(name)},
                    ).scalar()
                )
            except SQLAlchemyError as exc:
                log.warning("idle: watch lock not taken (database): %s", exc)
                self._drop_connection()
                return False

    def release(self, office: str) -> None:
        name = f"idle-{office}"
        with self._guard:
            if not self._postgresql:
                fd = self._files.pop(name, None)
                if fd is not None:
                    os.close(fd)
                return
            if self._connection is None:
                return
            try:
                self._connection.execute(
                    text("SELECT pg_advisory_unlock(:ns, :key)"),
                    {"ns": LOCK_NAMESPACE, "key": _key(name)},
                )
            except SQLAlchemyError:
                self._drop_connection()  # the session went, and its locks with it

    def close(self) -> None:
        with self._guard:
            for fd in self._files.values():
                os.close(fd)
            self._files.clear()
            self._drop_connection()

    def _take_file(self, name: str) -> bool:
        self._lock_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(self._lock_dir / f"{name}.lock", os.O_RDWR | os.O_CREAT, 0o600)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(fd)
            return False
        self._files[name] = fd
        return True

    def _drop_connection(self) -> None:
        if self._connection is not None:
            with contextlib.suppress(SQLAlchemyError):
                self._connection.close()
            self._connection = None


def _key(name: str) -> int:
    return zlib.crc32(name.encode()) & 0x7FFFFFFF


@dataclass
class IdleWatchers:
    """Up to `limit` IDLE watchers of this worker, over `offices` (their codes, in order)."""

    offices: tuple[str, ...]
    mailboxes: MailboxAdapter
    locks: WatchLocks
    on_change: Callable[[str], None]
    limit: int
    refresh_seconds: float = 25 * 60
    retry_seconds: float = 3600
    look_every: float = 60
    stop: threading.Event = field(default_factory=threading.Event)
    watching: set[str] = field(default_factory=set)
    idling: set[str] = field(default_factory=set)  # logged in, between IDLE waits or in one
    without_idle: dict[str, float] = field(default_factory=dict)  # office -> retry after
    _guard: threading.Lock = field(default_factory=threading.Lock)

    def start(self) -> threading.Thread:
        """Look for offices to watch now and every `look_every` seconds, in a thread."""
        thread = threading.Thread(target=self._run, name="idle-watchers", daemon=True)
        thread.start()
        return thread

    def _run(self) -> None:
        while not self.stop.is_set():
            self.look()
            self.stop.wait(self.look_every)
        self.locks.close()

    def look(self) -> None:
        """Start a watcher for each office not watched anywhere, up to the limit."""
        now = time.monotonic()
        for office in self.offices:
            with self._guard:
                if len(self.watching) >= self.limit or self.stop.is_set():
                    return
                if office in self.watching or self.without_idle.get(office, 0) > now:
                    continue
            if not self.locks.take(office):
                continue  # another worker watches it
            with self._guard:
                self.watching.add(office)
            threading.Thread(
                target=self._watch, args=(office,), name=f"idle-{office}", daemon=True
            ).start()

    def _watch(self, office: str) -> None:
        try:
            self._watch_session(office)
        except IntakeError as exc:
            log.info("idle %s: %s (polled as usual)", office, exc)
        finally:
            with self._guard:
                self.watching.discard(office)
                self.idling.discard(office)
            self.locks.release(office)

    def _watch_session(self, office: str) -> None:
        session = self.mailboxes.open(office)
        try:
            idle = getattr(session, "supports_idle", None)
            if idle is None or not idle():
                with self._guard:
                    self.without_idle[office] = time.monotonic() + self.retry_seconds
                log.debug("idle %s: the server offers no IDLE; polled only", office)
                return
            log.info("idle %s: watching %s", office, WATCHED_FOLDER)
            self.idling.add(office)
            while not self.stop.is_set():
                if session.wait_for_change(WATCHED_FOLDER, self.refresh_seconds):  # type: ignore[attr-defined]
                    self.on_change(office)
        finally:
            session.close()
