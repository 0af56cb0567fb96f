"""Composition: replies and digests parse back with every header decoding exactly."""

from __future__ import annotations

import email
import email.policy
from datetime import datetime, timedelta, timezone
from email.message import EmailMessage

import pytest

from notifications.compose import (
    XLSX_TYPE,
    check_mailbox,
    compose_digest,
    compose_reply,
    make_message_id,
)
from notifications.replies import RenderedReply, ReplyRenderer, sample_contexts

SHANGHAI = timezone(timedelta(hours=8))
WHEN = datetime(2020, 5, 14, 10, 30, tzinfo=SHANGHAI)


def _parse(raw: bytes) -> EmailMessage:
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


def _reply(**changes: object) -> bytes:
    arguments: dict[str, object] = {
        "from_name": "邢台市互联网信息办公室",
        "from_addr": "wlglhzfdck@163.com",
        "to_addr": "registrant@qq.com",
        "rendered": ReplyRenderer().render(sample_contexts()[-1]),
        "message_id": "abc123@xt-intake.163.com",
        "in_reply_to": "<original@qq.com>",
        "references": ("<first@qq.com>",),
        "date": WHEN,
    }
    arguments.update(changes)
    return compose_reply(**arguments)  # type: ignore[arg-type]


def test_reply_headers_decode_exactly() -> None:
    rendered = ReplyRenderer().render(sample_contexts()[-1])
    message = _parse(_reply(rendered=rendered))
    assert (
        str(message["Subject"])
        == rendered.subject
        == ("[备案 XT130500-20200514-0009] 已转交桥东区互联网信息办公室")
    )
    sender = message["From"].addresses[0]
    assert sender.display_name == "邢台市互联网信息办公室"
    assert sender.addr_spec == "wlglhzfdck@163.com"
    assert message["To"].addresses[0].addr_spec == "registrant@qq.com"
    assert message["Date"].datetime == WHEN
    assert message["Message-ID"] == "<abc123@xt-intake.163.com>"
    assert message["In-Reply-To"] == "<original@qq.com>"
    assert message["References"] == "<first@qq.com> <original@qq.com>"
    assert message["Auto-Submitted"] == "auto-replied"
    assert message["X-Auto-Response-Suppress"] == "All"
    assert message["Precedence"] is None
    assert not message.defects


def test_reply_bodies_are_utf8_alternatives_that_round_trip() -> None:
    rendered = ReplyRenderer().render(sample_contexts()[2])
    raw = _reply(rendered=rendered)
    message = _parse(raw)
    assert message.get_content_type() == "multipart/alternative"
    parts = list(message.iter_parts())
    assert [p.get_content_type() for p in parts] == ["text/plain", "text/html"]
    for part, expected in zip(parts, (rendered.text, rendered.html), strict=True):
        assert part.get_content_charset() == "utf-8"
        assert part["Content-Transfer-Encoding"] in ("base64", "quoted-printable")
        assert part.get_content().replace("\r\n", "\n") == expected
    lines = raw.split(b"\r\n")
    assert max(len(line) for line in lines) <= 78
    assert all(byte < 128 for byte in raw)


def test_long_chinese_subject_folds_and_still_decodes() -> None:
    rendered = RenderedReply(
        subject="[备案 XT130571-20200510-0003] 已转交" + "市经济开发区综合办公室" * 3,
        text="t",
        html="<p>h</p>",
    )
    raw = _reply(rendered=rendered, from_name="市经济开发区综合办公室")
    assert max(len(line) for line in raw.split(b"\r\n")) <= 78
    message = _parse(raw)
    assert str(message["Subject"]) == rendered.subject
    assert message["From"].addresses[0].display_name == "市经济开发区综合办公室"


def test_message_ids_accept_brackets_or_none_and_no_reply_to_parent() -> None:
    message = _parse(_reply(message_id="<x1@xt-intake.163.com>", in_reply_to=None, references=()))
    assert message["Message-ID"] == "<x1@xt-intake.163.com>"
    assert message["In-Reply-To"] is None and message["References"] is None


@pytest.mark.parametrize(
    "address",
    [
        "registrant@qq.com\r\nBcc: victim@example.com",
        "registrant@qq.com\nX: y",
        "a@qq.com, b@qq.com",
        "a@qq.com;b@qq.com",
        "名字 <a@qq.com>",
        "<a@qq.com>",
        "a@@qq.com",
        "a@b@qq.com",
        "qq.com",
        "a b@qq.com",
        "",
        "a@qq",
        "用户@qq.com",
    ],
)
def test_recipient_must_be_one_plain_mailbox(address: str) -> None:
    with pytest.raises(ValueError):
        _reply(to_addr=address)


def test_plain_mailboxes_pass() -> None:
    for address in ("a.b+c@qq.com", "Wang_Xm-1@163.com", "x@mail.example.com.cn"):
        assert check_mailbox(address) == address


def test_naive_date_and_bad_message_id_are_refused() -> None:
    with pytest.raises(ValueError):
        _reply(date=datetime(2020, 5, 14, 10, 30))
    with pytest.raises(ValueError):
        _reply(message_id="no at sign")
    with pytest.raises(ValueError):
        _reply(in_reply_to="<a@b>\r\nBcc: x@y.com")


def test_make_message_id_is_unique_and_bare() -> None:
    ids = {make_message_id("163.com") for _ in range(200)}
    assert len(ids) == 200
    for value in ids:
        assert value.endswith("@xt-intake.163.com")
        assert "<" not in value and ">" not in value
    with pytest.raises(ValueError):
        make_message_id("bad domain\r\n")


def test_digest_attachment_name_and_headers_round_trip() -> None:
    xlsx = b"PK\x03\x04 not really a workbook \x00\xff"
    name = "台账-邢台市互联网信息办公室-2020-05-12.xlsx"
    raw = compose_digest(
        from_name="邢台市互联网信息办公室",
        from_addr="wlglhzfdck@163.com",
        to_addrs=("liu@163.com", "han@126.com"),
        subject="【备案日报】邢台市互联网信息办公室 2020-05-12",
        html="<p>日报</p>",
        text="日报",
        xlsx=xlsx,
        xlsx_name=name,
        message_id=make_message_id("163.com"),
        date=WHEN,
    )
    long_lines = [line for line in raw.split(b"\r\n") if len(line) > 78]
    # the xlsx media type is one 79-character token with nowhere to fold
    assert long_lines == [b"Content-Type: " + b"/".join(x.encode() for x in XLSX_TYPE)]
    assert b"filename*" in raw  # RFC 2231
    message = _parse(raw)
    assert str(message["Subject"]) == "【备案日报】邢台市互联网信息办公室 2020-05-12"
    assert [a.addr_spec for a in message["To"].addresses] == ["liu@163.com", "han@126.com"]
    assert message["Auto-Submitted"] == "auto-replied"
    attachments = list(message.iter_attachments())
    assert len(attachments) == 1
    assert attachments[0].get_filename() == name
    assert attachments[0].get_content() == xlsx
    body = message.get_body(("html",))
    assert body is not None and body.get_content().strip() == "<p>日报</p>"
    with pytest.raises(ValueError):
        compose_digest(
            from_name="x",
            from_addr="wlglhzfdck@163.com",
            to_addrs=("a@b.com\r\nBcc: c@d.com",),
            subject="s",
            html="h",
            text="t",
            xlsx=b"",
            xlsx_name="a.xlsx",
            message_id="a@b",
            date=WHEN,
        )
