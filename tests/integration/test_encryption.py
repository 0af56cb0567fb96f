"""Personal data at rest after a real pipeline run (SQLite file and PostgreSQL): no ID number or
ID image bytes in plain anywhere under the files folder or in the database; files 0600 in 0700
folders; large files streamed both ways; tampering named; key rotation, resumed and then with the
old key dropped, leaves everything readable."""

from __future__ import annotations

import base64
import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import select

from intake.commands.demo import local_config
from intake.errors import PermanentError
from intake.privacy import crypto, rekey
from intake.reading import read_message
from intake.runtime.service import Deployment, open_deployment, run_once
from intake.settings import load_settings
from intake.store.files import FileStore
from intake.store.tables import (
    Attachment,
    AuditEntry,
    Document,
    Filing,
    FilingEvent,
    Message,
)
from tests import factories

REPO = Path(__file__).resolve().parents[2]
ID_NUMBER = "11010519491231002X"
SCENARIO = REPO / "samples" / "scenarios" / "individual_complete" / "01-complete.eml"


def id_image() -> bytes:
    """A real ID-card photo from the sample scenarios."""
    reading = read_message(SCENARIO.read_bytes())
    return next(a.data for a in reading.attachments if a.name == "身份证正面.jpg")


def form_xlsx() -> bytes:
    return factories.form_xlsx(id_number=ID_NUMBER)


def filing_mail(sender: str = "zhang@qq.com", subject: str = "新媒体账号登记备案") -> bytes:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = "shhlwxxb@163.com"
    message["Subject"] = f"{subject} {ID_NUMBER}"
    message["Date"] = "Sun, 10 May 2020 09:30:00 +0800"
    message["Message-ID"] = f"<{os.urandom(6).hex()}@qq.com>"
    message.set_content(f"您好，我的身份证号码是 {ID_NUMBER}，附件是备案表和身份证。")
    message.add_attachment(
        form_xlsx(),
        maintype="application",
        subtype="vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        filename="备案表.xlsx",
    )
    message.add_attachment(id_image(), maintype="image", subtype="jpeg", filename="身份证正面.jpg")
    return message.as_bytes()


@pytest.fixture
def deployment(tmp_path: Path, store_url: str) -> Iterator[Deployment]:
    mailboxes = tmp_path / "mailboxes"
    (mailboxes / "130582").mkdir(parents=True)
    (mailboxes / "130582" / "1.eml").write_bytes(filing_mail())
    settings = load_settings(local_config(tmp_path, store_url, mailboxes), {})
    for office in settings.offices:
        (mailboxes / office.code).mkdir(exist_ok=True)
    opened = open_deployment(settings, {}, lambda: datetime.now(UTC))
    try:
        yield opened
    finally:
        opened.close()


def database_text(deployment: Deployment) -> bytes:
    """Everything the database holds, as bytes: the SQLite file (and WAL), or every PostgreSQL
    row as text."""
    url = deployment.store.engine.url
    if url.get_backend_name() == "sqlite":
        db = Path(str(url.database))
        return b"".join(p.read_bytes() for p in db.parent.glob(db.name + "*"))
    dsn = url.set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(dsn) as conn:
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public'"
            ).fetchall()
        ]
        return b"".join(
            str(
                conn.execute(f"SELECT string_agg(t::text, '\\n') FROM \"{t}\" t").fetchone()
            ).encode()
            for t in tables
        )


def files_bytes(root: Path) -> Iterator[tuple[Path, bytes]]:
    for path in root.rglob("*"):
        if path.is_file():
            yield path, path.read_bytes()


