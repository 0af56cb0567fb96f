"""Daily digests: per office and day, the registry and the day's activity gathered from the
store, built by `notifications.digest`, kept under the files folder, and queued to `digest_to`.

A digest is made once per office and date (the `digests` table); `force` makes it again.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session

from intake.deciding.filing import current_form
from intake.errors import TransientError
from intake.privacy.crypto import DecryptionError
from intake.replying.review import NOT_SENT_ON_PURPOSE
from intake.runtime.clock import SHANGHAI
from intake.sending.outbox import OFFICE_CAP_NOTE, enqueue
from intake.settings import OfficeSettings, Settings
from intake.staff.queue import WorkKind, open_work
from intake.store.database import Store, StoreConflict
from intake.store.files_interface import Files
from intake.store.tables import (
    Attachment,
    Digest,
    Document,
    Filing,
    Message,
    MessageState,
    OutboxMail,
    OutboxState,
    PollResult,
    PollState,
    SendState,
    without_encrypted,
)
from notifications.compose import compose_digest, make_message_id
from notifications.digest import (
    ActivityRow,
    AttentionRow,
    DigestFiles,
    DigestInput,
    RegistryRow,
    build_digest,
)
from notifications.replies import AccountLine
from notifications.wording import (
    LIMIT_WORDS,
    OUTBOX_STATE_WORDS,
    clean_text,
    ignored_words,
    office_name,
    poll_failure_words,
    problem_phrase,
    reply_state_words,
    unreadable_phrase,
)
from routing.review import DEFAULT_REVIEW_CONFIDENCE
from vocabulary.offices import CITY_OFFICE, Office

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DigestMade:
    """One digest written (and queued)."""

    office: str
    day: date
    html_path: Path
    xlsx_path: Path
    queued: int


def _registry(db: Session, office: str) -> tuple[RegistryRow, ...]:
    return registry_rows(db, [office])


def registry_rows(
    db: Session,
    offices: Sequence[str],
    start: datetime | None = None,
    end: datetime | None = None,
) -> tuple[RegistryRow, ...]:
    """The registry (台账) rows of `offices`, received in [start, end) when given (the digest
    lists all; the console exports any period): the filings they hold (moved in from another
    office marked 转自) and those they received and moved on (marked 转至), each with its own
    status."""
    rows = []
    wanted = list(offices)
    query = (
        select(Filing)
        .options(*without_encrypted(Filing))
        .where(or_(Filing.office.in_(wanted), Filing.received_by.in_(wanted)))
        .order_by(Filing.id)
    )
    if start is not None:
        query = query.where(Filing.created_at >= start)
    if end is not None:
        query = query.where(Filing.created_at < end)
    for filing in db.execute(query).scalars():
        try:
            form = current_form(db, filing)
        except DecryptionError as exc:  # that filing's problem: listed without its form's fields
            log.warning("registry: filing %s: %s", filing.reference, exc)
            form = None
        fields = dict(form.fields or {}) if form else {}
        last = db.execute(
            select(OutboxMail.kind, OutboxMail.state)
            .where(OutboxMail.filing_id == filing.id, OutboxMail.kind != "digest")
            .order_by(OutboxMail.id.desc())
            .limit(1)
        ).first()
        moved_in = filing.office in wanted and filing.received_by not in wanted
        moved_out = filing.office not in wanted
        rows.append(
            RegistryRow(
                reference=filing.reference or "",
                received_on=filing.created_at.astimezone(SHANGHAI).date(),
                updated_on=filing.updated_at.astimezone(SHANGHAI).date(),
                registrant=filing.sender,
                subject_type=filing.subject_type,
                subject_name=fields.get("subject_name"),
                id_number=fields.get("id_number") or fields.get("manager_id_number"),
                credit_code=fields.get("credit_code"),
                accounts=tuple(
                    AccountLine(
                        a.get("platform", ""), a.get("account_name", ""), a.get("account_id", "")
                    )
                    for a in ((form.accounts or []) if form else [])
                ),
                county=fields.get("county"),
                office=filing.office,
                status=filing.status,
                missing=tuple(filing.missing or ()),
                problems=tuple(filing.problems or ()),
                last_reply=reply_state_words(last[0], last[1]) if last else None,
                late="late" in (filing.problems or ()),
                phone=fields.get("phone"),
                manager=fields.get("manager_name"),
                filing_type=filing.filing_type,
                transferred_from=filing.received_by if moved_in else None,
                transferred_to=filing.office if moved_out else None,
                county_uncertain="uncertain:county" in (filing.problems or ()),
            )
        )
    return tuple(rows)


def _activity(db: Session, office: str, start: datetime, end: datetime) -> tuple[ActivityRow, ...]:
    """The window's mail and replies of the office, and mail other offices received for
    filings this office now holds (shown with where it came from)."""
    rows: list[ActivityRow] = []
    for message, reference, holder in db.execute(
        select(Message, Filing.reference, Filing.office)
        .options(*without_encrypted(Message))
        .outerjoin(Filing, Message.filing_id == Filing.id)
        .where(
            or_(Message.office == office, Filing.office == office),
            Message.stored_at >= start,
            Message.stored_at < end,
        )
        .order_by(Message.id)
    ):
        if message.nature == "ignored":
            what = ignored_words(message.ignored_reason)
        elif message.state == MessageState.QUARANTINED.value:
            what = "无法处理，已隔离"
        elif message.nature == "uncertain":
            what = "待人工判断"
        else:
            what = "收到材料" if message.nature == "filing" else "收到咨询"
        if message.office != office:
            what = f"{what}（转自{office_name(message.office)}）"
        elif holder and holder != office:
            what = f"{what}，已转至{office_name(holder)}"
        rows.append(ActivityRow(message.stored_at, reference, what, message.from_addr or "-"))
    for mail, reference in db.execute(
        select(OutboxMail, Filing.reference)
        .outerjoin(Filing, OutboxMail.filing_id == Filing.id)
        .where(
            OutboxMail.office == office,
            OutboxMail.kind != "digest",
            OutboxMail.created_at >= start,
            OutboxMail.created_at < end,
        )
        .order_by(OutboxMail.id)
    ):
        rows.append(
            ActivityRow(
                mail.sent_at or mail.created_at,
                reference,
                reply_state_words(mail.kind, mail.state),
                mail.recipient,
            )
        )
    return tuple(sorted(rows, key=lambda r: r.at))


def console_link(
    console_url: str | None, *, filing_id: int | None = None, message_pk: int | None = None
) -> str | None:
    """The staff console's page of a filing (or of a mail without one); None without a
    console address (`[web] public_url`)."""
    if not console_url:
        return None
    base = console_url.rstrip("/")
    if filing_id is not None:
        return f"{base}/filing/{filing_id}"
    if message_pk is not None:
        return f"{base}/mail/{message_pk}"
    return f"{base}/"


def send_failure_words(state: str, error: str | None) -> str:
    """Why a reply did not go out, in words for office staff (no server codes)."""
    text = (error or "").lower()
    if state == OutboxState.SUPPRESSED.value:
        return "地址曾退信或已达每日回复上限，未发送"
    if any(code in text for code in ("550", "551", "553", "554", "user unknown", "not exist")):
        return "对方邮箱拒收或地址不存在"
    if any(code in text for code in ("552", "mailbox full", "quota")):
        return "对方邮箱已满"
    return "多次尝试发送均未成功"


def unreadable_detail(db: Session, filing: Filing) -> str:
    """Each unreadable attachment of the filing's mail with why, and each large-attachment
    link (its address, so staff can fetch the file themselves)."""
    parts: list[str] = []
    names = db.execute(
        select(Attachment.name, Attachment.problem)
        .join(Message, Attachment.message_pk == Message.id)
        .where(Message.filing_id == filing.id, Attachment.problem.is_not(None))
        .order_by(Attachment.id)
    ).all()
    docs = db.execute(
        select(Document.part, Document.unreadable)
        .where(Document.filing_id == filing.id, Document.unreadable.is_not(None))
        .order_by(Document.id)
    ).all()
    for name, reason in [*names, *docs]:
        if reason in ("inline", "decoration", "signature"):
            continue
        why = unreadable_phrase(reason or "").split("，")[0]
        parts.append(f"{clean_text(name, 60) or '（未命名附件）'}：{why}")
    links = db.execute(
        select(Message).where(Message.filing_id == filing.id).order_by(Message.id)
    ).scalars()
    for message in links:
        for link in message.large_links or []:
            label = clean_text(link.get("file_name") or "", 60) or "超大附件"
            url = clean_text(link.get("url") or "", 300)
            parts.append(f"超大附件 {label}：下载链接 {url}" if url else f"超大附件 {label}")
    return "；".join(dict.fromkeys(parts)) or "附件无法读取"


def attention_rows(
    db: Session,
    office: str,
    now: datetime | None = None,
    review_confidence: float = DEFAULT_REVIEW_CONFIDENCE,
    console_url: str | None = None,
) -> tuple[AttentionRow, ...]:
    """What waits for a person at this office: the staff queue's items (`intake.staff.queue`:
    quarantined mail, filings to review, held replies; the registrant's turn left out), each
    with when it began waiting and its console page; failed or held sending; replies waiting
    for tomorrow. A mailbox that cannot be read is the admin's (`intake status`, the log)."""
    rows: list[AttentionRow] = []
    items = [
        item
        for item in open_work(
            db, [office], now or datetime.now(UTC), review_confidence=review_confidence
        )
        if item.kind is not WorkKind.WAITING_REGISTRANT
    ]
    quarantined = {
        i.message_pk for i in items if i.kind in (WorkKind.QUARANTINED, WorkKind.MAIL_TO_JUDGE)
    }
    mails = {
        m.id: m
        for m in db.execute(
            select(Message).options(*without_encrypted(Message)).where(Message.id.in_(quarantined))
        ).scalars()
    }
    filings = {
        f.id: f
        for f in db.execute(
            select(Filing)
            .options(*without_encrypted(Filing))
            .where(Filing.id.in_({i.filing_id for i in items if i.filing_id is not None}))
        ).scalars()
    }
    for item in items:
        link = console_link(console_url, filing_id=item.filing_id, message_pk=item.message_pk)
        if item.kind is WorkKind.QUARANTINED:
            message = mails.get(item.message_pk or 0)
            sender = (message.from_addr if message else None) or "-"
            rows.append(
                AttentionRow(
                    "quarantined",
                    item.reference,
                    f"邮件 #{item.message_pk}（{sender}）多次处理失败，已隔离，请人工查看",
                    item.since,
                    link,
                )
            )
            continue
        if item.kind is WorkKind.MAIL_TO_JUDGE:
            message = mails.get(item.message_pk or 0)
            sender = (message.from_addr if message else None) or "-"
            rows.append(
                AttentionRow(
                    "uncertain_mail",
                    None,
                    f"来信 #{item.message_pk}（{sender}）无法确定是否为备案，未自动回复，请人工判断",
                    item.since,
                    link,
                )
            )
            continue
        if item.kind is WorkKind.HELD_REPLY:
            rows.append(
                AttentionRow(
                    HELD_WORDS, item.reference, "；".join(item.reason_words), item.since, link
                )
            )
            continue
        filed = filings.get(item.filing_id or 0)
        for reason, words in zip(item.reasons, item.reason_words, strict=True):
            if reason == "unreadable" and filed is not None:
                words = unreadable_detail(db, filed)
            elif filed is not None and reason.startswith("mismatch:"):
                words = problem_phrase(reason, filed.subject_type)
            rows.append(
                AttentionRow(_attention_kind(reason), item.reference, words, item.since, link)
            )
    for mail, reference in db.execute(
        select(OutboxMail, Filing.reference)
        .outerjoin(Filing, OutboxMail.filing_id == Filing.id)
        .where(
            OutboxMail.office == office,
            OutboxMail.state.in_([OutboxState.FAILED.value, OutboxState.SUPPRESSED.value]),
        )
    ):
        if (mail.last_error or "").startswith(NOT_SENT_ON_PURPOSE):
            continue
        rows.append(
            AttentionRow(
                "failed_send",
                reference,
                f"回复{mail.recipient}{OUTBOX_STATE_WORDS.get(mail.state, '')}："
                + send_failure_words(mail.state, mail.last_error),
                mail.created_at,
                console_link(console_url, filing_id=mail.filing_id) if mail.filing_id else None,
            )
        )
    waiting = db.execute(
        select(func.count())
        .select_from(OutboxMail)
        .where(
            OutboxMail.office == office,
            OutboxMail.state == OutboxState.QUEUED.value,
            OutboxMail.last_error.startswith(OFFICE_CAP_NOTE),
        )
    ).scalar_one()
    if waiting:
        rows.append(
            AttentionRow(
                "stopped_today",
                None,
                f"今日自动回复已达本办公室每日上限，{waiting} 封回复顺延至明天发出",
            )
        )
    state = db.execute(select(SendState).where(SendState.office == office)).scalar_one_or_none()
    if state is not None and (state.login_broken or state.hold_until):
        rows.append(
            AttentionRow(
                "failed_send",
                None,
                "发信邮箱暂时无法发信，回复暂缓发出，已通知管理员"
                if state.login_broken
                else "发信暂停，回复稍后自动发出",
            )
        )
    return tuple(rows)


