"""A wrong key or another host's files folder never damages the store: `intake` (run as a
subprocess, on real SQLite files and the local PostgreSQL) refuses to start with a key that does
not open the store or with a files folder of another store; one value that does not decrypt
quarantines its own mail only; `intake requeue` puts it back once the cause is gone."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy import select, text

from intake.commands.demo import local_config
from intake.privacy import crypto
from intake.reading.step import read_step
from intake.runtime.pipeline import run_round
from intake.runtime.service import open_deployment, poll_one
from intake.settings import load_settings
from intake.store.database import Store
from intake.store.identity import MARKER
from intake.store.tables import AuditEntry, KeyCheck, Message, MessageState
from tests import factories
from tests.conftest import fresh_pg_database

REPO = Path(__file__).resolve().parents[2]
OFFICE = "130582"
DONE = {MessageState.DECIDED.value, MessageState.REPLIED.value, MessageState.DUPLICATE.value}


@dataclass(frozen=True)
class Site:
    """One deployment's folder: its config, key file, files folder and mailbox."""

    folder: Path
    config: Path
    url: str

    @property
    def key_file(self) -> Path:
        return self.folder / "intake.keys"

    @property
    def files(self) -> Path:
        return self.folder / "files"

    def deliver(self, number: int) -> None:
        """A filing mail (a form only, no image to read) from sender `number`."""
        form = factories.form_xlsx(name=f"王{number}", account=f"账号{number}")
        raw = factories.mail(
            sender=f"user{number}@qq.com",
            body=f"您好，附件是备案表 {number}。",
            attachment=form,
        )
        (self.folder / "mailboxes" / OFFICE / f"{number}.eml").write_bytes(raw)

    def intake(self, *args: str) -> subprocess.CompletedProcess[str]:
        env = {k: v for k, v in os.environ.items() if k != crypto.KEYS_ENV}
        env.update(PYTHONPATH=str(REPO), OMP_THREAD_LIMIT="1")
        return subprocess.run(
            [sys.executable, "-m", "intake", *args, "--config", str(self.config)],
            capture_output=True,
            text=True,
            env=env,
            cwd=REPO,
            timeout=300,
        )

    def keyring(self) -> crypto.Keyring:
        return crypto.load_keyring(self.key_file, {})

    def store(self) -> Store:
        return Store.open(self.url, self.keyring())


def make_site(folder: Path, url: str | None = None, files: Path | None = None) -> Site:
    folder.mkdir(parents=True, exist_ok=True)
    url = url or f"sqlite:///{folder / 'intake.db'}"
    config = local_config(folder, url, folder / "mailboxes")
    if files is not None:
        config.write_text(
            config.read_text(encoding="utf-8").replace(
                f'files = "{folder / "files"}"', f'files = "{files}"'
            ),
            encoding="utf-8",
        )
    settings = load_settings(config, {})
    for office in settings.offices:
        (folder / "mailboxes" / office.code).mkdir(parents=True, exist_ok=True)
    return Site(folder, config, url)


def states(site: Site) -> dict[int, str]:
    store = site.store()
    try:
        with store.session() as db:
            return {
                int(pk): str(state)
                for pk, state in db.execute(text("SELECT id, state FROM messages"))
            }
    finally:
        store.close()


def stored_files(site: Site) -> list[Path]:
    return sorted(p for p in site.files.rglob("*") if p.is_file() and "locks" not in p.parts)


def refused(result: subprocess.CompletedProcess[str], *words: str) -> None:
    assert result.returncode == 1, result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    for word in words:
        assert word in lines[0], lines[0]


