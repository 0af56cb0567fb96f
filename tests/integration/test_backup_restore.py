"""The restore drill: mail through the pipeline, `intake backup`, the deployment wiped,
`intake restore`; then every stored value and file reads as before, and a new run answers
nothing twice. On SQLite and on PostgreSQL, through the real commands."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlalchemy import select
from sqlalchemy.engine import make_url

from intake.commands.demo import local_config
from intake.privacy import crypto
from intake.runtime.backup import BackupError, Manifest, back_up, restore
from intake.runtime.service import Deployment, open_deployment, run_once
from intake.settings import Settings, load_settings
from intake.store.tables import AuditEntry, Base, Message, OutboxMail
from tests import factories

REPO = Path(__file__).resolve().parents[2]


def now() -> datetime:
    return datetime.now(UTC)


def intake(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "intake", *args],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=REPO,
    )


def everything(deployment: Deployment) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every table, decrypted, in key order; the audit log apart (it grows)."""
    rows: dict[str, list[tuple[Any, ...]]] = {}
    with deployment.store.session() as db:
        for table in Base.metadata.sorted_tables:
            if table.name != AuditEntry.__tablename__:
                order = list(table.primary_key.columns)
                rows[table.name] = [tuple(r) for r in db.execute(select(table).order_by(*order))]
    return rows


def audit_rows(deployment: Deployment) -> list[tuple[str, str | None]]:
    with deployment.store.session() as db:
        return [
            (e.action, e.detail)
            for e in db.execute(select(AuditEntry).order_by(AuditEntry.id)).scalars()
        ]


def stored_plain(deployment: Deployment) -> dict[tuple[str, str, str], bytes]:
    """The plain content of every stored file (each read checks its hash and its tag)."""
    files = deployment.files
    return {
        (kind, digest, suffix): files.read(kind, digest, suffix)
        for kind, digest, suffix, _ in files.stored_files()
    }


def wipe(settings: Settings) -> None:
    """What a lost machine leaves: no database, no files folder."""
    url = settings.storage.database
    if url.startswith("sqlite"):
        database = make_url(url).database
        assert database
        for suffix in ("", "-wal", "-shm"):
            Path(database + suffix).unlink(missing_ok=True)
    else:
        name = make_url(url).database
        with psycopg.connect(f"postgresql://postgres@127.0.0.1:5432/{name}", autocommit=True) as c:
            c.execute("DROP SCHEMA public CASCADE")
            c.execute("CREATE SCHEMA public")
    shutil.rmtree(settings.storage.files)


def test_restore_drill(tmp_path: Path, store_url: str) -> None:
    mailboxes = tmp_path / "mailboxes"
    for code in ("130582", "130502"):
        (mailboxes / code).mkdir(parents=True)
    (mailboxes / "130582" / "a.eml").write_bytes(
        factories.mail(attachment=factories.form_xlsx(), attachment_name="备案表.xlsx")
    )
    (mailboxes / "130502" / "b.eml").write_bytes(
        factories.mail(subject="咨询", to="xtqdwxb@126.com")
    )
    config = local_config(tmp_path / "live", store_url, mailboxes)
    settings = load_settings(config, dict(os.environ))
    deployment = open_deployment(settings, dict(os.environ), now)
    try:
        first = run_once(deployment)
        assert sum(p.fetched for p in first.polls) == 2 and first.sending.sent >= 1
        before = everything(deployment)
        files_before = stored_plain(deployment)
        audit_before = audit_rows(deployment)
    finally:
        deployment.close()
    assert len(before["messages"]) == 2 and before["filings"] and before["outbox"]
    assert any(kind == "raw" for kind, _, _ in files_before)
    replies = sorted((tmp_path / "live" / "replies").rglob("*.eml"))
    assert replies

    backup = tmp_path / "backup"
    made = intake("backup", str(backup), "--config", str(config), "--key-out", str(tmp_path / "k"))
    assert made.returncode == 0, made.stderr
    manifest = Manifest.read(backup)
    assert manifest.database == make_url(store_url).get_backend_name()
    assert manifest.files >= len(files_before) and manifest.schema
    keyring = crypto.load_keyring(None, os.environ)
    assert manifest.file_keys == (keyring.current.kid,)
    assert crypto.load_keyring(tmp_path / "k", {}).keys == keyring.keys
    assert not any(keyring.current.line() in p.read_text("latin-1") for p in _all_files(backup))

    wipe(settings)
    restored = intake("restore", str(backup), "--config", str(config))
    assert restored.returncode == 0, restored.stderr
    again_restored = intake("restore", str(backup), "--config", str(config))
    assert again_restored.returncode == 1 and "(fix: restore into" in again_restored.stderr

    deployment = open_deployment(settings, dict(os.environ), now)
    try:
        assert everything(deployment) == before
        assert stored_plain(deployment) == files_before
        audit_after = audit_rows(deployment)
        assert audit_after[: len(audit_before)] == audit_before
        assert [a for a, _ in audit_after[len(audit_before) :]][-1] == "restore"
        second = run_once(deployment)
        assert sum(p.fetched for p in second.polls) == 0
        assert second.pipeline.advanced == 0 and second.sending.sent == 0 and not second.digests
        with deployment.store.session() as db:
            assert len(db.execute(select(Message)).all()) == 2
            assert len(db.execute(select(OutboxMail)).all()) == len(before["outbox"])
    finally:
        deployment.close()
    assert sorted((tmp_path / "live" / "replies").rglob("*.eml")) == replies


def _all_files(folder: Path) -> list[Path]:
    return [p for p in folder.rglob("*") if p.is_file()]


def test_restore_refuses_without_the_key_and_into_a_used_deployment(tmp_path: Path) -> None:
    mailboxes = tmp_path / "mailboxes"
    (mailboxes / "130582").mkdir(parents=True)
    (mailboxes / "130582" / "a.eml").write_bytes(factories.mail(subject="正常"))
    config = local_config(tmp_path / "live", f"sqlite:///{tmp_path / 'live.db'}", mailboxes)
    settings = load_settings(config, dict(os.environ))
    deployment = open_deployment(settings, dict(os.environ), now)
    try:
        run_once(deployment)
        back_up(deployment, tmp_path / "backup")
        with pytest.raises(BackupError, match="not empty"):
            back_up(deployment, tmp_path / "backup")
        keyring = deployment.keyring
    finally:
        deployment.close()
    other_key = crypto.Keyring((crypto.new_key(),), "the other key file")
    with pytest.raises(BackupError, match=f"lack key {keyring.current.kid}"):
        restore(settings, tmp_path / "backup", other_key)
    with pytest.raises(BackupError, match=re.escape("live.db: exists")):
        restore(settings, tmp_path / "backup", keyring)
    with pytest.raises(BackupError, match="not a backup"):
        restore(settings, tmp_path, keyring)
