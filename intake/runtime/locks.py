"""Named locks shared by every process of a deployment: one per office mailbox, so two polls of
the same mailbox never overlap, and one each for pipeline rounds and outbox drains (and, in a
cluster, one per message being read and one per office's outbox; see `intake.cluster`).

A file lock (`flock`) under the files folder serves every process on one host. With PostgreSQL,
a session-level advisory lock is taken as well, so workers on several hosts sharing the
database also exclude each other. Both are released by the operating system or the server when a
process dies, so a killed worker never leaves a stale lock.
"""

from __future__ import annotations

import fcntl
import logging
import os
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Connection, Engine, text
from sqlalchemy.exc import SQLAlchemyError

from intake.errors import TransientError

log = logging.getLogger(__name__)

LOCK_NAMESPACE = 0x58_54_49_4E  # "XTIN": keeps our advisory keys apart from other users'


@contextmanager
def process_lock(
    lock_dir: Path,
    name: str,
    engine: Engine | None = None,
    *,
    shared: bool = False,
    file: bool = True,
) -> Iterator[bool]:
    """Try to take the lock called `name` (an office code, ``pipeline``, ``outbox``) without
    waiting; yields whether it was taken.

    `shared`: many holders at once, but none while one holds it exclusively (the workers of a
    cluster share ``pipeline`` while a purge or an `intake run --once` takes it alone).
    `file=False`: with PostgreSQL, the advisory lock only (a lock per message would otherwise
    leave a file per message); without PostgreSQL the file lock is taken all the same."""
    postgresql = engine is not None and engine.dialect.name == "postgresql"
    if file or not postgresql:
        with _file_lock(lock_dir, name, shared) as taken:
            if not taken or not postgresql:
                yield taken
                return
            assert engine is not None
            with _advisory_lock(engine, name, shared) as advised:
                yield advised
    else:
        assert engine is not None
        with _advisory_lock(engine, name, shared) as advised:
            yield advised


@contextmanager
def _file_lock(lock_dir: Path, name: str, shared: bool) -> Iterator[bool]:
    lock_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(lock_dir / f"{name}.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, (fcntl.LOCK_SH if shared else fcntl.LOCK_EX) | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        yield True
    finally:
        os.close(fd)


@contextmanager
def _advisory_lock(engine: Engine, name: str, shared: bool) -> Iterator[bool]:
    """A session-level PostgreSQL advisory lock, on a connection of its own held while it is."""
    suffix = "_shared" if shared else ""
    key = zlib.crc32(name.encode()) & 0x7FFFFFFF
    connection: Connection | None = None
    try:
        connection = engine.connect()
        taken = bool(
            connection.execute(
                text(f"SELECT pg_try_advisory_lock{suffix}(:ns, :key)"),
                {"ns": LOCK_NAMESPACE, "key": key},
            ).scalar()
        )
    except SQLAlchemyError as exc:
        if connection is not None:
            connection.close()
        raise TransientError(
            f"database unreachable for the {name} lock: {_first_line(exc)}"
        ) from exc
    with connection:
        try:
            yield taken
        finally:
            if taken:
                _unlock(connection, key, suffix)


def _unlock(connection: Connection, key: int, suffix: str = "") -> None:
    """Release the advisory lock; when the server went away (a restart) the lock went with the
    session, so there is nothing left to release and that is no error."""
    try:
        connection.execute(
            text(f"SELECT pg_advisory_unlock{suffix}(:ns, :key)"),
            {"ns": LOCK_NAMESPACE, "key": key},
        )
    except SQLAlchemyError as exc:
        log.warning("advisory lock already gone with its database session: %s", _first_line(exc))


def _first_line(exc: BaseException) -> str:
    text_ = str(getattr(exc, "orig", None) or exc)
    return text_.splitlines()[0][:200] if text_ else type(exc).__name__
