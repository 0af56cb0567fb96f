"""Read models of the console: a filing page, search results, attachments and the 台账 export.

Every view of personal data writes an audit row with the person (`actor`).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from intake.deciding.filing import corrections_of, current_form, with_corrections
from intake.digesting.digests import registry_rows
from intake.privacy.crypto import Keyring
from intake.reading.step import ATTACHMENT_KIND
from intake.runtime.clock import SHANGHAI
from intake.staff.access import attachment_in, audit_view, filing_in, mask, message_in, shown
from intake.staff.errors import Invalid, NotFound
from intake.staff.queue import open_work, reason_words
from intake.store.files_interface import Files
from intake.store.tables import (
    Attachment,
    Document,
    Filing,
    FilingEvent,
    Message,
    OutboxMail,
    StaffEvent,
    without_encrypted,
)
from notifications.digest import DigestInput, registry_workbook
from notifications.wording import missing_phrase, status_word, unreadable_phrase
from vocabulary import DocumentKind
from vocabulary.fields import FIELD_LABELS
from vocabulary.offices import CITY_OFFICE, office_by_code


@dataclass(frozen=True)
class AttachmentView:
    """One attachment of a mail (`id` is what `attachment_bytes` takes)."""

    id: int
    name: str
    content_type: str
    size: int
    problem: str | None
    problem_words: str | None


@dataclass(frozen=True)
class MessageView:
    """One mail of the thread; `time` is in Asia/Shanghai."""

    message_pk: int
    sender: str | None
    time: datetime | None
    subject: str | None
    text: str
    state: str
    attachments: tuple[AttachmentView, ...]


@dataclass(frozen=True)
class FieldView:
    """One field read from a document: value, confidence and, if stored, its box
    ``(page, x0, y0, x1, y1)`` normalised 0..1."""

    key: str
    label: str
    value: str
    confidence: float | None
    box: tuple[int, float, float, float, float] | None


@dataclass(frozen=True)
class DocumentView:
    """One document read from an attachment."""

    document_id: int
    attachment_id: int
    kind: str
    engine: str | None
    fields: tuple[FieldView, ...]
    unreadable: str | None


@dataclass(frozen=True)
class DecisionView:
    """The filing's current decision, codes and Chinese words."""

    status: str
    status_words: str
    missing: tuple[str, ...]
    missing_words: tuple[str, ...]
    problems: tuple[str, ...]
    problem_words: tuple[str, ...]
    office: str
    reply_kind: str | None
    fields: dict[str, str]
    corrected: dict[str, str]


@dataclass(frozen=True)
class HistoryEntry:
    """One line of history: a pipeline change (``who`` = ``worker``) or a staff action."""

    at: datetime
    who: str
    action: str
    text: str


@dataclass(frozen=True)
class ReplyView:
    """One reply of the outbox for this filing."""

    outbox_id: int
    kind: str
    recipient: str
    subject: str | None
    state: str
    state_words: str
    created_at: datetime
    sent_at: datetime | None
    last_error: str | None
    edited: bool


@dataclass(frozen=True)
class FilingView:
    """Everything about one filing for its page."""

    filing_id: int
    reference: str | None
    office: str
    received_by: str
    sender: str
    created_at: datetime
    updated_at: datetime
    messages: tuple[MessageView, ...]
    documents: tuple[DocumentView, ...]
    decision: DecisionView
    history: tuple[HistoryEntry, ...]
    replies: tuple[ReplyView, ...]
    transferred_from: str | None
    open_items: tuple[str, ...]


@dataclass(frozen=True)
class SearchQuery:
    """What to search by; every given part must match. `id_number` is a whole number typed in."""

    reference: str | None = None
    name: str | None = None
    account: str | None = None
    sender: str | None = None
    id_number: str | None = None
    start: date | None = None
    end: date | None = None
    status: str | None = None
    limit: int = 200


@dataclass(frozen=True)
class FilingRow:
    """One search result; `id_number` is masked."""

    filing_id: int
    reference: str | None
    office: str
    sender: str
    name: str | None
    id_number: str | None
    accounts: tuple[str, ...]
    status: str
    status_words: str
    created_at: datetime
    updated_at: datetime
    problems: tuple[str, ...] = field(default_factory=tuple)


