"""Polling a real Dovecot: stored once, fetched once, never marked seen, faults survived."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from imap_tools import MailBoxUnencrypted
from sqlalchemy import func, select

from intake.fetching.fetcher import PollReport, poll_office
from intake.fetching.looks import FULL_LOOK_EVERY
from intake.mailbox.base import MailboxProblem
from intake.mailbox.imap import ImapAdapter, ImapSession
from intake.settings import Endpoint, OfficeSettings, Security
from intake.store.database import Store
from intake.store.files import FileStore
from intake.store.tables import MailboxEntry, Message, PollState
from tests import factories
from tests.servers import CuttingProxy, Dovecot

USER, PASSWORD = "shhlwxxb@163.com", "code-130582"


def now() -> datetime:
    return datetime.now(UTC)


def append(server: Dovecot, raws: list[bytes], folder: str = "INBOX") -> None:
    with MailBoxUnencrypted("127.0.0.1", server.port) as box:
        box.login(USER, PASSWORD, initial_folder=None)
        if not box.folder.exists(folder):
            box.folder.create(folder)
        for raw in raws:
            box.append(raw, folder, flag_set=())


def adapter_for(office: OfficeSettings, password: str = PASSWORD) -> ImapAdapter:
    return ImapAdapter({office.code: (office.imap, office.mailbox, password)})


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    store = Store.open(store_url)
    yield store
    store.close()


def count(store: Store, table: type) -> int:
    with store.session() as db:
        return int(db.execute(select(func.count()).select_from(table)).scalar_one())


def test_first_poll_stores_all_second_fetches_nothing_then_new_mail(
    dovecot: Dovecot, store: Store, tmp_path: Path
) -> None:
    office = factories.office(port=dovecot.port)
    files = FileStore(tmp_path / "files")
    append(dovecot, [factories.mail(subject=f"备案 {i}") for i in range(5)])

    first = poll_office(office, adapter_for(office), store, files, now)
    assert first.ok, first.summary()
    assert first.fetched == 5
    assert count(store, Message) == 5
    raw_files = list((tmp_path / "files" / "raw").rglob("*.eml"))
    assert len(raw_files) == 5
    assert all(p.stat().st_mode & 0o777 == 0o600 for p in raw_files)
    assert (tmp_path / "files").stat().st_mode & 0o777 == 0o700

    second = poll_office(office, adapter_for(office), store, files, now)
    assert second.ok and second.fetched == 0
    assert count(store, Message) == 5

    append(dovecot, [factories.mail(subject="新来的")])
    third = poll_office(office, adapter_for(office), store, files, now)
    assert third.fetched == 1
    assert count(store, Message) == 6


def test_poll_never_marks_seen(dovecot: Dovecot, store: Store, tmp_path: Path) -> None:
    office = factories.office(port=dovecot.port)
    append(dovecot, [factories.mail()])
    poll_office(office, adapter_for(office), store, FileStore(tmp_path / "f"), now)
    with MailBoxUnencrypted("127.0.0.1", dovecot.port) as box:
        box.login(USER, PASSWORD)
        flags = [m.flags for m in box.fetch(mark_seen=False)]
    assert len(flags) == 1
    assert "\\Seen" not in flags[0] and "\\Deleted" not in flags[0]


def test_junk_folder_polled_by_default_and_same_mail_in_two_folders_stored_once(
    dovecot: Dovecot, store: Store, tmp_path: Path
) -> None:
    office = factories.office(port=dovecot.port)
    same = factories.mail(subject="被当成垃圾邮件的备案")
    append(dovecot, [factories.mail(subject="收件箱")])
    append(dovecot, [same], folder="垃圾邮件")
    append(dovecot, [same], folder="INBOX")
    report = poll_office(office, adapter_for(office), store, FileStore(tmp_path / "f"), now)
    assert [f.folder for f in report.folders] == ["INBOX", "垃圾邮件"]
    assert report.ok
    assert count(store, MailboxEntry) == 3
    assert count(store, Message) == 2


def test_missing_configured_folder_is_reported_and_others_go_on(
    dovecot: Dovecot, store: Store, tmp_path: Path
) -> None:
    office = factories.office(port=dovecot.port, folders=("INBOX", "不存在的文件夹"))
    append(dovecot, [factories.mail()])
    report = poll_office(office, adapter_for(office), store, FileStore(tmp_path / "f"), now)
    assert report.fetched == 1
    missing = report.folders[1]
    assert missing.error is not None and "does not exist" in missing.error
    with store.session() as db:
        state = db.execute(select(PollState).where(PollState.folder == "*")).scalar_one()
        assert state.last_result == "failed" and "不存在的文件夹" in (state.last_error or "")


def test_uidvalidity_reset_rescans_without_storing_twice(
    dovecot: Dovecot, store: Store, tmp_path: Path
) -> None:
    office = factories.office(port=dovecot.port)
    files = FileStore(tmp_path / "f")
    append(dovecot, [factories.mail(subject=f"m{i}") for i in range(3)])
    assert poll_office(office, adapter_for(office), store, files, now).fetched == 3
    subprocess.run(
        [
            "doveadm",
            "-c",
            str(dovecot.folder / "dovecot.conf"),
            "mailbox",
            "update",
            "-u",
            USER,
            "--uid-validity",
            "42",
            "INBOX",
        ],
        check=True,
    )
    append(dovecot, [factories.mail(subject="after reset")])
    report = poll_office(office, adapter_for(office), store, files, now)
    assert report.folders[0].rescanned
    assert report.fetched == 1, report.summary()
    assert count(store, Message) == 4
    with store.session() as db:
        validities = set(db.execute(select(MailboxEntry.uidvalidity)).scalars())
    assert 42 in validities and len(validities) == 2


def test_connection_dropped_mid_fetch_then_next_poll_finishes(
    dovecot: Dovecot, store: Store, tmp_path: Path
) -> None:
    files = FileStore(tmp_path / "f")
    append(dovecot, [factories.mail(subject=f"big {i}", size_padding=200_000) for i in range(4)])
    proxy = CuttingProxy(dovecot.port, cut_after=300_000)
    try:
        office = factories.office(port=proxy.port)
        first = poll_office(office, adapter_for(office), store, files, now)
    finally:
        proxy.close()
    assert not first.ok
    assert "closed the connection" in (first.folders[0].error or first.error or "")
    stored_after_cut = count(store, Message)
    assert stored_after_cut < 4
    office = factories.office(port=dovecot.port)
    second = poll_office(office, adapter_for(office), store, files, now)
    assert second.ok and second.fetched == 4 - stored_after_cut
    assert count(store, Message) == 4


def test_wrong_password_is_named(dovecot: Dovecot, store: Store, tmp_path: Path) -> None:
    office = factories.office(port=dovecot.port)
    report = poll_office(
        office, adapter_for(office, "wrong"), store, FileStore(tmp_path / "f"), now
    )
    assert report.error is not None and "wrong authorization code" in report.error


def test_unreachable_and_tls_failures_are_named(dovecot: Dovecot) -> None:
    from tests.servers import free_port

    with pytest.raises(Exception) as unreachable:
        ImapSession(Endpoint("127.0.0.1", free_port(), Security.NONE, None, 5), USER, PASSWORD)
    assert getattr(unreachable.value, "problem", None) is MailboxProblem.UNREACHABLE
    with pytest.raises(Exception) as tls:
        ImapSession(Endpoint("127.0.0.1", dovecot.port, Security.SSL, None, 5), USER, PASSWORD)
    assert getattr(tls.value, "problem", None) is MailboxProblem.TLS_FAILURE


def test_ssl_with_trusted_certificate_works(dovecot: Dovecot, store: Store, tmp_path: Path) -> None:
    office = factories.office(
        port=dovecot.tls_port, security=Security.SSL, ca_file=str(dovecot.cert)
    )
    append(dovecot, [factories.mail()])
    report = poll_office(office, adapter_for(office), store, FileStore(tmp_path / "f"), now)
    assert report.ok and report.fetched == 1


def test_the_test_dovecot_leaves_nothing_behind() -> None:
    from tests.servers import start_dovecot

    server = start_dovecot({"shhlwxxb@163.com": "code"})
    folder = server.folder
    assert (folder / "dovecot.conf").exists()
    server.close()
    assert server.process.poll() is not None and not folder.exists()


def test_an_idle_poll_asks_status_only_and_new_mail_or_an_hour_opens_the_folder(
    dovecot: Dovecot, store: Store, tmp_path: Path
) -> None:
    office = factories.office(port=dovecot.port)
    files = FileStore(tmp_path / "f")
    clock = [now()]

    def poll() -> PollReport:
        return poll_office(office, adapter_for(office), store, files, lambda: clock[0])

    append(dovecot, [factories.mail(subject="一")])
    first = poll()
    assert first.fetched == 1 and not first.folders[0].unchanged
    idle = poll()
    assert idle.ok and idle.fetched == 0 and idle.folders[0].unchanged
    append(dovecot, [factories.mail(subject="二")])
    new = poll()
    assert new.fetched == 1 and not new.folders[0].unchanged and len(new.stored) == 1
    # a server that got UIDNEXT wrong: a mail comes, and the remembered UIDNEXT moves with it
    append(dovecot, [factories.mail(subject="三")])
    with store.session() as db:
        state = db.execute(select(PollState).where(PollState.folder == "INBOX")).scalar_one()
        assert state.uidnext is not None
        state.uidnext += 1
    hidden = poll()
    assert hidden.folders[0].unchanged and hidden.fetched == 0
    clock[0] += FULL_LOOK_EVERY  # late, never lost: the hourly complete look finds it
    late = poll()
    assert late.fetched == 1 and not late.folders[0].unchanged
    assert count(store, Message) == 3


def test_capabilities_come_from_the_greeting_but_are_asked_again_after_starttls(
    dovecot: Dovecot,
) -> None:
    plain = ImapSession(Endpoint("127.0.0.1", dovecot.port, Security.NONE, None, 5), USER, PASSWORD)
    try:
        client = plain._box.client
        assert "IDLE" in client.capabilities and plain.supports_idle()
        assert client.tagnum == 2  # LOGIN and ID: no CAPABILITY asked
        status = plain.status("INBOX")
        assert status is not None and status.uidnext >= 1
    finally:
        plain.close()
    tls = ImapSession(
        Endpoint("127.0.0.1", dovecot.port, Security.STARTTLS, str(dovecot.cert), 5),
        USER,
        PASSWORD,
    )
    try:
        assert tls._box.client.tagnum == 4  # STARTTLS, CAPABILITY (over TLS), LOGIN, ID
        assert tls.status("INBOX") is not None
    finally:
        tls.close()
