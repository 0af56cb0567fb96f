"""The pure classification of SMTP replies, NetEase's coded ones included."""

from __future__ import annotations

import pytest

from notifications.smtp import SendOutcome, classify_smtp_reply


@pytest.mark.parametrize(
    ("code", "text", "outcome"),
    [
        (250, "Mail OK queued as smtp14,EsCowAD3", SendOutcome.SENT),
        (
            451,
            "MI:SFQ 1590000000 http://mail.163.com/help/help_spam_16.htm?ip=1.2.3.4",
            SendOutcome.BACK_OFF,
        ),
        (421, "HL:ICC 1.2.3.4 connections too many", SendOutcome.BACK_OFF),
        (550, "RP:TRC 1.2.3.4 too many rcpt today", SendOutcome.STOP_TODAY),
        (554, "MI:STC 1.2.3.4 too many mails today", SendOutcome.STOP_TODAY),
        (535, "Error: authentication failed", SendOutcome.LOGIN_BROKEN),
        (535, "5.7.8 Authentication credentials invalid", SendOutcome.LOGIN_BROKEN),
        (550, "User has no permission", SendOutcome.LOGIN_BROKEN),
        (
            554,
            "DT:SPM 163 smtp14,EsCowAD3 http://mail.163.com/help/help_spam_16.htm",
            SendOutcome.REJECTED,
        ),
        (554, "DT:SUM envelope from differs from header from", SendOutcome.REJECTED),
        (550, "RP:RCL too many recipients", SendOutcome.REJECTED),
        (550, "User not found: nobody@163.com", SendOutcome.REJECTED),
        (553, "Mailbox name not allowed", SendOutcome.REJECTED),
        (450, "Requested mail action not taken: mailbox unavailable", SendOutcome.RETRY),
        (421, "Service not available, closing channel", SendOutcome.RETRY),
        (452, "Insufficient system storage", SendOutcome.RETRY),
        (354, "unexpected intermediate reply", SendOutcome.RETRY),
    ],
)
def test_classify(code: int, text: str, outcome: SendOutcome) -> None:
    assert classify_smtp_reply(code, text) is outcome


def test_marks_are_case_insensitive_and_need_a_failure_code() -> None:
    assert classify_smtp_reply(451, "mi:sfq slow down") is SendOutcome.BACK_OFF
    assert classify_smtp_reply(250, "ok RP:TRC mentioned in passing") is SendOutcome.SENT
