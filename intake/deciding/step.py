"""Step 4 in the pipeline: the mail joins its filing, the filing is decided again, and the reply
the decision implies is queued in the same transaction (held for a person when the office's
review rule says so, see `intake.replying.review`). A question gets the information reply (no
filing); an uncertain mail gets nothing and waits for a person (Message.nature ``uncertain``)."""

from __future__ import annotations

import logging

from sqlalchemy.orm import Session

from intake.deciding.filing import decide_message
from intake.replying.information import queue_information
from intake.replying.queue import queue_reply
from intake.replying.review import hold_if_needed, hold_unfiled_if_all, retire_older_held
from intake.runtime.context import PipelineContext
from intake.store.tables import Filing, Message, MessageState
from routing import MailKind

log = logging.getLogger(__name__)


def decide_step(ctx: PipelineContext, db: Session, message: Message) -> MessageState:
    """The mail joins its filing, the filing is decided again (see `intake.deciding.filing`), and the
    reply the decision implies is queued in the outbox in the same transaction."""
    now = ctx.clock()
    outcome = decide_message(db, message, ctx.own_addresses, now, ctx.directory)
    if ctx.replies is not None and outcome.nature is MailKind.QUESTION:
        try:
            information = queue_information(db, ctx.replies, message, now)
        except ValueError as exc:
            log.warning("no reply for message %s: %s", message.id, exc)
            information = None
        if information is not None:
            hold_unfiled_if_all(ctx.replies.offices, information)
    if ctx.replies is not None and outcome.filing_id is not None:
        filing = db.get(Filing, outcome.filing_id)
        if filing is not None:
            try:
                row = queue_reply(db, ctx.replies, message, filing, now)
            except ValueError as exc:
                log.warning("no reply for message %s: %s", message.id, exc)
                row = None
            if row is not None:
                replies = ctx.replies
                hold_if_needed(db, replies.offices, row, filing, replies.review_confidence)
                retire_older_held(db, filing.id, row)
    return MessageState.DECIDED
