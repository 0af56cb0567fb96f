"""Putting quarantined mail back in the pipeline once its cause is fixed (`intake requeue`).

A quarantined mail goes back to the step it was quarantined at (named at the start of its
`last_error`, e.g. `parsed step: …`), with its attempts reset, and one audit row per mail says
who put it back and what its error was; the next pipeline round takes it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import load_only

from intake.privacy.audit import record
from intake.store.database import Store
from intake.store.tables import Filing, Message, MessageState

RESUMABLE = (MessageState.STORED, MessageState.READ, MessageState.PARSED)


def resume_state(last_error: str | None) -> MessageState:
    """The state a quarantined mail goes back to: the step named in its error, else the first."""
    head = (last_error or "").split(" step:", 1)[0].strip()
    for state in RESUMABLE:
        if head == state.value:
            return state
    return MessageState.STORED


@dataclass(frozen=True)
class Requeued:
    """One mail put back (or, on a dry run, that would be)."""

    message: int
    office: str
    state: MessageState
    error: str | None


@dataclass
class RequeueReport:
    """What `intake requeue` did: the mails put back, and the ids asked for that are not
    quarantined (unknown or not quarantined)."""

    dry_run: bool
    requeued: list[Requeued] = field(default_factory=list)
    not_quarantined: list[int] = field(default_factory=list)

    def text(self) -> str:
        verb = "would be put back" if self.dry_run else "put back"
        lines = [
            f"mail #{r.message} (office {r.office}) {verb} at the {r.state.value} state; "
            f"it was quarantined for: {r.error or '-'}"
            for r in self.requeued
        ]
        lines += [f"mail #{m}: not quarantined, left alone" for m in self.not_quarantined]
        lines.append(
            f"{len(self.requeued)} quarantined mails {verb}"
            + (" (dry run: nothing changed)" if self.dry_run else "; the next run takes them")
        )
        return "\n".join(lines)

    def to_json(self) -> dict[str, object]:
        return {
            "dry_run": self.dry_run,
            "requeued": [
                {
                    "message": r.message,
                    "office": r.office,
                    "state": r.state.value,
                    "error": r.error,
                }
                for r in self.requeued
            ],
            "not_quarantined": self.not_quarantined,
        }


def requeue(
    store: Store,
    now: datetime,
    actor: str,
    messages: Sequence[int] | None = None,
    dry_run: bool = False,
) -> RequeueReport:
    """Put the quarantined mails `messages` (every quarantined mail when None) back."""
    report = RequeueReport(dry_run)
    with store.session() as db:
        query = (
            select(Message)
            .options(
                load_only(
                    Message.office,
                    Message.state,
                    Message.attempts,
                    Message.last_error,
                    Message.quarantined_at,
                    Message.filing_id,
                )
            )
            .where(Message.state == MessageState.QUARANTINED.value)
            .order_by(Message.id)
        )
        if messages is not None:
            query = query.where(Message.id.in_(list(messages)))
        found = list(db.execute(query).scalars())
        if messages is not None:
            have = {m.id for m in found}
            report.not_quarantined = sorted({m for m in messages if m not in have})
        for message in found:
            state = resume_state(message.last_error)
            report.requeued.append(Requeued(message.id, message.office, state, message.last_error))
            if dry_run:
                continue
            message.state = state.value
            message.attempts = 0
            message.quarantined_at = None
            filing = db.get(Filing, message.filing_id) if message.filing_id else None
            record(
                db,
                now,
                "requeue",
                f"mail {message.id} put back at {state.value}; was quarantined for: "
                f"{(message.last_error or '-')[:300]}",
                actor=actor,
                filing=filing,
            )
            message.last_error = None
    return report
