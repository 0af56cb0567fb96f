"""The staff functions under the web console, on real stores and the real pipeline: a filing
whose ID copy disagrees with its form is held, corrected, approved and sent once over SMTP;
resolved items leave the queue and the digest; a hand transfer shows in the receiving office's
queue; a clerk of another office learns nothing of the filing."""

from __future__ import annotations

import email
import io
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from email.message import EmailMessage
from email.policy import default
from email.utils import format_datetime, make_msgid
from pathlib import Path

import docx
import openpyxl
import pytest
from sqlalchemy import select

from intake import staff
from intake.commands.demo import local_config
from intake.digesting.digests import HELD_WORDS, attention_rows
from intake.privacy.audit import entries
from intake.runtime.pipeline import run_round
from intake.runtime.service import Deployment, open_deployment, poll_one
from intake.settings import load_settings
from intake.staff import actions, queue, views
from intake.store.tables import AuditEntry, Filing, Message, OutboxMail, OutboxState
from notifications.smtp import SmtpEndpoint, SmtpSender
from tests import factories
from tests.servers import SmtpServer, start_smtp

OFFICE, MAILBOX, OTHER = "130582", "shhlwxxb@163.com", "130503"
SENDER = "zhang@qq.com"
CLERK, INTRUDER = "li.clerk", "zhou.other"


def now() -> datetime:
    return datetime.now(UTC)


def id_card_docx(number: str, name: str = "张喆") -> bytes:
    """An ID card copy as a Word file (the text reader takes it; no OCR needed)."""
    document = docx.Document()
    for line in (
        f"姓名 {name}",
        "性别 男 民族 汉",
        "出生 1990年1月1日",
        "住址 河北省沙河市太行大街1号",
        f"公民身份号码 {number}",
    ):
        document.add_paragraph(line)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def filing_mail(form: bytes | None, card: bytes, subject: str = "新媒体账号登记备案") -> bytes:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = SENDER, MAILBOX, subject
    message["Date"] = format_datetime(datetime(2020, 5, 10, 9, 30, tzinfo=UTC))
    message["Message-ID"] = make_msgid(domain="test.example")
    message.set_content("您好，附件是备案表和身份证。")
    if form is not None:
        message.add_attachment(
            form, maintype="application", subtype="octet-stream", filename="备案表.xlsx"
        )
    message.add_attachment(
        card, maintype="application", subtype="octet-stream", filename="身份证.docx"
    )
    return message.as_bytes()


def with_review(config: Path, mode: str) -> None:
    text = config.read_text(encoding="utf-8")
    marker = f'code = "{OFFICE}"\n'
    config.write_text(text.replace(marker, marker + f'review = "{mode}"\n', 1), encoding="utf-8")


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    server = start_smtp({MAILBOX: "code"})
    yield server
    server.stop()


def open_at(tmp_path: Path, url: str, review: str) -> Deployment:
    mailboxes = tmp_path / "mailboxes"
    for code in (OFFICE, OTHER):
        (mailboxes / code).mkdir(parents=True, exist_ok=True)
    config = local_config(tmp_path, url, mailboxes)
    with_review(config, review)
    return open_deployment(load_settings(config, {}), {}, now)


def receive(deployment: Deployment, raw: bytes, name: str) -> int:
    """Drop one mail in the office's folder, run the pipeline; the id of the filing it made."""
    mailboxes = deployment.settings.local_mailboxes
    assert mailboxes is not None
    (mailboxes / OFFICE / name).write_bytes(raw)
    office = deployment.settings.office(OFFICE)
    assert office is not None
    poll_one(deployment, office, lambda: False)
    run_round(deployment.pipeline())
    with deployment.store.session() as db:
        return int(db.execute(select(Filing.id).order_by(Filing.id.desc()).limit(1)).scalar_one())


def mismatch_mail(name: str = "张喆") -> bytes:
    form = factories.form_xlsx(name=name, id_number=factories.id_number("130582"))
    card = id_card_docx(factories.id_number("130503"), name)
    return filing_mail(form, card)


def smtp_transport(server: SmtpServer) -> Callable[[object], SmtpSender]:
    endpoint = SmtpEndpoint("127.0.0.1", server.port, "none", None, 10.0)
    return lambda office: SmtpSender(endpoint, MAILBOX, "code")


