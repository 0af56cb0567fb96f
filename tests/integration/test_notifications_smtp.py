"""The SMTP sender against real aiosmtpd servers on loopback: delivery, connection reuse,
TLS, wrong login, NetEase's coded refusals, a dropped connection and a silent server."""

from __future__ import annotations

import socket
import tempfile
from collections.abc import Iterator
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller

from notifications.compose import compose_reply, make_message_id
from notifications.replies import ReplyRenderer, sample_contexts
from notifications.smtp import SendOutcome, SmtpEndpoint, SmtpSender
from tests.servers import SmtpServer, free_port, self_signed_cert, start_smtp

pytestmark = pytest.mark.integration

OFFICE = "shhlwxxb@163.com"
PASSWORD = "ABCDEFGHIJKLMNOP"


def _raw(to_addr: str = "registrant@qq.com") -> bytes:
    return compose_reply(
        from_name="沙河市互联网信息办公室",
        from_addr=OFFICE,
        to_addr=to_addr,
        rendered=ReplyRenderer().render(sample_contexts()[0]),
        message_id=make_message_id("163.com"),
        in_reply_to=None,
        references=(),
        date=datetime(2020, 5, 10, 9, 0, tzinfo=timezone(timedelta(hours=8))),
    )


def _endpoint(port: int, security: str = "none", ca_file: str | None = None) -> SmtpEndpoint:
    return SmtpEndpoint("127.0.0.1", port, security, ca_file, timeout=3.0)


@pytest.fixture
def server() -> Iterator[SmtpServer]:
    running = start_smtp({OFFICE: PASSWORD})
    try:
        yield running
    finally:
        running.stop()


def test_sends_and_reuses_one_connection(server: SmtpServer) -> None:
    sender = SmtpSender(_endpoint(server.port), OFFICE, PASSWORD)
    first, second = _raw("a@qq.com"), _raw("b@qq.com")
    try:
        result = sender.send(OFFICE, "a@qq.com", first)
        connection = sender._connection
        again = sender.send(OFFICE, "b@qq.com", second)
        assert sender._connection is connection is not None
    finally:
        sender.close()
    assert result.outcome is SendOutcome.SENT and again.outcome is SendOutcome.SENT
    assert [(m, r) for m, r, _ in server.received] == [
        (OFFICE, ["a@qq.com"]),
        (OFFICE, ["b@qq.com"]),
    ]
    assert server.received[0][2].replace(b"\r\n", b"\n") == first.replace(b"\r\n", b"\n")


def test_implicit_tls_with_a_trusted_ca() -> None:
    folder = Path(tempfile.mkdtemp(prefix="xt-smtp-tls-"))
    cert, key = self_signed_cert(folder)
    running = start_smtp({OFFICE: PASSWORD}, tls_cert=(cert, key))
    sender = SmtpSender(_endpoint(running.port, "ssl", str(cert)), OFFICE, PASSWORD)
    try:
        assert sender.send(OFFICE, "a@qq.com", _raw("a@qq.com")).outcome is SendOutcome.SENT
        untrusted = SmtpSender(_endpoint(running.port, "ssl"), OFFICE, PASSWORD)
        result = untrusted.send(OFFICE, "a@qq.com", _raw("a@qq.com"))
        assert result.outcome is SendOutcome.LOGIN_BROKEN and "certificate" in result.detail
    finally:
        sender.close()
        running.stop()
    assert len(running.received) == 1


def test_wrong_authorization_code_is_login_broken(server: SmtpServer) -> None:
    sender = SmtpSender(_endpoint(server.port), OFFICE, "wrong")
    result = sender.send(OFFICE, "a@qq.com", _raw("a@qq.com"))
    sender.close()
    assert result.outcome is SendOutcome.LOGIN_BROKEN and result.code == 535
    assert server.received == []


