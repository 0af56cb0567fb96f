"""Server faults on real servers, each survived: reported plainly, retried when it should be,
and finished by the next run with every mail stored once and every reply sent once.

Dovecot restarted in the middle of a poll; the IMAP connection cut after N bytes; SMTP answering
421, 451, 535 and 554 and closing connections; the SQLite file locked by another process;
PostgreSQL restarted under the worker; the files folder full (a 2 MB tmpfs); a migration cut
short. The PostgreSQL restart touches the machine's only cluster: it happens once, in one test.
"""

from __future__ import annotations

import logging
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

import psycopg
import pytest
from alembic import command as alembic_command
from alembic.config import Config
from imap_tools import MailBoxUnencrypted
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from intake.commands import cli
from intake.commands.status import office_statuses
from intake.digesting.digests import make_digest
from intake.errors import TransientError
from intake.runtime.clock import SHANGHAI
from intake.runtime.service import Deployment, open_deployment, poll_one, run_once
from intake.runtime.worker import StopFlag, guarded, sending_job
from intake.settings import load_settings
from intake.store import database
from intake.store.database import Store
from intake.store.tables import Digest, Message, OutboxMail, OutboxState, PollState
from tests import factories
from tests.conftest import PG_ADMIN, fresh_pg_database
from tests.servers import CuttingProxy, Dovecot, SmtpServer, read_smtp_log, start_smtp

REPO = Path(__file__).resolve().parents[2]
FORM = REPO / "samples" / "documents" / "out" / "form_01_table.xlsx"
OFFICE, MAILBOX, CODE = "130582", "shhlwxxb@163.com", "code-130582"
START = datetime(2026, 5, 12, 2, 0, tzinfo=UTC)  # 10:00 in Xingtai


class Clock:
    """A clock the test moves forward."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def form_mail(index: int, padding: int = 0) -> tuple[str, bytes]:
    """A filing from its own sender: one xlsx form (and optional padding to make it large)."""
    message_id = f"fault-{index}-{os.getpid()}@qq.com"
    message = EmailMessage()
    message["From"] = f"person{index}@qq.com"
    message["To"] = MAILBOX
    message["Subject"] = "新媒体账号登记备案"
    message["Date"] = format_datetime(START - timedelta(minutes=index))
    message["Message-ID"] = f"<{message_id}>"
    message.set_content("您好，附件是备案表。" + ("\n" + "x" * 76) * (padding // 77))
    message.add_attachment(
        FORM.read_bytes(), maintype="application", subtype="octet-stream", filename="备案表.xlsx"
    )
    return message_id, message.as_bytes()


def deliver(dovecot: Dovecot, raws: list[bytes]) -> None:
    with MailBoxUnencrypted("127.0.0.1", dovecot.port) as box:
        box.login(MAILBOX, CODE, initial_folder=None)
        if not box.folder.exists("已发送"):
            box.folder.create("已发送")
        for raw in raws:
            box.append(raw, "INBOX", flag_set=())


def write_config(
    folder: Path,
    *,
    imap_port: int,
    smtp_port: int,
    database_url: str | None = None,
    files: Path | None = None,
) -> Path:
    return factories.loopback_config(
        folder,
        imap_port=imap_port,
        smtp_port=smtp_port,
        offices={OFFICE: MAILBOX},
        database_url=database_url,
        files=files,
    )


def deploy(config: Path, clock: Clock | None = None) -> Deployment:
    env = {**os.environ, "PW": CODE}
    settings = load_settings(config, env)
    assert settings.enabled_offices, settings.problems
    if clock is None:
        return open_deployment(settings, env)
    return open_deployment(settings, env, clock=clock)


def stored_ids(deployment: Deployment) -> Counter[str]:
    with deployment.store.session() as db:
        return Counter(str(m) for m in db.execute(select(Message.message_id)).scalars())


def states(deployment: Deployment) -> Counter[str]:
    with deployment.store.session() as db:
        return Counter(db.execute(select(Message.state)).scalars())


@pytest.fixture(autouse=True)
def own_logging() -> Iterator[None]:
    """`intake.commands.cli.main` sets up logging on the test's captured stderr; put it back after."""
    root = logging.getLogger()
    handlers, level = list(root.handlers), root.level
    yield
    root.handlers[:] = handlers
    root.setLevel(level)