OUTBOX_STATE_WORDS: dict[str, str] = {
    "queued": "待发送",
    "sending": "发送中",
    "sent": "已发送",
    "failed": "发送失败",
    "suppressed": "未发送（限额、退信或已撤回）",
    "held": "待审核",
}
"""Each outbox state in Chinese."""
HISTORY_WORDS: dict[str, str] = {
    "status": "状态",
    "office": "办理单位",
    "missing": "缺少材料",
    "problems": "问题",
    "reply": "回复",
    "subject_type": "主体类型",
}
LABELS: dict[str, str] = {
    **FIELD_LABELS,
    "name": "姓名",
    "gender": "性别",
    "ethnicity": "民族",
    "birth_date": "出生日期",
    "county_written": "所属县（市、区）（原文）",
}
SYSTEM = "系统"
IDENTITY_KINDS = (
    DocumentKind.REGISTRATION_FORM.value,
    DocumentKind.ID_CARD_FRONT.value,
    DocumentKind.BUSINESS_LICENCE.value,
)


def _local(moment: datetime | None) -> datetime | None:
    return moment.astimezone(SHANGHAI) if moment is not None else None


def _box(boxes: object, key: str) -> tuple[int, float, float, float, float] | None:
    if not isinstance(boxes, dict):
        return None
    value = boxes.get(key)
    if not isinstance(value, list | tuple) or len(value) != 5:
        return None
    try:
        return (int(value[0]), float(value[1]), float(value[2]), float(value[3]), float(value[4]))
    except (TypeError, ValueError):
        return None


def _messages(session: Session, filing: Filing) -> tuple[MessageView, ...]:
    mails = list(
        session.execute(
            select(Message).where(Message.filing_id == filing.id).order_by(Message.id)
        ).scalars()
    )
    return _message_views(session, mails)


def _message_views(session: Session, mails: list[Message]) -> tuple[MessageView, ...]:
    attachments: dict[int, list[AttachmentView]] = {}
    if mails:
        for row in session.execute(
            select(Attachment)
            .where(Attachment.message_pk.in_([m.id for m in mails]))
            .order_by(Attachment.message_pk, Attachment.ordinal)
        ).scalars():
            attachments.setdefault(row.message_pk, []).append(
                AttachmentView(
                    row.id,
                    row.name,
                    row.sniffed_type or row.declared_type,
                    row.size,
                    row.problem,
                    unreadable_phrase(row.problem) if row.problem else None,
                )
            )
    return tuple(
        MessageView(
            message_pk=m.id,
            sender=m.from_addr,
            time=_local(m.sent_at or m.stored_at),
            subject=m.subject,
            text=m.body_text or "",
            state=m.state,
            attachments=tuple(attachments.get(m.id, ())),
        )
        for m in mails
    )


def _documents(session: Session, filing: Filing) -> tuple[DocumentView, ...]:
    views = []
    for row in session.execute(
        select(Document)
        .where(Document.filing_id == filing.id, Document.superseded.is_(False))
        .order_by(Document.id)
    ).scalars():
        confidence = row.confidence or {}
        boxes = getattr(row, "boxes", None)
        views.append(
            DocumentView(
                document_id=row.id,
                attachment_id=row.attachment_pk,
                kind=row.kind,
                engine=row.engine,
                fields=tuple(
                    FieldView(k, LABELS.get(k, k), v, confidence.get(k), _box(boxes, k))
                    for k, v in (row.fields or {}).items()
                ),
                unreadable=row.unreadable,
            )
        )
    return tuple(views)


def _decided_fields(session: Session, filing: Filing, corrected: dict[str, str]) -> dict[str, str]:
    form = current_form(session, filing)
    fields = with_corrections(dict(form.fields or {}) if form else {}, corrected)
    return {**{k: v for k, v in corrected.items() if k not in fields}, **fields}


