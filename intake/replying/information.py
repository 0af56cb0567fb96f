"""The answer to a question: the information reply, queued in the decision's transaction.

A question (`routing.mail_classifier`) opens no filing and gets no reference: it is told what
to send and where (`notifications/templates/reply_information.*`). One sender gets at most one
such answer a week (counted by the address, case folded); a later question in that week is
recorded and not answered. Documents the sender sends later make the filing.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from intake.reading.envelope import SEVERAL_SENDERS
from intake.replying.queue import ReplyAdapters
from intake.runtime.clock import SHANGHAI
from intake.sending.outbox import enqueue
from intake.settings import EMAIL_RE
from intake.store.tables import Message, OutboxMail
from notifications.compose import compose_reply, is_message_id, make_message_id
from notifications.replies import ReplyContext
from vocabulary import ReplyKind

log = logging.getLogger(__name__)

ANSWER_EVERY = timedelta(days=7)
"""A sender is sent the information reply at most once in this time."""


def _chinese_date(moment: datetime) -> str:
    local = moment.astimezone(SHANGHAI)
    return f"{local.year}年{local.month}月{local.day}日"


def answered_recently(db: Session, recipient: str, now: datetime) -> bool:
    """True when `recipient` was sent (or queued) the information reply within a week."""
    found = db.execute(
        select(OutboxMail.id).where(
            func.lower(OutboxMail.recipient) == recipient.lower(),
            OutboxMail.kind == ReplyKind.INFORMATION.value,
            OutboxMail.created_at >= now - ANSWER_EVERY,
        )
    ).first()
    return found is not None


def queue_information(
    db: Session, adapters: ReplyAdapters, message: Message, now: datetime
) -> OutboxMail | None:
    """Queue the information reply to a question; None when it is not to be answered (no
    usable sender, several senders, no configured office, or answered within the week)."""
    recipient = (message.from_addr or "").strip().lower()
    if not recipient or not EMAIL_RE.match(recipient):
        return None
    if any(defect.startswith(SEVERAL_SENDERS) for defect in message.defects or ()):
        return None
    replying = adapters.offices.get(message.office)
    if replying is None:
        return None
    if answered_recently(db, recipient, now):
        log.info("question from message %s: answered within the week, not again", message.id)
        message.signals = [*(message.signals or []), "question:answered_this_week"]
        return None
    context = ReplyContext(
        kind=ReplyKind.INFORMATION.value,
        reference="",
        office=replying,
        holder=None,
        subject_type=None,
        registrant=None,
        accounts=(),
        missing=(),
        problems=(),
        unreadable=(),
        question=True,
        received_on=_chinese_date(message.sent_at or message.stored_at),
        reply_by=None,
        late=False,
        written_on=_chinese_date(now),
    )
    rendered = adapters.renderer.render(context)
    domain = replying.mailbox.rpartition("@")[2] or "localhost"
    message_id = make_message_id(domain)
    parent = message.message_id if is_message_id(message.message_id) else None
    references = tuple(r for r in (*(message.references or []), parent) if r and is_message_id(r))
    raw = compose_reply(
        from_name=replying.name,
        from_addr=replying.mailbox,
        to_addr=recipient,
        rendered=rendered,
        message_id=message_id,
        in_reply_to=parent,
        references=references,
        date=now,
    )
    return enqueue(
        db,
        adapters.files,
        office=replying.code,
        kind=ReplyKind.INFORMATION.value,
        recipient=recipient,
        message_id=message_id,
        raw=raw,
        subject=rendered.subject,
        now=now,
        filing_id=None,
        message_pk=message.id,
    )
