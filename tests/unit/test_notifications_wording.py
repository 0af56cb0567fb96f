"""Replies and digests in the notice's register: the office speaks as 本办, a mismatch says what
each document shows (masked), no 主体名称 to an individual, the large-attachment problem
stated once, paper submission allowed, phone numbers with 0319-, Date headers in +0800, the
received date agreeing with the reply's own year, and no code reaching a clerk."""

from __future__ import annotations

import re
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from email import message_from_bytes

import pytest

from intake.replying.queue import received_moment
from intake.store.tables import Message
from notifications.compose import compose_reply
from notifications.model import ReplyContext
from notifications.replies import ReplyRenderer, sample_contexts
from notifications.samples import SHAHE_OFFICE
from notifications.wording import (
    dialable_phone,
    ignored_words,
    poll_failure_words,
    reply_state_words,
)
from vocabulary.offices import OFFICES

RENDERER = ReplyRenderer()


def _all() -> list[tuple[ReplyContext, str, str]]:
    out = []
    for context in sample_contexts():
        rendered = RENDERER.render(context)
        out.append((context, rendered.text, rendered.html))
    return out


@pytest.mark.parametrize("index", range(len(sample_contexts())))
def test_every_reply_speaks_as_the_office_in_the_notices_register(index: int) -> None:
    _context, text, html = _all()[index]
    for part in (text, html):
        assert "我们" not in part
        assert "不必再做任何事" not in part
        assert re.search(r"电话：0319-\d{7}", part), part
    assert "本办" in text


@pytest.mark.parametrize("index", range(len(sample_contexts())))
def test_no_subject_name_jargon_to_individuals(index: int) -> None:
    context, text, html = _all()[index]
    if context.subject_type != "organization":
        assert "主体名称" not in text and "主体名称" not in html


def test_a_mismatch_says_what_each_document_shows_masked() -> None:
    context = next(c for c in sample_contexts() if c.registrant == "张建国")
    text = RENDERER.render(context).text
    assert "备案表填写 130582********0035" in text
    assert "身份证复印件（身份证正面.jpg）识别为 130582********0053" in text
    assert "备案表填写 张建国" in text and "识别为 张建华" in text
    assert "130582198807150035" not in text and "130582198807150053" not in text
    assert "身份证复印件上的姓名与备案表中填写的姓名不一致" in text


def test_masks_that_look_alike_say_which_digits_differ() -> None:
    context = next(c for c in sample_contexts() if c.readings and c.subject_type == "organization")
    text = RENDERER.render(context).text
    assert "（第13、14位不同）" in text
    assert "运维负责人身份证复印件上的号码与备案表不一致" in text


def test_without_readings_a_mismatch_is_worded_as_before() -> None:
    context = next(c for c in sample_contexts() if c.registrant == "张建国")
    text = RENDERER.render(replace(context, readings=())).text
    assert "身份证复印件上的号码与备案表不一致，请核对\n" in text


def test_the_large_attachment_problem_is_stated_once() -> None:
    context = next(c for c in sample_contexts() if ("超大附件", "link_only") in c.unreadable)
    assert "link_only_attachment" in context.problems
    for part in (RENDERER.render(context).text, RENDERER.render(context).html):
        assert part.count("超大附件") == 1, part
    plain = replace(context, unreadable=(), problems=("link_only_attachment",))
    assert RENDERER.render(plain).text.count("超大附件") == 1


def test_a_request_allows_paper_submission_to_the_office() -> None:
    for context, text, html in _all():
        if context.kind == "request_missing":
            holder = (context.holder or context.office).name
            assert f"也可将纸质材料送至{holder}" in text and f"也可将纸质材料送至{holder}" in html


def test_office_phones_get_the_area_code() -> None:
    assert dialable_phone("3699072") == "0319-3699072"
    assert dialable_phone("0319-3699072") == "0319-3699072"
    assert dialable_phone("13803190001") == "13803190001"
    bare = replace(SHAHE_OFFICE, phone="8921750")
    context = replace(sample_contexts()[0], office=bare)
    assert "电话：0319-8921750" in RENDERER.render(context).text
    assert all(dialable_phone(o.phone).startswith("0319-") for o in OFFICES)


def test_every_date_header_is_in_beijing_time() -> None:
    rendered = RENDERER.render(sample_contexts()[0])
    raw = compose_reply(
        from_name=SHAHE_OFFICE.name,
        from_addr=SHAHE_OFFICE.mailbox,
        to_addr="wang@qq.com",
        rendered=rendered,
        message_id="<a@163.com>",
        in_reply_to=None,
        references=(),
        date=datetime(2026, 5, 12, 20, 30, tzinfo=UTC),
    )
    assert message_from_bytes(raw)["Date"] == "Wed, 13 May 2026 04:30:00 +0800"


def test_the_received_date_is_the_offices_not_an_old_date_header() -> None:
    stored = datetime(2026, 12, 4, 15, 0, tzinfo=UTC)
    old = Message(stored_at=stored, sent_at=datetime(2020, 5, 16, 2, 0, tzinfo=UTC))
    assert received_moment(old) == stored
    recent = Message(stored_at=stored, sent_at=stored - timedelta(hours=5))
    assert received_moment(recent) == stored - timedelta(hours=5)
    ahead = Message(stored_at=stored, sent_at=stored + timedelta(days=3))
    assert received_moment(ahead) == stored


def test_codes_are_put_into_words_for_clerks() -> None:
    assert ignored_words("auto_reply") == "忽略（自动回复）"
    assert ignored_words("mailer_daemon") == "忽略（系统退信通知）"
    assert ignored_words("no_filing_signs") == "忽略（与备案无关）"
    assert ignored_words("something_new") == "忽略（非备案邮件）"
    assert reply_state_words("ack", "sent") == "回复“材料已收齐”已发出"
    assert reply_state_words("request_missing", "failed") == "回复“请补充材料”发送失败"
    for code in ("ack", "request_missing", "transferred"):
        for state in ("queued", "sending", "sent", "failed", "suppressed", "held"):
            assert not re.search(r"[A-Za-z]", reply_state_words(code, state))


def test_a_failed_poll_is_plain_chinese_for_the_admin() -> None:
    words = poll_failure_words(
        "server unreachable: check the host name, port and network ([Errno -2] Name or "
        "service not known)"
    )
    assert words == "连不上邮件服务器：请检查服务器地址和网络连接"
    assert "登录失败" in poll_failure_words("LOGIN failed: authentication failed")
    assert not re.search(r"[A-Za-z]", poll_failure_words("something odd"))


def test_canned_texts_speak_as_the_office_too() -> None:
    from notifications.canned import CANNED_TEXTS

    assert all("我们" not in c.text and "不必再做" not in c.text for c in CANNED_TEXTS)