@pytest.fixture
def reviewed_all(tmp_path: Path, store_url: str) -> Iterator[Deployment]:
    deployment = open_at(tmp_path, store_url, "all")
    yield deployment
    deployment.close()


@pytest.fixture
def risky(tmp_path: Path) -> Iterator[Deployment]:
    deployment = open_at(tmp_path, f"sqlite:///{tmp_path / 'intake.db'}", "risky")
    yield deployment
    deployment.close()


def test_held_mismatch_is_corrected_approved_and_sent_once(
    reviewed_all: Deployment, smtp: SmtpServer
) -> None:
    deployment = reviewed_all
    filing_id = receive(deployment, mismatch_mail(), "a.eml")
    card_number = factories.id_number("130503")
    with deployment.store.session() as db:
        items = queue.open_work(db, [OFFICE], now())
        assert [i.kind for i in items] == [queue.WorkKind.HELD_REPLY]
        held = items[0]
        assert held.filing_id == filing_id and "mismatch:id_number" in held.reasons
        assert queue.queue_counts(db, [OFFICE], now())["for_person"] == 1
        digest = attention_rows(db, OFFICE, now())
        assert [r.kind for r in digest] == [HELD_WORDS]
        assert digest[0].reference == held.reference
        view = views.filing_view(db, [OFFICE], filing_id, None, CLERK, now())
        assert view.open_items == (held.key,)
        assert "mismatch:id_number" in view.decision.problems
        assert [r.state for r in view.replies] == ["held"]
        assert {d.kind for d in view.documents} >= {"registration_form", "id_card_front"}
        attachment = view.messages[0].attachments[1]
        name, _type, data = views.attachment_bytes(
            db, [OFFICE], attachment.id, deployment.files, None, CLERK, now()
        )
        assert name == "身份证.docx" and data.startswith(b"PK")
    # Nothing held goes out before a person approves it.
    assert (
        deployment.outbox().drain(deployment.settings.enabled_offices, smtp_transport(smtp)).sent
        == 0
    )
    assert smtp.received == []

    with deployment.store.session() as db:
        result = actions.correct_field(
            db,
            [OFFICE],
            filing_id,
            "id_number",
            card_number,
            CLERK,
            now(),
            replies=deployment.pipeline().replies,
        )
    assert result.status_before == "incomplete"
    assert "mismatch:id_number" not in result.problems_after
    assert result.outbox_id is not None and result.held  # review = "all": the new reply waits
    with deployment.store.session() as db:
        view = views.filing_view(db, [OFFICE], filing_id, None, CLERK, now())
        assert view.decision.corrected == {"id_number": card_number}
        assert [r.state for r in view.replies] == ["suppressed", "held"]
        correction = next(h for h in view.history if h.action == "correct")
        assert correction.who == CLERK and card_number not in correction.text
        assert card_number[:6] in correction.text and "*" in correction.text
        actions.approve_reply(db, [OFFICE], result.outbox_id, CLERK, now())
    transport = smtp_transport(smtp)
    first = deployment.outbox().drain(deployment.settings.enabled_offices, transport)
    again = deployment.outbox().drain(deployment.settings.enabled_offices, transport)
    assert (first.sent, again.sent) == (1, 0)
    assert [to for _from, to, _raw in smtp.received] == [[SENDER]]
    with deployment.store.session() as db:
        row = db.get(OutboxMail, result.outbox_id)
        assert row is not None and row.state == OutboxState.SENT.value
        with pytest.raises(staff.Conflict):
            actions.approve_reply(db, [OFFICE], result.outbox_id, CLERK, now())
        assert queue.open_work(db, [OFFICE], now()) == []
        actors = set(db.execute(select(AuditEntry.actor)).scalars())
    assert CLERK in actors
    lines = entries(deployment.store)
    assert any(line.action == "staff:correct" and line.actor == CLERK for line in lines)


