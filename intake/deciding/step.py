"""Step 4 in the pipeline: the mail joins its filing, the filing is decided again, and the reply
the decision implies is queued in the same transaction."""

from __future__ import annotations

import logging

from sqlalchemy.orm import Session

from intake.deciding.filing import decide_message
from intake.replying.queue import queue_reply
from intake.runtime.context import PipelineContext
from intake.store.tables import Filing, Message, MessageState

log = logging.getLogger(__name__)


def decide_step(ctx: PipelineContext, db: Session, message: Message) -> MessageState:
    """The mail joins its filing, the filing is decided again (see `intake.deciding.filing`), and the
    reply the decision implies is queued in the outbox in the same transaction."""
    now = ctx.clock()
    outcome = decide_message(db, message, ctx.own_addresses, now, ctx.directory)
    if ctx.replies is not None and outcome.filing_id is not None:
        filing = db.get(Filing, outcome.filing_id)
        if filing is not None:
            try:
                queue_reply(db, ctx.replies, message, filing, now)
            except ValueError as exc:
                log.warning("no reply for message %s: %s", message.id, exc)
    return MessageState.DECIDED
