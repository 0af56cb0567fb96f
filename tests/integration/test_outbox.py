"""The outbox rules on a real SQLite store and a local mailbox, with scripted server answers:
per-address daily cap, bounced addresses, NetEase's coded refusals, retries, sent copies."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from intake.mailbox.local import LocalFolderAdapter
from intake.sending.outbox import Outbox, next_midnight
from intake.settings import SendingSettings
from intake.store.database import Store
from intake.store.files import FileStore
from intake.store.tables import OutboxMail, OutboxState, SendState, Suppression
from notifications.smtp import SendOutcome, SendResult
from tests import factories

NOW = datetime(2020, 5, 10, 2, 0, tzinfo=UTC)  # 10:00 in Xingtai


class ScriptedTransport:
    """Answers each send with the next scripted result (then SENT), recording what it got."""

    def __init__(self, answers: list[SendResult] | None = None) -> None:
        self.answers = list(answers or [])
        self.sent: list[str] = []

    def send(self, envelope_from: str, recipient: str, raw: bytes) -> SendResult:
        self.sent.append(recipient)
        return self.answers.pop(0) if self.answers else SendResult(SendOutcome.SENT, 250, "ok")

    def close(self) -> None:
        pass


@pytest.fixture
def outbox(tmp_path: Path) -> Iterator[Outbox]:
    store = Store.open(f"sqlite:///{tmp_path / 'o.db'}")
    (tmp_path / "mail" / "130582").mkdir(parents=True)
    box = Outbox(
        store,
        FileStore(tmp_path / "files"),
        LocalFolderAdapter(tmp_path / "mail"),
        SendingSettings(seconds_between_sends=0),
        lambda: NOW,
    )
    yield box
    store.close()


def queue(outbox: Outbox, recipient: str, count: int = 1, kind: str = "ack") -> list[int]:
    ids = []
    for index in range(count):
        raw = factories.mail(subject=f"reply {index}", sender="shhlwxxb@163.com", to=recipient)
        digest, _ = outbox.files.put("out", raw, ".eml")
        with outbox.store.session() as db:
            row = OutboxMail(
                office="130582",
                kind=kind,
                recipient=recipient,
                message_id=f"r{index}-{recipient}@x",
                raw_sha256=digest,
                state=OutboxState.QUEUED.value,
                attempts=0,
                created_at=NOW,
            )
            db.add(row)
            db.flush()
            ids.append(row.id)
    return ids


def states(outbox: Outbox) -> list[str]:
    with outbox.store.session() as db:
        return list(db.execute(select(OutboxMail.state).order_by(OutboxMail.id)).scalars())


OFFICE = (factories.office(),)


def test_flood_from_one_address_gets_at_most_the_daily_cap(outbox: Outbox) -> None:
    queue(outbox, "flood@qq.com", 1000)
    transport = ScriptedTransport()
    report = outbox.drain(OFFICE, lambda o: transport)
    assert report.sent == 5 and report.suppressed == 995
    assert transport.sent == ["flood@qq.com"] * 5


def test_sub_addresses_of_one_mailbox_share_the_daily_cap(outbox: Outbox) -> None:
    for tag in range(1, 8):
        queue(outbox, f"Victim+{tag}@qq.com", 2)
    transport = ScriptedTransport()
    report = outbox.drain(OFFICE, lambda o: transport)
    assert report.sent == 5 and report.suppressed == 9
    assert len(transport.sent) == 5


def test_an_office_mailbox_gets_no_automatic_reply_but_its_digest(outbox: Outbox) -> None:
    queue(outbox, "XTQDWXB@126.com")  # another office (桥东区), in no config
    queue(outbox, "shhlwxxb+x@163.com")  # the sending office itself
    queue(outbox, "shhlwxxb@163.com", kind="digest")
    transport = ScriptedTransport()
    report = outbox.drain(OFFICE, lambda o: transport)
    assert transport.sent == ["shhlwxxb@163.com"] and report.suppressed == 2
    with outbox.store.session() as db:
        reasons = db.execute(
            select(OutboxMail.last_error).where(OutboxMail.state == OutboxState.SUPPRESSED.value)
        ).scalars()
        assert all("office mailbox" in (reason or "") for reason in reasons)


def test_no_mail_to_a_bounced_address_but_digests_are_not_capped(outbox: Outbox) -> None:
    with outbox.store.session() as db:
        db.add(
            Suppression(address="gone@qq.com", reason="hard_bounce", since=NOW - timedelta(days=3))
        )
    queue(outbox, "gone@qq.com")
    queue(outbox, "staff@163.com", 7, kind="digest")
    transport = ScriptedTransport()
    outbox.drain(OFFICE, lambda o: transport)
    assert "gone@qq.com" not in transport.sent and transport.sent.count("staff@163.com") == 7
    assert states(outbox)[0] == OutboxState.SUPPRESSED.value


def test_netease_throttling_holds_the_office(outbox: Outbox) -> None:
    queue(outbox, "a@qq.com", 3)
    transport = ScriptedTransport([SendResult(SendOutcome.BACK_OFF, 451, "MI:SFQ")])
    report = outbox.drain(OFFICE, lambda o: transport)
    assert report.held_offices == ["130582"] and report.sent == 0
    assert outbox.drain(OFFICE, lambda o: transport).held_offices == ["130582"]
    with outbox.store.session() as db:
        hold = db.execute(select(SendState)).scalar_one()
        assert hold.hold_until == NOW + timedelta(minutes=15)
    assert states(outbox) == [OutboxState.QUEUED.value] * 3


def test_daily_limit_stops_until_tomorrow_and_535_marks_login_broken(outbox: Outbox) -> None:
    queue(outbox, "a@qq.com")
    outbox.drain(
        OFFICE, lambda o: ScriptedTransport([SendResult(SendOutcome.STOP_TODAY, 550, "RP:TRC")])
    )
    with outbox.store.session() as db:
        hold = db.execute(select(SendState)).scalar_one()
        assert hold.hold_until == next_midnight(NOW)
        hold.hold_until = None
    outbox.drain(
        OFFICE, lambda o: ScriptedTransport([SendResult(SendOutcome.LOGIN_BROKEN, 535, "auth")])
    )
    with outbox.store.session() as db:
        hold = db.execute(select(SendState)).scalar_one()
        assert hold.login_broken and "wrong authorization code" in (hold.reason or "")


def test_refused_mail_fails_and_dropped_connection_retries_with_backoff(outbox: Outbox) -> None:
    queue(outbox, "spam-judged@qq.com")
    queue(outbox, "b@qq.com")
    transport = ScriptedTransport(
        [
            SendResult(SendOutcome.REJECTED, 554, "DT:SPM"),
            SendResult(SendOutcome.RETRY, None, "dropped"),
        ]
    )
    report = outbox.drain(OFFICE, lambda o: transport)
    assert report.failed == 1 and report.retrying == 1
    with outbox.store.session() as db:
        rows = list(db.execute(select(OutboxMail).order_by(OutboxMail.id)).scalars())
        assert rows[0].state == OutboxState.FAILED.value and "DT:SPM" in (rows[0].last_error or "")
        assert rows[1].state == OutboxState.QUEUED.value and rows[1].not_before == NOW + timedelta(
            minutes=2
        )


def test_sent_mail_is_copied_to_the_sent_folder_once(outbox: Outbox, tmp_path: Path) -> None:
    queue(outbox, "c@qq.com")
    outbox.drain(OFFICE, lambda o: ScriptedTransport())
    copies = list((tmp_path / "mail" / "130582" / "已发送").glob("*.eml"))
    assert len(copies) == 1
    with outbox.store.session() as db:
        assert db.execute(select(OutboxMail.appended)).scalar_one()


def test_status_tells_the_admin_about_a_broken_login(outbox: Outbox, tmp_path: Path) -> None:
    from intake.commands.status import as_table, office_statuses
    from intake.settings import load_settings

    queue(outbox, "a@qq.com")
    outbox.drain(
        OFFICE, lambda o: ScriptedTransport([SendResult(SendOutcome.LOGIN_BROKEN, 535, "auth")])
    )
    config = Path(__file__).resolve().parents[2] / "config" / "intake.toml"
    rows = {r.office: r for r in office_statuses(load_settings(config, {}), outbox.store, NOW)}
    assert rows["130582"].sending.startswith("login broken: SMTP login refused")
    assert rows["130502"].sending == "ok"
    assert "sending held" in as_table(list(rows.values()))


def test_office_cap_defers_the_rest_to_tomorrow_and_digests_still_go(tmp_path: Path) -> None:
    store = Store.open(f"sqlite:///{tmp_path / 'o.db'}")
    (tmp_path / "mail" / "130582").mkdir(parents=True)
    capped = Outbox(
        store,
        FileStore(tmp_path / "files"),
        LocalFolderAdapter(tmp_path / "mail"),
        SendingSettings(seconds_between_sends=0, replies_per_office_per_day=3),
        lambda: NOW,
    )
    try:
        for sender in range(5):
            queue(capped, f"r{sender}@qq.com")
        queue(capped, "staff@163.com", kind="digest")
        transport = ScriptedTransport()
        report = capped.drain(OFFICE, lambda o: transport)
        assert report.sent == 4 and report.deferred == 2  # 3 replies and the digest
        assert transport.sent == ["r0@qq.com", "r1@qq.com", "r2@qq.com", "staff@163.com"]
        with store.session() as db:
            waiting = (
                db.execute(select(OutboxMail).where(OutboxMail.state == OutboxState.QUEUED.value))
                .scalars()
                .all()
            )
            assert [w.recipient for w in waiting] == ["r3@qq.com", "r4@qq.com"]
            assert all(w.not_before == next_midnight(NOW) for w in waiting)
            from intake.digesting.digests import attention_rows

            lines = [row.detail for row in attention_rows(db, "130582")]
        assert any("2 封回复顺延至明天发出" in line for line in lines)
        again = capped.drain(OFFICE, lambda o: transport)  # later the same day: nothing more
        assert again.sent == 0 and len(transport.sent) == 4
    finally:
        store.close()
