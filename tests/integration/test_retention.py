"""Retention and purge on real stores: past its time, a filing's raw mail and attachments are
deleted and the decision record kept (ID numbers masked); a file another filing still within
its time uses is kept; a dry run changes nothing; a second purge changes nothing; the CLI and
the scheduler run it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select, update

from intake.commands.demo import local_config
from intake.errors import ConfigError
from intake.privacy.retention import mask_value, purge
from intake.runtime.service import Deployment, open_deployment, run_once
from intake.runtime.worker import StopFlag, build_scheduler
from intake.settings import RetentionSettings, load_settings
from intake.store.tables import Attachment, AuditEntry, Document, Filing, FilingEvent, Message
from tests import factories
from tests.integration.test_encryption import ID_NUMBER, filing_mail

REPO = Path(__file__).resolve().parents[2]
T0 = datetime(2026, 6, 1, 2, 0, tzinfo=UTC)
RETENTION = RetentionSettings(days_after_complete=180, days_after_last_activity=365)


@pytest.fixture
def deployment(tmp_path: Path, store_url: str) -> Iterator[Deployment]:
    mailboxes = tmp_path / "mailboxes"
    settings = load_settings(local_config(tmp_path, store_url, mailboxes), {})
    for office in settings.offices:
        (mailboxes / office.code).mkdir(parents=True, exist_ok=True)
    box = mailboxes / "130582"
    (box / "a.eml").write_bytes(filing_mail(sender="a@qq.com"))
    (box / "b.eml").write_bytes(filing_mail(sender="b@qq.com"))
    (box / "c.eml").write_bytes(factories.mail(sender="c@qq.com", subject="你好", body="在吗"))
    opened = open_deployment(settings, {}, lambda: T0)
    try:
        run_once(opened)
        yield opened
    finally:
        opened.close()


def filing_of(deployment: Deployment, sender: str) -> Filing:
    with deployment.store.session() as db:
        return db.execute(select(Filing).where(Filing.sender == sender)).scalar_one()


def file_paths(deployment: Deployment, sender: str) -> dict[str, Path]:
    """The raw mail and the attachment files of the sender's mail, by kind of file."""
    files = deployment.files
    with deployment.store.session() as db:
        message = db.execute(select(Message).where(Message.from_addr == sender)).scalar_one()
        paths = {"raw": files.path_for("raw", message.sha256, ".eml")}
        for attachment in db.execute(
            select(Attachment).where(Attachment.message_pk == message.id)
        ).scalars():
            paths[attachment.name] = files.path_for("att", attachment.sha256)
    return paths


def test_purge_deletes_files_keeps_the_record_and_shared_files(deployment: Deployment) -> None:
    with deployment.store.session() as db:
        db.execute(update(Filing).where(Filing.sender == "a@qq.com").values(status="complete"))
    a_files, b_files = file_paths(deployment, "a@qq.com"), file_paths(deployment, "b@qq.com")
    assert a_files["身份证正面.jpg"] == b_files["身份证正面.jpg"]  # one file for both mails
    assert all(p.exists() for p in [*a_files.values(), *b_files.values()])
    a = filing_of(deployment, "a@qq.com")

    early = purge(deployment.store, deployment.files, RETENTION, T0 + timedelta(days=179))
    assert early.filings == [] and early.messages == 0 and early.files_deleted == 0

    later = T0 + timedelta(days=181)
    dry = purge(deployment.store, deployment.files, RETENTION, later, dry_run=True)
    assert dry.filings == [a.reference] and dry.messages == 1
    shared = set(a_files.values()) & set(b_files.values())
    own = set(a_files.values()) - shared
    assert a_files["raw"] in own and a_files["身份证正面.jpg"] in shared
    # a's own files and the reply sent to a go; what b's mail also holds stays
    assert dry.files_deleted == len(own) + 1 and dry.files_kept_shared == len(shared)
    assert all(p.exists() for p in a_files.values())
    assert filing_of(deployment, "a@qq.com").purged_at is None

    done = purge(deployment.store, deployment.files, RETENTION, later, actor="tester")
    assert done.to_json() | {"dry_run": True} == dry.to_json()
    assert not any(p.exists() for p in own)
    assert all(p.exists() for p in shared)  # b's filing is still within its time
    assert all(p.exists() for p in b_files.values())
    with deployment.store.session() as db:
        kept = db.get(Filing, a.id)
        assert kept is not None and kept.purged_at is not None
        assert kept.status == "complete" and kept.reference == a.reference
        assert db.execute(select(FilingEvent).where(FilingEvent.filing_id == a.id)).first()
        message = db.execute(select(Message).where(Message.filing_id == a.id)).scalar_one()
        assert message.purged_at is not None and message.body_text is None
        assert message.subject is not None and ID_NUMBER not in message.subject
        form = db.execute(
            select(Document).where(Document.filing_id == a.id, Document.kind == "registration_form")
        ).scalar_one()
        assert form.fields is not None and form.fields["id_number"] == mask_value(ID_NUMBER)
        assert form.fields["id_number"] == "110105********002X"
        other = db.execute(
            select(Document).where(Document.filing_id != a.id, Document.kind == "registration_form")
        ).scalar_one()
        assert other.fields is not None and other.fields["id_number"] == ID_NUMBER
        audit = db.execute(select(AuditEntry).where(AuditEntry.actor == "tester")).scalars().all()
        assert {(e.action, e.reference) for e in audit} == {
            ("purged", a.reference),
            ("purge", None),
        }

    again = purge(deployment.store, deployment.files, RETENTION, later)
    assert again.messages == 0 and again.files_deleted == 0 and again.filings == []

    year = purge(deployment.store, deployment.files, RETENTION, T0 + timedelta(days=366))
    b = filing_of(deployment, "b@qq.com")
    assert year.filings == [b.reference] and year.messages == 2  # b's mail and the loose one
    assert not any(p.exists() for p in [*a_files.values(), *b_files.values()])
    with deployment.store.session() as db:
        loose = db.execute(select(Message).where(Message.from_addr == "c@qq.com")).scalar_one()
        assert loose.filing_id is None and loose.purged_at is not None
        assert not deployment.files.exists("raw", loose.sha256, ".eml")


