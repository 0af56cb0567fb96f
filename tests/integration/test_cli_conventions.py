"""The `intake` command as a new user meets it: quiet logs, progress bars only on a terminal,
the usual Unix conventions, a demo that deletes nothing it did not make, a quick `status`."""

from __future__ import annotations

import fcntl
import json
import os
import pty
import re
import shutil
import sqlite3
import struct
import subprocess
import sys
import termios
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from intake.commands import status_sqlite
from intake.commands.demo import local_config
from intake.commands.status import store_snapshot
from intake.runtime.service import open_deployment
from intake.settings import Settings, load_settings
from intake.store.tables import Message, MessageState, PollState, SendState

REPO = Path(__file__).resolve().parents[2]
DOCUMENTS = REPO / "samples" / "documents" / "out"
PLAIN_MAIL = REPO / "samples" / "scenarios" / "not_a_filing" / "01-auto-reply.eml"


def intake(
    *args: str, env: dict[str, str] | None = None, drop: tuple[str, ...] = ()
) -> subprocess.CompletedProcess[str]:
    environ = {k: v for k, v in {**os.environ, **(env or {})}.items() if k not in drop}
    return subprocess.run(
        [sys.executable, "-m", "intake", *args],
        capture_output=True,
        text=True,
        timeout=300,
        env=environ,
        cwd=REPO,
    )


def on_a_terminal(*args: str, env: dict[str, str] | None = None) -> tuple[int, str, str]:
    """Run `intake` with standard error on a terminal (80 columns), in `env` (default: this
    process's); exit status, what the terminal showed, standard output."""
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 80, 0, 0))
    child = subprocess.Popen(
        [sys.executable, "-m", "intake", *args],
        stdout=subprocess.PIPE,
        stderr=follower,
        cwd=REPO,
        env=env or dict(os.environ),
    )
    os.close(follower)
    shown = bytearray()
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:  # the terminal's other side is closed: the child has ended
            break
        if not chunk:
            break
        shown += chunk
    os.close(leader)
    assert child.stdout is not None
    out = child.stdout.read().decode()
    return child.wait(timeout=300), shown.decode(errors="replace"), out


@pytest.fixture
def config(tmp_path: Path) -> Path:
    """A local-folder deployment (the demo's config) with empty mailboxes and a made store."""
    path = local_config(tmp_path)
    for office in load_settings(path, {}).offices:
        (tmp_path / "mailboxes" / office.code).mkdir(parents=True, exist_ok=True)
    made = intake("status", "--config", str(path))
    assert made.returncode == 0, made.stderr
    return path


def test_version_and_the_subcommands_own_usage() -> None:
    version = intake("--version")
    assert version.returncode == 0 and re.fullmatch(r"intake \S+\n", version.stdout)
    bogus = intake("status", "--bogus")
    assert bogus.returncode == 2 and bogus.stdout == ""
    assert bogus.stderr.startswith("usage: intake status ")
    assert bogus.stderr.splitlines()[-1] == (
        "intake status: error: unrecognized arguments: --bogus"
    )


def test_output_cut_short_by_its_reader_ends_quietly() -> None:
    reader, writer = os.pipe()
    os.close(reader)  # as `| head -1` does once it has its line
    run = subprocess.run(
        [sys.executable, "-m", "intake", "parse", "--json", str(DOCUMENTS / "form_01_table.xlsx")],
        stdout=writer,
        stderr=subprocess.PIPE,
        text=True,
        timeout=300,
        cwd=REPO,
    )
    os.close(writer)
    assert run.stderr == ""
    assert run.returncode == 141


def test_the_log_says_what_a_poll_found_and_one_line_per_round(
    config: Path, tmp_path: Path
) -> None:
    empty = intake("run", "--once", "--config", str(config))
    assert empty.returncode == 0, empty.stderr
    polling = ("] intake.runtime.service: ", "] intake.fetching.")  # (digests after 18:00)
    lines = [line for line in empty.stderr.splitlines() if any(p in line for p in polling)]
    assert [line.split(": ", 1)[1] for line in lines] == [
        "round: 21 offices polled, 0 new mails, none failed"
    ]
    assert "+0" not in empty.stderr
    shutil.copy(PLAIN_MAIL, tmp_path / "mailboxes" / "130582" / "reply.eml")
    found = intake("run", "--once", "--config", str(config))
    assert found.returncode == 0, found.stderr
    polls = [
        line for line in found.stderr.splitlines() if "] intake.runtime.service: poll " in line
    ]
    assert [p.split(": ", 1)[1] for p in polls] == ["poll 130582: INBOX +1"]
    assert found.stderr.count("round: 21 offices polled, 1 new mail from 1 office") == 1
    quiet = intake("run", "--once", "-q", "--config", str(config))
    assert quiet.returncode == 0 and quiet.stderr == ""
    log_file = tmp_path / "log" / "intake.log"
    logged = intake("run", "--once", "--config", str(config), "--log-file", str(log_file))
    assert logged.returncode == 0 and logged.stderr == ""
    assert "INFO [-] intake.runtime.service: round: 21 offices polled" in log_file.read_text()


