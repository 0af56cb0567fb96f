"""The whole cycle on real servers: Dovecot (IMAP) in, aiosmtpd (SMTP) out, SQLite store.

A filing comes in and a request for the missing item goes out with the right headers; the
follow-up completes it and gets an acknowledgement; further runs send nothing; a run stopped
between decision and send sends each reply once; a send interrupted after the server took it is
settled from the sent folder; each office gets a digest with the right rows.
"""

from __future__ import annotations

import email
import io
from collections.abc import Iterator
from datetime import UTC, datetime
from email import policy
from pathlib import Path

import openpyxl
import pytest
from imap_tools import MailBoxUnencrypted
from sqlalchemy import select

from intake.digesting.digests import make_digest
from intake.runtime.service import Deployment, open_deployment, process, run_once, send_due
from intake.settings import load_settings
from intake.store.tables import OutboxMail, OutboxState
from tests import factories
from tests.servers import Dovecot, SmtpServer, start_smtp

REPO = Path(__file__).resolve().parents[2]
FOLLOW_UP = REPO / "samples" / "scenarios" / "individual_follow_up"
OFFICE, MAILBOX, CODE = "130502", "xtqdwxb@126.com", "code-130502"


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = start_smtp({MAILBOX: CODE})
    yield server
    server.stop()


def config(tmp_path: Path, dovecot: Dovecot, smtp: SmtpServer) -> Path:
    return factories.loopback_config(
        tmp_path,
        imap_port=dovecot.port,
        smtp_port=smtp.port,
        offices={OFFICE: MAILBOX},
        folders=None,
    )


def deploy(tmp_path: Path, dovecot: Dovecot, smtp: SmtpServer) -> Deployment:
    settings = load_settings(config(tmp_path, dovecot, smtp), {"PW": CODE})
    assert settings.enabled_offices, settings.problems
    from intake.parsing.engines import lazy_ocr

    return open_deployment(settings, {"PW": CODE}, ocr=lazy_ocr("rapidocr"))


def deliver(dovecot: Dovecot, raw: bytes, folder: str = "INBOX") -> None:
    with MailBoxUnencrypted("127.0.0.1", dovecot.port) as box:
        box.login(MAILBOX, CODE, initial_folder=None)
        for name in ("已发送", folder):
            if not box.folder.exists(name):
                box.folder.create(name)
        box.append(raw, folder, flag_set=())


def sent_folder_ids(dovecot: Dovecot) -> list[str]:
    with MailBoxUnencrypted("127.0.0.1", dovecot.port) as box:
        box.login(MAILBOX, CODE)
        box.folder.set("已发送")
        return [
            m.headers.get("message-id", ("",))[0]
            for m in box.fetch(mark_seen=False, headers_only=True)
        ]


def parsed(raw: bytes) -> email.message.EmailMessage:
    return email.message_from_bytes(raw, policy=policy.default)  # type: ignore[return-value]


def test_filing_in_reply_out_follow_up_ack_and_nothing_twice(
    dovecot: Dovecot, smtp: SmtpServer, tmp_path: Path
) -> None:
    deployment = deploy(tmp_path, dovecot, smtp)
    try:
        deliver(dovecot, (FOLLOW_UP / "01-form-only.eml").read_bytes())
        run_once(deployment)
        assert len(smtp.received) == 1
        sender, recipients, raw = smtp.received[0]
        reply = parsed(raw)
        assert sender == MAILBOX and recipients == ["wang.lei@163.com"]
        assert str(reply["From"]).endswith(f"<{MAILBOX}>") and "桥东区互联网信息办公室" in str(
            reply["From"]
        )
        assert reply["Auto-Submitted"] == "auto-replied"
        assert reply["X-Auto-Response-Suppress"] == "All"
        assert reply["In-Reply-To"] == "<s02-1@163.com>"
        assert "<s02-1@163.com>" in str(reply["References"])
        subject = str(reply["Subject"])
        assert subject.startswith("[备案 XT130502-") and subject.endswith("请补充材料")
        body = reply.get_body(("plain",))
        assert body is not None and "身份证复印件" in body.get_content()
        reference = subject.split()[1].rstrip("]")
        assert reply["Message-ID"].strip("<>") in {i.strip("<>") for i in sent_folder_ids(dovecot)}

        deliver(dovecot, (FOLLOW_UP / "02-id-later.eml").read_bytes())
        run_once(deployment)
        assert len(smtp.received) == 2
        ack = parsed(smtp.received[1][2])
        assert str(ack["Subject"]) == f"[备案 {reference}] 材料已收齐"

        run_once(deployment)
        run_once(deployment)
        assert len(smtp.received) == 2
    finally:
        deployment.close()