HELD_WORDS = "回复待审核"


def _attention_kind(reason: str) -> str:
    """The digest's category of one review reason (a Chinese word where the digest's wording
    table has none)."""
    if reason.startswith("mismatch:"):
        return "mismatch"
    if reason == "uncertain:county":
        return "uncertain_county"
    if reason.startswith("low_confidence:"):
        return "识别置信度低"
    if reason == "transferred":
        return "转交待处理"
    if reason == "out_of_scope":
        return "out_of_scope"
    if reason == "unreadable":
        return "unreadable"
    return "待人工核对"


def poll_failure(db: Session, office: str) -> str | None:
    """The mailbox's last poll when it failed, in plain Chinese for the admin (wrong code,
    unreachable, disk full …): until a poll succeeds again no new mail of this office is read."""
    poll = db.execute(
        select(PollState).where(
            PollState.office == office,
            PollState.folder == "*",
            PollState.last_result == PollResult.FAILED.value,
        )
    ).scalar_one_or_none()
    if poll is None:
        return None
    when = poll.last_finished_at.astimezone(SHANGHAI) if poll.last_finished_at else None
    return (
        f"收信失败（连续 {poll.consecutive_failures or 1} 次"
        + (f"，最近一次 {when:%Y-%m-%d %H:%M}" if when else "")
        + f"）：{poll_failure_words(poll.last_error)}"
    )