def test_no_id_number_or_image_in_plain_after_a_pipeline_run(deployment: Deployment) -> None:
    run_once(deployment)
    raw = filing_mail()
    image = id_image()
    image_slice = image[len(image) // 2 : len(image) // 2 + 48]
    body_line = base64.b64encode(image)[3800:3876]  # as the raw mail carries the image
    with deployment.store.session() as db:
        message = db.execute(select(Message)).scalar_one()
        form = next(
            d for d in db.execute(select(Document)).scalars() if d.kind == "registration_form"
        )
        # The store reads it all back in plain: the data is there, only not in the clear.
        assert message.body_text is not None and ID_NUMBER in message.body_text
        assert message.subject is not None and ID_NUMBER in message.subject
        assert form.fields is not None and form.fields["id_number"] == ID_NUMBER
        image_row = next(
            a for a in db.execute(select(Attachment)).scalars() if a.name == "身份证正面.jpg"
        )
        assert deployment.files.read("att", image_row.sha256) == image
        assert db.execute(select(Filing)).scalar_one().reference is not None
        assert ID_NUMBER.encode() in deployment.files.read("raw", message.sha256, ".eml")
    assert body_line in raw  # the check below would see the raw mail if it were plain
    stored = list(files_bytes(deployment.files.root))
    assert len(stored) >= 3
    for path, data in stored:
        for needle in (ID_NUMBER.encode(), image_slice, body_line, "张喆".encode()):
            assert needle not in data, f"{needle[:20]!r} in plain in {path}"
    everything = database_text(deployment)
    assert b"shhlwxxb@163.com" in everything or b"130582" in everything  # the dump is real
    for needle in (ID_NUMBER.encode(), "张喆".encode(), "沙河生活".encode()):
        assert needle not in everything, f"{needle!r} in plain in the database"


def test_modes_of_files_folders_and_database(deployment: Deployment) -> None:
    run_once(deployment)
    root = deployment.files.root
    assert stat.S_IMODE(root.stat().st_mode) == 0o700
    checked = 0
    for path in root.rglob("*"):
        mode = stat.S_IMODE(path.stat().st_mode)
        if path.is_dir():
            assert mode == 0o700, path
        else:
            assert mode == 0o600, path
            checked += 1
    assert checked >= 3
    key_file = deployment.settings.storage.key_file
    assert key_file is not None and stat.S_IMODE(key_file.stat().st_mode) == 0o600
    url = deployment.store.engine.url
    if url.get_backend_name() == "sqlite":
        assert stat.S_IMODE(Path(str(url.database)).stat().st_mode) == 0o600


def test_large_file_streams_both_ways_and_tampering_is_named(tmp_path: Path) -> None:
    files = FileStore(tmp_path / "files", crypto.Keyring((crypto.new_key(),)))
    block = os.urandom(1 << 16)
    chunks = [block] * 56  # 3.5 MiB in 64 KiB pieces: four segments, the last one short
    digest, path, size = files.put_stream("att", iter(chunks))
    assert size == 56 * len(block) and path == files.path_for("att", digest)
    assert digest == crypto_hash(chunks)
    assert block not in path.read_bytes()
    with files.open_read("att", digest) as stream:
        pieces = list(stream)
    assert len(pieces) == 4 and b"".join(pieces) == b"".join(chunks)
    with files.open_read("att", digest) as stream:
        assert stream.read(10) == block[:10] and len(stream.read()) == size - 10
    again = files.put_stream("att", iter(chunks))  # the same content: kept once
    assert again[0] == digest and len(list(path.parent.iterdir())) == 1
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x01
    path.write_bytes(bytes(data))
    with pytest.raises(PermanentError, match=str(path)):
        files.read("att", digest)
    other, _ = files.put("att", b"other content")
    files.path_for("att", other).replace(path)  # a valid file under the wrong name
    with pytest.raises(PermanentError, match="hash differs"):
        files.read("att", digest)


def crypto_hash(chunks: list[bytes]) -> str:
    import hashlib

    hasher = hashlib.sha256()
    for chunk in chunks:
        hasher.update(chunk)
    return hasher.hexdigest()


def test_rotation_resumes_and_old_key_can_be_dropped(deployment: Deployment) -> None:
    run_once(deployment)
    old = deployment.files.keyring
    # One file and one value from before encryption was switched on.
    legacy = FileStore(deployment.files.root)
    legacy_path = legacy.path_for("att", legacy_digest := _sha(b"plain legacy file"))
    legacy_path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    legacy_path.write_bytes(b"plain legacy file")
    with deployment.store.engine.begin() as conn:
        conn.exec_driver_sql(
            "UPDATE filing_events SET change = '{\"legacy\": true}' WHERE id = "
            "(SELECT MIN(id) FROM filing_events)"
        )
    before = rekey.census(deployment.store, deployment.files)
    assert before.files[rekey.PLAIN] == 1 and before.values[rekey.PLAIN] == 1
    rotated = old.with_new_current()
    seen = []
    stopped = rekey.reencrypt(
        deployment.store,
        deployment.files,
        rotated,
        should_stop=lambda: len(seen.append(1) or seen) > 3,
    )
    assert stopped.stopped and stopped.files_rewritten == 3
    mid = rekey.census(deployment.store, deployment.files)
    assert mid.files[rotated.current.kid] == 3 and mid.outside(rotated.current.kid) > 0
    report = rekey.reencrypt(deployment.store, deployment.files, rotated)
    assert not report.stopped and report.files_current == 3 and report.values_rewritten > 0
    after = rekey.census(deployment.store, deployment.files)
    assert after.outside(rotated.current.kid) == 0 and after.values[rotated.current.kid] > 0
    # The old key is gone: everything still reads.
    only_new = rotated.only_current()
    new_store = deployment.store.with_keyring(only_new)
    files = FileStore(deployment.files.root, only_new)
    assert files.read("att", legacy_digest) == b"plain legacy file"
    assert crypto.file_key_id(legacy_path) == only_new.current.kid
    with new_store.session() as db:
        message = db.execute(select(Message)).scalar_one()
        assert ID_NUMBER.encode() in files.read("raw", message.sha256, ".eml")
        assert message.body_text is not None and ID_NUMBER in message.body_text
        for attachment in db.execute(select(Attachment)).scalars():
            if attachment.size:
                assert len(files.read("att", attachment.sha256)) == attachment.size
        events = [
            e.change for e in db.execute(select(FilingEvent).order_by(FilingEvent.id)).scalars()
        ]
        assert events[0] == {"legacy": True}
    new_store.close()
    # And the old key alone no longer reads them.
    old_store = deployment.store.with_keyring(old.only_current())
    with pytest.raises(PermanentError, match="not in"), old_store.session() as db:
        db.execute(select(Message)).scalar_one()
    old_store.close()


def _sha(data: bytes) -> str:
    import hashlib

    return hashlib.sha256(data).hexdigest()


def intake_cli(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "intake.commands.cli", *args],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=REPO,
        env={k: v for k, v in os.environ.items() if k != "INTAKE_KEYS"},  # the key file
    )


