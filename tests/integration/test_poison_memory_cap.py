"""A poison mail under a memory cap: the worker runs under `prlimit --as` (an 800 MB
address-space cap, as `ulimit -v` sets, inherited by the document readers it starts), and one
office's mail holds an xlsx whose sharedStrings part lists five million empty strings (openpyxl
needs some 700 MB for it). The reader meets the cap (MemoryError) before the watcher's
resident-memory limit (1500 MB by default): the poison is reported unreadable with
`too_much_memory`, or `reader_died` when the cap ends the reader process outright before Python
can raise (both happen, depending on where the allocation fails), or, had the whole worker died
on it, it is quarantined as "the worker died while reading it"; and every other mail, in its own
office and in the others, is decided and answered.
"""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from imap_tools import MailBoxUnencrypted

from tests import factories
from tests.factories import form_xlsx
from tests.integration.test_reader_isolation import shared_strings_bomb
from tests.servers import Dovecot, SmtpServer, read_smtp_log, start_dovecot, start_smtp

REPO = Path(__file__).resolve().parents[2]
WORKER = "import sys; from intake.commands.cli import main; sys.exit(main())"
ADDRESS_SPACE = 800 * 1024 * 1024
OFFICES = {
    "130582": "shhlwxxb@163.com",
    "130502": "xtqdwxb@126.com",
    "130503": "xtqxqwwxb@163.com",
}

pytestmark = pytest.mark.skipif(shutil.which("prlimit") is None, reason="needs prlimit")


def secret(code: str) -> str:
    return f"code-{code}"


@pytest.fixture
def servers(tmp_path: Path) -> Iterator[tuple[Dovecot, SmtpServer]]:
    users = {mailbox: secret(code) for code, mailbox in OFFICES.items()}
    dovecot = start_dovecot(users)
    smtp = start_smtp(users, log=tmp_path / "smtp.jsonl")
    try:
        yield dovecot, smtp
    finally:
        smtp.stop()
        dovecot.close()


def deliver(dovecot: Dovecot, mailbox: str, code: str, raws: list[bytes]) -> None:
    with MailBoxUnencrypted("127.0.0.1", dovecot.port) as box:
        box.login(mailbox, secret(code), initial_folder=None)
        for raw in raws:
            box.append(raw, "INBOX", flag_set=())


def message_id(raw: bytes) -> str:
    from email import message_from_bytes

    return str(message_from_bytes(raw)["Message-ID"]).strip("<>")


def capped_run(config: Path, env: dict[str, str], log: Path) -> int:
    """`intake run --once` under the address-space cap."""
    with log.open("ab") as out:
        return subprocess.run(
            [
                "prlimit",
                f"--as={ADDRESS_SPACE}",
                sys.executable,
                "-c",
                WORKER,
                "run",
                "--once",
                "--config",
                str(config),
            ],
            cwd=REPO,
            env=env,
            stdout=out,
            stderr=out,
            timeout=600,
        ).returncode


def test_a_poison_mail_under_a_memory_cap_leaves_the_other_offices_answered(
    servers: tuple[Dovecot, SmtpServer], tmp_path: Path
) -> None:
    dovecot, smtp = servers
    codes = list(OFFICES)
    poison = factories.mail(
        subject="台账",
        sender="poison@qq.com",
        to=OFFICES[codes[0]],
        attachment=shared_strings_bomb(5_000_000),
        attachment_name="台账.xlsx",
    )
    normal: list[bytes] = []
    for index, code in enumerate(codes):
        mails = [
            factories.mail(
                sender=f"form{index}@qq.com",
                to=OFFICES[code],
                attachment=form_xlsx(),
                attachment_name="备案表.xlsx",
            ),
            factories.mail(
                subject="咨询新媒体账号备案",
                sender=f"question{index}@qq.com",
                to=OFFICES[code],
                body="请问需要提交哪些材料？",
            ),
        ]
        normal += mails
        deliver(dovecot, OFFICES[code], code, [poison, *mails] if index == 0 else mails)
    config = factories.loopback_config(
        tmp_path,
        imap_port=dovecot.port,
        smtp_port=smtp.port,
        offices=OFFICES,
        password_env="PW_{code}",
    )
    # Only the memory cap may end the poison, however loaded the machine: time is given generously.
    config.write_text(
        config.read_text(encoding="utf-8") + "\n[limits]\nseconds_per_document = 240\n",
        encoding="utf-8",
    )
    env = {**os.environ, **{f"PW_{code}": secret(code) for code in codes}}
    env.pop("INTAKE_CONFIG", None)
    log = tmp_path / "worker.log"
    db_path = tmp_path / "intake.db"
    runs = []
    for _ in range(4):  # a worker killed by the poison leaves it to the next runs to quarantine
        runs.append(capped_run(config, env, log))
        with sqlite3.connect(db_path) as db:
            waiting = db.execute(
                "SELECT count(*) FROM messages WHERE state IN ('stored','read','parsed')"
            ).fetchone()[0]
        if waiting == 0:
            break
    with sqlite3.connect(db_path) as db:
        states = dict(db.execute("SELECT from_addr, state FROM messages").fetchall())
        errors = dict(db.execute("SELECT from_addr, last_error FROM messages").fetchall())
        unreadable = [
            row[0]
            for row in db.execute(
                "SELECT d.unreadable FROM documents d JOIN attachments a ON a.id = d.attachment_pk "
                "JOIN messages m ON m.id = a.message_pk WHERE m.from_addr = 'poison@qq.com'"
            )
        ]
    text = log.read_text(errors="replace")[-3000:]
    assert len(states) == len(normal) + 1, (states, text)
    poisoned = states["poison@qq.com"]
    assert (
        poisoned == "quarantined" and "died while reading" in (errors["poison@qq.com"] or "")
    ) or (poisoned == "decided" and unreadable in (["too_much_memory"], ["reader_died"])), (
        poisoned,
        errors["poison@qq.com"],
        unreadable,
        runs,
        text,
    )
    assert all(state == "decided" for sender, state in states.items() if sender != "poison@qq.com")
    answered = Counter(str(r["in_reply_to"]) for r in read_smtp_log(tmp_path / "smtp.jsonl"))
    for raw in normal:
        assert answered[message_id(raw)] == 1, (message_id(raw), answered, runs, text)
