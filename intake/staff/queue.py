"""The open work of offices: what waits for a person, and what waits for the registrant.

`open_work` is the one definition of the queue: the web console lists it and the daily digest's
待人工处理 section counts it, so both always show the same items. Resolved items leave it.
"""

from __future__ import annotations

import json
import re
from collections import Counter
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum
from functools import lru_cache

from sqlalchemy import Text, cast, or_, select
from sqlalchemy.orm import Session

from intake.replying.review import low_fields
from intake.store.tables import (
    Document,
    Filing,
    Message,
    MessageState,
    OutboxMail,
    OutboxState,
    StaffEvent,
    WorkResolution,
    without_encrypted,
)
from notifications.wording import problem_phrase
from routing.review import DEFAULT_REVIEW_CONFIDENCE, LOW_CONFIDENCE, REVIEW_ALL
from vocabulary.fields import FIELD_LABELS


class WorkKind(StrEnum):
    """Why an item is in the queue."""

    REVIEW = "review"
    HELD_REPLY = "held_reply"
    QUARANTINED = "quarantined"
    WAITING_REGISTRANT = "waiting_registrant"
    MAIL_TO_JUDGE = "mail_to_judge"


WORK_KIND_WORDS: dict[str, str] = {
    "review": "待人工核对",
    "held_reply": "回复待审核",
    "quarantined": "邮件待人工处理",
    "waiting_registrant": "等待备案人补充",
    "mail_to_judge": "来信待人工判断",
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


REVIEW_PROBLEMS = ("mismatch:", "uncertain:county", "out_of_scope")
"""Problems a person must look at (the digest listed these before the console existed)."""
UNREADABLE = "unreadable"
QUARANTINED_REASON = "quarantined"
UNCERTAIN_MAIL_REASON = "uncertain_mail"
"""A mail the classifier could not call a filing, a question or neither (Message.nature
``uncertain``): no reply went out; a person reads it and decides."""
WAITING_REASON = "request_sent"
OPEN_STATUSES = ("incomplete", "unreadable")
UNCERTAIN = "uncertain"  # Message.nature of a mail that waits for a person
LIVE_REPLY_STATES = (OutboxState.QUEUED.value, OutboxState.SENDING.value, OutboxState.SENT.value)


@lru_cache(maxsize=512)
def reason_words(code: str) -> str:
    """One reason code in Chinese."""
    if code.startswith(f"{LOW_CONFIDENCE}:"):
        key = code.partition(":")[2]
        return f"“{FIELD_LABELS.get(key, key)}”识别置信度低，请核对"
    if code == UNREADABLE:
        return "附件无法读取"
    if code == QUARANTINED_REASON:
        return "邮件无法自动处理，已隔离"
    if code == UNCERTAIN_MAIL_REASON:
        return "无法确定是否为备案来信，未自动回复，请查看后处理"
    if code == WAITING_REASON:
        return "已请备案人补充材料，等待回复"
    if code == REVIEW_ALL:
        return "本办公室所有回复均需人工审核"
    if code == "transferred":
        return "由其他办公室转交，请处理"
    return problem_phrase(code)


def signature(reasons: Iterable[str]) -> str:
    """What a resolution remembers of an item: its reasons, sorted."""
    return ",".join(sorted(set(reasons)))


def review_reasons(
    problems: Iterable[str], status: str, low_fields: Iterable[str]
) -> tuple[str, ...]:
    """Why a filing waits for a person (empty when it does not)."""
    reasons = [p for p in problems if p.startswith(REVIEW_PROBLEMS)]
    if status == UNREADABLE:
        reasons.append(UNREADABLE)
    reasons += [f"{LOW_CONFIDENCE}:{f}" for f in low_fields]
    return tuple(dict.fromkeys(reasons))


_NUMBER = re.compile(r":\s*(-?[0-9.eE+-]+)")


def _low_fields(
    session: Session, offices: Collection[str], threshold: float, filing_id: int | None = None
) -> dict[int, list[str]]:
    """Per filing, the fields of its current documents read below `threshold`. The confidences
    are read as text and only those holding a number below the threshold are parsed (a full
    store has tens of thousands of them, nearly all high)."""
    found: dict[int, list[str]] = {}
    rows = session.execute(
        select(Document.filing_id, cast(Document.confidence, Text))
        .join(Filing, Document.filing_id == Filing.id)
        .where(
            Filing.office.in_(list(offices)),
            Document.superseded.is_(False),
            Document.confidence.is_not(None),
            *((Filing.id == filing_id,) if filing_id is not None else ()),
        )
        .order_by(Document.id)
    )
    for owner, text in rows:
        if owner is None or not text or not _any_below(text, threshold):
            continue
        for key, value in json.loads(text).items():
            if isinstance(value, int | float) and value < threshold:
                keys = found.setdefault(owner, [])
                if key not in keys:
                    keys.append(key)
    # A value another document of the filing repeats is trusted: only the candidates found
    # above are weighed again, with the filing's documents together (as the reply's hold is).
    weighed = {owner: list(low_fields(session, owner, threshold)) for owner in found}
    return {owner: keys for owner, keys in weighed.items() if keys}


def _any_below(text: str, threshold: float) -> bool:
    for number in _NUMBER.findall(text):
        try:
            if float(number) < threshold:
                return True
        except ValueError:
            return True  # not a plain number: let the JSON parser look
    return False


def _problems(text: str | None) -> list[str]:
    """A filing's problems from their JSON text (most filings have none)."""
    if not text or text in ("[]", "null"):
        return []
    value = json.loads(text)
    return [str(p) for p in value] if isinstance(value, list) else []


def _resolved(session: Session, offices: Collection[str]) -> dict[str, str]:
    return {
        key: sig
        for key, sig in session.execute(
            select(WorkResolution.item_key, WorkResolution.signature).where(
                WorkResolution.office.in_(list(offices)), WorkResolution.resolved.is_(True)
            )
        )
    }


def _item(
    key: str,
    kind: WorkKind,
    office: str,
    since: datetime,
    now: datetime,
    reasons: tuple[str, ...],
    *,
    filing_id: int | None = None,
    message_pk: int | None = None,
    outbox_id: int | None = None,
    reference: str | None = None,
    transferred_from: str | None = None,
) -> WorkItem:
    return WorkItem(
        key=key,
        kind=kind,
        filing_id=filing_id,
        message_pk=message_pk,
        outbox_id=outbox_id,
        office=office,
        reference=reference,
        since=since,
        age=max(now - since, timedelta(0)),
        reasons=reasons,
        reason_words=tuple(reason_words(r) for r in reasons),
        transferred_from=transferred_from,
    )


def open_work(
    session: Session,
    offices: Collection[str],
    now: datetime,
    *,
    review_confidence: float = DEFAULT_REVIEW_CONFIDENCE,
    filing_id: int | None = None,
) -> list[WorkItem]:
    """The open work of `offices`, oldest first (see the module docstring).

    - ``held_reply``: a reply held for review (one item per held reply; the filing's review
      reasons with it);
    - ``review``: a filing with a mismatch, an uncertain county, an out-of-scope account, an
      unreadable attachment or a field read below `review_confidence`, and no held reply;
    - ``quarantined``: a mail the pipeline could not process;
    - ``waiting_registrant``: an incomplete filing whose request for documents went out.

    An item a person resolved stays out while its reasons are the same. With `filing_id`, only
    that filing's items (the filing page)."""
    offices = list(offices)
    if not offices:
        return []
    resolved = _resolved(session, offices)
    low = _low_fields(session, offices, review_confidence, filing_id)
    only = (Filing.id == filing_id,) if filing_id is not None else ()
    held = session.execute(
        select(
            OutboxMail.id,
            OutboxMail.filing_id,
            OutboxMail.message_pk,
            OutboxMail.office,
            OutboxMail.created_at,
            OutboxMail.held_reason,
        )
        .where(
            OutboxMail.state == OutboxState.HELD.value,
            *((OutboxMail.filing_id == filing_id,) if filing_id is not None else ()),
        )
        .order_by(OutboxMail.id)
    ).all()
    # Only filings that can be open work are loaded: open ones, those with problems, those
    # moved by hand, and those with a held reply or a low-confidence field.
    named = sorted({f for _o, f, *_rest in held if f is not None} | set(low))
    maybe_open = or_(
        Filing.status.in_(OPEN_STATUSES),
        cast(Filing.problems, Text).not_in(["[]", "null"]),
        Filing.transferred_from.is_not(None),
        *((Filing.id.in_(named),) if named else ()),
    )
    filings = {
        row.id: row
        for row in session.execute(
            select(
                Filing.id,
                Filing.reference,
                Filing.office,
                Filing.status,
                cast(Filing.problems, Text).label("problems"),
                Filing.updated_at,
                Filing.transferred_from,
            ).where(
                Filing.office.in_(offices),
                Filing.status != "ignored",
                Filing.purged_at.is_(None),
                maybe_open,
                *only,
            )
        )
    }
    items: list[WorkItem] = []
    covered: set[int] = set()

    def open_item(item: WorkItem) -> None:
        if resolved.get(item.key) != signature(item.reasons):
            items.append(item)

    for outbox_id, held_filing, message_pk, office, created_at, held_reason in held:
        filing = filings.get(held_filing) if held_filing is not None else None
        if filing is None and (held_filing is not None or office not in offices):
            continue
        reasons: tuple[str, ...] = tuple(r for r in (held_reason or "").split(",") if r)
        if filing is not None:
            covered.add(filing.id)
            now_reasons = review_reasons(
                _problems(filing.problems), filing.status, low.get(filing.id, ())
            )
            reasons = tuple(dict.fromkeys((*now_reasons, *reasons))) or (REVIEW_ALL,)
        items.append(
            _item(
                f"outbox:{outbox_id}",
                WorkKind.HELD_REPLY,
                filing.office if filing is not None else office,
                created_at,
                now,
                reasons,
                filing_id=held_filing,
                message_pk=message_pk,
                outbox_id=outbox_id,
                reference=filing.reference if filing is not None else None,
                transferred_from=filing.transferred_from if filing is not None else None,
            )
        )
    last_reply = _last_replies(session, offices, filing_id)
    for filing in filings.values():
        if filing.id in covered:
            continue
        reasons = review_reasons(_problems(filing.problems), filing.status, low.get(filing.id, ()))
        kind = WorkKind.REVIEW
        since = filing.updated_at
        if not reasons and filing.transferred_from is not None:
            reasons = ("transferred",)
        if not reasons:
            reply = last_reply.get(filing.id)
            if filing.status not in OPEN_STATUSES or reply is None:
                continue
            kind, reasons, since = WorkKind.WAITING_REGISTRANT, (WAITING_REASON,), reply
        open_item(
            _item(
                f"filing:{filing.id}",
                kind,
                filing.office,
                since,
                now,
                reasons,
                filing_id=filing.id,
                reference=filing.reference,
                transferred_from=filing.transferred_from,
            )
        )
    for message_pk, office, since, mail_filing in session.execute(
        select(Message.id, Message.office, Message.quarantined_at, Message.filing_id).where(
            Message.office.in_(offices),
            Message.state == MessageState.QUARANTINED.value,
            *((Message.filing_id == filing_id,) if filing_id is not None else ()),
        )
    ):
        reference = filings[mail_filing].reference if mail_filing in filings else None
        open_item(
            _item(
                f"message:{message_pk}",
                WorkKind.QUARANTINED,
                office,
                since or now,
                now,
                (QUARANTINED_REASON,),
                message_pk=message_pk,
                filing_id=mail_filing if mail_filing in filings else None,
                reference=reference,
            )
        )
    if filing_id is None:
        for message_pk, office, since in session.execute(
            select(Message.id, Message.office, Message.stored_at).where(
                Message.office.in_(offices),
                Message.nature == UNCERTAIN,
                Message.filing_id.is_(None),
                Message.state != MessageState.QUARANTINED.value,
            )
        ):
            open_item(
                _item(
                    f"message:{message_pk}",
                    WorkKind.MAIL_TO_JUDGE,
                    office,
                    since,
                    now,
                    (UNCERTAIN_MAIL_REASON,),
                    message_pk=message_pk,
                )
            )
    items.sort(key=lambda i: (i.since, i.key))
    return items


def _last_replies(
    session: Session, offices: Collection[str], filing_id: int | None = None
) -> dict[int, datetime]:
    """When each filing's newest request for documents went out (or was queued), for filings
    whose newest reply is such a request."""
    found: dict[int, datetime] = {}
    rows = session.execute(
        select(OutboxMail.filing_id, OutboxMail.kind, OutboxMail.state, OutboxMail.created_at)
        .join(Filing, OutboxMail.filing_id == Filing.id)
        .where(
            Filing.office.in_(list(offices)),
            Filing.status.in_(OPEN_STATUSES),
            OutboxMail.kind != "digest",
            *((Filing.id == filing_id,) if filing_id is not None else ()),
        )
        .order_by(OutboxMail.id)
    )
    for filing_id, kind, state, created_at in rows:
        if filing_id is None:
            continue
        if kind == "request_missing" and state in LIVE_REPLY_STATES:
            found[filing_id] = created_at
        else:
            found.pop(filing_id, None)
    return found


def queue_counts(
    session: Session,
    offices: Collection[str],
    now: datetime,
    *,
    review_confidence: float = DEFAULT_REVIEW_CONFIDENCE,
) -> dict[str, int]:
    """How many open items of each `WorkKind` value, plus ``"total"`` and ``"for_person"``
    (everything but ``waiting_registrant``: the digest's 待人工处理 count)."""
    counts = Counter(
        i.kind.value for i in open_work(session, offices, now, review_confidence=review_confidence)
    )
    out = {kind.value: counts.get(kind.value, 0) for kind in WorkKind}
    out["total"] = sum(counts.values())
    out["for_person"] = out["total"] - out[WorkKind.WAITING_REGISTRANT.value]
    return out


@dataclass(frozen=True)
class TransferTrace:
    """A filing one of the person's offices passed to another office by hand."""

    filing_id: int
    reference: str | None
    from_office: str
    to_office: str
    at: datetime
    actor: str


def transferred_away(session: Session, offices: Collection[str]) -> list[TransferTrace]:
    """The sending offices' trace of their hand transfers, newest first (the filing itself is
    now the receiving office's)."""
    offices = list(offices)
    rows = session.execute(
        select(StaffEvent.filing_id, StaffEvent.office, StaffEvent.at, StaffEvent.actor, Filing)
        .join(Filing, StaffEvent.filing_id == Filing.id)
        .options(*without_encrypted(Filing))
        .where(StaffEvent.action == "transfer", StaffEvent.office.in_(offices))
        .order_by(StaffEvent.id.desc())
    )
    return [
        TransferTrace(filing_id, filing.reference, office, filing.office, at, actor)
        for filing_id, office, at, actor, filing in rows
        if filing_id is not None and filing.office not in offices
    ]
