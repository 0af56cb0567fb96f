"""Small builders of settings and mails for tests."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from pathlib import Path

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
        area="沙河市",
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


def loopback_config(
    folder: Path,
    *,
    imap_port: int,
    smtp_port: int,
    offices: Mapping[str, str],
    password_env: str = "PW",
    database_url: str | None = None,
    files: Path | None = None,
    digest_at: str = "23:59",
    folders: tuple[str, ...] | None = ("INBOX",),
    others_disabled: bool = False,
) -> Path:
    """A config file for a deployment whose offices (code → mailbox) use the test IMAP and SMTP
    servers on loopback without TLS; names, addresses and phones are the notice's.

    `password_env` may hold ``{code}``. With `others_disabled` the notice's other offices are
    listed too, disabled (a transferred filing's holder office is then configured)."""
    from vocabulary.offices import OFFICES

    blocks = []
    for published in OFFICES:
        mailbox = offices.get(published.code)
        if mailbox is None and not others_disabled:
            continue
        lines = [
            "[[office]]",
            f'code = "{published.code}"',
            f'name = "{published.name}"',
            f'mailbox = "{mailbox or published.mailbox}"',
            f'address = "{published.address}"',
            f'phone = "{published.phone}"',
            f"contacts = {json.dumps(list(published.contacts), ensure_ascii=False)}",
            f'password_env = "{password_env.format(code=published.code)}"',
        ]
        if mailbox is None:
            lines.append("enabled = false")
        else:
            lines.append(f'imap = {{ host = "127.0.0.1", port = {imap_port}, security = "none" }}')
            lines.append(f'smtp = {{ host = "127.0.0.1", port = {smtp_port}, security = "none" }}')
            if folders is not None:
                lines.append(f"folders = {json.dumps(list(folders), ensure_ascii=False)}")
        blocks.append("\n".join(lines))
    path = folder / "intake.toml"
    path.write_text(
        f"""[storage]
database = "{database_url or f"sqlite:///{folder / 'intake.db'}"}"
files = "{files or folder / "files"}"

[schedule]
timezone = "Asia/Shanghai"
digest_at = "{digest_at}"

[sending]
seconds_between_sends = 0

"""
        + "\n\n".join(blocks)
        + "\n",
        encoding="utf-8",
    )
    return path


def form_xlsx(
    name: str = "张喆",
    id_number: str = "11010519491231002X",
    account: str = "沙河生活",
    county: str | None = "沙河市",
) -> bytes:
    """An individual's registration form as a one-sheet xlsx, label and value in cells.

    A value starting with ``=`` is stored as text, as a registrant types it, not as a formula."""
    import io

    import openpyxl

    book = openpyxl.Workbook()
    sheet = book.active
    assert sheet is not None
    rows: list[list[str]] = [
        ["邢台市新媒体账号登记备案表"],
        ["主体类型", "个人"],
        ["姓名", name],
        ["身份证号码", id_number],
    ]
    if county is not None:
        rows.append(["所属县（市、区）", county])
    rows += [
        ["联系电话", "13803190000"],
        ["平台", "账号名称", "账号ID"],
        ["抖音", account, "shahe2020"],
    ]
    for row in rows:
        sheet.append(row)
    for cells in sheet.iter_rows():
        for cell in cells:
            if isinstance(cell.value, str) and cell.value.startswith("="):
                cell.data_type = "s"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def id_number(region: str = "130582") -> str:
    """A valid resident ID number issued in `region`, born 1990-01-01."""
    from routing.identity import id_check_character

    first17 = region + "19900101001"
    return first17 + id_check_character(first17)