def _change_text(changed: object) -> str:
    if not isinstance(changed, dict) or not changed:
        return "无变化"
    parts = []
    for key, value in changed.items():
        if isinstance(value, dict):
            parts.append(f"{HISTORY_WORDS.get(key, key)}：{value.get('from')} → {value.get('to')}")
    return "；".join(parts) or "无变化"


def _history(session: Session, filing: Filing) -> tuple[HistoryEntry, ...]:
    entries: list[tuple[datetime, int, HistoryEntry]] = []
    for event in session.execute(
        select(FilingEvent).where(FilingEvent.filing_id == filing.id).order_by(FilingEvent.id)
    ).scalars():
        change = event.change if isinstance(event.change, dict) else {}
        action = "decided" if change.get("mail") is not None else "redecided"
        text = _change_text(change.get("changed"))
        if change.get("mail") is not None:
            text = f"邮件 #{change.get('mail')}：{text}"
        else:
            text = f"人工修改后重新判定：{text}"
        entries.append(
            (event.at, 0, HistoryEntry(_local(event.at) or event.at, SYSTEM, action, text))
        )
    for row in session.execute(
        select(StaffEvent).where(StaffEvent.filing_id == filing.id).order_by(StaffEvent.id)
    ).scalars():
        detail = row.detail if isinstance(row.detail, dict) else {}
        text = str(detail.get("text") or row.action)
        entries.append(
            (row.at, 1, HistoryEntry(_local(row.at) or row.at, row.actor, row.action, text))
        )
    entries.sort(key=lambda e: (e[0], e[1]))
    return tuple(e[2] for e in entries)


def _replies(session: Session, filing: Filing) -> tuple[ReplyView, ...]:
    return tuple(
        ReplyView(
            outbox_id=row.id,
            kind=row.kind,
            recipient=row.recipient,
            subject=row.subject,
            state=row.state,
            state_words=OUTBOX_STATE_WORDS.get(row.state, row.state),
            created_at=_local(row.created_at) or row.created_at,
            sent_at=_local(row.sent_at),
            last_error=row.last_error,
            edited=bool(row.edited),
        )
        for row in session.execute(
            select(OutboxMail)
            .where(OutboxMail.filing_id == filing.id, OutboxMail.kind != "digest")
            .order_by(OutboxMail.id)
        ).scalars()
    )


def filing_view(
    session: Session,
    offices: Collection[str],
    filing_id: int,
    keys: Keyring | None,
    actor: str,
    now: datetime,
) -> FilingView:
    """The page of one filing (writes an audit row: `actor` viewed it). Encrypted values are
    decrypted with the store's own keys; `keys` is accepted for callers that hold them."""
    del keys
    filing = filing_in(session, offices, filing_id)
    corrected = corrections_of(session, {filing.id}).get(filing.id, {})
    subject_type = filing.subject_type
    problems = tuple(filing.problems or ())
    missing = tuple(filing.missing or ())
    view = FilingView(
        filing_id=filing.id,
        reference=filing.reference,
        office=filing.office,
        received_by=filing.received_by,
        sender=filing.sender,
        created_at=_local(filing.created_at) or filing.created_at,
        updated_at=_local(filing.updated_at) or filing.updated_at,
        messages=_messages(session, filing),
        documents=_documents(session, filing),
        decision=DecisionView(
            status=filing.status,
            status_words=status_word(filing.status),
            missing=missing,
            missing_words=tuple(missing_phrase(m, subject_type) for m in missing),
            problems=problems,
            problem_words=tuple(reason_words(p) for p in problems),
            office=filing.office,
            reply_kind=filing.reply_kind,
            fields=_decided_fields(session, filing, corrected),
            corrected=dict(corrected),
        ),
        history=_history(session, filing),
        replies=_replies(session, filing),
        transferred_from=filing.transferred_from,
        open_items=tuple(
            i.key for i in open_work(session, [filing.office], now, filing_id=filing.id)
        ),
    )
    audit_view(session, actor=actor, now=now, what="查看备案详情", filing=filing)
    return view


def _day_start(day: date) -> datetime:
    return datetime.combine(day, time(0, 0), SHANGHAI)


