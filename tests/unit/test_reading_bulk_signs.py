"""Header signs of bulk or forged mail, as the reader records them."""

from __future__ import annotations

from intake.reading import read_message
from intake.reading.bulk_signs import bulk_signs


def test_list_headers_and_bulk_mailers_are_signs() -> None:
    raw = (
        b"From: news@news.example\r\nTo: undisclosed-recipients:;\r\nSubject: hi\r\n"
        b"List-Id: <news.example>\r\nList-Unsubscribe: <mailto:x@news.example>\r\n"
        b"X-Mailer: GroupMail 5\r\n\r\nbody\r\n"
    )
    signs = read_message(raw).envelope.header_signs
    assert signs == ("list_id", "list_unsubscribe", "bulk_mailer", "undisclosed_recipients")


def test_a_large_provider_absent_from_the_received_chain_is_a_forged_from() -> None:
    forged = bulk_signs(
        sender="boss@163.com",
        received=["from unknown (HELO x.example) by mx.xtu.edu.cn"],
        list_id=None,
        list_unsubscribe=None,
        mailer=None,
        to_text="a@xtu.edu.cn",
    )
    assert forged == ("received_mismatch",)
    real = bulk_signs(
        sender="boss@163.com",
        received=["from m12-11.163.com (m12-11.163.com [1.2.3.4]) by mx.xtu.edu.cn"],
        list_id=None,
        list_unsubscribe=None,
        mailer=None,
        to_text="a@xtu.edu.cn",
    )
    assert real == ()
    no_chain = bulk_signs(
        sender="boss@163.com",
        received=[],
        list_id=None,
        list_unsubscribe=None,
        mailer=None,
        to_text="",
    )
    assert no_chain == ()


def test_no_from_is_a_sign() -> None:
    assert read_message(b"To: a@b.cn\r\nSubject: x\r\n\r\nhi\r\n").envelope.header_signs == (
        "missing_from",
    )
