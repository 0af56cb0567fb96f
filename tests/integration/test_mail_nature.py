"""What kind of mail it is, through the worker's pass on local folder mailboxes: a question gets
the information reply (no filing, no reference) at most once a week per sender, the sender's
documents later make the filing, an unclear mail waits for a person, and `intake check --json`
shows the nature and its signals."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from intake.commands.demo import local_config
from intake.runtime.service import Deployment, open_deployment, run_once
from intake.settings import load_settings
from intake.store.tables import Filing, Message, OutboxMail
from tests import factories

REPO = Path(__file__).resolve().parents[2]
QUESTION = "请问个人抖音号备案需要提交哪些材料？"


class Clock:
    """A clock the test moves on."""

    def __init__(self) -> None:
        self.moment = datetime(2026, 5, 10, 2, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.moment


@pytest.fixture
def world(tmp_path: Path, store_url: str) -> Iterator[tuple[Deployment, Clock, Path]]:
    mailboxes = tmp_path / "mailboxes"
    (mailboxes / "130582").mkdir(parents=True)
    settings = load_settings(local_config(tmp_path, store_url, mailboxes), {})
    clock = Clock()
    deployment = open_deployment(settings, {}, clock)
    yield deployment, clock, mailboxes / "130582"
    deployment.close()


def _messages(deployment: Deployment) -> list[tuple[str | None, int | None, list[str]]]:
    with deployment.store.session() as db:
        return [
            (m.nature, m.filing_id, list(m.signals or []))
            for m in db.execute(select(Message).order_by(Message.id)).scalars()
        ]


def _information_replies(deployment: Deployment) -> list[OutboxMail]:
    with deployment.store.session() as db:
        rows = db.execute(select(OutboxMail).where(OutboxMail.kind == "information")).scalars()
        return list(rows)


def test_questions_are_answered_once_a_week_and_documents_make_the_filing(
    world: tuple[Deployment, Clock, Path],
) -> None:
    deployment, clock, inbox = world
    (inbox / "q1.eml").write_bytes(factories.mail(subject="咨询", body=QUESTION))
    run_once(deployment)
    clock.moment += timedelta(days=3)
    (inbox / "q2.eml").write_bytes(factories.mail(subject="再问一下", body="公众号备案怎么办？"))
    run_once(deployment)
    assert [n for n, _, _ in _messages(deployment)] == ["question", "question"]
    assert all(filing is None for _, filing, _ in _messages(deployment))
    replies = _information_replies(deployment)
    assert len(replies) == 1 and replies[0].filing_id is None
    assert replies[0].subject == "新媒体账号登记备案所需材料"
    assert "question:answered_this_week" in _messages(deployment)[1][2]

    clock.moment += timedelta(days=8)
    (inbox / "q3.eml").write_bytes(factories.mail(subject="咨询", body="快手号要备案吗？"))
    run_once(deployment)
    assert len(_information_replies(deployment)) == 2

    form = factories.mail(subject="", body="", attachment=factories.form_xlsx())
    (inbox / "docs.eml").write_bytes(form)
    run_once(deployment)
    nature, filing_id, signals = _messages(deployment)[-1]
    assert nature == "filing" and filing_id is not None
    assert "document:registration_form" in signals
    with deployment.store.session() as db:
        assert db.execute(select(Filing)).scalars().all()[0].reference is not None


def test_an_unclear_mail_waits_for_a_person_without_a_reply(
    world: tuple[Deployment, Clock, Path],
) -> None:
    deployment, _, inbox = world
    photo = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 200
    raw = factories.mail(subject="hello", body="", attachment=photo, attachment_name="a.jpg")
    (inbox / "u.eml").write_bytes(raw)
    run_once(deployment)
    [(nature, filing_id, signals)] = _messages(deployment)
    assert nature == "uncertain" and filing_id is None
    assert "recipient:office_mailbox" in signals
    with deployment.store.session() as db:
        assert db.execute(select(OutboxMail).where(OutboxMail.kind != "digest")).first() is None


def test_check_json_shows_nature_and_signals(tmp_path: Path) -> None:
    spam = factories.mail(
        subject="发票",
        body="代开发票，税点优惠。开户行及帐号：工商银行 6222 0202 0000 1234",
    )
    question = factories.mail(subject="咨询", body=QUESTION, sender="wu@qq.com")
    paths = []
    for name, raw in (("spam.eml", spam), ("question.eml", question)):
        (tmp_path / name).write_bytes(raw)
        paths.append(str(tmp_path / name))
    done = subprocess.run(
        [sys.executable, "-m", "intake", "check", "--json", "-q", *paths],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    )
    spam_result, question_result = json.loads(done.stdout)
    assert spam_result["nature"] == "not_a_filing" and spam_result["filing"] is None
    assert "spam:bank_details" in spam_result["signals"]
    assert spam_result["reply"] == "none"
    assert question_result["nature"] == "question" and question_result["filing"] is None
    assert question_result["status"] == "question"
    assert question_result["reply"] == "information"
    assert any(s.startswith("topic:") for s in question_result["signals"])