def _limit_hits(
    db: Session, office: str, start: datetime, end: datetime
) -> tuple[AttentionRow, ...]:
    """One line per attachment or document of the day's mail that a limit kept from being read."""
    rows: list[AttentionRow] = []
    day = (Message.office == office, Message.stored_at >= start, Message.stored_at < end)
    found = list(
        db.execute(
            select(
                Message.id, Message.from_addr, Filing.reference, Attachment.name, Attachment.problem
            )
            .join(Attachment, Attachment.message_pk == Message.id)
            .outerjoin(Filing, Message.filing_id == Filing.id)
            .where(*day, Attachment.problem.in_(tuple(LIMIT_WORDS)))
            .order_by(Message.id, Attachment.ordinal)
        ).all()
    )
    found += db.execute(
        select(Message.id, Message.from_addr, Filing.reference, Document.part, Document.unreadable)
        .join(Attachment, Attachment.message_pk == Message.id)
        .join(Document, Document.attachment_pk == Attachment.id)
        .outerjoin(Filing, Message.filing_id == Filing.id)
        .where(*day, Document.unreadable.in_(tuple(LIMIT_WORDS)))
        .order_by(Message.id, Document.id)
    ).all()
    for message_pk, sender, reference, name, code in found:
        words = LIMIT_WORDS.get(code or "", "")
        rows.append(
            AttentionRow(
                "limit",
                reference,
                f"邮件 #{message_pk}（{sender or '-'}）：{clean_text(name, 80)} — {words}",
            )
        )
    return tuple(rows)