@pytest.fixture
def smtp(tmp_path: Path) -> Iterator[SmtpServer]:
    server = start_smtp({MAILBOX: CODE}, log=tmp_path / "smtp.jsonl")
    yield server
    server.stop()


def test_dovecot_restarted_in_the_middle_of_a_poll(
    dovecot: Dovecot, smtp: SmtpServer, tmp_path: Path
) -> None:
    mails = [form_mail(i) for i in range(120)]
    deliver(dovecot, [raw for _, raw in mails])
    deployment = deploy(write_config(tmp_path, imap_port=dovecot.port, smtp_port=smtp.port))
    office = deployment.settings.enabled_offices[0]
    stored = 0

    def restart_after_ten() -> bool:
        nonlocal stored
        stored += 1
        if stored == 10:
            dovecot.restart()
        return False

    try:
        first = poll_one(deployment, office, restart_after_ten)
        assert not first.ok and 10 <= first.fetched < 120, first.summary()
        line = first.summary()
        assert line.startswith(f"{OFFICE}: INBOX +{first.fetched} FAILED: ")
        assert "Traceback" not in line and "\n" not in line
        with deployment.store.session() as db:
            state = db.execute(
                select(PollState).where(PollState.office == OFFICE, PollState.folder == "*")
            ).scalar_one()
            assert state.last_result == "failed" and state.consecutive_failures == 1
        # the mailbox is the admin's (intake status, the log): the clerk's digest stays quiet
        assert "收信失败" not in digest_html(deployment)
        second = run_once(deployment)
        assert second.polls[0].ok and second.polls[0].fetched == 120 - first.fetched
        assert "收信失败" not in digest_html(deployment)
        ids = stored_ids(deployment)
        assert set(ids) == {m for m, _ in mails} and set(ids.values()) == {1}
        assert states(deployment) == {"decided": 120}
        log = read_smtp_log(tmp_path / "smtp.jsonl")
        received = Counter(r["in_reply_to"] for r in log if r["in_reply_to"])
        assert set(received) == {m for m, _ in mails} and set(received.values()) == {1}
    finally:
        deployment.close()


def digest_html(deployment: Deployment) -> str:
    """Today's digest of the office, made again now (not sent)."""
    now = datetime.now(UTC)
    made = make_digest(
        deployment.settings,
        deployment.store,
        deployment.files,
        deployment.settings.enabled_offices[0],
        now.astimezone(SHANGHAI).date(),
        now,
        force=True,
    )
    assert made is not None
    return made.html_path.read_text(encoding="utf-8")


