"""Workers starting together on a new PostgreSQL database: migrations take turns.

Without a lock two processes creating the schema at once collide in PostgreSQL's catalogue
(`duplicate key value violates unique constraint "pg_type_typname_nsp_index"`). The migration
holds a transaction-level advisory lock: a process that finds it held waits, then finds the
schema made.
"""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator

import psycopg
import pytest

from intake.store.database import MIGRATION_LOCK
from tests.conftest import fresh_pg_database

OPEN_STORE = "import sys; from intake.store.database import Store; Store.open(sys.argv[1]).close()"


@pytest.fixture
def pg_url() -> Iterator[str]:
    yield from fresh_pg_database()


def tables(url: str) -> set[str]:
    with psycopg.connect(url.replace("postgresql+psycopg", "postgresql")) as conn:
        rows = conn.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        return {name for (name,) in rows}


def waiting_on_advisory_lock(conn: psycopg.Connection[tuple[object, ...]]) -> bool:
    row = conn.execute(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
        " AND wait_event_type = 'Lock' AND wait_event = 'advisory'"
    ).fetchone()
    return bool(row and row[0])


def test_a_migration_waits_for_the_lock_held_by_another(pg_url: str) -> None:
    with psycopg.connect(
        pg_url.replace("postgresql+psycopg", "postgresql"), autocommit=True
    ) as holder:
        holder.execute("SELECT pg_advisory_lock(%s, %s)", MIGRATION_LOCK)
        starting = subprocess.Popen([sys.executable, "-c", OPEN_STORE, pg_url])
        deadline = time.monotonic() + 60
        while not waiting_on_advisory_lock(holder):
            assert starting.poll() is None, "the migration ran without waiting for the lock"
            assert time.monotonic() < deadline
            time.sleep(0.1)
        assert "alembic_version" not in tables(pg_url)
        holder.execute("SELECT pg_advisory_unlock(%s, %s)", MIGRATION_LOCK)
        assert starting.wait(60) == 0
    assert {"alembic_version", "messages", "filings", "outbox"} <= tables(pg_url)


def test_workers_starting_together_on_an_empty_database_all_start(pg_url: str) -> None:
    starting = [
        subprocess.Popen(
            [sys.executable, "-c", OPEN_STORE, pg_url], stderr=subprocess.PIPE, text=True
        )
        for _ in range(4)
    ]
    results = [(p.wait(120), p.stderr.read() if p.stderr else "") for p in starting]
    assert [code for code, _ in results] == [0, 0, 0, 0], results
