"""`intake status` read straight from an SQLite store with the standard library.

Opening the store the usual way (SQLAlchemy, then Alembic to check the schema) takes most of a
second before anything is read; this reads the same rows with `sqlite3` in a few milliseconds.
It reads only a store that is already at the newest schema, opened read-only; anything else (no
such file, another database, an older or newer schema, an SQLite error) answers None and the
caller opens the store the usual way. The keys are loaded as the deployment loads them, so a
missing or exposed key stops `intake status` with the same words either way, and proved as
`open_deployment` proves them (the store's key check values, the files folder's identity): a
wrong key is refused here too, and a store that still needs a check value recorded or a files
folder claimed is read the full way, which does it.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

from intake.commands.status import (
    PollSeen,
    SendingHold,
    StoreSnapshot,
    quarantined_line,
    subject_text,
)
from intake.privacy import crypto
from intake.privacy.keyverdict import WrongKeyError, judge_keys
from intake.settings import Settings
from intake.store.files import STORE_ID_MARKER as MARKER

MIGRATIONS = Path(__file__).resolve().parents[1] / "store" / "migrations" / "versions"

_REVISION = re.compile(r"^revision(?::\s*str)?\s*=\s*[\"']([^\"']+)[\"']", re.MULTILINE)
_DOWN = re.compile(r"^down_revision(?::[^=]*)?=\s*[\"']([^\"']+)[\"']", re.MULTILINE)


def newest_revision(folder: Path = MIGRATIONS) -> str | None:
    """The head of the migrations in `folder`: the revision no other one follows (None when
    there is not exactly one)."""
    revisions: set[str] = set()
    followed: set[str] = set()
    for script in folder.glob("*.py"):
        text = script.read_text(encoding="utf-8")
        if found := _REVISION.search(text):
            revisions.add(found.group(1))
        if down := _DOWN.search(text):
            followed.add(down.group(1))
    heads = revisions - followed
    return heads.pop() if len(heads) == 1 else None


def sqlite_file(url: str) -> Path | None:
    """The file of an `sqlite:///PATH` URL without options, else None."""
    prefix = "sqlite:///"
    if not url.startswith(prefix) or "?" in url:
        return None
    path = url[len(prefix) :]
    return Path(path) if path and path != ":memory:" else None


def stored_time(value: str | None) -> datetime | None:
    """A time as SQLAlchemy stores it in SQLite (UTC, without a zone)."""
    if value is None:
        return None
    moment = datetime.fromisoformat(value)
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def snapshot(settings: Settings, environ: Mapping[str, str], now: datetime) -> StoreSnapshot | None:
    """What `intake status` shows, read with `sqlite3`; None when it should be read the usual way."""
    path = sqlite_file(settings.storage.database)
    if path is None or not path.is_file():
        return None
    keyring = crypto.load_keyring(settings.storage.key_file, environ)
    try:
        connection = sqlite3.connect(f"file:{quote(str(path.resolve()))}?mode=ro", uri=True)
    except sqlite3.Error:
        return None
    try:
        (version,) = connection.execute("SELECT version_num FROM alembic_version").fetchone()
        if version != newest_revision():
            return None
        if not _opens(connection, keyring, settings.storage.files):
            return None
        return _read(connection, keyring)
    except (sqlite3.Error, TypeError, ValueError):
        return None
    finally:
        connection.close()


def _opens(connection: sqlite3.Connection, keyring: crypto.Keyring, files: Path) -> bool:
    """Whether the store is plainly this deployment's, as `open_deployment` would prove it: the
    keys match their check values with nothing to record, and the files folder carries the
    store's identity. Raises `WrongKeyError` for a key that is not the store's; False (read it
    the full way, which records, or refuses with the full reason) for anything else."""
    checks = dict(connection.execute("SELECT kid, check_value FROM key_checks").fetchall())
    verdict = judge_keys(keyring, checks, {}, store_has_data=bool(checks))
    if verdict.refusal is not None:
        raise WrongKeyError(verdict.refusal)
    if verdict.record:
        return False
    row = connection.execute("SELECT store_id FROM store_identity").fetchone()
    try:
        marker = (files / MARKER).read_text(encoding="ascii").strip()
    except OSError:
        return False
    return row is not None and marker == row[0]


def _read(connection: sqlite3.Connection, keyring: crypto.Keyring) -> StoreSnapshot:
    polls = {
        office: PollSeen(stored_time(finished), result, error, int(failures or 0))
        for office, finished, result, error, failures in connection.execute(
            "SELECT office, last_finished_at, last_result, last_error, consecutive_failures "
            "FROM poll_state WHERE folder = '*'"
        )
    }
    counts = {
        (office, state): int(n)
        for office, state, n in connection.execute(
            "SELECT office, state, count(*) FROM messages GROUP BY office, state"
        )
    }
    holds = {
        office: SendingHold(stored_time(until), reason, bool(broken))
        for office, until, reason, broken in connection.execute(
            "SELECT office, hold_until, reason, login_broken FROM send_state"
        )
    }
    parked: dict[str, list[str]] = {}
    for office, pk, subject, error in connection.execute(
        "SELECT office, id, subject, last_error FROM messages WHERE state = 'quarantined' "
        "ORDER BY id"
    ):
        subject = subject_text(keyring, subject)
        parked.setdefault(office, []).append(quarantined_line(pk, subject, error))
    return StoreSnapshot(polls, counts, holds, parked)
