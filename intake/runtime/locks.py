"""Named locks shared by every process of a deployment: one per office mailbox, so two polls of
the same mailbox never overlap, and one each for pipeline rounds and outbox drains.

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
def process_lock(lock_dir: Path, name: str, engine: Engine | None = None) -> Iterator[bool]:
    """Try to take the lock called `name` (an office code, ``pipeline``, ``outbox``) without
    waiting; yields whether it was taken."""
    lock_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(lock_dir / f"{name}.lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        if engine is None or engine.dialect.name != "postgresql":
            yield True
            return
        key = zlib.crc32(name.encode()) & 0x7FFFFFFF
        connection: Connection | None = None
        try:
            connection = engine.connect()
            taken = bool(
                connection.execute(
                    text("SELECT pg_try_advisory_lock(:ns, :key)"),
                    {"ns": LOCK_NAMESPACE, "key": key},
                ).scalar()
            )
        except SQLAlchemyError as exc:
            if connection is not None:
                connection.close()
            raise TransientError(
                f"database unreachable for the mailbox lock: {_first_line(exc)}"
            ) from exc
        with connection:
            try:
                yield taken
            finally:
                if taken:
                    _unlock(connection, key)
    finally:
        os.close(fd)


def _unlock(connection: Connection, key: int) -> None:
    """Release the advisory lock; when the server went away (a restart) the lock went with the
    session, so there is nothing left to release and that is no error."""
    try:
        connection.execute(
            text("SELECT pg_advisory_unlock(:ns, :key)"), {"ns": LOCK_NAMESPACE, "key": key}
        )
    except SQLAlchemyError as exc:
        log.warning("advisory lock already gone with its database session: %s", _first_line(exc))


def _first_line(exc: BaseException) -> str:
    text_ = str(getattr(exc, "orig", None) or exc)
    return text_.splitlines()[0][:200] if text_ else type(exc).__name__