def test_stop_between_decision_and_send_sends_once(
    dovecot: Dovecot, smtp: SmtpServer, tmp_path: Path
) -> None:
    deployment = deploy(tmp_path, dovecot, smtp)
    deliver(dovecot, (FOLLOW_UP / "01-form-only.eml").read_bytes())
    from intake.runtime.service import poll_one

    office = deployment.settings.enabled_offices[0]
    poll_one(deployment, office, lambda: False)
    process(deployment, lambda: False)
    deployment.close()
    assert smtp.received == []
    again = deploy(tmp_path, dovecot, smtp)
    try:
        run_once(again)
        run_once(again)
        assert len(smtp.received) == 1
    finally:
        again.close()


def send_cut_off_after_the_servers_copy(deployment: Deployment, dovecot: Dovecot) -> None:
    """A reply queued and then left `sending`, as a kill between the server's 250 and our
    commit leaves it; the server kept its copy in 已发送."""
    from intake.runtime.service import poll_one

    deliver(dovecot, (FOLLOW_UP / "01-form-only.eml").read_bytes())
    poll_one(deployment, deployment.settings.enabled_offices[0], lambda: False)
    process(deployment, lambda: False)
    with deployment.store.session() as db:
        row = db.execute(select(OutboxMail)).scalar_one()
        row.state, row.attempts = OutboxState.SENDING.value, 1
        raw = deployment.files.read("out", row.raw_sha256, ".eml")
    deliver(dovecot, raw, folder="已发送")


def test_interrupted_send_is_settled_from_the_sent_folder(
    dovecot: Dovecot, smtp: SmtpServer, tmp_path: Path
) -> None:
    deployment = deploy(tmp_path, dovecot, smtp)
    try:
        send_cut_off_after_the_servers_copy(deployment, dovecot)
        report = send_due(deployment)
        assert report.settled == 1 and report.sent == 0
        assert smtp.received == []
        with deployment.store.session() as db:
            assert db.execute(select(OutboxMail.state)).scalar_one() == OutboxState.SENT.value
    finally:
        deployment.close()


def test_interrupted_send_waits_while_the_sent_folder_cannot_be_read(
    dovecot: Dovecot, smtp: SmtpServer, tmp_path: Path
) -> None:
    """Unknown means wait: with IMAP down, a send that was cut off is neither sent again nor
    counted as sent; once the sent folder can be read it is settled from the copy there."""
    deployment = deploy(tmp_path, dovecot, smtp)
    try:
        send_cut_off_after_the_servers_copy(deployment, dovecot)
        dovecot.stop()
        report = send_due(deployment)
        assert (report.unsettled, report.settled, report.sent) == (1, 0, 0)
        assert smtp.received == []
        with deployment.store.session() as db:
            assert db.execute(select(OutboxMail.state)).scalar_one() == OutboxState.SENDING.value
        dovecot.start()
        report = send_due(deployment)
        assert (report.unsettled, report.settled, report.sent) == (0, 1, 0)
        assert smtp.received == []
        with deployment.store.session() as db:
            assert db.execute(select(OutboxMail.state)).scalar_one() == OutboxState.SENT.value
    finally:
        deployment.close()


def test_digest_has_the_right_rows(dovecot: Dovecot, smtp: SmtpServer, tmp_path: Path) -> None:
    deployment = deploy(tmp_path, dovecot, smtp)
    try:
        deliver(dovecot, (FOLLOW_UP / "01-form-only.eml").read_bytes())
        run_once(deployment)
        office = deployment.settings.enabled_offices[0]
        now = datetime.now(UTC)
        from intake.runtime.clock import SHANGHAI

        day = now.astimezone(SHANGHAI).date()
        made = make_digest(
            deployment.settings, deployment.store, deployment.files, office, day, now
        )
        assert made is not None and made.queued == 1
        assert (
            make_digest(deployment.settings, deployment.store, deployment.files, office, day, now)
            is None
        )
        book = openpyxl.load_workbook(io.BytesIO(made.xlsx_path.read_bytes()))
        sheet = book.worksheets[0]
        rows = [[c.value for c in row] for row in sheet.iter_rows(min_row=2)]
        text = " ".join(str(v) for row in rows for v in row if v is not None)
        assert "XT130502-" in text and "wang.lei@163.com" in text
        html = made.html_path.read_text(encoding="utf-8")
        assert "XT130502-" in html
        with deployment.store.session() as db:
            id_number = None
            from intake.store.tables import Document

            for fields in db.execute(select(Document.fields)).scalars():
                id_number = (fields or {}).get("id_number") or id_number
        assert id_number and id_number not in html and id_number not in text
        send_due(deployment)
        digest_mails = [r for r in smtp.received if "备案日报" in str(parsed(r[2])["Subject"])]
        assert len(digest_mails) == 1 and digest_mails[0][1] == [MAILBOX]
    finally:
        deployment.close()
