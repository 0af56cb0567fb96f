"""Which filing an incoming mail belongs to.

Rules, in order:

1. A reference (``XT…``) in the subject joins that filing when the mail comes from the
   filing's own sender. A reference quoted by someone else does not join: references are
   read out on the phone and printed in digests, so knowing one proves nothing.
2. ``In-Reply-To`` or ``References`` naming one of our replies joins that reply's filing,
   whoever sends it: a Message-ID is known only to whoever received our reply (a colleague
   the registrant forwarded it to, say).
3. A mail that brings documents joins the same sender's one open incomplete filing created
   within 30 days of the mail; with none, or with more than one, it starts a new filing (a person can
   merge two filings; splitting a wrongly joined one is harder).

Otherwise the mail starts a new filing. Addresses compare case-insensitively.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from routing.references import find_references

SAME_SENDER_WINDOW = timedelta(days=30)


class ThreadRule(StrEnum):
    """Which rule placed the mail."""

    REFERENCE = "reference"
    REPLY_HEADER = "reply_header"
    SAME_SENDER = "same_sender"
    NEW = "new"


class ThreadNote(StrEnum):
    """Something a person may want to know about the placing."""

    REFERENCE_FROM_OTHER_SENDER = "reference_from_other_sender"
    UNKNOWN_REFERENCE = "unknown_reference"
    SEVERAL_OPEN_FILINGS = "several_open_filings"


@dataclass(frozen=True)
class CandidateFiling:
    """A filing the mail might belong to, as the store knows it."""

    reference: str
    office: str
    sender: str
    incomplete: bool
    created_at: datetime
    reply_message_ids: tuple[str, ...] = ()


@dataclass(frozen=True)
class IncomingMail:
    """The threading-relevant parts of an incoming mail."""

    subject: str
    sender: str
    received_at: datetime
    in_reply_to: str | None = None
    references: str | None = None
    brings_documents: bool = False


@dataclass(frozen=True)
class ThreadMatch:
    """The filing to join (None: start a new one), the rule that said so, and notes."""

    reference: str | None
    rule: ThreadRule
    notes: tuple[ThreadNote, ...] = ()


def _address(text: str) -> str:
    match = re.search(r"<([^<>]+)>", text)
    return (match.group(1) if match else text).strip().lower()


def message_ids(header: str | None) -> tuple[str, ...]:
    """Message-IDs in an ``In-Reply-To``/``References`` value, without angle brackets."""
    text = header or ""
    bracketed = re.findall(r"<([^<>\s]+)>", text)
    return tuple(bracketed) if bracketed else tuple(text.split())


def _bare(message_id: str) -> str:
    return message_id.strip().strip("<>").strip()


def _aware(moment: datetime) -> datetime:
    """Naive times are taken as Asia/Shanghai, so naive and aware times can be compared."""
    return moment if moment.tzinfo else moment.replace(tzinfo=ZoneInfo("Asia/Shanghai"))


def _within_window(received_at: datetime, created_at: datetime) -> bool:
    """Within 30 days either way: a backlog may be read after the filing it joins was made."""
    return abs(_aware(received_at) - _aware(created_at)) <= SAME_SENDER_WINDOW


def choose_filing(mail: IncomingMail, candidates: Sequence[CandidateFiling]) -> ThreadMatch:
    """Place a mail on an existing filing or a new one (see the module's rules)."""
    notes: list[ThreadNote] = []
    sender = _address(mail.sender)
    by_reference = {candidate.reference.upper(): candidate for candidate in candidates}
    for reference in find_references(mail.subject):
        candidate = by_reference.get(str(reference))
        if candidate is None:
            notes.append(ThreadNote.UNKNOWN_REFERENCE)
        elif _address(candidate.sender) == sender:
            return ThreadMatch(candidate.reference, ThreadRule.REFERENCE, tuple(notes))
        else:
            notes.append(ThreadNote.REFERENCE_FROM_OTHER_SENDER)
    named = {_bare(m) for m in message_ids(mail.in_reply_to) + message_ids(mail.references)}
    for candidate in candidates:
        if named & {_bare(m) for m in candidate.reply_message_ids}:
            return ThreadMatch(candidate.reference, ThreadRule.REPLY_HEADER, tuple(notes))
    if mail.brings_documents:
        open_ones = [
            candidate
            for candidate in candidates
            if candidate.incomplete
            and _address(candidate.sender) == sender
            and _within_window(mail.received_at, candidate.created_at)
        ]
        if len(open_ones) == 1:
            return ThreadMatch(open_ones[0].reference, ThreadRule.SAME_SENDER, tuple(notes))
        if len(open_ones) > 1:
            notes.append(ThreadNote.SEVERAL_OPEN_FILINGS)
    return ThreadMatch(None, ThreadRule.NEW, tuple(dict.fromkeys(notes)))
