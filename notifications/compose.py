"""MIME composition of replies and digests, as bytes ready for SMTP.

Replies are multipart/alternative (plain text, then HTML), UTF-8 with base64 bodies; digests
wrap that alternative and add the xlsx registry as an attachment whose Chinese name is
encoded with RFC 2231. Headers are written by ``email.policy.SMTP``: Chinese subjects and
display names become RFC 2047 UTF-8 encoded words that QQ Mail, 163 and Outlook show, lines
are folded at 78 characters and end in CRLF. Every message says ``Auto-Submitted:
auto-replied`` and ``X-Auto-Response-Suppress: All`` so that no auto-responder answers it.

`outgoing_refusal` checks composed bytes once more just before they are handed to SMTP: from
the office's own mailbox, to the one recipient of the outbox row, no other addressee, only the
headers composition writes, and no file attached (a digest carries only its xlsx registry).
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from email.header import Header
from email.headerregistry import Address
from email.message import EmailMessage
from email.parser import BytesParser
from email.policy import SMTP, Policy
from email.utils import format_datetime, getaddresses
from zoneinfo import ZoneInfo

from notifications.model import RenderedReply
from notifications.wording import clean_text

SHANGHAI = ZoneInfo("Asia/Shanghai")
"""Every Date header is written in Beijing time (+0800), as the offices read it."""

XLSX_TYPE = ("application", "vnd.openxmlformats-officedocument.spreadsheetml.sheet")

_LOCAL = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]{1,64}$")
_DOMAIN = re.compile(
    r"^(?=.{1,253}$)[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$"
)
_MESSAGE_ID = re.compile(r"^[\x21-\x3b\x3d\x3f-\x7e]+@[\x21-\x3b\x3d\x3f-\x7e]+$")


def check_mailbox(address: str) -> str:
    """The address itself when it is one plain mailbox (``user@example.com``); ValueError
    otherwise (CR/LF or other controls, display names, several addresses, no or two @)."""
    if not isinstance(address, str) or any(ord(ch) < 0x21 or ord(ch) == 0x7F for ch in address):
        raise ValueError(f"not a single plain mailbox (control character or space): {address!r}")
    if address.count("@") != 1:
        raise ValueError(f"not a single plain mailbox (needs exactly one @): {address!r}")
    local, domain = address.split("@")
    if not _LOCAL.match(local) or local.startswith(".") or local.endswith(".") or ".." in local:
        raise ValueError(f"not a single plain mailbox (local part): {address!r}")
    if not _DOMAIN.match(domain):
        raise ValueError(f"not a single plain mailbox (domain): {address!r}")
    return address


def is_message_id(value: str | None) -> bool:
    """True when `value` (with or without brackets) can stand in a Message-ID header as is."""
    if not value:
        return False
    try:
        _bracketed(value)
    except ValueError:
        return False
    return True


def make_message_id(domain: str) -> str:
    """A new unique Message-ID without angle brackets, e.g. ``<hex>@xt-intake.163.com``."""
    host = domain.strip().lower().strip(".")
    if not _DOMAIN.match(host):
        raise ValueError(f"not a domain name: {domain!r}")
    return f"{uuid.uuid4().hex}@xt-intake.{host}"


def _bracketed(message_id: str) -> str:
    """``<id>`` for an id given with or without brackets; ValueError for anything else."""
    bare = message_id.strip()
    if bare.startswith("<") and bare.endswith(">"):
        bare = bare[1:-1]
    if not _MESSAGE_ID.match(bare):
        raise ValueError(f"not a Message-ID: {message_id!r}")
    return f"<{bare}>"


def _header_text(value: str, limit: int = 200) -> str:
    """A header value on one line (controls removed), never empty."""
    return clean_text(value, limit) or "-"


class _FoldedAddress(str):
    """A From header whose display name is folded as encoded words that start on the header's
    first line (``email.policy.SMTP`` may otherwise leave ``From:`` alone on its line, which
    some webmail parsers read as an empty sender)."""

    name = "From"

    def fold(self, *, policy: Policy) -> str:
        return f"From: {self}{policy.linesep}"


def _from_header(display_name: str, address: str) -> Address | _FoldedAddress:
    name = _header_text(display_name, 80)
    if name.isascii():
        return Address(display_name=name, addr_spec=address)
    words = Header(name, charset="utf-8", header_name="From").encode(linesep="\r\n", maxlinelen=78)
    lines = words.split("\r\n")
    used = len(lines[-1]) + (len("From: ") if len(lines) == 1 else 0)
    joint = " " if used + len(address) + 3 <= 78 else "\r\n "
    return _FoldedAddress(f"{words}{joint}<{address}>")


def _date_header(date: datetime) -> str:
    if date.tzinfo is None or date.utcoffset() is None:
        raise ValueError("the Date header needs an aware datetime")
    return format_datetime(date.astimezone(SHANGHAI))


def _base(
    *, from_name: str, from_addr: str, subject: str, message_id: str, date: datetime
) -> EmailMessage:
    message = EmailMessage(policy=SMTP)
    message["From"] = _from_header(from_name, check_mailbox(from_addr))
    message["Subject"] = _header_text(subject)
    message["Date"] = _date_header(date)
    message["Message-ID"] = _bracketed(message_id)
    message["Auto-Submitted"] = "auto-replied"
    message["X-Auto-Response-Suppress"] = "All"
    return message


def _alternative(message: EmailMessage, text: str, html: str) -> None:
    message.set_content(text, subtype="plain", charset="utf-8", cte="base64")
    message.add_alternative(html, subtype="html", charset="utf-8", cte="base64")


def compose_reply(
    *,
    from_name: str,
    from_addr: str,
    to_addr: str,
    rendered: RenderedReply,
    message_id: str,
    in_reply_to: str | None,
    references: tuple[str, ...],
    date: datetime,
) -> bytes:
    """A reply as bytes (CRLF lines), threaded to the registrant's mail.

    `message_id`, `in_reply_to` and `references` may be given with or without brackets.
    ValueError when `to_addr` or `from_addr` is not one plain mailbox or `date` is naive.
    """
    message = _base(
        from_name=from_name,
        from_addr=from_addr,
        subject=rendered.subject,
        message_id=message_id,
        date=date,
    )
    message["To"] = Address(addr_spec=check_mailbox(to_addr))
    chain = [_bracketed(item) for item in references if item.strip()]
    if in_reply_to:
        parent = _bracketed(in_reply_to)
        message["In-Reply-To"] = parent
        if parent not in chain:
            chain.append(parent)
    if chain:
        message["References"] = " ".join(dict.fromkeys(chain))
    _alternative(message, rendered.text, rendered.html)
    return message.as_bytes(policy=SMTP)


def compose_digest(
    *,
    from_name: str,
    from_addr: str,
    to_addrs: tuple[str, ...],
    subject: str,
    html: str,
    text: str,
    xlsx: bytes,
    xlsx_name: str,
    message_id: str,
    date: datetime,
) -> bytes:
    """A digest mail: text and HTML alternatives plus the xlsx registry (RFC 2231 name)."""
    if not to_addrs:
        raise ValueError("a digest needs at least one recipient")
    message = _base(
        from_name=from_name, from_addr=from_addr, subject=subject, message_id=message_id, date=date
    )
    message["To"] = [Address(addr_spec=check_mailbox(address)) for address in to_addrs]
    _alternative(message, text, html)
    name = _header_text(xlsx_name, 120).replace("/", "_").replace("\\", "_")
    message.add_attachment(xlsx, maintype=XLSX_TYPE[0], subtype=XLSX_TYPE[1], filename=name)
    return message.as_bytes(policy=SMTP)


OUTGOING_HEADERS = frozenset(
    {
        "from",
        "to",
        "subject",
        "date",
        "message-id",
        "in-reply-to",
        "references",
        "auto-submitted",
        "x-auto-response-suppress",
        "mime-version",
        "content-type",
        "content-transfer-encoding",
    }
)
_HEADER_LINE = re.compile(rb"^([!-9;-~]+):|^[ \t]")


def _single_address(message: EmailMessage, name: str) -> str | None:
    values = message.get_all(name) or []
    pairs = getaddresses([str(v) for v in values])
    if len(values) != 1 or len(pairs) != 1:
        return None
    return pairs[0][1].lower()


def outgoing_refusal(
    raw: bytes, sender: str, recipient: str, *, digest: bool = False
) -> str | None:
    """Why `raw` must not be sent from `sender` to `recipient`, or None when it may.

    Refused: a header line that is not ``Name: value`` or a continuation, a header composition
    never writes (Cc, Bcc, Reply-To, Resent-* …), a From other than `sender`, a To other than
    the one `recipient`, any attached or non-text part (a digest may carry one xlsx).
    """
    head = re.split(rb"\r?\n\r?\n", raw, maxsplit=1)[0]
    for line in re.split(rb"\r?\n", head):
        match = _HEADER_LINE.match(line)
        if match is None or b"\r" in line:
            return f"malformed header line {line[:60]!r}"
        if match.group(1) and match.group(1).decode().lower() not in OUTGOING_HEADERS:
            return f"header {match.group(1).decode()!r} is never written by the composer"
    message = BytesParser(policy=SMTP).parsebytes(raw)
    assert isinstance(message, EmailMessage)
    if _single_address(message, "From") != sender.lower():
        return f"From is not the office's own mailbox {sender}"
    if _single_address(message, "To") != recipient.lower():
        return f"To is not exactly the one recipient {recipient}"
    spreadsheets = 0
    for part in message.walk():
        if part.is_multipart():
            continue
        kind = part.get_content_type()
        plain = kind in ("text/plain", "text/html") and part.get_filename() is None
        if plain and part.get_content_disposition() in (None, "inline"):
            continue
        if digest and kind == "/".join(XLSX_TYPE) and spreadsheets == 0:
            spreadsheets += 1
            continue
        return f"carries a file ({kind}, {part.get_filename()!r}); attachments are never sent out"
    return None