def test_resolved_items_leave_queue_and_digest_and_a_transfer_reaches_the_other_office(
    risky: Deployment,
) -> None:
    deployment = risky
    filing_id = receive(deployment, mismatch_mail(), "a.eml")
    with deployment.store.session() as db:
        (item,) = queue.open_work(db, [OFFICE], now())
        assert item.kind is queue.WorkKind.HELD_REPLY
        actions.resolve(db, [OFFICE], item.key, "电话已联系备案人", CLERK, now())
    with deployment.store.session() as db:
        assert queue.open_work(db, [OFFICE], now()) == []
        assert attention_rows(db, OFFICE, now()) == ()
    run_round(deployment.pipeline())  # nothing new: still resolved
    with deployment.store.session() as db:
        assert queue.open_work(db, [OFFICE], now()) == []
        actions.reopen(db, [OFFICE], item.key, "", CLERK, now())
    with deployment.store.session() as db:
        assert [i.key for i in queue.open_work(db, [OFFICE], now())] == [item.key]
        # A clean correction under "risky": the new reply goes at once, the held one retires.
        result = actions.correct_field(
            db,
            [OFFICE],
            filing_id,
            "id_number",
            factories.id_number("130503"),
            CLERK,
            now(),
            replies=deployment.pipeline().replies,
        )
        assert result.outbox_id is not None and not result.held
        states = dict(
            db.execute(
                select(OutboxMail.id, OutboxMail.state).where(OutboxMail.filing_id == filing_id)
            ).all()
        )
        assert states[result.outbox_id] == OutboxState.QUEUED.value
        assert sorted(states.values()) == ["queued", "suppressed"]
        actions.transfer(db, [OFFICE], filing_id, OTHER, "账号主体在桥西区", CLERK, now())
    with deployment.store.session() as db:
        (moved,) = queue.open_work(db, [OTHER], now())
        assert moved.filing_id == filing_id and moved.transferred_from == OFFICE
        assert queue.open_work(db, [OFFICE], now()) == []
        (trace,) = queue.transferred_away(db, [OFFICE])
        assert trace.to_office == OTHER
        with pytest.raises(staff.NotFound):
            views.filing_view(db, [OFFICE], filing_id, None, CLERK, now())
        actions.resolve(db, [OTHER], moved.key, "已受理", "qiaoxi", now())
    # A later mail on the filing (quoting its reference) keeps the office the person chose.
    reference = moved.reference
    card = id_card_docx(factories.id_number("130503"))
    receive(deployment, filing_mail(None, card, f"补充材料 {reference}"), "b.eml")
    with deployment.store.session() as db:
        latest = db.execute(select(Message.filing_id).order_by(Message.id.desc()).limit(1))
        assert latest.scalar_one() == filing_id
        filing = db.get(Filing, filing_id)
        assert filing is not None and filing.office == OTHER
        # The correction outlived the new mail: the form's number still reads as corrected.
        assert "mismatch:id_number" not in (filing.problems or [])


def test_a_clerk_of_another_office_gets_not_found_for_everything(risky: Deployment) -> None:
    deployment = risky
    filing_id = receive(deployment, mismatch_mail(), "a.eml")
    replies = deployment.pipeline().replies
    assert replies is not None
    with deployment.store.session() as db:
        (item,) = queue.open_work(db, [OFFICE], now())
        view = views.filing_view(db, [OFFICE], filing_id, None, CLERK, now())
        attachment_id = view.messages[0].attachments[0].id
        outbox_id = item.outbox_id
        assert outbox_id is not None
    other = [OTHER]
    t = now()
    calls: list[Callable[[object], object]] = [
        lambda db: views.filing_view(db, other, filing_id, None, INTRUDER, t),
        lambda db: views.attachment_bytes(
            db, other, attachment_id, deployment.files, None, INTRUDER, t
        ),
        lambda db: actions.correct_field(db, other, filing_id, "id_number", "1", INTRUDER, t),
        lambda db: actions.approve_reply(db, other, outbox_id, INTRUDER, t),
        lambda db: actions.edit_reply(db, other, outbox_id, "s", "b", INTRUDER, t, replies=replies),
        lambda db: actions.compose_reply(
            db, other, filing_id, ["received"], "", INTRUDER, t, replies=replies
        ),
        lambda db: actions.resend_reply(db, other, outbox_id, INTRUDER, t, replies=replies),
        lambda db: actions.resolve(db, other, item.key, "", INTRUDER, t),
        lambda db: actions.resolve(db, other, f"filing:{filing_id}", "", INTRUDER, t),
        lambda db: actions.reopen(db, other, item.key, "", INTRUDER, t),
        lambda db: actions.transfer(db, other, filing_id, OFFICE, "", INTRUDER, t),
        lambda db: views.filing_view(db, other, 999_999, None, INTRUDER, t),
    ]
    for call in calls:
        with deployment.store.session() as db, pytest.raises(staff.NotFound) as caught:
            call(db)
        assert str(caught.value) == str(staff.NotFound())
    with deployment.store.session() as db:
        assert views.search(db, other, views.SearchQuery(sender=SENDER), INTRUDER, t) == []
        assert queue.open_work(db, other, t) == []
        book = openpyxl.load_workbook(
            io.BytesIO(
                views.export_registry(db, other, date(2020, 1, 1), date(2100, 1, 1), INTRUDER, t)
            )
        )
        assert book["台账"].max_row == 1
        # The own office finds it, by the whole ID number typed in, shown masked.
        number = factories.id_number("130582")
        (row,) = views.search(db, [OFFICE], views.SearchQuery(id_number=number), CLERK, t)
        assert row.filing_id == filing_id and row.id_number == staff_mask(number)
        wrong = number[:-2] + ("1" if number[-2] != "1" else "2") + number[-1]
        assert views.search(db, [OFFICE], views.SearchQuery(id_number=wrong), CLERK, t) == []
        book = openpyxl.load_workbook(
            io.BytesIO(
                views.export_registry(db, [OFFICE], date(2020, 1, 1), date(2100, 1, 1), CLERK, t)
            )
        )
        assert book["台账"].max_row == 2
    with deployment.store.session() as db:
        filing = db.get(Filing, filing_id)
        assert filing is not None and filing.office == OFFICE
        seen = db.execute(
            select(AuditEntry.id).where(
                AuditEntry.actor == INTRUDER, AuditEntry.filing_id == filing_id
            )
        ).first()
        assert seen is None


