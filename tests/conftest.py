"""Shared fixtures: real Dovecot, real SQLite files and a real PostgreSQL database per test."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest

from intake.privacy import crypto
from intake.store.database import Store
from tests.servers import Dovecot, start_dovecot

PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"


@pytest.fixture
def dovecot() -> Iterator[Dovecot]:
    """A Dovecot on free loopback ports with two office mailboxes."""
    server = start_dovecot({"shhlwxxb@163.com": "code-130582", "xtqdwxb@126.com": "code-130502"})
    try:
        yield server
    finally:
        server.close()


def fresh_pg_database() -> Iterator[str]:
    """A new, empty PostgreSQL database on the local server, dropped afterwards."""
    name = f"intake_test_{uuid.uuid4().hex[:12]}"
    try:
        with psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=5) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.OperationalError as exc:
        pytest.fail(
            f"PostgreSQL is not running on 127.0.0.1:5432 ({exc}); start it with "
            "pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start"
        )
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A fresh database URL: an SQLite file, then a new PostgreSQL database."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'intake.db'}"
    else:
        yield from fresh_pg_database()


@pytest.fixture
def sqlite_store(tmp_path: Path) -> Iterator[Store]:
    """A migrated store in a fresh SQLite file."""
    store = Store.open(f"sqlite:///{tmp_path / 'intake.db'}")
    try:
        yield store
    finally:
        store.close()


@pytest.fixture(autouse=True)
def encryption_key(monkeypatch: pytest.MonkeyPatch) -> crypto.Keyring:
    """Every test gets its own encryption key in INTAKE_KEYS (read by stores opened without a
    keyring, and inherited by `intake` subprocesses)."""
    keyring = crypto.Keyring((crypto.new_key(),), crypto.KEYS_ENV)
    monkeypatch.setenv(crypto.KEYS_ENV, keyring.current.line())
    return keyring
