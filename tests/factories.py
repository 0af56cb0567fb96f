"""Small builders of settings and mails for tests."""

from __future__ import annotations

from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from intake.settings import DEFAULT_FOLDERS, Endpoint, OfficeSettings, Security


def office(
    code: str = "130582",
    mailbox: str = "shhlwxxb@163.com",
    port: int = 143,
    *,
    security: Security = Security.NONE,
    folders: tuple[str, ...] | None = None,
    ca_file: str | None = None,
    timeout: float = 10.0,
) -> OfficeSettings:
    """An office whose IMAP and SMTP servers are on loopback."""
    endpoint = Endpoint("127.0.0.1", port, security, ca_file, timeout)
    return OfficeSettings(
        code=code,
        name=f"{code} 互联网信息办公室",
        mailbox=mailbox,
        address="沙河市太行大街561号",
        phone="8921750",
        contacts=("李晓静",),
        password_env=f"INTAKE_PASSWORD_{code}",
        imap=endpoint,
        smtp=endpoint,
        folders=folders or DEFAULT_FOLDERS,
        folders_explicit=folders is not None,
        digest_to=(mailbox,),
        enabled=True,
    )


def mail(
    subject: str = "新媒体账号登记备案",
    sender: str = "zhang@qq.com",
    to: str = "shhlwxxb@163.com",
    body: str = "您好，附件是备案表。",
    attachment: bytes | None = None,
    attachment_name: str = "备案表.xlsx",
    size_padding: int = 0,
) -> bytes:
    """A plain mail as raw bytes, optionally with one attachment and padding to reach a size."""
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = format_datetime(datetime(2020, 5, 10, 9, 30, tzinfo=UTC))
    message["Message-ID"] = make_msgid(domain="test.example")
    message.set_content(body + ("x" * size_padding))
    if attachment is not None:
        message.add_attachment(
            attachment, maintype="application", subtype="octet-stream", filename=attachment_name
        )
    return message.as_bytes()