def staff_mask(value: str) -> str:
    from intake.staff.access import mask

    return mask(value)


def test_edit_compose_and_resend_go_through_the_outbox(risky: Deployment, smtp: SmtpServer) -> None:
    deployment = risky
    filing_id = receive(deployment, mismatch_mail(), "a.eml")
    replies = deployment.pipeline().replies
    assert replies is not None
    with deployment.store.session() as db:
        (item,) = queue.open_work(db, [OFFICE], now())
        assert item.outbox_id is not None
        before = db.get(OutboxMail, item.outbox_id)
        assert before is not None
        old_id = before.message_id
        same = actions.edit_reply(
            db,
            [OFFICE],
            item.outbox_id,
            "请核对身份证号码",
            "您好：\n\n请核对号码。",
            CLERK,
            now(),
            replies=replies,
        )
        assert same == item.outbox_id
        after = db.get(OutboxMail, same)
        assert after is not None and after.state == "held" and after.edited
        assert after.message_id != old_id and after.subject == "请核对身份证号码"
        with pytest.raises(staff.Invalid):
            actions.compose_reply(
                db, [OFFICE], filing_id, ["no-such"], "", CLERK, now(), replies=replies
            )
        composed = actions.compose_reply(
            db,
            [OFFICE],
            filing_id,
            ["received", "contact"],
            "另：请附身份证反面。",
            CLERK,
            now(),
            replies=replies,
        )
        actions.approve_reply(db, [OFFICE], same, CLERK, now())
    transport = smtp_transport(smtp)
    report = deployment.outbox().drain(deployment.settings.enabled_offices, transport)
    assert report.sent == 2
    subjects = sorted(
        str(email.message_from_bytes(raw, policy=default)["Subject"])
        for _f, _t, raw in smtp.received
    )
    assert subjects[1] == "请核对身份证号码" and "备案编号" in subjects[0]
    bodies = [email.message_from_bytes(raw, policy=default) for _f, _t, raw in smtp.received]
    text = next(b for b in bodies if "备案编号" in str(b["Subject"])).get_body(("plain",))
    assert text is not None and "另：请附身份证反面。" in text.get_content()
    with deployment.store.session() as db:
        with pytest.raises(staff.Conflict):
            actions.resend_reply(db, [OFFICE], composed, CLERK, now(), replies=replies)
        sent = db.get(OutboxMail, composed)
        assert sent is not None
        sent.state = OutboxState.FAILED.value  # as after a refusal by the server
    with deployment.store.session() as db:
        again = actions.resend_reply(db, [OFFICE], composed, CLERK, now(), replies=replies)
        assert again != composed
    assert deployment.outbox().drain(deployment.settings.enabled_offices, transport).sent == 1
    assert len(smtp.received) == 3
