"""The envelope: addresses, dates, thread ids, auto-reply markers and bounce facts."""

from __future__ import annotations

import base64
from datetime import timedelta

import pytest

from intake.reading import AutoMarker, read_message


def _mail(*headers: bytes, body: bytes = b"hello") -> bytes:
    return b"\r\n".join(headers) + b"\r\n\r\n" + body


def _gb_word(text: str) -> bytes:
    return b"=?gb2312?B?" + base64.b64encode(text.encode("gbk")) + b"?="


def test_addresses_names_and_lower_cased_domains() -> None:
    raw = _mail(
        b"From: " + _gb_word("王堃, 办公室") + b" <Wang.Kun@QQ.Com>",
        b'To: "=?utf-8?B?' + base64.b64encode("沙河".encode()) + b'?=" <SHX@163.COM>, b@x.cn',
        b"Cc: undisclosed-recipients:;",
        b"Reply-To: reply@Example.org",
        b"Delivered-To: XTWXB@163.com",
        b"X-Original-To: xtwxb@163.com",
    )
    envelope = read_message(raw).envelope
    assert envelope.from_ is not None
    assert envelope.from_.name == "王堃, 办公室"
    assert envelope.from_.addr == "Wang.Kun@qq.com"
    assert [(a.name, a.addr) for a in envelope.to] == [("沙河", "SHX@163.com"), ("", "b@x.cn")]
    assert envelope.cc == ()
    assert [a.addr for a in envelope.reply_to] == ["reply@example.org"]
    assert envelope.delivered_to == ("xtwxb@163.com",)


def test_date_is_aware_and_zone_less_dates_are_china_time() -> None:
    dated = read_message(_mail(b"Date: Sun, 10 May 2020 09:30:00 +0800")).envelope.date
    assert dated is not None and dated.utcoffset() == timedelta(hours=8)
    reading = read_message(_mail(b"Date: Sun, 10 May 2020 09:30:00"))
    assert reading.envelope.date is not None
    assert reading.envelope.date.utcoffset() == timedelta(hours=8)
    assert any("time zone" in d for d in reading.defects)
    broken = read_message(_mail(b"Date: yesterday-ish"))
    assert broken.envelope.date is None
    assert any("Date" in d for d in broken.defects)


def test_thread_ids() -> None:
    envelope = read_message(
        _mail(
            b"Message-ID: <abc@163.com>",
            b"In-Reply-To: <parent@qq.com> (comment)",
            b"References: <r1@a> <r2@b>\r\n <parent@qq.com>",
        )
    ).envelope
    assert envelope.message_id == "abc@163.com"
    assert envelope.in_reply_to == "parent@qq.com"
    assert envelope.references == ("r1@a", "r2@b", "parent@qq.com")
    bare = read_message(_mail(b"Message-ID: bare@id", b"In-Reply-To:")).envelope
    assert bare.message_id == "bare@id"
    assert bare.in_reply_to is None


@pytest.mark.parametrize(
    ("header", "marker"),
    [
        (b"Auto-Submitted: auto-replied", AutoMarker.AUTO_SUBMITTED),
        (b"Auto-Submitted: auto-generated; owner-email=x@y", AutoMarker.AUTO_SUBMITTED),
        (b"Precedence: bulk", AutoMarker.PRECEDENCE),
        (b"Precedence: junk", AutoMarker.PRECEDENCE),
        (b"Precedence: list", AutoMarker.PRECEDENCE),
        (b"Precedence: auto_reply", AutoMarker.PRECEDENCE),
        (b"X-Autoreply: yes", AutoMarker.X_AUTOREPLY),
        (b"X-Autorespond: vacation", AutoMarker.X_AUTORESPOND),
        (b"Subject: " + _gb_word("自动回复：登记表"), AutoMarker.OUT_OF_OFFICE_SUBJECT),
        (b"Subject: Auto Reply: form", AutoMarker.OUT_OF_OFFICE_SUBJECT),
        (b"Subject: Automatic reply: form", AutoMarker.OUT_OF_OFFICE_SUBJECT),
        (b"Subject: Out of Office", AutoMarker.OUT_OF_OFFICE_SUBJECT),
        (b"Subject: " + _gb_word("休假中"), AutoMarker.OUT_OF_OFFICE_SUBJECT),
    ],
)
def test_auto_reply_markers(header: bytes, marker: AutoMarker) -> None:
    assert read_message(_mail(b"From: a@b.cn", header)).envelope.auto_reply is marker


@pytest.mark.parametrize(
    "header",
    [
        b"X-Auto-Response-Suppress: All",
        b"Auto-Submitted: no",
        b"Precedence: normal",
        b"Subject: " + _gb_word("新媒体账号登记"),
    ],
)
def test_not_auto_reply(header: bytes) -> None:
    assert read_message(_mail(b"From: a@b.cn", header)).envelope.auto_reply is None


@pytest.mark.parametrize(
    "headers",
    [
        (b"From: MAILER-DAEMON@163.com", b"Subject: hello"),
        (b"From: Postmaster <postmaster@qq.com>", b"Subject: hello"),
        (b"From: a@b.cn", b"Subject: " + _gb_word("系统退信")),
        (b"From: a@b.cn", b"Subject: Delivery Status Notification (Failure)"),
        (b"From: a@b.cn", b"Subject: Undelivered Mail Returned to Sender"),
    ],
)
def test_bounce_by_sender_or_subject(headers: tuple[bytes, ...]) -> None:
    assert read_message(_mail(*headers)).envelope.is_bounce


def test_ordinary_mail_is_no_bounce() -> None:
    envelope = read_message(_mail(b"From: a@b.cn", b"Subject: form")).envelope
    assert not envelope.is_bounce
    assert envelope.bounced_recipients == ()


def test_delivery_status_report_gives_failed_recipients_only() -> None:
    raw = _mail(
        b"From: server@relay.cn",
        b"Subject: notice",
        b'Content-Type: multipart/report; report-type="delivery-status"; boundary="R"',
        body=b"--R\r\nContent-Type: text/plain\r\n\r\nsorry\r\n--R\r\n"
        b"Content-Type: message/delivery-status\r\n\r\nReporting-MTA: dns; x\r\n\r\n"
        b"Original-Recipient: rfc822;First@Example.com\r\nFinal-Recipient: rfc822;"
        b" First@Example.com\r\nAction: failed\r\n\r\n"
        b"Final-Recipient: rfc822; slow@example.com\r\nAction: delayed\r\n\r\n--R--\r\n",
    )
    envelope = read_message(raw).envelope
    assert envelope.is_bounce
    assert envelope.bounced_recipients == ("first@example.com",)


def test_bounce_body_recipients_postfix_exim_and_coremail() -> None:
    body = (
        "<gone@qq.com>: host mx said: 550 no such user\r\n\r\n"
        "The following address(es) failed:\r\n\r\n  other@sina.com\r\n    SMTP error\r\n\r\n"
        "收件人：third@163.com 不存在\r\n"
    ).encode()
    raw = _mail(
        b"From: postmaster@126.com",
        b"Subject: failure",
        b"Content-Type: text/plain; charset=utf-8",
        body=body,
    )
    assert read_message(raw).envelope.bounced_recipients == (
        "gone@qq.com",
        "other@sina.com",
        "third@163.com",
    )