def _matches(values: Iterable[str], wanted: str, *, whole: bool) -> bool:
    wanted = "".join(wanted.split()).upper() if whole else wanted.strip()
    for value in values:
        if whole and "".join(value.split()).upper() == wanted:
            return True
        if not whole and wanted and wanted in value:
            return True
    return False


def search(
    session: Session, offices: Collection[str], query: SearchQuery, actor: str, now: datetime
) -> list[FilingRow]:
    """Filings of `offices` matching `query`, newest first (at most `query.limit`).

    Reference, sender, status and dates are matched in SQL; name, account and ID number are
    stored encrypted, so they are matched on the decrypted fields of the filings that pass the
    rest (the ID number as the whole number, ignoring spaces and case; shown masked). Searching
    by name or ID number is audited."""
    offices = list(offices)
    if not offices:
        return []
    sql = (
        select(Filing)
        .options(*without_encrypted(Filing))
        .where(Filing.office.in_(offices))
        .order_by(Filing.id.desc())
    )
    if query.reference:
        sql = sql.where(Filing.reference.like(f"%{query.reference.strip()}%"))
    if query.sender:
        sql = sql.where(Filing.sender.like(f"%{query.sender.strip().lower()}%"))
    if query.status:
        sql = sql.where(Filing.status == query.status)
    if query.start:
        sql = sql.where(Filing.created_at >= _day_start(query.start))
    if query.end:
        sql = sql.where(Filing.created_at < _day_start(query.end + timedelta(days=1)))
    if query.id_number and len("".join(query.id_number.split())) < 15:
        raise Invalid("请输入完整的证件号码")
    filings = list(session.execute(sql).scalars())
    personal = bool(query.name or query.account or query.id_number)
    details = _identity(session, [f.id for f in filings]) if filings else {}
    rows: list[FilingRow] = []
    for filing in filings:
        fields, accounts = details.get(filing.id, ({}, []))
        if query.id_number and not _matches(
            [
                v
                for k, v in fields.items()
                if k in ("id_number", "manager_id_number", "credit_code")
            ],
            query.id_number,
            whole=True,
        ):
            continue
        if query.name and not _matches(
            [v for k, v in fields.items() if k in ("name", "subject_name", "manager_name")],
            query.name,
            whole=False,
        ):
            continue
        if query.account and not _matches(
            [a.get("account_name", "") for a in accounts]
            + [a.get("account_id", "") for a in accounts],
            query.account,
            whole=False,
        ):
            continue
        rows.append(
            FilingRow(
                filing_id=filing.id,
                reference=filing.reference,
                office=filing.office,
                sender=filing.sender,
                name=fields.get("subject_name") or fields.get("name"),
                id_number=mask(fields.get("id_number") or fields.get("manager_id_number")) or None,
                accounts=tuple(a.get("account_name", "") for a in accounts),
                status=filing.status,
                status_words=status_word(filing.status),
                created_at=_local(filing.created_at) or filing.created_at,
                updated_at=_local(filing.updated_at) or filing.updated_at,
                problems=tuple(filing.problems or ()),
            )
        )
        if len(rows) >= query.limit:
            break
    if personal:
        what = "按" + "、".join(
            w
            for w, given in (
                ("姓名", query.name),
                ("账号", query.account),
                ("证件号码", query.id_number),
            )
            if given
        )
        shown_id = f"（{shown('id_number', query.id_number)}）" if query.id_number else ""
        audit_view(session, actor=actor, now=now, what=f"{what}搜索备案{shown_id}：{len(rows)} 条")
    return rows


