"""The files in an S3-compatible bucket (a real SeaweedFS on loopback): the pipeline stores and
reads mail and attachments through the bucket, encrypted; workers of one database share the
bucket, and another database's deployment is refused it; a missing bucket, a server nobody
answers at and refused keys stop the start with one line; an outage in the middle of a run
loses nothing."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select

from intake.commands.demo import local_config
from intake.errors import PermanentError
from intake.privacy import crypto
from intake.runtime.service import Deployment, open_deployment, run_once
from intake.settings import Settings, load_settings
from intake.store.identity import (
    ForeignFilesFolder,
    UnreachableFiles,
    UnreachableFilesStore,
    check_files_reachable,
)
from intake.store.s3files import S3FileStore, S3Place, s3_client
from intake.store.tables import Message, MessageState, OutboxMail
from tests.integration.test_encryption import ID_NUMBER, filing_mail
from tests.s3server import SeaweedS3, start_seaweed
from tests.servers import free_port

NOW = datetime(2026, 6, 1, 2, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def s3() -> Iterator[SeaweedS3]:
    server = start_seaweed()
    try:
        yield server
    finally:
        server.close()


def s3_settings(
    folder: Path,
    server: SeaweedS3,
    bucket: str,
    prefix: str = "xingtai/",
    mails: int = 1,
    *,
    database: str | None = None,
    endpoint: str | None = None,
    timeout: int = 10,
) -> Settings:
    """A local-folder deployment in `folder` whose files are in `bucket` under `prefix`, with
    `mails` filing mails waiting for office 130582."""
    mailboxes = folder / "mailboxes"
    path = local_config(folder, database, mailboxes)
    text = path.read_text(encoding="utf-8")
    text = text.replace(
        "\n[schedule]",
        f'\n[files]\nstore = "s3"\nendpoint = "{endpoint or server.endpoint}"\n'
        f'bucket = "{bucket}"\nprefix = "{prefix}"\ntimeout_seconds = {timeout}\n\n[schedule]',
        1,
    )
    path.write_text(text, encoding="utf-8")
    settings = load_settings(path, server.environ())
    for office in settings.offices:
        (mailboxes / office.code).mkdir(parents=True, exist_ok=True)
    for index in range(mails):
        (mailboxes / "130582" / f"{index}.eml").write_bytes(filing_mail(sender=f"r{index}@qq.com"))
    return settings


def open_s3(settings: Settings, server: SeaweedS3) -> Deployment:
    return open_deployment(settings, server.environ(), lambda: NOW)


def test_the_pipeline_stores_and_reads_its_files_through_the_bucket(
    tmp_path: Path, s3: SeaweedS3
) -> None:
    s3.make_bucket("xt-pipeline")
    settings = s3_settings(tmp_path, s3, "xt-pipeline")
    assert "[files]" in settings.path.read_text(encoding="utf-8")
    deployment = open_s3(settings, s3)
    try:
        assert isinstance(deployment.files, S3FileStore)
        run_once(deployment)
        with deployment.store.session() as db:
            message = db.execute(select(Message)).scalar_one()
            assert message.state == MessageState.DECIDED.value or message.state in {
                MessageState.REPLIED.value
            }
            sha = message.sha256
            reply = db.execute(select(OutboxMail)).scalars().first()
            assert reply is not None
            reply_sha = reply.raw_sha256
        assert ID_NUMBER.encode() in deployment.files.read("raw", sha, ".eml")
        assert b"Auto-Submitted" in deployment.files.read("out", reply_sha, ".eml")
        stored = s3.objects("xt-pipeline", "xingtai/")
        kinds = {key.split("/")[1] for key in stored if key != "xingtai/STORE-ID"}
        assert {"raw", "att", "out"} <= kinds
        assert f"xingtai/raw/{sha[:2]}/{sha}.eml" in stored
        kid = deployment.keyring.current.kid
        for key, data in stored.items():
            if key == "xingtai/STORE-ID":
                continue
            assert data.startswith(crypto.MAGIC), key  # only ciphertext leaves the process
            assert ID_NUMBER.encode() not in data
            assert deployment.files.key_id(*_parts(key)) == kid
        local = [p for p in settings.storage.files.rglob("*") if p.is_file()]
        assert not [p for p in local if p.parent.parent.name in {"raw", "att", "out"}]
    finally:
        deployment.close()


def test_the_bucket_store_keeps_large_files_and_rotates_their_key(
    tmp_path: Path, s3: SeaweedS3
) -> None:
    s3.make_bucket("xt-adapter")
    old = crypto.Keyring((crypto.new_key(),), "test")
    place = S3Place(s3.endpoint, "xt-adapter", "us-east-1", "a/")
    files = S3FileStore(s3_client(place, s3.environ()), place, tmp_path, old)
    chunks = [bytes([n]) * (1 << 20) for n in range(3)]  # three segments and more
    digest, location, size = files.put_stream("att", iter(chunks), ".pdf")
    assert size == 3 << 20 and location == f"s3://xt-adapter/a/att/{digest[:2]}/{digest}.pdf"
    assert files.put_stream("att", iter(chunks), ".pdf")[0] == digest  # kept once
    with files.open_read("att", digest, ".pdf") as stream:
        assert [len(piece) for piece in stream] == [1 << 20] * 3
    small, _ = files.put("raw", b"mail", ".eml")
    assert sorted((k, d, x) for k, d, x, _ in files.stored_files()) == sorted(
        [("att", digest, ".pdf"), ("raw", small, ".eml")]
    )
    assert (files.size("att", digest, ".pdf") or 0) > size  # ciphertext: header and tags
    new = crypto.Keyring((crypto.new_key(), *old.keys), "test")
    rotated = files.with_keyring(new)
    assert rotated.rewrap("att", digest, ".pdf") and not rotated.rewrap("att", digest, ".pdf")
    assert rotated.key_id("att", digest, ".pdf") == new.current.kid
    assert rotated.read("att", digest, ".pdf") == b"".join(chunks)
    with pytest.raises(crypto.DecryptionError):
        files.read("att", digest, ".pdf")  # the old keyring lacks the new key
    assert files.delete("raw", small, ".eml") and not files.exists("raw", small, ".eml")
    assert not files.delete("raw", small, ".eml")
    with pytest.raises(PermanentError, match="stored file missing: s3://xt-adapter/a/raw/"):
        files.read("raw", small, ".eml")


def _parts(key: str) -> tuple[str, str, str]:
    _prefix, kind, _sub, name = key.split("/")
    return kind, name[:64], name[64:]


def test_workers_of_one_database_share_the_bucket_and_another_database_is_refused(
    tmp_path: Path, s3: SeaweedS3
) -> None:
    s3.make_bucket("xt-common")
    first_settings = s3_settings(tmp_path / "first", s3, "xt-common")
    first = open_s3(first_settings, s3)
    try:
        run_once(first)
        with first.store.session() as db:
            sha = db.execute(select(Message.sha256)).scalar_one()
    finally:
        first.close()
    # A second worker of the same database, on another host: its own local folder, same bucket.
    other_host = replace(
        first_settings,
        storage=replace(first_settings.storage, files=tmp_path / "host-b" / "files"),
    )
    second = open_s3(other_host, s3)
    try:
        check_files_reachable(second.store, second.files)
        assert ID_NUMBER.encode() in second.files.read("raw", sha, ".eml")
        # A mail the database holds but the bucket lacks: the worker would not start.
        raw = s3.objects("xt-common", "xingtai/raw/")
        s3.client().delete_object(Bucket="xt-common", Key=f"xingtai/raw/{sha[:2]}/{sha}.eml")
        with pytest.raises(
            UnreachableFiles, match=r"files store s3://xt-common/xingtai/ .*lacks 1"
        ):
            check_files_reachable(second.store, second.files)
        key = f"xingtai/raw/{sha[:2]}/{sha}.eml"
        s3.client().put_object(Bucket="xt-common", Key=key, Body=raw[key])
    finally:
        second.close()
    # Another database pointed at the same place is refused, with nothing written.
    before = s3.objects("xt-common", "xingtai/")
    stranger = s3_settings(tmp_path / "stranger", s3, "xt-common")
    with pytest.raises(
        ForeignFilesFolder,
        match=r"files store s3://xt-common/xingtai/ .*"
        r"belongs to another store",
    ) as refused:
        open_s3(stranger, s3)
    assert "\n" not in str(refused.value) and "[files] bucket and prefix" in str(refused.value)
    assert s3.objects("xt-common", "xingtai/") == before
    # The same bucket under its own prefix is a store of its own: both live side by side.
    neighbour = s3_settings(tmp_path / "neighbour", s3, "xt-common", prefix="other-city/")
    opened = open_s3(neighbour, s3)
    try:
        run_once(opened)
    finally:
        opened.close()
    markers = {k: v for k, v in s3.objects("xt-common").items() if k.endswith("STORE-ID")}
    assert set(markers) == {"xingtai/STORE-ID", "other-city/STORE-ID"}
    assert len(set(markers.values())) == 2


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        ("no bucket", r"bucket xt-nowhere does not exist .*fix: create it"),
        ("no server", r"unreachable while checking the bucket.*fix: make the object store"),
        ("wrong keys", r"credentials refused .*fix: set INTAKE_S3_ACCESS_KEY_ID"),
        ("keys not set", r"INTAKE_S3_ACCESS_KEY_ID is not set .*fix: export"),
    ],
)
def test_a_worker_that_cannot_use_the_bucket_refuses_to_start_with_one_line(
    tmp_path: Path, s3: SeaweedS3, case: str, expected: str
) -> None:
    s3.make_bucket("xt-refusals")
    environ = s3.environ()
    bucket, endpoint = "xt-refusals", None
    if case == "no bucket":
        bucket = "xt-nowhere"
    elif case == "no server":
        endpoint = f"http://127.0.0.1:{free_port()}"
    elif case == "wrong keys":
        environ["INTAKE_S3_SECRET_ACCESS_KEY"] = "not-the-secret"
    else:
        environ = {}
    settings = s3_settings(tmp_path, s3, bucket, endpoint=endpoint)
    with pytest.raises(UnreachableFilesStore, match=expected) as refused:
        open_deployment(settings, environ, lambda: NOW)
    assert "\n" not in str(refused.value) and "nothing was started" in str(refused.value)
    assert not (tmp_path / "files" / "STORE-ID").exists()


class PausingClient:
    """A real boto3 client that brings the real server to a halt right after its `after`-th
    stored object (the outage comes in the middle of a run, at a known point)."""

    def __init__(self, client: Any, server: SeaweedS3, after: int) -> None:
        self._client = client
        self._server = server
        self._left = after

    def put_object(self, **kwargs: Any) -> Any:
        answer = self._client.put_object(**kwargs)
        self._left -= 1
        if self._left == 0:
            self._server.pause()
        return answer

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)


def test_an_outage_in_the_middle_of_a_run_loses_nothing(tmp_path: Path, s3: SeaweedS3) -> None:
    s3.make_bucket("xt-outage")
    settings = s3_settings(tmp_path, s3, "xt-outage", mails=3)
    deployment = open_s3(settings, s3)
    try:
        files = deployment.files
        assert isinstance(files, S3FileStore)
        real = s3_client(files.place, s3.environ(), timeout_seconds=2, attempts=1)
        deployment.files = S3FileStore(
            PausingClient(real, s3, after=4), files.place, files.root, files.keyring
        )
        try:
            interrupted = run_once(deployment)
        finally:
            s3.resume()
        with deployment.store.session() as db:
            states = list(db.execute(select(Message.state, Message.attempts)))
        assert "unreachable" in str(interrupted.pipeline.interrupted) + str(
            [poll for poll in interrupted.polls]
        ) + str(interrupted.problems)
        assert all(state != MessageState.QUARANTINED.value for state, _ in states)
        assert all(attempts == 0 for _, attempts in states)
        assert (
            not all(state == MessageState.DECIDED.value for state, _ in states) or len(states) < 3
        )  # the outage stopped the run short of the end
        deployment.files = files
        run_once(deployment)
        run_once(deployment)
        with deployment.store.session() as db:
            final = list(db.execute(select(Message.state)).scalars())
            replies = db.execute(
                select(OutboxMail.message_pk, func.count()).group_by(OutboxMail.message_pk)
            ).all()
        assert len(final) == 3
        assert set(final) <= {MessageState.DECIDED.value, MessageState.REPLIED.value}
        assert len(replies) == 3 and all(count == 1 for _, count in replies)
    finally:
        deployment.files = files
        deployment.close()