def test_change_filing_within_its_time_holds_the_first_back(deployment: Deployment) -> None:
    a, b = filing_of(deployment, "a@qq.com"), filing_of(deployment, "b@qq.com")
    with deployment.store.session() as db:
        db.execute(update(Filing).where(Filing.id == a.id).values(status="complete"))
        db.execute(update(Filing).where(Filing.id == b.id).values(change_of=a.id))
    report = purge(deployment.store, deployment.files, RETENTION, T0 + timedelta(days=200))
    assert report.filings == [] and report.messages == 0


def test_cli_purge_dry_run_json_and_the_daily_job(deployment: Deployment) -> None:
    config = str(deployment.settings.path)
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "intake.commands.cli",
            "purge",
            "--dry-run",
            "--json",
            "--config",
            config,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO,
        env={k: v for k, v in os.environ.items() if k != "INTAKE_KEYS"},  # the key file
    )
    assert run.returncode == 0, run.stderr
    report = json.loads(run.stdout)
    assert report["dry_run"] is True and report["filings"] == [] and report["messages"] == 0
    scheduler = build_scheduler(deployment, StopFlag())
    job = scheduler.get_job("purge")
    assert job is not None and "retention" in job.name


def test_retention_settings_are_checked(tmp_path: Path) -> None:
    text = (REPO / "config" / "intake.toml").read_text(encoding="utf-8")
    path = tmp_path / "intake.toml"
    path.write_text(text + "\n[retention]\ndays_after_complete = 90\n", encoding="utf-8")
    settings = load_settings(path, {})
    assert settings.retention == RetentionSettings(90, 365)
    path.write_text(text + "\n[retention]\ndays_after_complete = -1\n", encoding="utf-8")
    line = len(text.splitlines()) + 3
    with pytest.raises(ConfigError) as caught:
        load_settings(path, {})
    assert str(caught.value) == (
        f"{path}:{line}: retention.days_after_complete: must be a whole number of days from 1 to "
        "36500, not -1 (fix: days_after_complete = 180)"
    )


def test_purge_removes_half_written_files_left_by_a_kill(deployment: Deployment) -> None:
    folder = deployment.files.root / "raw"
    old = folder / ".tmp-killed"
    young = folder / ".tmp-writing"
    old.write_bytes(b"half a mail")
    young.write_bytes(b"being written")
    an_hour_ago = datetime.now(UTC).timestamp() - 3700
    os.utime(old, (an_hour_ago, an_hour_ago))
    dry = purge(deployment.store, deployment.files, RETENTION, T0, dry_run=True)
    assert dry.temporary_removed == 1 and old.exists()
    report = purge(deployment.store, deployment.files, RETENTION, T0)
    assert report.temporary_removed == 1
    assert not old.exists() and young.exists()  # a write in progress is left alone
    assert "1 half-written temporary files" in report.summary()
