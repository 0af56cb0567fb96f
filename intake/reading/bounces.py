"""Bounces (delivery failure reports) and automatic replies: how to tell them, who bounced.

A message we must never answer: RFC 3834 `Auto-Submitted` other than ``no``, `Precedence`
bulk/junk/list/auto_reply, `X-Autoreply`, `X-Autorespond`, an auto-reply subject (自动回复,
Out of Office …), or a bounce (a ``multipart/report`` delivery-status, mail from
mailer-daemon/postmaster, a bounce subject such as 退信 or Undelivered Mail).
`X-Auto-Response-Suppress` asks *others* not to answer and is no marker at all.
"""

from __future__ import annotations

import re

from intake.reading.model import AutoMarker

_AUTO_SUBJECT = re.compile(
    r"自动回复|自动答复|自動回覆|自动应答|休假|out of (the )?office|auto[- ]?reply|autoreply|"
    r"automatic reply|auto[- ]?response|autoresponse|vacation reply|away from (the )?office",
    re.IGNORECASE,
)
_BOUNCE_SUBJECT = re.compile(
    r"退信|系统退信|退回|投递失败|发送失败|无法投递|undeliver|undelivered mail|"
    r"delivery status notification|delivery (has )?failed|failure notice|returned mail|"
    r"mail delivery (failed|failure|system)|delivery failure|non[- ]?delivery",
    re.IGNORECASE,
)
_BOUNCE_SENDERS = ("mailer-daemon", "postmaster", "mail-daemon", "maildaemon")
_PRECEDENCE = {"bulk", "junk", "list", "auto_reply", "auto-reply"}
_ADDRESS = r"[\w.!#$%&'*+/=?^`{|}~-]+@[\w-]+(?:\.[\w-]+)+"
_POSTFIX_LINE = re.compile(rf"^\s*<({_ADDRESS})>\s*:", re.MULTILINE)
_EXIM_BLOCK = re.compile(
    r"following (?:address(?:\(es\))?|recipients?)[^\n]*fail[^\n]*\n((?:[ \t]*\n)*(?:[ \t]+[^\n]*\n?)+)",
    re.IGNORECASE,
)
_CHINESE_RECIPIENT = re.compile(
    rf"(?:收件人|收信人|无法(?:发送|投递)到|发送到)\s*(?:地址)?\s*[:：]?\s*<?({_ADDRESS})"
)
_ANY_ADDRESS = re.compile(_ADDRESS)


def auto_reply_marker(
    auto_submitted: str | None,
    precedence: str | None,
    x_autoreply: str | None,
    x_autorespond: str | None,
    subject: str,
) -> AutoMarker | None:
    """The first reason the headers give for this being an automatic message, if any."""
    if auto_submitted is not None and auto_submitted.strip().lower().split(";")[0].strip() not in (
        "",
        "no",
    ):
        return AutoMarker.AUTO_SUBMITTED
    if precedence is not None and precedence.strip().lower() in _PRECEDENCE:
        return AutoMarker.PRECEDENCE
    if x_autoreply is not None and x_autoreply.strip().lower() not in ("no", "false", "0"):
        return AutoMarker.X_AUTOREPLY
    if x_autorespond is not None:
        return AutoMarker.X_AUTORESPOND
    if _AUTO_SUBJECT.search(subject):
        return AutoMarker.OUT_OF_OFFICE_SUBJECT
    return None


def looks_like_bounce(has_delivery_report: bool, from_addr: str | None, subject: str) -> bool:
    """A delivery-status report, mail from a mailer daemon, or a bounce subject."""
    if has_delivery_report:
        return True
    local = (from_addr or "").split("@", 1)[0].lower()
    if local in _BOUNCE_SENDERS:
        return True
    return bool(_BOUNCE_SUBJECT.search(subject))


def delivery_status_recipients(text: str) -> list[tuple[str, str]]:
    """(recipient, action) for each per-recipient block of a message/delivery-status body."""
    found: list[tuple[str, str]] = []
    unfolded = re.sub(r"\r?\n[ \t]+", " ", text.replace("\r\n", "\n"))
    for block in re.split(r"\n\s*\n", unfolded):
        fields: dict[str, str] = {}
        for line in block.split("\n"):
            name, sep, value = line.partition(":")
            if sep:
                fields.setdefault(name.strip().lower(), value.strip())
        recipient = fields.get("final-recipient") or fields.get("original-recipient")
        if not recipient:
            continue
        address = recipient.split(";", 1)[-1].strip().strip("<>").strip()
        if "@" in address:
            found.append((address.lower(), fields.get("action", "failed").lower()))
    return found


def body_bounce_recipients(text: str) -> list[str]:
    """Failed recipients named in a human-readable bounce body (Postfix, Exim, 163 系统退信)."""
    found = [match.group(1) for match in _POSTFIX_LINE.finditer(text)]
    for block in _EXIM_BLOCK.finditer(text):
        found.extend(_ANY_ADDRESS.findall(block.group(1)))
    found.extend(match.group(1) for match in _CHINESE_RECIPIENT.finditer(text))
    return list(dict.fromkeys(address.lower() for address in found))
