"""Two deployments in one process, each with its own keys and audit actor: nothing about them is
kept per process, so neither encrypts under, reads with, or records as the other."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select, text

from intake.commands.demo import local_config
from intake.privacy import crypto
from intake.runtime.service import Deployment, open_deployment, run_once
from intake.settings import load_settings
from intake.store.files import FileStore
from intake.store.tables import AuditEntry, Message
from tests.integration.test_encryption import ID_NUMBER, filing_mail

NOW = datetime(2026, 6, 1, 2, 0, tzinfo=UTC)


def open_one(folder: Path, actor: str) -> Deployment:
    """A deployment in `folder` with its own key file and one filing mail waiting."""
    mailboxes = folder / "mailboxes"
    settings = load_settings(local_config(folder, None, mailboxes), {})
    for office in settings.offices:
        (mailboxes / office.code).mkdir(parents=True, exist_ok=True)
    (mailboxes / "130582" / "a.eml").write_bytes(filing_mail(sender=f"{actor[:6]}@qq.com"))
    return open_deployment(settings, {}, lambda: NOW, actor=actor)


def test_two_deployments_keep_their_own_keys_and_actors(tmp_path: Path) -> None:
    first = open_one(tmp_path / "first", "worker")
    second = open_one(tmp_path / "second", "second-actor")
    try:
        assert first.keyring.current.kid != second.keyring.current.kid
        run_once(first)
        run_once(second)  # opened after the first: a process-wide keyring would now be its
        for deployment, actor in ((first, "worker"), (second, "second-actor")):
            kid = deployment.keyring.current.kid
            with deployment.store.session() as db:
                message = db.execute(select(Message)).scalar_one()
                assert message.subject is not None and ID_NUMBER in message.subject
                actors = {
                    row.actor
                    for row in db.execute(select(AuditEntry)).scalars()
                    if row.action == "decided"
                }
                stored_subject = db.execute(text("SELECT subject FROM messages")).scalar_one()
            assert actors == {actor}
            assert crypto.value_key_id(stored_subject) == kid
            raw = deployment.files.path_for("raw", message.sha256, ".eml")
            assert crypto.file_key_id(raw) == kid
            assert ID_NUMBER.encode() in deployment.files.read("raw", message.sha256, ".eml")
        # Each one's data is unreadable under the other's keys.
        crossed = first.store.with_keyring(second.keyring)
        try:
            with pytest.raises(crypto.DecryptionError), crossed.session() as db:
                db.execute(select(Message)).scalar_one()
        finally:
            crossed.close()
        with first.store.session() as db:
            digest = db.execute(select(Message.sha256)).scalar_one()
        with pytest.raises(crypto.DecryptionError):
            FileStore(first.files.root, second.keyring).read("raw", digest, ".eml")
    finally:
        first.close()
        second.close()
