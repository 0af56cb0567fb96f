"""What a person does to a filing: correct a field, answer, resolve, reopen, transfer.

Each action checks the office (`NotFound` for a filing outside the person's offices, exactly as
for one that does not exist), changes the store in the caller's session (the caller commits),
records a staff event in the filing's history and writes the audit log with the person.

Actions that put mail in the outbox take the deployment's `ReplyAdapters` (offices, renderer,
files folder: `Deployment.pipeline().replies`). Mail goes out only through the outbox, so the
sender's exactly-once promise holds for staff replies as for the pipeline's.
"""

from __future__ import annotations

import email
import html
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from email.policy import SMTP
from email.utils import format_datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from intake.deciding.filing import redecide_filing
from intake.replying.queue import ReplyAdapters, queue_reply
from intake.replying.review import WITHDRAWN, hold_if_needed, low_fields, retire_older_held
from intake.runtime.clock import SHANGHAI
from intake.sending.outbox import OUTBOX_KIND, enqueue
from intake.staff.access import filing_in, message_in, outbox_in, record, shown
from intake.staff.errors import Conflict, Invalid, NotFound
from intake.staff.queue import open_work, review_reasons, signature
from intake.store.tables import (
    ACTOR_INFO,
    Document,
    FieldCorrection,
    Filing,
    Message,
    OutboxMail,
    OutboxState,
    Suppression,
    WorkResolution,
)
from notifications.canned import CANNED_TEXTS, canned_by_key
from notifications.compose import compose_reply as compose_mail
from notifications.compose import is_message_id, make_message_id
from notifications.model import RenderedReply
from notifications.wording import OUTBOX_STATE_WORDS, REPLY_SENT_WORDS
from routing.review import DEFAULT_REVIEW_CONFIDENCE
from vocabulary.fields import ACCOUNT_FIELDS, FIELD_LABELS
from vocabulary.offices import OFFICE_CODES, office_by_code

CORRECTABLE: dict[str, str] = {
    **{k: v for k, v in FIELD_LABELS.items() if k not in ACCOUNT_FIELDS},
    "name": "姓名（身份证）",
}
"""Fields a person may correct, with their labels."""
STAFF_KIND = "staff"
"""Outbox kind of a reply a person wrote."""
MAX_TEXT = 20_000


@dataclass(frozen=True)
class CannedText:
    """A ready-made paragraph a person can put into a reply."""

    key: str
    title: str
    text: str


def canned_texts() -> list[CannedText]:
    """The canned paragraphs, in the notice's register (`notifications.canned`)."""
    return [CannedText(c.key, c.title, c.text) for c in CANNED_TEXTS]


@dataclass(frozen=True)
class CorrectionResult:
    """What a correction changed: the decision before and after, and the reply it queued or
    held (None when the decision needs no new reply)."""

    filing_id: int
    status_before: str
    status_after: str
    problems_after: tuple[str, ...]
    outbox_id: int | None
    held: bool


def _current_value(session: Session, filing: Filing, field: str) -> str | None:
    done = session.execute(
        select(FieldCorrection.value).where(
            FieldCorrection.filing_id == filing.id, FieldCorrection.field == field
        )
    ).scalar_one_or_none()
    if done is not None:
        return done
    for document in session.execute(
        select(Document)
        .where(Document.filing_id == filing.id, Document.superseded.is_(False))
        .order_by(Document.id.desc())
    ).scalars():
        value = (document.fields or {}).get(field)
        if value:
            return value
    return None


