"""Mail that is not a filing: auto-replies, bounces, our own mail, and mail with nothing in it.

The words of the mail's nature live here; the pipeline decides with `routing.mail_classifier`,
which weighs every piece of evidence. `classify_mail` is the older header-and-word rule, kept
for callers that have no parsed documents.

Never answer generated mail: a reply to an auto-reply or a bounce starts a loop or sends
backscatter. Our own replies and digests come back when an office writes to itself, so a mail
from one of our mailboxes that is marked as generated, or whose Message-ID we made, is ours.
A person's mail from our mailbox (an office forwarding a filing to another) is judged on its
merits.

A mail with attachments or large-attachment links is a filing. A text-only mail that talks
about filing (备案, 登记, 账号, 附件 …) is a question, answered with the list of what to send;
quoted text of an earlier mail is ignored for this, so a bare "thanks" under our quoted reply
is not a question, and neither is the subject of a reply that carries our reference (our
own subject words would count). Anything else shows no sign of a filing and is ignored.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum

from routing.characters import fold_width
from routing.references import find_references


class MailKind(StrEnum):
    """What an incoming mail is."""

    FILING = "filing"
    QUESTION = "question"
    IGNORED = "ignored"
    UNCERTAIN = "uncertain"
    """Not clear either way: no automatic reply, it waits for a person."""


class IgnoreReason(StrEnum):
    """Why a mail gets no filing and no reply."""

    AUTO_REPLY = "auto_reply"
    BOUNCE = "bounce"
    OWN_REPLY = "own_reply"
    MAILER_DAEMON = "mailer_daemon"
    NO_FILING_SIGNS = "no_filing_signs"
    SPAM = "spam"


@dataclass(frozen=True)
class MailNature:
    """What a mail is and, when ignored, why."""

    kind: MailKind
    reason: IgnoreReason | None = None


SYSTEM_SENDERS: tuple[str, ...] = ("mailer-daemon", "postmaster", "mail-daemon", "mailerdaemon")
NO_REPLY_SENDERS: tuple[str, ...] = (
    "noreply",
    "no-reply",
    "no_reply",
    "donotreply",
    "do-not-reply",
)
AUTO_REPLY_SUBJECTS = re.compile(
    r"自动回复|自动答复|auto[\s-]*reply|automatic reply|autoreply|out of (the )?office|休假|不在办公室",
    re.IGNORECASE,
)
BOUNCE_SUBJECTS = re.compile(
    r"undeliver|delivery status notification|delivery failure|mail delivery failed|"
    r"returned mail|退信|投递失败|无法投递|未能送达|发送失败",
    re.IGNORECASE,
)
FILING_WORDS: tuple[str, ...] = (
    "备案",
    "登记",
    "账号",
    "帐号",
    "附件",
    "备案表",
    "登记表",
    "身份证",
    "营业执照",
    "公众号",
    "新媒体",
    "材料",
    "抖音",
    "快手",
    "头条",
    "微博",
)
_QUOTE_STARTS = re.compile(
    r"^(?:-{2,}\s*原始邮件\s*-{2,}|-{2,}\s*Original Message\s*-{2,}|"
    r"On .{1,200} wrote:|在\s?.{1,100}写道[:：]|发件人[:：]|From:\s)",
    re.IGNORECASE | re.MULTILINE,
)


def own_text(body_text: str) -> str:
    """The sender's own words: quoted lines (``>``) and everything after a quote header dropped."""
    start = _QUOTE_STARTS.search(body_text)
    text = body_text[: start.start()] if start else body_text
    return "\n".join(line for line in text.splitlines() if not line.lstrip().startswith(">"))


def _local_part(sender: str) -> str:
    match = re.search(r"<([^<>]*)>", sender)
    address = (match.group(1) if match else sender).strip().lower()
    return address.partition("@")[0]


def _address(sender: str) -> str:
    match = re.search(r"<([^<>]*)>", sender)
    return (match.group(1) if match else sender).strip().lower()


def classify_mail(
    *,
    auto_reply_marker: bool,
    is_bounce: bool,
    subject: str,
    body_text: str,
    attachment_count: int,
    large_link_count: int,
    sender: str,
    own_addresses: Iterable[str] = (),
    own_message: bool = False,
) -> MailNature:
    """Decide whether a mail is a filing, a question or to be ignored (and why).

    `auto_reply_marker` is True when the headers say the mail was generated (Auto-Submitted
    other than ``no``, Precedence bulk/junk/list, X-Autoreply …); `own_message` when its
    Message-ID is one we made.
    """
    ours = {address.strip().lower() for address in own_addresses}
    local = _local_part(sender)
    if own_message or (_address(sender) in ours and auto_reply_marker):
        return MailNature(MailKind.IGNORED, IgnoreReason.OWN_REPLY)
    if not local or local in SYSTEM_SENDERS:
        return MailNature(MailKind.IGNORED, IgnoreReason.MAILER_DAEMON)
    if is_bounce or BOUNCE_SUBJECTS.search(subject or ""):
        return MailNature(MailKind.IGNORED, IgnoreReason.BOUNCE)
    if auto_reply_marker or AUTO_REPLY_SUBJECTS.search(subject or "") or local in NO_REPLY_SENDERS:
        return MailNature(MailKind.IGNORED, IgnoreReason.AUTO_REPLY)
    if attachment_count > 0 or large_link_count > 0:
        return MailNature(MailKind.FILING)
    subject_words = "" if find_references(subject) else subject or ""
    words = fold_width(f"{subject_words}\n{own_text(body_text or '')}")
    if any(word in words for word in FILING_WORDS):
        return MailNature(MailKind.QUESTION)
    return MailNature(MailKind.IGNORED, IgnoreReason.NO_FILING_SIGNS)
