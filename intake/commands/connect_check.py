"""`intake config check --connect`: log in to every office's IMAP (with ID) and SMTP server and
say, per office, in plain words what is wrong: ok, wrong authorization code, service not enabled,
"Unsafe Login", unreachable, TLS failure.
"""

from __future__ import annotations

import smtplib
import socket
import ssl
from collections.abc import Mapping
from dataclasses import dataclass

from intake.mailbox.base import ADVICE, MailboxPermanentError, MailboxProblem, MailboxTransientError
from intake.mailbox.imap import ImapSession, ssl_context
from intake.settings import Endpoint, OfficeSettings, Security


@dataclass(frozen=True)
class ProbeResult:
    """How one service of one office answered."""

    office: str
    service: str
    ok: bool
    problem: MailboxProblem | None
    message: str

    def line(self) -> str:
        return f"{self.office} {self.service}: " + ("ok" if self.ok else self.message)


def probe_imap(office: OfficeSettings, password: str) -> ProbeResult:
    """Log in, send ID, and open INBOX read-only."""
    try:
        session = ImapSession(office.imap, office.mailbox, password)
        try:
            session.select("INBOX")
        finally:
            session.close()
    except (MailboxPermanentError, MailboxTransientError) as exc:
        return ProbeResult(office.code, "IMAP", False, exc.problem, str(exc))
    return ProbeResult(office.code, "IMAP", True, None, "ok")


def classify_smtp(code: int, text: str) -> MailboxProblem:
    """NetEase's SMTP answers at login: 535 wrong code, 550 "no permission" service off."""
    lowered = text.lower()
    if code == 550 and ("permission" in lowered or "not open" in lowered):
        return MailboxProblem.NOT_ENABLED
    if code in (535, 534, 530):
        return MailboxProblem.WRONG_PASSWORD
    return MailboxProblem.PROTOCOL


def smtp_connect(endpoint: Endpoint) -> smtplib.SMTP:
    """An SMTP connection with the configured security (not yet logged in)."""
    if endpoint.security is Security.SSL:
        return smtplib.SMTP_SSL(
            endpoint.host,
            endpoint.port,
            timeout=endpoint.timeout_seconds,
            context=ssl_context(endpoint),
        )
    client = smtplib.SMTP(endpoint.host, endpoint.port, timeout=endpoint.timeout_seconds)
    if endpoint.security is Security.STARTTLS:
        client.starttls(context=ssl_context(endpoint))
    return client


def probe_smtp(office: OfficeSettings, password: str) -> ProbeResult:
    """Connect and log in to the office's SMTP server."""

    def failed(problem: MailboxProblem, detail: str) -> ProbeResult:
        return ProbeResult(office.code, "SMTP", False, problem, f"{ADVICE[problem]} ({detail})")

    try:
        client = smtp_connect(office.smtp)
    except ssl.SSLError as exc:
        return failed(MailboxProblem.TLS_FAILURE, str(exc))
    except (OSError, smtplib.SMTPException) as exc:
        if isinstance(exc, (TimeoutError, socket.timeout)):
            return failed(MailboxProblem.TIMEOUT, str(exc) or "timed out")
        return failed(MailboxProblem.UNREACHABLE, str(exc) or type(exc).__name__)
    try:
        client.login(office.mailbox, password)
    except smtplib.SMTPResponseException as exc:  # 535 and friends (SMTPAuthenticationError too)
        text = (
            exc.smtp_error.decode("utf-8", "replace")
            if isinstance(exc.smtp_error, bytes)
            else str(exc.smtp_error)
        )
        return failed(classify_smtp(exc.smtp_code, text), f"{exc.smtp_code} {text}")
    except smtplib.SMTPNotSupportedError as exc:
        return failed(MailboxProblem.PROTOCOL, f"the server offers no login: {exc}")
    except (OSError, smtplib.SMTPException) as exc:
        return failed(MailboxProblem.DROPPED, str(exc) or type(exc).__name__)
    finally:
        try:
            client.quit()
        except (OSError, smtplib.SMTPException):
            client.close()
    return ProbeResult(office.code, "SMTP", True, None, "ok")


def probe_office(office: OfficeSettings, environ: Mapping[str, str]) -> list[ProbeResult]:
    """IMAP and SMTP results for one office (a missing code is reported once for both)."""
    password = office.password(environ)
    if not password:
        message = f"{ADVICE[MailboxProblem.NO_PASSWORD]}: export {office.password_env}=<authorization code>"
        return [ProbeResult(office.code, "IMAP+SMTP", False, MailboxProblem.NO_PASSWORD, message)]
    return [probe_imap(office, password), probe_smtp(office, password)]