def test_keys_commands(deployment: Deployment, tmp_path: Path) -> None:
    run_once(deployment)
    config = str(deployment.settings.path)
    key_file = deployment.settings.storage.key_file
    assert key_file is not None
    fresh = tmp_path / "elsewhere" / "keys"
    made = intake_cli("keys", "new", "--out", str(fresh), "--config", config)
    assert made.returncode == 0 and stat.S_IMODE(fresh.stat().st_mode) == 0o600
    assert crypto.load_keyring(fresh, {}).current.kid in made.stdout
    again = intake_cli("keys", "new", "--out", str(fresh), "--config", config)
    assert again.returncode == 1 and "exists already" in again.stderr
    old = crypto.load_keyring(key_file, {})
    rotated = intake_cli("keys", "rotate", "--config", config)
    assert rotated.returncode == 0, rotated.stderr
    new = crypto.load_keyring(key_file, {})
    assert new.keys[1:] == old.keys and new.current.kid in rotated.stdout
    assert "re-encrypted" in rotated.stdout
    check = intake_cli("keys", "check", "--config", config)
    assert check.returncode == 0 and f"{new.current.kid} (current)" in check.stdout
    assert old.current.kid not in check.stdout.split("current", 1)[1]  # nothing left under it
    dropped = intake_cli("keys", "rotate", "--continue", "--drop-old", "--config", config)
    assert dropped.returncode == 0, dropped.stderr
    assert crypto.load_keyring(key_file, {}).keys == (new.current,)
    status = intake_cli("status", "--config", config)
    assert status.returncode == 0, status.stderr
    with deployment.store.session() as db:
        rows = db.execute(select(AuditEntry).where(AuditEntry.action == "keys.rotate")).all()
        assert len(rows) == 2
    key_file.chmod(0o644)
    refused = intake_cli("status", "--config", config)
    assert refused.returncode == 1
    assert refused.stderr.strip() == (
        f"intake: key file {key_file} can be read by group or others (mode 0644) "
        f"(fix: chmod 600 {key_file})"
    )


def test_no_key_stops_with_the_fix(tmp_path: Path) -> None:
    text = (REPO / "config" / "intake.toml").read_text(encoding="utf-8")
    text = text.replace("sqlite:///var/intake.db", f"sqlite:///{tmp_path / 'x.db'}")
    text = text.replace('files = "var/files"', f'files = "{tmp_path / "files"}"')
    config = tmp_path / "intake.toml"
    config.write_text(text, encoding="utf-8")
    run = intake_cli("status", "--config", str(config))
    assert run.returncode == 1
    assert run.stderr.strip().splitlines() == [
        "intake: no encryption key for personal data: neither INTAKE_KEYS nor [storage] key_file "
        'is set (fix: add key_file = "/etc/intake/keys" under [storage], then run intake keys new)'
    ]
    checked = intake_cli("config", "check", "--config", str(config))
    assert checked.returncode == 1
    assert f"error: {config}:10: storage.key_file: no encryption key" in checked.stdout