def _rollup(
    db: Session, settings: Settings, start: datetime, end: datetime
) -> tuple[tuple[Office, dict[str, int]], ...]:
    """Per office, the figures its own digest shows: mail received in the window (set-aside
    mail not counted), statuses of the filings it holds, filings moved in and out, waiting
    items."""
    out = []
    for office in settings.offices:
        received = db.execute(
            select(func.count())
            .select_from(Message)
            .where(
                Message.office == office.code,
                Message.stored_at >= start,
                Message.stored_at < end,
                or_(Message.nature.is_(None), Message.nature != "ignored"),
                Message.duplicate_of.is_(None),
            )
        ).scalar_one()
        statuses = dict(
            db.execute(
                select(Filing.status, func.count())
                .where(Filing.office == office.code)
                .group_by(Filing.status)
            ).all()
        )
        moved_out = db.execute(
            select(func.count())
            .select_from(Filing)
            .where(Filing.received_by == office.code, Filing.office != office.code)
        ).scalar_one()
        moved_in = db.execute(
            select(func.count())
            .select_from(Filing)
            .where(Filing.office == office.code, Filing.received_by != office.code)
        ).scalar_one()
        out.append(
            (
                office,
                {
                    "received": int(received),
                    "complete": int(statuses.get("complete", 0)),
                    "incomplete": int(statuses.get("incomplete", 0))
                    + int(statuses.get("unreadable", 0)),
                    "transferred_in": int(moved_in),
                    "transferred_out": int(moved_out),
                    "attention": len(
                        attention_rows(db, office.code, end, settings.sending.review_confidence)
                    )
                    + len(_limit_hits(db, office.code, start, end)),
                },
            )
        )
    return tuple(out)