def passed(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


@pytest.fixture
def site(tmp_path: Path) -> Site:
    made = make_site(tmp_path / "site")
    made.deliver(1)
    passed(made.intake("run", "--once"))
    return made


def test_wrong_key_with_the_right_id_is_refused_and_writes_nothing(site: Site) -> None:
    right = site.key_file.read_bytes()
    kid = site.keyring().current.kid
    wrong = crypto.Key(kid, os.urandom(crypto.KEY_BYTES))
    crypto.write_key_file(site.key_file, crypto.Keyring((wrong,), str(site.key_file)))
    site.deliver(2)
    before_files, before_states = stored_files(site), states(site)
    for command in (("run", "--once"), ("status",), ("digest", "--no-send")):
        refused(site.intake(*command), f"key {kid}", "not the key", "fix:")
    assert stored_files(site) == before_files
    assert states(site) == before_states  # the second mail was not even stored
    site.key_file.write_bytes(right)
    passed(site.intake("run", "--once"))
    report = json.loads(passed(site.intake("status", "--json")))
    office = next(row for row in report if row["office"] == OFFICE)
    assert office["quarantined"] == 0 and office["stored"] == 2
    assert set(states(site).values()) <= DONE
    passed(site.intake("digest", "--no-send"))


def test_a_key_the_store_never_saw_is_refused(site: Site) -> None:
    foreign = crypto.new_key()
    crypto.write_key_file(site.key_file, crypto.Keyring((foreign,), str(site.key_file)))
    refused(site.intake("run", "--once"), f"key {foreign.kid}", "not known to this store", "fix:")
    refused(site.intake("status"), f"key {foreign.kid}")


def test_rotation_gives_the_new_key_its_check_value(site: Site) -> None:
    old = site.keyring().current
    passed(site.intake("keys", "rotate", "--drop-old"))
    new = site.keyring()
    assert new.current.kid != old.kid and len(new.keys) == 1
    store = site.store()
    try:
        with store.session() as db:
            checks = {c.kid: c.check_value for c in db.execute(select(KeyCheck)).scalars()}
    finally:
        store.close()
    assert crypto.key_matches_check(new.current, checks[new.current.kid])
    assert crypto.key_matches_check(old, checks[old.kid])
    site.deliver(2)
    passed(site.intake("run", "--once"))
    assert set(states(site).values()) <= DONE


def forget_check_values_and_marker(site: Site) -> None:
    """The store as a version without check values or identities left it."""
    store = site.store()
    try:
        with store.session() as db:
            db.execute(text("DELETE FROM key_checks"))
            db.execute(text("UPDATE store_identity SET files_claimed_at = NULL"))
    finally:
        store.close()
    (site.files / MARKER).unlink()


def test_an_old_store_proves_its_keys_on_stored_data(site: Site) -> None:
    right = site.key_file.read_bytes()
    kid = site.keyring().current.kid
    forget_check_values_and_marker(site)
    wrong = crypto.Key(kid, os.urandom(crypto.KEY_BYTES))
    crypto.write_key_file(site.key_file, crypto.Keyring((wrong,), str(site.key_file)))
    refused(site.intake("status"), f"key {kid}", "does not decrypt the data", "fix:")
    site.key_file.write_bytes(right)
    passed(site.intake("status"))
    store = site.store()
    try:
        with store.session() as db:
            check = db.execute(select(KeyCheck)).scalar_one()
    finally:
        store.close()
    assert check.kid == kid and crypto.key_matches_check(site.keyring().current, check.check_value)
    assert (site.files / MARKER).exists()  # the folder holding the store's mail was marked


def damage(value: str) -> str:
    """The same encrypted value with one byte of its ciphertext changed."""
    head, _, body = value.rpartition(":")
    blob = bytearray(base64.b64decode(body))
    blob[-1] ^= 0x01
    return f"{head}:{base64.b64encode(bytes(blob)).decode('ascii')}"


def test_a_damaged_value_quarantines_its_mail_only_then_requeue(tmp_path: Path) -> None:
    site = make_site(tmp_path / "site")
    for number in (1, 2, 3):
        site.deliver(number)
    deployment = open_deployment(load_settings(site.config, {}), {})
    try:  # stored and read, not yet parsed: then one subject is damaged in the database
        for office in deployment.settings.enabled_offices:
            assert poll_one(deployment, office, lambda: False).ok
        assert run_round(deployment.pipeline(), {MessageState.STORED: read_step}).advanced == 3
        with deployment.store.session() as db:
            first, second, _third = db.execute(select(Message.id).order_by(Message.id)).scalars()
            original = db.execute(
                text("SELECT subject FROM messages WHERE id = :id"), {"id": first}
            ).scalar_one()
            db.execute(
                text("UPDATE messages SET subject = :s WHERE id = :id"),
                {"s": damage(original), "id": first},
            )
            foreign = crypto.Keyring((crypto.new_key(),)).encrypt_value(b"x", "messages.subject")
            db.execute(
                text("UPDATE messages SET subject = :s WHERE id = :id"),
                {"s": foreign, "id": second},
            )
    finally:
        deployment.close()
    out = passed(site.intake("run", "--once"))  # a value under a key not held stops no run
    assert "2 quarantined" in out
    after = states(site)
    assert after[first] == after[second] == MessageState.QUARANTINED.value
    assert all(state in DONE for pk, state in after.items() if pk not in (first, second))
    status = passed(site.intake("status"))
    assert f"#{first}" in status and "does not decrypt" in status
    report = json.loads(passed(site.intake("status", "--json")))
    assert next(r for r in report if r["office"] == OFFICE)["quarantined"] == 2
    assert "not in" in status  # the key id not held is named
    passed(site.intake("digest", "--no-send"))

    dry = json.loads(passed(site.intake("requeue", "--all", "--dry-run", "--json")))
    assert [r["message"] for r in dry["requeued"]] == [first, second] and dry["dry_run"] is True
    assert states(site)[first] == MessageState.QUARANTINED.value
    store = site.store()
    try:
        with store.session() as db:  # the cause is fixed: the value is restored
            db.execute(
                text("UPDATE messages SET subject = :s WHERE id = :id"),
                {"s": original, "id": first},
            )
    finally:
        store.close()
    out = passed(site.intake("requeue", "--message", str(first)))
    assert f"mail #{first}" in out and "put back" in out
    assert states(site)[first] == MessageState.READ.value
    passed(site.intake("run", "--once"))
    assert states(site)[first] in DONE
    assert states(site)[second] == MessageState.QUARANTINED.value
    store = site.store()
    try:
        with store.session() as db:
            rows = db.execute(select(AuditEntry).where(AuditEntry.action == "requeue")).scalars()
            details = [(r.actor, r.detail or "") for r in rows]
    finally:
        store.close()
    assert len(details) == 1 and f"mail {first}" in details[0][1]
    assert details[0][0] not in ("", "worker")
    again = site.intake("requeue", "--message", str(first))
    assert again.returncode == 1 and "not quarantined" in again.stdout


@pytest.fixture
def pg_url() -> Iterator[str]:
    yield from fresh_pg_database()


def test_two_workers_on_one_postgresql_must_share_the_files_folder(
    tmp_path: Path, pg_url: str
) -> None:
    first = make_site(tmp_path / "a", pg_url)
    first.deliver(1)
    passed(first.intake("run", "--once"))
    second = make_site(tmp_path / "b", pg_url)
    second.key_file.write_bytes(first.key_file.read_bytes())  # the same keys: only the folder
    second.deliver(2)
    refused(second.intake("run", "--once"), str(second.files), "shared by every worker", "fix:")
    assert not (second.files / MARKER).exists()
    assert len(states(first)) == 1  # nothing was stored by the refused worker
    shared = make_site(tmp_path / "c", pg_url, files=first.files)
    shared.key_file.write_bytes(first.key_file.read_bytes())
    shared.deliver(3)
    passed(shared.intake("run", "--once"))
    passed(first.intake("run", "--once"))
    assert len(states(first)) == 2 and set(states(first).values()) <= DONE
