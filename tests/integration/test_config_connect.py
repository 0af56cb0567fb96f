"""`intake config check --connect` against a real Dovecot and a real SMTP server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

from intake.commands.connect_check import classify_smtp, probe_office
from intake.mailbox.base import MailboxProblem
from intake.mailbox.imap import classify_imap_failure
from intake.settings import Endpoint, OfficeSettings, Security
from tests import factories
from tests.servers import Dovecot, free_port, start_smtp

USER, PASSWORD = "shhlwxxb@163.com", "code-130582"


def with_smtp(
    office_port: int, smtp_port: int, security: Security = Security.NONE
) -> OfficeSettings:
    office = factories.office(port=office_port)
    return replace(office, smtp=Endpoint("127.0.0.1", smtp_port, security, None, 5))


def test_ok_and_wrong_code(dovecot: Dovecot) -> None:
    smtp = start_smtp({USER: PASSWORD})
    try:
        office = with_smtp(dovecot.port, smtp.port)
        ok = probe_office(office, {office.password_env: PASSWORD})
        assert [r.ok for r in ok] == [True, True]
        wrong = probe_office(office, {office.password_env: "nope"})
        assert [r.problem for r in wrong] == [
            MailboxProblem.WRONG_PASSWORD,
            MailboxProblem.WRONG_PASSWORD,
        ]
        assert "wrong authorization code" in wrong[0].message and "535" in wrong[1].message
    finally:
        smtp.stop()


def test_unreachable_tls_and_missing_code(dovecot: Dovecot) -> None:
    office = with_smtp(free_port(), free_port())
    results = probe_office(office, {office.password_env: PASSWORD})
    assert [r.problem for r in results] == [MailboxProblem.UNREACHABLE, MailboxProblem.UNREACHABLE]
    tls_office = with_smtp(dovecot.port, free_port())
    tls_office = replace(
        tls_office, imap=Endpoint("127.0.0.1", dovecot.port, Security.SSL, None, 5)
    )
    assert (
        probe_office(tls_office, {office.password_env: PASSWORD})[0].problem
        is MailboxProblem.TLS_FAILURE
    )
    missing = probe_office(office, {})
    assert (
        missing[0].problem is MailboxProblem.NO_PASSWORD
        and office.password_env in missing[0].message
    )


def test_server_words_are_classified() -> None:
    assert (
        classify_imap_failure(
            "NO SELECT Unsafe Login. Please contact kefu@188.com for help", "select"
        )
        is MailboxProblem.UNSAFE_LOGIN
    )
    assert (
        classify_imap_failure("NO LOGIN Login error or password error", "login")
        is MailboxProblem.WRONG_PASSWORD
    )
    assert (
        classify_imap_failure("NO [UNAVAILABLE] IMAP service not enabled", "login")
        is MailboxProblem.NOT_ENABLED
    )
    assert (
        classify_imap_failure("NO Mailbox doesn't exist: X", "select")
        is MailboxProblem.FOLDER_MISSING
    )
    assert classify_smtp(535, "Error: authentication failed") is MailboxProblem.WRONG_PASSWORD
    assert classify_smtp(550, "User has no permission") is MailboxProblem.NOT_ENABLED


def test_cli_reports_per_office_and_exit_status(dovecot: Dovecot, tmp_path: Path) -> None:
    smtp = start_smtp({USER: PASSWORD})
    try:
        config = tmp_path / "intake.toml"
        config.write_text(
            f"""
[storage]
database = "sqlite:///{tmp_path / "x.db"}"
files = "{tmp_path / "files"}"

[schedule]

[[office]]
code = "130582"
name = "沙河市互联网信息办公室"
mailbox = "{USER}"
password_env = "PW_130582"
imap = {{ host = "127.0.0.1", port = {dovecot.port}, security = "none" }}
smtp = {{ host = "127.0.0.1", port = {smtp.port}, security = "none" }}

[[office]]
code = "130502"
name = "桥东区互联网信息办公室"
mailbox = "xtqdwxb@126.com"
password_env = "PW_130502"
imap = {{ host = "127.0.0.1", port = {dovecot.port}, security = "none" }}
smtp = {{ host = "127.0.0.1", port = {smtp.port}, security = "none" }}
""",
            encoding="utf-8",
        )
        env = {**os.environ, "PW_130582": PASSWORD, "PW_130502": "wrong-code"}
        run = subprocess.run(
            [
                sys.executable,
                "-m",
                "intake.commands.cli",
                "config",
                "check",
                "--connect",
                "--json",
                "--config",
                str(config),
            ],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert run.returncode == 1, run.stderr
        report = json.loads(run.stdout)
        by = {(r["office"], r["service"]): r for r in report["connect"]}
        assert by[("130582", "IMAP")]["ok"] and by[("130582", "SMTP")]["ok"]
        assert by[("130502", "IMAP")]["problem"] == "wrong_password"
        assert "wrong authorization code" in by[("130502", "SMTP")]["message"]
    finally:
        smtp.stop()
