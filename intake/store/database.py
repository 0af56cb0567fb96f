"""The SQL adapter: engine creation (SQLite in WAL mode, or PostgreSQL), migrations, sessions.

A `Store` carries what its sessions need and nothing is kept per process: its keyring (bound to
its own engine, which the encrypted column types read it from) and its audit actor (in each
session's `info`, read by the filing-event audit hook attached to its own session factory).

Nothing above this module sees SQLAlchemy's exceptions: `session_scope` turns connection loss,
lock time-outs and serialization failures into `TransientError`, and other database errors into
`PermanentError`.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from intake.errors import PermanentError, TransientError
from intake.privacy import crypto
from intake.store.tables import ACTOR_INFO, DEFAULT_ACTOR, audit_filing_events, bind_keyring

MIGRATIONS = Path(__file__).with_name("migrations")
MIGRATION_LOCK = (0x58_54_49_4E, 0x4D_49_47)  # "XTIN", "MIG": the advisory lock of migrations
SQLITE_BUSY_SECONDS = 30  # how long a statement waits for another process's lock on the file


def make_engine(url: str, connections: int | None = None) -> Engine:
    """An engine for the configured URL; SQLite files get WAL, foreign keys and a busy timeout.

    `connections`: how many PostgreSQL connections the pool keeps open for reuse (SQLAlchemy's
    default of 5 when not given). A process whose threads hold more at once than the pool keeps
    opens and closes a connection, and PostgreSQL starts and ends a server process, for nearly
    every use beyond it; a cluster worker sizes it to its threads."""
    if url.startswith("sqlite"):
        path = url.split(":///", 1)[1] if ":///" in url else ""
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        engine = create_engine(url, connect_args={"timeout": SQLITE_BUSY_SECONDS})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if connections is None:
        return create_engine(url, pool_pre_ping=True)
    return create_engine(url, pool_pre_ping=True, pool_size=connections)


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=FULL")  # a commit survives power loss, not only a crash
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute(f"PRAGMA busy_timeout={int(SQLITE_BUSY_SECONDS * 1000)}")
    cursor.close()


def _transactional_sqlite(engine: Engine) -> Engine:
    """A second engine on the same SQLite file whose transactions also cover DDL.

    Python's sqlite3 module opens a transaction only before INSERT/UPDATE/DELETE, so CREATE,
    DROP and ALTER commit one by one: a process killed in the middle of a migration would leave
    a half-changed schema (and alembic's `_alembic_tmp_*` table) that no later start could
    migrate. Here the driver's own transaction handling is off and every transaction starts with
    `BEGIN IMMEDIATE`, so a migration is all or nothing, and two processes starting at once
    take turns.
    """
    migrating = create_engine(engine.url, connect_args={"timeout": SQLITE_BUSY_SECONDS})
    event.listen(migrating, "connect", _sqlite_pragmas)

    @event.listens_for(migrating, "connect")
    def _no_driver_transactions(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None

    @event.listens_for(migrating, "begin")
    def _begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")

    return migrating


def migrate(engine: Engine) -> None:
    """Bring the schema to the newest revision (idempotent; on SQLite all or nothing).

    Two processes starting at once take turns: SQLite through `BEGIN IMMEDIATE`, PostgreSQL
    through a transaction-level advisory lock, so the second finds the schema made and does
    nothing."""
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    sqlite = engine.url.get_backend_name() == "sqlite"
    on_file = sqlite and engine.url.database not in (None, "", ":memory:")
    migrating = _transactional_sqlite(engine) if on_file else engine
    try:
        with migrating.begin() as connection:
            if connection.dialect.name == "postgresql":
                # processes starting together on one database migrate one after the other
                connection.execute(
                    text("SELECT pg_advisory_xact_lock(:ns, :key)"),
                    {"ns": MIGRATION_LOCK[0], "key": MIGRATION_LOCK[1]},
                )
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
    except OperationalError as exc:
        raise TransientError(f"database unreachable while migrating: {_short(exc)}") from exc
    except SQLAlchemyError as exc:
        raise PermanentError(f"database migration failed: {_short(exc)}") from exc
    finally:
        if migrating is not engine:
            migrating.dispose()
    if engine.url.get_backend_name() == "sqlite" and engine.url.database:
        db = Path(engine.url.database)
        for candidate in (db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")):
            if candidate.exists():
                candidate.chmod(0o600)


class StoreConflict(TransientError):
    """A unique key was taken by someone else in the meantime: look again and retry."""


class Store:
    """The database of one deployment: an engine, its keyring and a session factory whose
    sessions record pipeline changes under `actor`.

    Without a keyring, the keys in `INTAKE_KEYS` are read when an encrypted value is first
    written or read (NoKeyError, with the fix, when there are none)."""

    def __init__(
        self,
        engine: Engine,
        keyring: crypto.Keyring | None = None,
        actor: str = DEFAULT_ACTOR,
    ) -> None:
        self.engine = engine
        self.actor = actor
        self._keyring = keyring
        bind_keyring(engine, lambda: self.keyring)
        self._sessions = sessionmaker(engine, expire_on_commit=False, info={ACTOR_INFO: actor})
        event.listen(self._sessions, "before_flush", audit_filing_events)

    @classmethod
    def open(
        cls,
        url: str,
        keyring: crypto.Keyring | None = None,
        actor: str = DEFAULT_ACTOR,
        connections: int | None = None,
    ) -> Store:
        """Open the database at `url` and migrate it to the newest schema (`connections`: see
        `make_engine`)."""
        engine = make_engine(url, connections)
        migrate(engine)
        return cls(engine, keyring, actor)

    @property
    def keyring(self) -> crypto.Keyring:
        """The keys the encrypted columns of this store are written and read with."""
        if self._keyring is None:
            self._keyring = crypto.load_keyring(None, os.environ)
        return self._keyring

    def with_keyring(self, keyring: crypto.Keyring) -> Store:
        """The same database seen through other keys (an engine of its own; close it after)."""
        url = self.engine.url.render_as_string(hide_password=False)
        return Store(make_engine(url), keyring, self.actor)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session committed on success and rolled back on error, errors typed."""
        session = self._sessions()
        try:
            yield session
            session.commit()
        except IntegrityError as exc:
            session.rollback()
            raise StoreConflict(f"database: {_short(exc)}") from exc
        except (OperationalError, DBAPIError) as exc:
            session.rollback()
            if isinstance(exc, OperationalError) or exc.connection_invalidated:
                raise TransientError(f"database: {_short(exc)}") from exc
            raise PermanentError(f"database: {_short(exc)}") from exc
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    def close(self) -> None:
        """Release every connection."""
        self.engine.dispose()


def _short(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc)
    return text.splitlines()[0][:300] if text else type(exc).__name__
