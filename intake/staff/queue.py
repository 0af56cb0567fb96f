"""The open work of offices: what waits for a person, and what waits for the registrant.

`open_work` is the one definition of the queue: the web console lists it and the daily digest's
待人工处理 section counts it, so both always show the same items. Resolved items leave it.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from sqlalchemy.orm import Session


class WorkKind(StrEnum):
    """Why an item is in the queue."""

    REVIEW = "review"
    HELD_REPLY = "held_reply"
    QUARANTINED = "quarantined"
    WAITING_REGISTRANT = "waiting_registrant"


WORK_KIND_WORDS: dict[str, str] = {
    "review": "待人工核对",
    "held_reply": "回复待审核",
    "quarantined": "邮件待人工处理",
    "waiting_registrant": "等待备案人补充",
}
"""Each kind in Chinese, as the console and digest show it."""


@dataclass(frozen=True)
class WorkItem:
    """One item of open work.

    `key` identifies the item for `actions.resolve` / `actions.reopen` (e.g. ``"filing:12"``,
    ``"message:40"``, ``"outbox:7"``). `reasons` are stable codes (problem codes of
    `vocabulary.outcomes`, ``unreadable:<why>``, ``low_confidence:<field>``, ``quarantined``,
    ``held:<why>``), `reason_words` the same in Chinese."""

    key: str
    kind: WorkKind
    filing_id: int | None
    message_pk: int | None
    outbox_id: int | None
    office: str
    reference: str | None
    since: datetime
    age: timedelta
    reasons: tuple[str, ...]
    reason_words: tuple[str, ...]
    transferred_from: str | None


def open_work(session: Session, offices: Collection[str], now: datetime) -> list[WorkItem]:
    """The open work of `offices`, oldest first (see the module docstring)."""
    raise NotImplementedError


def queue_counts(session: Session, offices: Collection[str], now: datetime) -> dict[str, int]:
    """How many open items of each `WorkKind` value, plus ``"total"``."""
    raise NotImplementedError
