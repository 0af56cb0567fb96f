"""Digests made by two processes at once, and the mail between one digest and the next.

A digest is claimed (its office-and-day row) before anything is written: a second maker that
finds the row taken by an open transaction waits for it and then stands down, writing no file
and queuing no mail, so the files kept are those of the digest that was mailed. Every mail
falls in exactly one digest's activity list: from the previous day's `digest_at` to this day's.
"""

from __future__ import annotations

import threading
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from sqlalchemy import func, select

from intake.digesting.digests import activity_window, make_digest
from intake.settings import Settings, load_settings
from intake.store.database import Store
from intake.store.files import FileStore
from intake.store.tables import Digest, Message, OutboxMail
from tests import factories

OFFICE = "130582"
DAY = date(2026, 5, 12)
AT_DIGEST_TIME = datetime(2026, 5, 12, 9, 45, tzinfo=UTC)  # 17:45 in Xingtai, after 17:30


def settings_for(tmp_path: Path, store_url: str) -> Settings:
    config = factories.loopback_config(
        tmp_path,
        imap_port=143,
        smtp_port=25,
        offices={OFFICE: "shhlwxxb@163.com"},
        database_url=store_url,
        digest_at="17:30",
    )
    settings = load_settings(config, {"PW": "x"})
    assert settings.enabled_offices and settings.enabled_offices[0].digest_to, settings.problems
    return settings


def test_the_second_maker_of_a_digest_waits_and_stands_down(store_url: str, tmp_path: Path) -> None:
    settings = settings_for(tmp_path, store_url)
    office = settings.enabled_offices[0]
    store = Store.open(store_url)
    rival = Store.open(store_url)
    files = FileStore(tmp_path / "files")
    outcome: list[object] = []
    try:
        with rival.session() as held:
            # the other process has claimed the digest and not committed yet
            held.add(Digest(office=OFFICE, day=DAY.isoformat(), made_at=AT_DIGEST_TIME))
            held.flush()
            maker = threading.Thread(
                target=lambda: outcome.append(
                    make_digest(settings, store, files, office, DAY, AT_DIGEST_TIME)
                )
            )
            maker.start()
            maker.join(1.5)
            assert maker.is_alive(), "the second maker must wait for the first one's claim"
        maker.join(60)
        assert outcome == [None]
        assert not (files.root / "digests" / OFFICE / f"{DAY.isoformat()}.html").exists()
        with store.session() as db:
            assert db.execute(select(func.count()).select_from(OutboxMail)).scalar_one() == 0
            assert db.execute(select(func.count()).select_from(Digest)).scalar_one() == 1
    finally:
        store.close()
        rival.close()


def test_a_digest_made_once_keeps_the_files_it_mailed(store_url: str, tmp_path: Path) -> None:
    settings = settings_for(tmp_path, store_url)
    office = settings.enabled_offices[0]
    store = Store.open(store_url)
    files = FileStore(tmp_path / "files")
    try:
        made = make_digest(settings, store, files, office, DAY, AT_DIGEST_TIME)
        assert made is not None and made.queued == len(office.digest_to)
        again = make_digest(settings, store, files, office, DAY, AT_DIGEST_TIME)
        assert again is None
        with store.session() as db:
            row = db.execute(select(Digest)).scalar_one()
        assert row.html_path == str(made.html_path) and made.html_path.read_text().strip()
        assert not list(made.html_path.parent.glob(".tmp-*"))
    finally:
        store.close()


def stored_at(store: Store, when: datetime, number: int) -> None:
    with store.session() as db:
        db.add(
            Message(
                sha256=f"{number:064x}",
                body_sha256=f"{number:064x}",
                size=10,
                office=OFFICE,
                folder="INBOX",
                stored_at=when,
                from_addr=f"sender{number}@qq.com",
                nature="question",
                state="decided",
            )
        )


def test_mail_after_digest_time_is_in_the_next_days_digest(
    sqlite_store: Store, tmp_path: Path
) -> None:
    settings = settings_for(tmp_path, f"sqlite:///{tmp_path / 'intake.db'}")
    office = settings.enabled_offices[0]
    files = FileStore(tmp_path / "files")
    start, end = activity_window(DAY, settings.schedule.digest_at)
    assert end - start == timedelta(days=1)
    stored_at(sqlite_store, end - timedelta(minutes=5), 1)  # 17:25, before the digest
    stored_at(sqlite_store, end + timedelta(minutes=20), 2)  # 17:50, after it
    first = make_digest(settings, sqlite_store, files, office, DAY, end + timedelta(minutes=15))
    second = make_digest(
        settings, sqlite_store, files, office, DAY + timedelta(days=1), end + timedelta(days=1)
    )
    assert first is not None and second is not None
    first_html = first.html_path.read_text(encoding="utf-8")
    second_html = second.html_path.read_text(encoding="utf-8")
    assert "sender1@qq.com" in first_html and "sender2@qq.com" not in first_html
    assert "sender2@qq.com" in second_html and "sender1@qq.com" not in second_html
    assert "昨 17:50" in second_html and "自昨 17:30起" in second_html