def make_digest(
    settings: Settings,
    store: Store,
    files: Files,
    office: OfficeSettings,
    day: date,
    now: datetime,
    *,
    force: bool = False,
) -> DigestMade | None:
    """Write one office's digest for `day` and queue it; None when it was made already (by this
    process or another one racing it)."""
    console = settings.web.public_url
    try:
        with store.session() as db:
            start, end = digest_window(db, office.code, day, settings.schedule.digest_at, now)
            if not _claim(db, office.code, day, now, force):
                return None
            failed_poll = poll_failure(db, office.code)
            if failed_poll:
                log.warning("mailbox of %s: %s", office.code, failed_poll)
            data = DigestInput(
                office=office,
                day=day,
                registry=_registry(db, office.code),
                activity=_activity(db, office.code, start, end),
                attention=attention_rows(
                    db, office.code, now, settings.sending.review_confidence, console
                )
                + _limit_hits(db, office.code, start, end),
                rollup=_rollup(db, settings, start, end) if office.code == CITY_OFFICE else (),
                mask_ids_in_xlsx=settings.sending.mask_ids_in_xlsx,
                activity_since=start,
                made_at=now,
            )
            built = build_digest(data)
            html_path, xlsx_path = _write_files(files, office.code, day, built.html, built.xlsx)
            claimed = db.execute(
                select(Digest).where(Digest.office == office.code, Digest.day == day.isoformat())
            ).scalar_one()
            claimed.html_path, claimed.xlsx_path = str(html_path), str(xlsx_path)
            queued = _queue(db, files, office, built, now)
    except (StoreConflict, TransientError):
        if not _made(store, office.code, day):
            raise
        log.info("digest %s %s was made by another process meanwhile; left to it", office.code, day)
        return None
    log.info("digest %s %s written (%s), %d queued", office.code, day, html_path, queued)
    return DigestMade(office.code, day, html_path, xlsx_path, queued)


def activity_window(day: date, digest_at: time) -> tuple[datetime, datetime]:
    """The stretch of time whose mail `day`'s digest lists: from the previous day's digest time
    to this day's (Asia/Shanghai), so every mail falls in exactly one digest, whenever the
    digests are actually made."""
    end = datetime.combine(day, digest_at, SHANGHAI)
    return end - timedelta(days=1), end