def test_progress_bars_show_on_a_terminal_only(config: Path) -> None:
    xlsx = str(DOCUMENTS / "form_01_table.xlsx")
    status, shown, out = on_a_terminal("parse", xlsx)
    assert status == 0 and out.startswith(xlsx)
    assert "parse: 1/1 |" in shown and "form_01_table.xlsx" in shown
    status, shown, out = on_a_terminal("parse", "-q", xlsx)
    assert status == 0 and shown == "" and out.startswith(xlsx)
    piped = intake("parse", xlsx)
    assert piped.returncode == 0 and piped.stderr == ""
    status, shown, _ = on_a_terminal("check", str(PLAIN_MAIL))
    assert status == 0 and "check: 1/1 |" in shown
    status, shown, out = on_a_terminal("purge", "--dry-run", "--config", str(config))
    assert status == 0 and "purge: looking for what is past retention [" in shown


def test_keys_rotate_shows_progress(tmp_path: Path) -> None:
    path = local_config(tmp_path)
    plain = {k: v for k, v in os.environ.items() if k != "INTAKE_KEYS"}
    assert intake("status", "--config", str(path), drop=("INTAKE_KEYS",)).returncode == 0
    status, shown, out = on_a_terminal("keys", "rotate", "--config", str(path), env=plain)
    assert status == 0, shown
    assert "re-encrypting under " in shown and "new current key" in out


def test_the_demo_deletes_no_folder_it_did_not_make(tmp_path: Path) -> None:
    out = tmp_path / "mine"
    out.mkdir()
    (out / "important.txt").write_text("keep me")
    run = intake("demo", "--out", str(out))
    assert run.returncode == 1 and run.stdout == ""
    [line] = run.stderr.splitlines()
    assert line.startswith(f"intake: {out} is not empty") and "(fix: " in line
    assert (out / "important.txt").read_text() == "keep me"


def test_digest_refuses_a_day_after_today(config: Path) -> None:
    tomorrow = (datetime.now(UTC) + timedelta(days=2)).date()
    run = intake("digest", "--config", str(config), "--date", tomorrow.isoformat(), "--no-send")
    assert run.returncode == 2 and run.stdout == ""
    assert run.stderr.startswith(f"intake: --date {tomorrow} is in the future")
    assert "(fix: " in run.stderr


def _fill(settings: Settings, now: datetime) -> None:
    deployment = open_deployment(settings, mailboxes=False)
    try:
        with deployment.store.session() as db:
            db.add(PollState(office="130500", folder="*", last_finished_at=now, last_result="ok"))
            db.add(
                PollState(
                    office="130582",
                    folder="*",
                    last_finished_at=now - timedelta(minutes=5),
                    last_result="failed",
                    last_error="login refused",
                )
            )
            for n, (office, state) in enumerate(
                [
                    ("130500", MessageState.STORED),
                    ("130500", MessageState.REPLIED),
                    ("130582", MessageState.QUARANTINED),
                ]
            ):
                db.add(
                    Message(
                        sha256=f"{n:064x}",
                        body_sha256=f"{n:064x}",
                        size=10,
                        office=office,
                        folder="INBOX",
                        stored_at=now,
                        state=state.value,
                        subject="备案 身份证 11010519491231002X",
                        last_error="unreadable" if state is MessageState.QUARANTINED else None,
                    )
                )
            db.add(SendState(office="130582", hold_until=now + timedelta(hours=1), reason="5xx"))
            db.add(SendState(office="130500", hold_until=now - timedelta(hours=1)))
    finally:
        deployment.close()


def test_status_names_offices_is_not_audited_and_both_readers_agree(config: Path) -> None:
    settings = load_settings(config, {})
    now = datetime.now(UTC).replace(microsecond=0)
    _fill(settings, now)
    deployment = open_deployment(settings, mailboxes=False)
    try:
        through_the_store = store_snapshot(deployment.store)
    finally:
        deployment.close()
    direct = status_sqlite.snapshot(settings, os.environ, now)
    assert direct == through_the_store
    assert direct is not None and direct.parked == {
        "130582": ["#3 备案 身份证 110105********002X: unreadable"]
    }
    run = intake("status", "--config", str(config))
    assert run.returncode == 4, run.stderr  # the sample's sending is held: a monitor hears it
    assert run.stderr == "intake: sending held: 130582 (held: 5xx)\n"
    assert "\n130500  邢台市 " in run.stdout and "\n130582  沙河市 " in run.stdout
    assert "130582 沙河市互联网信息办公室: held: 5xx" in run.stdout
    shown = json.loads(intake("status", "--config", str(config), "--json").stdout)
    assert shown[0]["office"] == "130500" and shown[0]["name"] == "邢台市互联网信息办公室"
    audit = json.loads(intake("audit", "--config", str(config), "--json").stdout)
    assert not [row for row in audit if row["action"] == "status"]


def test_status_reads_the_usual_way_what_sqlite_alone_cannot(config: Path) -> None:
    settings = load_settings(config, {})
    now = datetime.now(UTC)
    assert status_sqlite.snapshot(settings, os.environ, now) is not None
    for url in ("postgresql+psycopg://postgres@127.0.0.1:5432/intake", "sqlite:///nowhere.db"):
        other = replace(settings, storage=replace(settings.storage, database=url))
        assert status_sqlite.snapshot(other, os.environ, now) is None
    with sqlite3.connect(settings.storage.database.removeprefix("sqlite:///")) as db:
        db.execute("UPDATE alembic_version SET version_num = '0003'")
    assert status_sqlite.snapshot(settings, os.environ, now) is None
