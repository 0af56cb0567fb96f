"""The envelope of a message: addresses, subject, date, thread ids, auto-reply and bounce facts.

Header values come as raw bytes from `mime`; names and subjects go through the charset repair of
`charsets`. Address lists are split before encoded words are decoded, so a decoded name that
contains a comma never splits an address.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from email.utils import getaddresses, parsedate_to_datetime

from intake.reading.bounces import (
    auto_reply_marker,
    body_bounce_recipients,
    looks_like_bounce,
)
from intake.reading.bulk_signs import bulk_signs
from intake.reading.charsets import decode_header_bytes, decode_raw_text
from intake.reading.mime import Entity
from intake.reading.model import Address, Envelope

CHINA_TIME = timezone(timedelta(hours=8), "Asia/Shanghai")
_MESSAGE_ID = re.compile(r"<([^<>\s]+)>")


@dataclass(frozen=True)
class DeliveryFacts:
    """What the body walk learnt that bears on the envelope."""

    has_delivery_report: bool
    report_recipients: tuple[tuple[str, str], ...]
    body_text: str


def _no_controls(text: str) -> str:
    """`text` without control or format characters (C0/C1 controls, zero-width and bidi marks,
    soft hyphens, byte-order marks); line breaks and tabs become spaces."""
    return "".join(
        " " if ch in "\r\n\t" else ch
        for ch in text
        if ch in "\r\n\t" or unicodedata.category(ch) not in ("Cc", "Cf")
    )


def _clean_space(text: str) -> str:
    return re.sub(r"[\r\n\t]+", " ", text).strip()


def normalise_address(addr: str) -> str:
    """The address with surrounding junk and control characters removed and its domain
    lower-cased."""
    cleaned = _no_controls(addr).strip().strip("<>").strip()
    local, at, domain = cleaned.rpartition("@")
    return f"{local}@{domain.lower()}" if at else cleaned


def parse_addresses(raws: list[bytes], defects: list[str], label: str) -> tuple[Address, ...]:
    """Every mailbox in the given raw header values (groups flattened, empty entries dropped)."""
    if not raws:
        return ()
    text = ", ".join(decode_raw_text(raw.replace(b"\r", b" ").replace(b"\n", b" ")) for raw in raws)
    try:
        pairs = getaddresses([text])
    except Exception:  # the standard parser has raised on odd input in past releases
        defects.append(f"{label} header could not be parsed: {text[:80]!r}")
        return ()
    found: list[Address] = []
    for name, addr in pairs:
        address = normalise_address(addr)
        if not address:
            continue
        display = _clean_space(
            _no_controls(decode_header_bytes(name.encode("utf-8", errors="surrogateescape")))
        )
        found.append(Address(display.strip('"').strip(), address))
    if not found and text.strip():
        defects.append(f"{label} header holds no readable address: {text[:80]!r}")
    return tuple(found)


def _parse_date(raw: bytes | None, defects: list[str]) -> datetime | None:
    if raw is None:
        return None
    text = _clean_space(decode_raw_text(raw))
    try:
        parsed = parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError, OverflowError):
        defects.append(f"unreadable Date header {text[:60]!r}")
        return None
    if parsed.tzinfo is None:
        defects.append("Date header has no time zone; taken as China time")
        return parsed.replace(tzinfo=CHINA_TIME)
    return parsed


def _message_id(raw: bytes | None) -> str | None:
    if raw is None:
        return None
    text = decode_raw_text(raw).strip()
    match = _MESSAGE_ID.search(text)
    if match:
        return match.group(1)
    token = text.split()[0] if text.split() else ""
    return token.strip("<>") or None


def _references(raw: bytes | None) -> tuple[str, ...]:
    if raw is None:
        return ()
    text = decode_raw_text(raw)
    found = _MESSAGE_ID.findall(text) or [t.strip("<>,") for t in text.split() if "@" in t]
    return tuple(dict.fromkeys(found))


def _text_header(entity: Entity, name: str) -> str | None:
    raw = entity.header(name)
    return None if raw is None else _clean_space(decode_header_bytes(raw))


SEVERAL_SENDERS = "From names several mailboxes"
"""The start of the defect recorded for a mail whose From holds more than one address: such a
mail gets no automatic reply (the reply must go to one mailbox that surely sent it)."""


def build_envelope(entity: Entity, facts: DeliveryFacts, defects: list[str]) -> Envelope:
    """Read the envelope from the top entity's headers and the facts found in its body."""
    subject = _text_header(entity, "subject") or ""
    senders = parse_addresses(entity.all_headers("from")[:1], defects, "From")
    from_ = senders[0] if senders else None
    if len(senders) > 1:
        defects.append(f"{SEVERAL_SENDERS}: {', '.join(a.addr for a in senders)[:200]}")
    delivered = [
        address.addr.lower()
        for name in ("delivered-to", "x-original-to")
        for address in parse_addresses(entity.all_headers(name), defects, name)
    ]
    marker = auto_reply_marker(
        _text_header(entity, "auto-submitted"),
        _text_header(entity, "precedence"),
        _text_header(entity, "x-autoreply"),
        _text_header(entity, "x-autorespond"),
        subject,
    )
    is_bounce = looks_like_bounce(facts.has_delivery_report, from_.addr if from_ else None, subject)
    bounced: list[str] = []
    if facts.report_recipients:
        bounced = [addr for addr, action in facts.report_recipients if action.startswith("fail")]
    elif is_bounce:
        bounced = body_bounce_recipients(facts.body_text)
    to = parse_addresses(entity.all_headers("to"), defects, "To")
    signs = bulk_signs(
        sender=from_.addr if from_ else None,
        received=[decode_raw_text(raw) for raw in entity.all_headers("received")],
        list_id=_text_header(entity, "list-id"),
        list_unsubscribe=_text_header(entity, "list-unsubscribe"),
        mailer=" ".join(
            filter(None, (_text_header(entity, n) for n in ("x-mailer", "x-mailing-list")))
        ),
        to_text=" ".join(decode_raw_text(raw) for raw in entity.all_headers("to")),
    )
    return Envelope(
        from_=from_,
        reply_to=parse_addresses(entity.all_headers("reply-to"), defects, "Reply-To"),
        to=to,
        cc=parse_addresses(entity.all_headers("cc"), defects, "Cc"),
        delivered_to=tuple(dict.fromkeys(delivered)),
        subject=subject,
        date=_parse_date(entity.header("date"), defects),
        message_id=_message_id(entity.header("message-id")),
        in_reply_to=_message_id(entity.header("in-reply-to")),
        references=_references(entity.header("references")),
        auto_reply=marker,
        is_bounce=is_bounce,
        bounced_recipients=tuple(dict.fromkeys(bounced)),
        header_signs=signs,
    )