def _latest_mail(session: Session, filing: Filing) -> Message | None:
    """The registrant's newest mail on the filing (what a reply answers)."""
    return session.execute(
        select(Message)
        .where(
            Message.filing_id == filing.id,
            Message.is_bounce.is_(False),
            Message.from_addr.is_not(None),
        )
        .order_by(Message.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def _reply_key(filing: Filing) -> tuple[object, ...]:
    return (filing.reply_kind, tuple(filing.missing or ()), tuple(filing.problems or ()))


def correct_field(
    session: Session,
    offices: Collection[str],
    filing_id: int,
    field: str,
    value: str,
    actor: str,
    now: datetime,
    *,
    replies: ReplyAdapters | None = None,
) -> CorrectionResult:
    """Store a staff correction of `field` (it overrides what was read, also after later mails
    join the filing) and decide the filing again at once with the pipeline's rules. When the new
    decision implies another reply (kind, missing items or problems changed) and `replies` is
    given, that reply is queued, or held per the office's review setting; older held replies of
    the filing are retired."""
    filing = filing_in(session, offices, filing_id)
    if field not in CORRECTABLE:
        raise Invalid(f"不能修改该字段：{field}")
    value = " ".join(value.split())
    if not value:
        raise Invalid("修改后的内容不能为空")
    old = _current_value(session, filing, field)
    row = session.execute(
        select(FieldCorrection).where(
            FieldCorrection.filing_id == filing.id, FieldCorrection.field == field
        )
    ).scalar_one_or_none()
    if row is None:
        session.add(
            FieldCorrection(filing_id=filing.id, field=field, value=value, actor=actor, at=now)
        )
    else:
        row.value, row.actor, row.at = value, actor, now
    session.flush()
    before_status, before_reply = filing.status, _reply_key(filing)
    previous_actor = session.info.get(ACTOR_INFO)
    session.info[ACTOR_INFO] = actor
    try:
        history = redecide_filing(session, filing, now)
        session.flush()
    finally:
        session.info[ACTOR_INFO] = previous_actor
    label = CORRECTABLE[field]
    record(
        session,
        actor=actor,
        now=now,
        action="correct",
        office=filing.office,
        filing=filing,
        text=f"{label}：{shown(field, old) or '（空）'} → {shown(field, value)}",
        detail={"field": field, "changed": history.get("changed")},
    )
    outbox_id, held = None, False
    if replies is not None and _reply_key(filing) != before_reply:
        queued = _queue_decision_reply(session, replies, filing, now)
        if queued is not None:
            outbox_id, held = queued.id, queued.state == OutboxState.HELD.value
    return CorrectionResult(
        filing.id, before_status, filing.status, tuple(filing.problems or ()), outbox_id, held
    )


def _queue_decision_reply(
    session: Session, replies: ReplyAdapters, filing: Filing, now: datetime
) -> OutboxMail | None:
    message = _latest_mail(session, filing)
    if message is None:
        return None
    try:
        row = queue_reply(session, replies, message, filing, now)
    except ValueError:
        return None
    if row is None:
        return None
    hold_if_needed(session, replies.offices, row, filing, replies.review_confidence)
    retire_older_held(session, filing.id, row)
    return row


def _filing_of(session: Session, row: OutboxMail) -> Filing | None:
    return session.get(Filing, row.filing_id) if row.filing_id is not None else None


def _settle_review(
    session: Session, filing: Filing, actor: str, now: datetime, note: str, threshold: float
) -> None:
    """The filing's review item counts as handled with its present reasons."""
    reasons = review_reasons(
        filing.problems or (), filing.status, low_fields(session, filing.id, threshold)
    )
    if reasons:
        _resolution(
            session,
            f"filing:{filing.id}",
            filing.id,
            filing.office,
            True,
            reasons,
            note,
            actor,
            now,
        )


def _resolution(
    session: Session,
    key: str,
    filing_id: int | None,
    office: str,
    resolved: bool,
    reasons: Sequence[str],
    note: str,
    actor: str,
    now: datetime,
) -> None:
    row = session.execute(
        select(WorkResolution).where(WorkResolution.item_key == key)
    ).scalar_one_or_none()
    if row is None:
        row = WorkResolution(item_key=key, filing_id=filing_id, office=office)
        session.add(row)
    row.office, row.resolved, row.signature = office, resolved, signature(reasons)
    row.note, row.actor, row.at = note or None, actor[:64], now


def approve_reply(
    session: Session,
    offices: Collection[str],
    outbox_id: int,
    actor: str,
    now: datetime,
    *,
    review_confidence: float = DEFAULT_REVIEW_CONFIDENCE,
) -> None:
    """A held reply goes out as it is (held → queued; the outbox sends it once). The filing's
    review item counts as handled."""
    row = outbox_in(session, offices, outbox_id)
    if row.state != OutboxState.HELD.value:
        raise Conflict("该回复不在待审核状态，无法批准")
    row.state = OutboxState.QUEUED.value
    row.not_before = None
    filing = _filing_of(session, row)
    record(
        session,
        actor=actor,
        now=now,
        action="approve",
        office=filing.office if filing else row.office,
        filing=filing,
        outbox_id=row.id,
        text=f"批准发送回复“{REPLY_SENT_WORDS.get(row.kind, '回复')}”（收件人 {row.recipient}）",
    )
    if filing is not None:
        _settle_review(session, filing, actor, now, "批准回复", review_confidence)


def _text_html(text: str) -> str:
    paragraphs = [p for p in text.split("\n\n") if p.strip()]
    body = "".join(f"<p>{html.escape(p).replace(chr(10), '<br>')}</p>" for p in paragraphs)
    return f'<!DOCTYPE html><html lang="zh-CN"><meta charset="utf-8"><body>{body}</body></html>'


def _compose_staff(
    replies: ReplyAdapters,
    office_code: str,
    recipient: str,
    subject: str,
    text: str,
    parent: Message | None,
    now: datetime,
) -> tuple[str, bytes]:
    office = replies.offices.get(office_code)
    if office is None:
        raise Invalid("该办公室未配置邮箱，无法发信")
    message_id = make_message_id(office.mailbox.rpartition("@")[2] or "localhost")
    in_reply_to = None
    references: tuple[str, ...] = ()
    if parent is not None:
        in_reply_to = parent.message_id if is_message_id(parent.message_id) else None
        references = tuple(
            r for r in (*(parent.references or []), in_reply_to) if r and is_message_id(r)
        )
    raw = compose_mail(
        from_name=office.name,
        from_addr=office.mailbox,
        to_addr=recipient,
        rendered=RenderedReply(subject, text, _text_html(text)),
        message_id=message_id,
        in_reply_to=in_reply_to,
        references=references,
        date=now,
    )
    return message_id, raw


def edit_reply(
    session: Session,
    offices: Collection[str],
    outbox_id: int,
    subject: str,
    body: str,
    actor: str,
    now: datetime,
    *,
    replies: ReplyAdapters,
) -> int:
    """Replace a held or queued reply's text with the staff text; returns the outbox id (the
    same row, with a new Message-ID; a reply already handed to SMTP cannot be edited:
    Conflict). The reply stays held until approved if it was held."""
    row = outbox_in(session, offices, outbox_id)
    if row.state not in (OutboxState.HELD.value, OutboxState.QUEUED.value) or row.attempts:
        raise Conflict("该回复已交给发信服务器或已发出，不能再修改")
    subject, body = " ".join(subject.split()), body.strip()
    if not subject or not body:
        raise Invalid("主题和正文都不能为空")
    if len(body) > MAX_TEXT:
        raise Invalid("正文过长")
    parent = session.get(Message, row.message_pk) if row.message_pk is not None else None
    message_id, raw = _compose_staff(replies, row.office, row.recipient, subject, body, parent, now)
    raw_sha, _ = replies.files.put(OUTBOX_KIND, raw, ".eml")
    old_subject = row.subject
    row.message_id, row.raw_sha256, row.subject, row.edited = message_id, raw_sha, subject, True
    filing = _filing_of(session, row)
    record(
        session,
        actor=actor,
        now=now,
        action="edit_reply",
        office=filing.office if filing else row.office,
        filing=filing,
        outbox_id=row.id,
        text=f"修改回复内容（原主题：{old_subject or '-'}）",
    )
    return row.id


def compose_reply(
    session: Session,
    offices: Collection[str],
    filing_id: int,
    canned_keys: Sequence[str],
    extra_text: str,
    actor: str,
    now: datetime,
    *,
    replies: ReplyAdapters,
) -> int:
    """Write a new reply to the filing's sender from canned paragraphs and free text; it is
    queued at once (a person wrote it). Returns the new outbox id."""
    filing = filing_in(session, offices, filing_id)
    parts: list[str] = []
    for key in canned_keys:
        canned = canned_by_key(key)
        if canned is None:
            raise Invalid(f"没有这段常用语：{key}")
        parts.append(canned.text)
    if extra_text.strip():
        parts.append(extra_text.strip())
    if not parts:
        raise Invalid("回复内容不能为空")
    text = "\n\n".join(parts)
    if len(text) > MAX_TEXT:
        raise Invalid("正文过长")
    parent = _latest_mail(session, filing)
    office = replies.offices.get(parent.office if parent else filing.office)
    if office is None:
        office = replies.offices.get(filing.received_by) or replies.offices.get(filing.office)
    if office is None:
        raise Invalid("该办公室未配置邮箱，无法发信")
    local = now.astimezone(SHANGHAI)
    text = f"您好：\n\n{text}\n\n{office.name}\n{local.year}年{local.month}月{local.day}日"
    subject = f"关于您的新媒体账号登记备案（备案编号 {filing.reference or filing.id}）"
    message_id, raw = _compose_staff(
        replies, office.code, filing.sender, subject, text, parent, now
    )
    row = enqueue(
        session,
        replies.files,
        office=office.code,
        kind=STAFF_KIND,
        recipient=filing.sender,
        message_id=message_id,
        raw=raw,
        subject=subject,
        now=now,
        filing_id=filing.id,
        message_pk=parent.id if parent else None,
    )
    row.edited = True
    session.flush()
    record(
        session,
        actor=actor,
        now=now,
        action="compose",
        office=filing.office,
        filing=filing,
        outbox_id=row.id,
        text=f"人工回复（{', '.join(canned_keys) or '自拟'}）",
    )
    return row.id


def resend_reply(
    session: Session,
    offices: Collection[str],
    outbox_id: int,
    actor: str,
    now: datetime,
    *,
    replies: ReplyAdapters,
) -> int:
    """Send a failed, suppressed or bounced reply again as a new outbox row (a new Message-ID,
    the same text); returns its id. A hard bounce's suppression of the address is lifted: the
    person decided to try again."""
    row = outbox_in(session, offices, outbox_id)
    bounced = (
        session.execute(
            select(Suppression.id).where(Suppression.address == row.recipient.lower())
        ).first()
        is not None
    )
    resendable = row.state in (OutboxState.FAILED.value, OutboxState.SUPPRESSED.value) or (
        row.state == OutboxState.SENT.value and bounced
    )
    if not resendable or (row.last_error or "").startswith(WITHDRAWN):
        raise Conflict("只有发送失败或被退回的回复可以重新发送")
    raw = email.message_from_bytes(
        replies.files.read(OUTBOX_KIND, row.raw_sha256, ".eml"), policy=SMTP
    )
    office = replies.offices.get(row.office)
    domain = office.mailbox.rpartition("@")[2] if office else "localhost"
    message_id = make_message_id(domain or "localhost")
    del raw["Message-ID"]
    raw["Message-ID"] = f"<{message_id}>"
    del raw["Date"]
    raw["Date"] = format_datetime(now)
    if bounced:
        session.execute(delete(Suppression).where(Suppression.address == row.recipient.lower()))
    new = enqueue(
        session,
        replies.files,
        office=row.office,
        kind=row.kind,
        recipient=row.recipient,
        message_id=message_id,
        raw=raw.as_bytes(policy=SMTP),
        subject=row.subject or "",
        now=now,
        filing_id=row.filing_id,
        message_pk=row.message_pk,
    )
    new.edited = row.edited
    session.flush()
    filing = _filing_of(session, row)
    record(
        session,
        actor=actor,
        now=now,
        action="resend",
        office=filing.office if filing else row.office,
        filing=filing,
        outbox_id=new.id,
        text=f"重新发送回复 #{row.id}（原状态：{OUTBOX_STATE_WORDS.get(row.state, row.state)}）",
    )
    return new.id


def _parse_key(item_key: str) -> tuple[str, int]:
    kind, _, number = item_key.partition(":")
    if kind not in ("filing", "message", "outbox") or not number.isdigit():
        raise NotFound()
    return kind, int(number)


def _check_item(
    session: Session, offices: Collection[str], kind: str, number: int
) -> Filing | None:
    if kind == "filing":
        return filing_in(session, offices, number, with_personal=False)
    if kind == "outbox":
        return _filing_of(session, outbox_in(session, offices, number))
    message = message_in(session, offices, number)
    return session.get(Filing, message.filing_id) if message.filing_id is not None else None


def resolve(
    session: Session,
    offices: Collection[str],
    item_key: str,
    note: str,
    actor: str,
    now: datetime,
    *,
    review_confidence: float = DEFAULT_REVIEW_CONFIDENCE,
) -> None:
    """Mark a queue item (`WorkItem.key`) done with a note; it leaves the queue and the digest
    and stays out while its reasons are the same. Resolving a held reply withdraws it (it is
    not sent; `reopen` holds it again)."""
    kind, number = _parse_key(item_key)
    filing = _check_item(session, offices, kind, number)
    item = next(
        (
            i
            for i in open_work(session, offices, now, review_confidence=review_confidence)
            if i.key == item_key
        ),
        None,
    )
    if item is None:
        raise Conflict("该事项不在待处理队列中（可能已处理）")
    note = note.strip()[:2000]
    if kind == "outbox":
        row = session.get(OutboxMail, number)
        assert row is not None
        row.state = OutboxState.SUPPRESSED.value
        row.last_error = f"{WITHDRAWN}: {actor}"
        if filing is not None:
            _settle_review(session, filing, actor, now, note, review_confidence)
    else:
        _resolution(
            session, item_key, item.filing_id, item.office, True, item.reasons, note, actor, now
        )
    record(
        session,
        actor=actor,
        now=now,
        action="resolve",
        office=item.office,
        filing=filing,
        outbox_id=number if kind == "outbox" else None,
        message_pk=number if kind == "message" else None,
        text=f"标记已处理：{'；'.join(item.reason_words)}" + (f"（{note}）" if note else ""),
        detail={"item": item_key},
    )


def reopen(
    session: Session, offices: Collection[str], item_key: str, note: str, actor: str, now: datetime
) -> None:
    """Put a resolved item back into the queue (a withdrawn reply is held again)."""
    kind, number = _parse_key(item_key)
    filing = _check_item(session, offices, kind, number)
    note = note.strip()[:2000]
    office = filing.office if filing is not None else None
    if kind == "outbox":
        row = session.get(OutboxMail, number)
        assert row is not None
        if row.state != OutboxState.SUPPRESSED.value or not (row.last_error or "").startswith(
            WITHDRAWN
        ):
            raise Conflict("该回复未被撤回，无需重新打开")
        row.state, row.last_error = OutboxState.HELD.value, None
        office = office or row.office
        if filing is not None:
            session.execute(
                delete(WorkResolution).where(WorkResolution.item_key == f"filing:{filing.id}")
            )
    else:
        row_r = session.execute(
            select(WorkResolution).where(
                WorkResolution.item_key == item_key, WorkResolution.resolved.is_(True)
            )
        ).scalar_one_or_none()
        if row_r is None:
            raise Conflict("该事项未被标记为已处理")
        row_r.resolved, row_r.note, row_r.actor, row_r.at = False, note or None, actor[:64], now
        office = office or row_r.office
    record(
        session,
        actor=actor,
        now=now,
        action="reopen",
        office=office or "",
        filing=filing,
        text="重新打开" + (f"（{note}）" if note else ""),
        detail={"item": item_key},
    )


def transfer(
    session: Session,
    offices: Collection[str],
    filing_id: int,
    to_office: str,
    note: str,
    actor: str,
    now: datetime,
) -> None:
    """Pass a filing to another office by hand: it shows in that office's queue with where it
    came from (later decisions keep that office); the sending office keeps a trace in the
    history (`staff.queue.transferred_away`)."""
    filing = filing_in(session, offices, filing_id, with_personal=False)
    if to_office not in OFFICE_CODES:
        raise Invalid("没有这个办公室")
    if to_office == filing.office:
        raise Invalid("该备案已在这个办公室")
    source = filing.office
    filing.transferred_from, filing.office, filing.office_by_hand = source, to_office, True
    filing.updated_at = now
    session.execute(delete(WorkResolution).where(WorkResolution.item_key == f"filing:{filing.id}"))
    target = office_by_code(to_office)
    note = note.strip()[:2000]
    record(
        session,
        actor=actor,
        now=now,
        action="transfer",
        office=source,
        filing=filing,
        text=f"转交至 {target.name if target else to_office}" + (f"（{note}）" if note else ""),
        detail={"from": source, "to": to_office, "note": note},
    )


__all__ = [
    "CORRECTABLE",
    "CannedText",
    "Conflict",
    "CorrectionResult",
    "Invalid",
    "NotFound",
    "approve_reply",
    "canned_texts",
    "compose_reply",
    "correct_field",
    "edit_reply",
    "reopen",
    "resend_reply",
    "resolve",
    "transfer",
]
