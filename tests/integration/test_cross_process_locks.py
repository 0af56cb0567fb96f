"""Pipeline rounds, purges and outbox drains never overlap across processes: while another
process holds the deployment's `pipeline` or `outbox` lock (a file lock beside the files, and a
PostgreSQL advisory lock when the store is PostgreSQL), a round or drain is skipped, nothing is
decided or sent twice, and the next one after the lock is free does the work."""

from __future__ import annotations

import subprocess
import sys
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import create_engine, func, select, text

from intake.commands.demo import local_config
from intake.runtime.locks import LOCK_NAMESPACE
from intake.runtime.service import (
    ELSEWHERE,
    OUTBOX_LOCK,
    PIPELINE_LOCK,
    Deployment,
    open_deployment,
    poll_one,
    process,
    purge_due,
    send_due,
)
from intake.settings import load_settings
from intake.store.tables import Filing, Message, OutboxMail
from tests import factories
from tests.conftest import fresh_pg_database
from tests.integration.test_pipeline_local import form_xlsx


def open_with_one_filing_mail(tmp_path: Path, store_url: str) -> Deployment:
    mailboxes = tmp_path / "mailboxes"
    (mailboxes / "130582").mkdir(parents=True)
    settings = load_settings(local_config(tmp_path, store_url, mailboxes), {})
    (mailboxes / "130582" / "a.eml").write_bytes(
        factories.mail(attachment=form_xlsx(), attachment_name="备案表.xlsx")
    )
    return open_deployment(settings, {}, lambda: datetime.now(UTC))


@pytest.fixture
def deployment(tmp_path: Path, store_url: str) -> Iterator[Deployment]:
    opened = open_with_one_filing_mail(tmp_path, store_url)
    yield opened
    opened.close()


@pytest.fixture
def pg_url() -> Iterator[str]:
    yield from fresh_pg_database()


HOLDER = """
import fcntl, os, sys, time
fd = os.open(sys.argv[1], os.O_RDWR | os.O_CREAT, 0o600)
fcntl.flock(fd, fcntl.LOCK_EX)
print("held", flush=True)
sys.stdin.read()
"""


@contextmanager
def held_elsewhere(deployment: Deployment, name: str) -> Iterator[None]:
    """The named lock held by another process: the file lock, and for PostgreSQL the advisory
    lock from another connection."""
    deployment.lock_dir.mkdir(parents=True, exist_ok=True)
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(deployment.lock_dir / f"{name}.lock")],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    try:
        yield
    finally:
        assert holder.stdin is not None
        holder.stdin.close()
        holder.wait(timeout=10)


@contextmanager
def advisory_held(url: str, name: str) -> Iterator[None]:
    engine = create_engine(url)
    key = zlib.crc32(name.encode()) & 0x7FFFFFFF
    with engine.connect() as connection:
        connection.execute(
            text("SELECT pg_advisory_lock(:ns, :k)"), {"ns": LOCK_NAMESPACE, "k": key}
        )
        try:
            yield
        finally:
            connection.execute(
                text("SELECT pg_advisory_unlock(:ns, :k)"), {"ns": LOCK_NAMESPACE, "k": key}
            )
    engine.dispose()


def filings(deployment: Deployment) -> int:
    with deployment.store.session() as db:
        return int(db.execute(select(func.count()).select_from(Filing)).scalar_one())


def test_a_round_is_skipped_while_another_process_runs_the_pipeline(
    deployment: Deployment,
) -> None:
    office = next(o for o in deployment.settings.offices if o.code == "130582")
    assert poll_one(deployment, office, lambda: False).ok
    with held_elsewhere(deployment, PIPELINE_LOCK):
        report = process(deployment, lambda: False)
        assert report.skipped == ELSEWHERE and report.advanced == 0
        assert purge_due(deployment).filings == []
    assert filings(deployment) == 0
    done = process(deployment, lambda: False)
    assert done.skipped is None and done.advanced > 0
    assert filings(deployment) == 1


def test_the_outbox_is_drained_by_one_process_at_a_time(deployment: Deployment) -> None:
    office = next(o for o in deployment.settings.offices if o.code == "130582")
    poll_one(deployment, office, lambda: False)
    process(deployment, lambda: False)
    with deployment.store.session() as db:
        assert db.execute(select(func.count()).select_from(OutboxMail)).scalar_one() == 1
    with held_elsewhere(deployment, OUTBOX_LOCK):
        assert send_due(deployment).skipped == ELSEWHERE
    with deployment.store.session() as db:
        assert db.execute(select(OutboxMail.state)).scalar_one() == "queued"
    assert send_due(deployment).sent == 1


def test_postgresql_advisory_lock_keeps_other_machines_out(tmp_path: Path, pg_url: str) -> None:
    deployment = open_with_one_filing_mail(tmp_path, pg_url)
    try:
        office = next(o for o in deployment.settings.offices if o.code == "130582")
        poll_one(deployment, office, lambda: False)
        with advisory_held(pg_url, PIPELINE_LOCK):  # no file lock: as from another machine
            assert process(deployment, lambda: False).skipped == ELSEWHERE
        assert process(deployment, lambda: False).advanced > 0
        with deployment.store.session() as db:
            assert db.execute(select(func.count()).select_from(Message)).scalar_one() == 1
    finally:
        deployment.close()