def digest_window(
    db: Session, office: str, day: date, digest_at: time, now: datetime
) -> tuple[datetime, datetime]:
    """The stretch of time `day`'s digest lists: from when the office's previous digest was
    made (else the previous day's digest time) to now for today's digest (else `day`'s digest
    time). A digest made late, or by hand before `digest_at`, thus leaves no mail out: what
    came after it is in the next one."""
    start, end = activity_window(day, digest_at)
    previous = db.execute(
        select(Digest.made_at)
        .where(Digest.office == office, Digest.day < day.isoformat())
        .order_by(Digest.day.desc())
        .limit(1)
    ).scalar_one_or_none()
    if previous is not None and start - timedelta(days=1) < previous < end:
        start = previous
    if now.astimezone(SHANGHAI).date() == day:
        end = now
    return start, end


def _made(store: Store, office: str, day: date) -> bool:
    with store.session() as db:
        return (
            db.execute(
                select(Digest.id).where(Digest.office == office, Digest.day == day.isoformat())
            ).first()
            is not None
        )


def _claim(db: Session, office: str, day: date, now: datetime, force: bool) -> bool:
    """Take the (office, day) digest row first, before anything is written, so that of two
    processes making the same digest one waits on the row's unique key and then stands down.
    With `force` the old row is replaced. False when the digest exists and is not forced."""
    done = db.execute(
        select(Digest).where(Digest.office == office, Digest.day == day.isoformat())
    ).scalar_one_or_none()
    if done is not None and not force:
        return False
    if done is not None:
        db.execute(delete(Digest).where(Digest.id == done.id))
        db.flush()
    db.add(Digest(office=office, day=day.isoformat(), made_at=now))
    db.flush()
    return True


def _write_files(files: Files, office: str, day: date, html: str, xlsx: bytes) -> tuple[Path, Path]:
    """The digest's HTML and workbook under the files folder, each put in place whole."""
    folder = files.root / "digests" / office
    folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    html_path = folder / f"{day.isoformat()}.html"
    xlsx_path = folder / f"{day.isoformat()}.xlsx"
    for path, payload in ((html_path, html.encode("utf-8")), (xlsx_path, xlsx)):
        partial = path.with_name(f".tmp-{path.name}.{os.getpid()}")
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(payload)
        os.replace(partial, path)
    return html_path, xlsx_path


def _queue(
    db: Session, files: Files, office: OfficeSettings, built: DigestFiles, now: datetime
) -> int:
    """The digest mail queued to each of the office's `digest_to` addresses."""
    domain = office.mailbox.rpartition("@")[2] or "localhost"
    for recipient in office.digest_to:
        message_id = make_message_id(domain)
        raw = compose_digest(
            from_name=office.name,
            from_addr=office.mailbox,
            to_addrs=(recipient,),
            subject=built.subject,
            html=built.html,
            text=built.text,
            xlsx=built.xlsx,
            xlsx_name=built.xlsx_name,
            message_id=message_id,
            date=now,
        )
        enqueue(
            db,
            files,
            office=office.code,
            kind="digest",
            recipient=recipient,
            message_id=message_id,
            raw=raw,
            subject=built.subject,
            now=now,
        )
    return len(office.digest_to)


def due_digests(
    settings: Settings, store: Store, now: datetime
) -> list[tuple[OfficeSettings, date]]:
    """Offices whose digest for today is due (after `digest_at`) and not made yet."""
    local = now.astimezone(SHANGHAI)
    if local.time() < settings.schedule.digest_at:
        return []
    with store.session() as db:
        made = set(
            db.execute(
                select(Digest.office).where(Digest.day == local.date().isoformat())
            ).scalars()
        )
    return [(o, local.date()) for o in settings.enabled_offices if o.code not in made]


def make_digests(
    settings: Settings,
    store: Store,
    files: Files,
    offices: Sequence[OfficeSettings],
    day: date,
    now: datetime,
    *,
    force: bool = False,
) -> list[DigestMade]:
    """Digests for several offices of one day."""
    made = []
    for office in offices:
        result = make_digest(settings, store, files, office, day, now, force=force)
        if result is not None:
            made.append(result)
    return made
