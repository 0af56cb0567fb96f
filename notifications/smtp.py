"""Sending over SMTP, and what NetEase's coded replies mean for the outbox.

`classify_smtp_reply` is the pure decision: a reply code and text become a `SendOutcome` that
tells the outbox what to do next (sent; retry later; back off for a while; stop until
tomorrow; tell the admin the login is broken; give up on this message). NetEase (Coremail)
says why in a code inside the text: ``451 MI:SFQ`` (too many in 15 minutes), ``550 RP:TRC`` /
``554 MI:STC`` (daily limit), ``421 HL:ICC`` (too many connections), ``554 DT:SPM`` (spam),
``554 DT:SUM`` (envelope From differs from header From), ``550 RP:RCL`` (too many recipients),
``535`` (wrong authorization code), ``550 User has no permission`` (SMTP turned off).

`SmtpSender` is the thin adapter: one recipient per message, a lazily opened connection that
is reused while it answers NOOP, and no smtplib or socket exception ever escapes it.
"""

from __future__ import annotations

import contextlib
import smtplib
import ssl
from dataclasses import dataclass
from enum import StrEnum

from notifications.compose import check_mailbox


class SendOutcome(StrEnum):
    """What a send attempt came to."""

    SENT = "sent"
    RETRY = "retry"
    BACK_OFF = "back_off"
    STOP_TODAY = "stop_today"
    LOGIN_BROKEN = "login_broken"
    REJECTED = "rejected"


@dataclass(frozen=True)
class SendResult:
    """The outcome with the server's code (None when there was no reply) and its words."""

    outcome: SendOutcome
    code: int | None
    detail: str


@dataclass(frozen=True)
class SmtpEndpoint:
    """Where to send: ``security`` is ``ssl`` (implicit TLS, NetEase port 465), ``starttls``
    or ``none``; `ca_file` adds a trusted CA (tests, private relays)."""

    host: str
    port: int
    security: str
    ca_file: str | None
    timeout: float


BACK_OFF_MARKS = ("MI:SFQ", "HL:ICC")
STOP_TODAY_MARKS = ("RP:TRC", "MI:STC")
LOGIN_MARKS = ("user has no permission",)


def classify_smtp_reply(code: int, text: str) -> SendOutcome:
    """The outbox's next step for one SMTP reply (see the module docstring for the codes)."""
    upper = text.upper()
    lower = text.lower()
    if 200 <= code < 300:
        return SendOutcome.SENT
    if code >= 400 and any(mark in upper for mark in STOP_TODAY_MARKS):
        return SendOutcome.STOP_TODAY
    if code >= 400 and any(mark in upper for mark in BACK_OFF_MARKS):
        return SendOutcome.BACK_OFF
    if code in (530, 534, 535, 538) or any(mark in lower for mark in LOGIN_MARKS):
        return SendOutcome.LOGIN_BROKEN
    if 500 <= code < 600:
        return SendOutcome.REJECTED
    return SendOutcome.RETRY


def _words(raw: bytes | str) -> str:
    text = raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw
    return " ".join(text.split())[:300]


def _from_reply(code: int, message: bytes | str) -> SendResult:
    words = _words(message)
    return SendResult(classify_smtp_reply(code, words), code, f"{code} {words}".strip())


class SmtpSender:
    """Sends one message to one recipient at a time over a reused SMTP connection."""

    def __init__(self, endpoint: SmtpEndpoint, user: str, password: str) -> None:
        self.endpoint = endpoint
        self.user = user
        self.password = password
        self._connection: smtplib.SMTP | None = None

    def _tls_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context()
        if self.endpoint.ca_file:
            context.load_verify_locations(cafile=self.endpoint.ca_file)
        return context

    def _open(self) -> smtplib.SMTP:
        endpoint = self.endpoint
        connection: smtplib.SMTP
        if endpoint.security == "ssl":
            connection = smtplib.SMTP_SSL(
                endpoint.host,
                endpoint.port,
                timeout=endpoint.timeout,
                context=self._tls_context(),
            )
        else:
            connection = smtplib.SMTP(endpoint.host, endpoint.port, timeout=endpoint.timeout)
        try:
            connection.ehlo()
            if endpoint.security == "starttls":
                connection.starttls(context=self._tls_context())
                connection.ehlo()
            if self.user:
                connection.login(self.user, self.password)
        except BaseException:
            with contextlib.suppress(Exception):
                connection.close()
            raise
        return connection

    def _live_connection(self) -> smtplib.SMTP:
        if self._connection is not None:
            try:
                code, _ = self._connection.noop()
                if code == 250:
                    return self._connection
            except (smtplib.SMTPException, OSError):
                pass
            self._drop()
        self._connection = self._open()
        return self._connection

    def _drop(self) -> None:
        connection, self._connection = self._connection, None
        if connection is not None:
            with contextlib.suppress(Exception):
                connection.close()

    def send(self, envelope_from: str, recipient: str, raw: bytes) -> SendResult:
        """Send `raw` to `recipient`; server trouble comes back as a result, never raised."""
        try:
            check_mailbox(envelope_from)
            check_mailbox(recipient)
        except ValueError as exc:
            return SendResult(SendOutcome.REJECTED, None, str(exc))
        try:
            connection = self._live_connection()
            refused = connection.sendmail(envelope_from, [recipient], raw)
        except smtplib.SMTPAuthenticationError as exc:
            self._drop()
            return SendResult(
                SendOutcome.LOGIN_BROKEN, exc.smtp_code, f"{exc.smtp_code} {_words(exc.smtp_error)}"
            )
        except smtplib.SMTPRecipientsRefused as exc:
            code, message = next(iter(exc.recipients.values()), (550, b"recipient refused"))
            return self._after_refusal(_from_reply(code, message))
        except smtplib.SMTPResponseException as exc:
            return self._after_refusal(_from_reply(exc.smtp_code, exc.smtp_error))
        except smtplib.SMTPNotSupportedError as exc:
            self._drop()
            return SendResult(SendOutcome.LOGIN_BROKEN, None, f"server lacks a feature: {exc}")
        except ssl.SSLCertVerificationError as exc:
            self._drop()
            return SendResult(SendOutcome.LOGIN_BROKEN, None, f"TLS certificate not trusted: {exc}")
        except (smtplib.SMTPServerDisconnected, ConnectionError) as exc:
            self._drop()
            return SendResult(SendOutcome.RETRY, None, f"connection lost: {exc}")
        except TimeoutError as exc:
            self._drop()
            return SendResult(SendOutcome.RETRY, None, f"timed out: {exc}")
        except (smtplib.SMTPException, OSError) as exc:
            self._drop()
            return SendResult(SendOutcome.RETRY, None, f"{type(exc).__name__}: {exc}")
        if refused:
            code, message = next(iter(refused.values()))
            return self._after_refusal(_from_reply(code, message))
        return SendResult(SendOutcome.SENT, 250, "250 accepted")

    def _after_refusal(self, result: SendResult) -> SendResult:
        """Keep the connection after a plain refusal; drop it when the server is done with us."""
        if result.outcome is not SendOutcome.REJECTED or (result.code or 0) == 421:
            self._drop()
        else:
            with contextlib.suppress(Exception):
                if self._connection is not None:
                    self._connection.rset()
        return result

    def close(self) -> None:
        """Say QUIT and close the connection (if one is open)."""
        connection, self._connection = self._connection, None
        if connection is not None:
            with contextlib.suppress(Exception):
                connection.quit()
            with contextlib.suppress(Exception):
                connection.close()