def test_imap_connection_cut_after_n_bytes_then_the_next_run_finishes(
    dovecot: Dovecot, smtp: SmtpServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    mails = [form_mail(i, padding=30_000) for i in range(8)]
    deliver(dovecot, [raw for _, raw in mails])
    proxy = CuttingProxy(dovecot.port, cut_after=120_000)
    config = write_config(tmp_path, imap_port=proxy.port, smtp_port=smtp.port)
    os.environ["PW"] = CODE
    try:
        assert cli.main(["run", "--once", "--config", str(config)]) == cli.EXIT_FAILED
        out = capsys.readouterr().out
        assert proxy.cuts >= 1
        assert out.splitlines()[0].startswith(f"{OFFICE}: ") and "FAILED" in out.splitlines()[0]
        proxy.cut_after = 0
        assert cli.main(["run", "--once", "--config", str(config)]) == cli.EXIT_OK
        out = capsys.readouterr().out
        assert out.splitlines()[0].startswith(f"{OFFICE}: INBOX +")
    finally:
        del os.environ["PW"]
        proxy.close()
    deployment = deploy(config)
    try:
        ids = stored_ids(deployment)
        assert set(ids) == {m for m, _ in mails} and set(ids.values()) == {1}
        assert states(deployment) == {"decided": 8}
    finally:
        deployment.close()
    received = Counter(r["in_reply_to"] for r in read_smtp_log(tmp_path / "smtp.jsonl"))
    assert set(received.values()) == {1} and len(received) == 8


def outbox_states(deployment: Deployment) -> list[str]:
    with deployment.store.session() as db:
        return list(db.execute(select(OutboxMail.state).order_by(OutboxMail.id)).scalars())


def test_smtp_421_451_closed_554_and_535_each_handled_then_all_sent_once(
    dovecot: Dovecot, tmp_path: Path
) -> None:
    server = start_smtp(
        {MAILBOX: CODE},
        log=tmp_path / "smtp.jsonl",
        script=[
            "421 4.4.2 closing connection",
            "451 4.3.0 temporary failure",
            "close",
            "554 5.7.1 DT:SPM spam suspected",
            "535 5.7.8 authentication failed",
        ],
    )
    mails = [form_mail(i) for i in range(5)]
    deliver(dovecot, [raw for _, raw in mails])
    clock = Clock(START)
    deployment = deploy(
        write_config(tmp_path, imap_port=dovecot.port, smtp_port=server.port), clock
    )
    try:
        first = run_once(deployment)
        assert server.answered == [
            "421 4.4.2 closing connection",
            "451 4.3.0 temporary failure",
            "close",
            "554 5.7.1 DT:SPM spam suspected",
        ]
        # 421, 451 and a closed connection are retried later; 554 fails that mail only; the
        # fifth mail goes out over a new connection.
        assert (first.sending.retrying, first.sending.failed, first.sending.sent) == (3, 1, 1)
        assert Counter(outbox_states(deployment)) == {"queued": 3, "failed": 1, "sent": 1}
        assert not first.problems

        clock.now += timedelta(minutes=5)
        second = run_once(deployment)
        assert server.answered[-1].startswith("535"), server.answered
        assert second.sending.held_offices == [OFFICE], (second.sending, outbox_states(deployment))
        assert second.sending.sent == 0
        status = office_statuses(deployment.settings, deployment.store, clock.now)[0]
        assert "535" in status.sending and "login" in status.sending.lower()

        clock.now += timedelta(minutes=30)
        assert run_once(deployment).sending.held_offices == [OFFICE]  # still held: no new try
        assert len(server.answered) == 5

        clock.now += timedelta(minutes=40)
        last = run_once(deployment)
        assert last.sending.sent == 3 and not last.sending.held_offices
        assert Counter(outbox_states(deployment)) == {"sent": 4, "failed": 1}

        received = read_smtp_log(tmp_path / "smtp.jsonl")
        per_id = Counter(r["message_id"] for r in received)
        assert len(per_id) == 4 and set(per_id.values()) == {1}
        made = make_digest(
            deployment.settings,
            deployment.store,
            deployment.files,
            deployment.settings.enabled_offices[0],
            clock.now.date(),
            clock.now,
        )
        assert made is not None
        html = made.html_path.read_text(encoding="utf-8")
        assert "回复发送失败" in html and "对方邮箱拒收" in html and "DT:SPM" not in html
    finally:
        deployment.close()
        server.stop()


def hold_exclusive(db: Path, seconds: float) -> subprocess.Popen[bytes]:
    """Another process that holds `BEGIN EXCLUSIVE` on the SQLite file for some seconds."""
    script = (
        "import sqlite3, sys, time\n"
        "c = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
        "c.execute('BEGIN EXCLUSIVE')\n"
        "print('locked', flush=True)\n"
        "time.sleep(float(sys.argv[2]))\n"
        "c.execute('COMMIT')\n"
    )
    process = subprocess.Popen(
        [sys.executable, "-c", script, str(db), str(seconds)], stdout=subprocess.PIPE
    )
    assert process.stdout is not None and process.stdout.readline().strip() == b"locked"
    return process


def test_sqlite_locked_by_another_process_a_while_is_waited_for(
    dovecot: Dovecot, smtp: SmtpServer, tmp_path: Path
) -> None:
    mails = [form_mail(i) for i in range(3)]
    deliver(dovecot, [raw for _, raw in mails])
    deployment = deploy(write_config(tmp_path, imap_port=dovecot.port, smtp_port=smtp.port))
    try:
        locker = hold_exclusive(tmp_path / "intake.db", 3)
        began = time.monotonic()
        report = run_once(deployment)
        assert time.monotonic() - began >= 2.5
        locker.wait(10)
        assert report.polls[0].ok and not report.problems and report.sending.sent == 3
        assert states(deployment) == {"decided": 3}
    finally:
        deployment.close()


def test_sqlite_locked_longer_than_the_busy_timeout_is_reported_then_resumed(
    dovecot: Dovecot,
    smtp: SmtpServer,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setattr(database, "SQLITE_BUSY_SECONDS", 0.5)
    mails = [form_mail(i) for i in range(3)]
    deliver(dovecot, [raw for _, raw in mails])
    deployment = deploy(write_config(tmp_path, imap_port=dovecot.port, smtp_port=smtp.port))
    try:
        locker = hold_exclusive(tmp_path / "intake.db", 4)
        with caplog.at_level(logging.WARNING):
            report = run_once(deployment)
        locker.wait(10)
        assert not report.polls[0].ok and "database is locked" in report.polls[0].summary()
        # readers go on under WAL; what had to write waited half a second, then said so
        assert not any(r.exc_info for r in caplog.records)
        assert states(deployment) == {}
        again = run_once(deployment)
        assert again.polls[0].ok and again.polls[0].fetched == 3 and not again.problems
        assert states(deployment) == {"decided": 3} and again.sending.sent == 3
    finally:
        deployment.close()


def test_a_migration_cut_short_leaves_nothing_half_done(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"sqlite:///{tmp_path / 'm.db'}"
    real_upgrade = alembic_command.upgrade

    def upgrade_then_die(config: Config, revision: str) -> None:
        real_upgrade(config, revision)
        raise OperationalError("upgrade", {}, Exception("process killed here"))

    monkeypatch.setattr(alembic_command, "upgrade", upgrade_then_die)
    with pytest.raises(TransientError, match="process killed here"):
        Store.open(url)
    tables = sqlite3.connect(tmp_path / "m.db").execute(
        "SELECT name FROM sqlite_master WHERE type = 'table'"
    )
    assert tables.fetchall() == []
    monkeypatch.undo()
    store = Store.open(url)
    try:
        with store.session() as db:
            assert db.execute(select(func.count()).select_from(Message)).scalar_one() == 0
    finally:
        store.close()


def pg_restart() -> None:
    version = sorted(os.listdir("/etc/postgresql"))[-1]
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "restart"],
        check=True,
        capture_output=True,
        timeout=60,
    )


def pg_started_at() -> datetime:
    with psycopg.connect(PG_ADMIN, connect_timeout=5) as conn:
        row = conn.execute("SELECT pg_postmaster_start_time()").fetchone()
        assert row is not None
        return row[0]  # type: ignore[no-any-return]


def pg_up() -> bool:
    try:
        with psycopg.connect(PG_ADMIN, connect_timeout=2) as conn:
            conn.execute("SELECT 1")
        return True
    except psycopg.OperationalError:
        return False


@pytest.mark.serial
def test_postgresql_restarted_under_the_worker(
    dovecot: Dovecot, smtp: SmtpServer, tmp_path: Path
) -> None:
    url_source = fresh_pg_database()
    url = next(url_source)
    mails = [form_mail(i) for i in range(12)]
    deliver(dovecot, [raw for _, raw in mails])
    config = write_config(tmp_path, imap_port=dovecot.port, smtp_port=smtp.port, database_url=url)
    deployment = deploy(config)
    office = deployment.settings.enabled_offices[0]
    seen = 0

    def restart_after_four() -> bool:
        nonlocal seen
        seen += 1
        if seen == 4:
            pg_restart()
        return False

    try:
        started = pg_started_at()
        first = poll_one(deployment, office, restart_after_four)
        assert pg_up() and pg_started_at() > started
        # the pooled connections died with the server; the poll either went on over new ones
        # or said plainly that the database went away
        line = first.summary()
        assert "Traceback" not in line and "\n" not in line
        assert first.ok or "database" in line or "server closed" in line, line
        report = run_once(deployment)
        assert report.polls[0].ok and not report.problems
        ids = stored_ids(deployment)
        assert set(ids) == {m for m, _ in mails} and set(ids.values()) == {1}
        assert states(deployment) == {"decided": 12}
        received = Counter(r["in_reply_to"] for r in read_smtp_log(tmp_path / "smtp.jsonl"))
        assert len(received) == 12 and set(received.values()) == {1}
    finally:
        deployment.close()
        if not pg_up():
            version = sorted(os.listdir("/etc/postgresql"))[-1]
            subprocess.run(
                ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", "start"],
                check=False,
                timeout=60,
            )
        assert pg_up()
        with pytest.raises(StopIteration):
            next(url_source)


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 2 MB tmpfs for the files folder (we run as root); fails loudly when it cannot mount."""
    folder = tmp_path / "small"
    folder.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=2m,mode=0700", "tmpfs", str(folder)],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        pytest.fail(f"cannot mount a tmpfs for the disk-full test: {done.stderr.strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], check=False)


def test_files_folder_full_is_reported_and_the_mail_stored_after_space_is_freed(
    dovecot: Dovecot,
    smtp: SmtpServer,
    tmp_path: Path,
    small_disk: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    mails = [form_mail(i, padding=450_000) for i in range(8)]  # about 3.6 MB in all
    deliver(dovecot, [raw for _, raw in mails])
    config = write_config(
        tmp_path, imap_port=dovecot.port, smtp_port=smtp.port, files=small_disk / "files"
    )
    os.environ["PW"] = CODE
    try:
        code = cli.main(["run", "--once", "--config", str(config)])
        out = capsys.readouterr().out
        first_line = out.splitlines()[0]
        assert code == cli.EXIT_FAILED
        assert (
            first_line.startswith(f"{OFFICE}: INBOX +") and "No space left on device" in first_line
        )
        subprocess.run(["mount", "-o", "remount,size=64m", str(small_disk)], check=True)
        assert cli.main(["run", "--once", "--config", str(config)]) == cli.EXIT_OK
        capsys.readouterr()
    finally:
        del os.environ["PW"]
    deployment = deploy(config)
    try:
        ids = stored_ids(deployment)
        assert set(ids) == {m for m, _ in mails} and set(ids.values()) == {1}
        assert states(deployment) == {"decided": 8}
        with deployment.store.session() as db:
            assert (
                db.execute(
                    select(func.count())
                    .select_from(OutboxMail)
                    .where(OutboxMail.state == OutboxState.SENT.value)
                ).scalar_one()
                == 8
            )
    finally:
        deployment.close()
    shutil.rmtree(small_disk / "files", ignore_errors=True)


def test_a_scheduled_job_failing_on_the_database_logs_one_plain_line(
    caplog: pytest.LogCaptureFixture,
) -> None:
    def job() -> None:
        raise TransientError("database: database is locked")

    with caplog.at_level(logging.WARNING):
        guarded("office 130582", job)()
    assert [r.getMessage() for r in caplog.records] == [
        "office 130582: FAILED: database: database is locked (retried at the next run)"
    ]
    assert not caplog.records[0].exc_info


def test_a_worker_down_at_digest_time_makes_the_digest_when_it_is_back_once(
    tmp_path: Path,
) -> None:
    (tmp_path / "mail" / OFFICE).mkdir(parents=True)
    config = write_config(tmp_path, imap_port=143, smtp_port=25)
    text = config.read_text(encoding="utf-8").replace(
        'digest_at = "23:59"',
        f'digest_at = "17:30"\n\n[mailboxes]\nlocal_root = "{tmp_path / "mail"}"',
    )
    config.write_text(text, encoding="utf-8")
    clock = Clock(datetime(2026, 5, 12, 9, 45, tzinfo=UTC))  # 17:45 in Xingtai: after 17:30
    deployment = deploy(config, clock)
    try:
        job = sending_job(deployment, StopFlag())
        job()
        job()
        with deployment.store.session() as db:
            rows = db.execute(select(Digest.office, Digest.day)).all()
        assert rows == [(OFFICE, "2026-05-12")]
        assert len(list((tmp_path / "replies" / OFFICE).glob("*.eml"))) == 1
    finally:
        deployment.close()