def test_invalid_recipient_is_rejected_without_sending(server: SmtpServer) -> None:
    sender = SmtpSender(_endpoint(server.port), OFFICE, PASSWORD)
    result = sender.send(OFFICE, "a@qq.com\r\nRCPT TO:<b@qq.com>", _raw())
    sender.close()
    assert result.outcome is SendOutcome.REJECTED and result.code is None
    assert server.received == []


class _Refusing:
    """Answers RCPT or DATA with a fixed NetEase-style reply."""

    def __init__(self, stage: str, reply: str) -> None:
        self.stage, self.reply = stage, reply

    async def handle_RCPT(
        self, server: object, session: object, envelope: object, address: str, options: list[str]
    ) -> str:
        if self.stage == "rcpt":
            return self.reply
        envelope.rcpt_tos.append(address)  # type: ignore[attr-defined]
        return "250 OK"

    async def handle_DATA(self, server: object, session: object, envelope: object) -> str:
        if self.stage == "close":
            server.transport.close()  # type: ignore[attr-defined]
            return "250 never seen"
        return self.reply if self.stage == "data" else "250 OK"


def _run(handler: object) -> tuple[Controller, int]:
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    return controller, port


@pytest.mark.parametrize(
    ("stage", "reply", "outcome", "code"),
    [
        ("rcpt", "451 MI:SFQ 1590000000 too many mails in 15 minutes", SendOutcome.BACK_OFF, 451),
        ("data", "550 RP:TRC 127.0.0.1 too many rcpt today", SendOutcome.STOP_TODAY, 550),
        ("data", "554 MI:STC 127.0.0.1 daily limit", SendOutcome.STOP_TODAY, 554),
        ("data", "554 DT:SPM 163 smtp14 judged spam", SendOutcome.REJECTED, 554),
        ("data", "554 DT:SUM envelope from differs", SendOutcome.REJECTED, 554),
        ("rcpt", "550 User not found: nobody@163.com", SendOutcome.REJECTED, 550),
        ("rcpt", "450 mailbox busy", SendOutcome.RETRY, 450),
    ],
)
def test_coded_refusals(stage: str, reply: str, outcome: SendOutcome, code: int) -> None:
    controller, port = _run(_Refusing(stage, reply))
    sender = SmtpSender(_endpoint(port), "", "")
    try:
        result = sender.send(OFFICE, "a@qq.com", _raw("a@qq.com"))
        assert result.outcome is outcome
        assert result.code == code
        assert reply.split(" ", 1)[1].split(" ")[0] in result.detail
        if outcome is SendOutcome.REJECTED:
            # a plain refusal keeps the connection for the next message
            assert sender._connection is not None
    finally:
        sender.close()
        controller.stop()


def test_connection_closed_by_the_server_is_retry_and_next_send_reconnects() -> None:
    handler = _Refusing("close", "")
    controller, port = _run(handler)
    sender = SmtpSender(_endpoint(port), "", "")
    try:
        result = sender.send(OFFICE, "a@qq.com", _raw("a@qq.com"))
        assert result.outcome is SendOutcome.RETRY and result.code is None
        assert sender._connection is None
        handler.stage = "ok"
        assert sender.send(OFFICE, "a@qq.com", _raw("a@qq.com")).outcome is SendOutcome.SENT
    finally:
        sender.close()
        controller.stop()


def test_silent_server_times_out_as_retry() -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    port = int(listener.getsockname()[1])
    sender = SmtpSender(SmtpEndpoint("127.0.0.1", port, "none", None, timeout=0.5), "", "")
    try:
        result = sender.send(OFFICE, "a@qq.com", _raw("a@qq.com"))
    finally:
        sender.close()
        listener.close()
    assert result.outcome is SendOutcome.RETRY
    assert "timed out" in result.detail


def test_nobody_listening_is_retry() -> None:
    sender = SmtpSender(_endpoint(free_port()), "", "")
    result = sender.send(OFFICE, "a@qq.com", _raw("a@qq.com"))
    assert result.outcome is SendOutcome.RETRY
