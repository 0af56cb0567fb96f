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
from intake.replying.queue import (
    ReplyAdapters,
    chinese_date,
    received_moment,
    render_and_enqueue,
)
from intake.settings import EMAIL_RE
from intake.store.tables import Message, OutboxMail
from notifications.replies import ReplyContext
from vocabulary import ReplyKind

log = logging.getLogger(__name__)

ANSWER_EVERY = timedelta(days=7)
"""A sender is sent the information reply at most once in this time."""


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
        received_on=chinese_date(received_moment(message)),
        reply_by=None,
        late=False,
        written_on=chinese_date(now),
    )
    return render_and_enqueue(
        db, adapters, replying, message, recipient, context, ReplyKind.INFORMATION.value, None, now
    )