def _identity(
    session: Session, filing_ids: list[int]
) -> dict[int, tuple[dict[str, str], list[dict[str, str]]]]:
    """Per filing: the decrypted fields of its current form and identity documents (the form's
    values win, corrections over all) and the form's account rows."""
    corrected = corrections_of(session, set(filing_ids))
    found: dict[int, tuple[dict[str, str], list[dict[str, str]]]] = {}
    for start in range(0, len(filing_ids), 500):
        chunk = filing_ids[start : start + 500]
        for row in session.execute(
            select(Document)
            .where(
                Document.filing_id.in_(chunk),
                Document.superseded.is_(False),
                Document.kind.in_(IDENTITY_KINDS),
            )
            .order_by(Document.id)
        ).scalars():
            assert row.filing_id is not None
            fields, accounts = found.setdefault(row.filing_id, ({}, []))
            values = with_corrections(dict(row.fields or {}), corrected.get(row.filing_id, {}))
            if row.kind == DocumentKind.REGISTRATION_FORM.value:
                fields.update(values)
                accounts[:] = [dict(a) for a in (row.accounts or [])]
            else:
                for key, value in values.items():
                    fields.setdefault(key, value)
    for filing_id, values in corrected.items():
        fields, _accounts = found.setdefault(filing_id, ({}, []))
        fields.update(values)
    return found


@dataclass(frozen=True)
class MailView:
    """One mail on its own (a mail that waits for a person, or quarantined): what it is, why
    (the classifier's signals), and its filing if it has one. `item_key` is its queue item."""

    mail: MessageView
    office: str
    nature: str | None
    signals: tuple[str, ...]
    filing_id: int | None
    reference: str | None
    item_key: str


def mail_view(
    session: Session, offices: Collection[str], message_pk: int, actor: str, now: datetime
) -> MailView:
    """The page of one mail (decrypted text and attachments); audited. NotFound when the mail
    is not the person's to see, exactly as when it does not exist."""
    message_in(session, offices, message_pk)
    message = session.get(Message, message_pk)
    assert message is not None
    filing = session.get(Filing, message.filing_id) if message.filing_id is not None else None
    audit_view(session, actor=actor, now=now, what=f"查看来信 #{message_pk}", filing=filing)
    return MailView(
        mail=_message_views(session, [message])[0],
        office=filing.office if filing is not None else message.office,
        nature=message.nature,
        signals=tuple(message.signals or ()),
        filing_id=filing.id if filing is not None else None,
        reference=filing.reference if filing is not None else None,
        item_key=f"message:{message_pk}",
    )


def attachment_bytes(
    session: Session,
    offices: Collection[str],
    attachment_id: int,
    files: Files,
    keys: Keyring | None,
    actor: str,
    now: datetime,
) -> tuple[str, str, bytes]:
    """(file name, content type, decrypted bytes) of one attachment; audited. NotFound when the
    attachment is not the person's to see or its file was purged."""
    del keys
    attachment = attachment_in(session, offices, attachment_id)
    message = session.get(Message, attachment.message_pk, options=without_encrypted(Message))
    if (
        message is None
        or message.purged_at is not None
        or not files.exists(ATTACHMENT_KIND, attachment.sha256)
    ):
        raise NotFound("该附件已按保存期限删除")
    data = files.read(ATTACHMENT_KIND, attachment.sha256)
    filing = session.get(Filing, message.filing_id) if message.filing_id is not None else None
    audit_view(session, actor=actor, now=now, what=f"下载附件 #{attachment.id}", filing=filing)
    return attachment.name, attachment.sniffed_type or "application/octet-stream", data


def export_registry(
    session: Session,
    offices: Collection[str],
    start: date,
    end: date,
    actor: str,
    now: datetime,
    *,
    mask_ids: bool = True,
) -> bytes:
    """The 台账 (xlsx) of filings of `offices` received from `start` to `end` inclusive
    (Asia/Shanghai dates), built by the digest's workbook builder; audited."""
    if end < start:
        raise Invalid("结束日期不能早于开始日期")
    offices = sorted(offices)
    rows = registry_rows(session, offices, _day_start(start), _day_start(end + timedelta(days=1)))
    office = office_by_code(offices[0] if len(offices) == 1 else CITY_OFFICE) or office_by_code(
        CITY_OFFICE
    )
    assert office is not None
    data = DigestInput(
        office=office,
        day=end,
        registry=rows,
        activity=(),
        attention=(),
        mask_ids_in_xlsx=mask_ids,
    )
    audit_view(
        session,
        actor=actor,
        now=now,
        what=f"导出台账 {start.isoformat()}—{end.isoformat()}：{len(rows)} 条",
    )
    return registry_workbook(data)
