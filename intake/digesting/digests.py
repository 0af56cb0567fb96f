"""Daily digests: per office and day, the registry and the day's activity gathered from the
store, built by `notifications.digest`, kept under the files folder, and queued to `digest_to`.

A digest is made once per office and date (the `digests` table); `force` makes it again.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from pathlib import Path

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from intake.deciding.filing import current_form
from intake.errors import TransientError
from intake.privacy.crypto import DecryptionError
from intake.runtime.clock import SHANGHAI
from intake.sending.outbox import OFFICE_CAP_NOTE, enqueue
from intake.settings import OfficeSettings, Settings
from intake.store.database import Store, StoreConflict
from intake.store.files import FileStore
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
from notifications.wording import LIMIT_WORDS, clean_text, problem_phrase
from vocabulary.offices import CITY_OFFICE, Office

log = logging.getLogger(__name__)
OUTBOX_WORDS = {
    "sent": "已回复 {kind}",
    "queued": "待发送 {kind}",
    "sending": "发送中 {kind}",
    "failed": "发送失败 {kind}",
    "suppressed": "未发送（限额或退信）{kind}",
}
ATTENTION_PROBLEMS = ("uncertain:county", "mismatch:", "out_of_scope")


@dataclass(frozen=True)
class DigestMade:
    """One digest written (and queued)."""

    office: str
    day: date
    html_path: Path
    xlsx_path: Path
    queued: int


def _registry(db: Session, office: str) -> tuple[RegistryRow, ...]:
    rows = []
    filings = db.execute(
        select(Filing)
        .options(*without_encrypted(Filing))
        .where(Filing.office == office)
        .order_by(Filing.id)
    ).scalars()
    for filing in filings:
        try:
            form = current_form(db, filing)
        except DecryptionError as exc:  # that filing's problem: listed without its form's fields
            log.warning("digest of %s: filing %s: %s", office, filing.reference, exc)
            form = None
        fields = dict(form.fields or {}) if form else {}
        last = db.execute(
            select(OutboxMail.kind, OutboxMail.state)
            .where(OutboxMail.filing_id == filing.id, OutboxMail.kind != "digest")
            .order_by(OutboxMail.id.desc())
            .limit(1)
        ).first()
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
                status="transferred"
                if filing.reply_kind == "transferred" and filing.received_by != office
                else filing.status,
                missing=tuple(filing.missing or ()),
                problems=tuple(filing.problems or ()),
                last_reply=f"{last[0]} ({last[1]})" if last else None,
                late="late" in (filing.problems or ()),
            )
        )
    return tuple(rows)


def _activity(db: Session, office: str, start: datetime, end: datetime) -> tuple[ActivityRow, ...]:
    rows: list[ActivityRow] = []
    for message, reference in db.execute(
        select(Message, Filing.reference)
        .options(*without_encrypted(Message))
        .outerjoin(Filing, Message.filing_id == Filing.id)
        .where(Message.office == office, Message.stored_at >= start, Message.stored_at < end)
        .order_by(Message.id)
    ):
        if message.nature == "ignored":
            what = f"忽略（{message.ignored_reason or '非备案邮件'}）"
        elif message.state == MessageState.QUARANTINED.value:
            what = "无法处理，已隔离"
        elif message.nature == "uncertain":
            what = "待人工判断"
        else:
            what = "收到材料" if message.nature == "filing" else "收到咨询"
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
                OUTBOX_WORDS.get(mail.state, "回复 {kind}").format(kind=mail.kind),
                mail.recipient,
            )
        )
    return tuple(sorted(rows, key=lambda r: r.at))


def attention_rows(db: Session, office: str) -> tuple[AttentionRow, ...]:
    """What waits for a person at this office: quarantined mail, uncertain counties, failed or
    held sending, replies waiting for tomorrow, a mailbox that cannot be read."""
    rows: list[AttentionRow] = []
    for message in db.execute(
        select(Message)
        .options(*without_encrypted(Message))
        .where(Message.office == office, Message.state == MessageState.QUARANTINED.value)
    ).scalars():
        rows.append(
            AttentionRow(
                "quarantined",
                None,
                f"邮件 #{message.id}（{message.from_addr or '-'}）：{message.last_error or ''}",
            )
        )
    for filing in db.execute(
        select(Filing).options(*without_encrypted(Filing)).where(Filing.office == office)
    ).scalars():
        for problem in filing.problems or []:
            if problem.startswith(ATTENTION_PROBLEMS):
                kind = (
                    "mismatch"
                    if problem.startswith("mismatch:")
                    else problem.split(":")[0].replace("uncertain", "uncertain_county")
                )
                rows.append(AttentionRow(kind, filing.reference, problem_phrase(problem)))
        if filing.status == "unreadable":
            rows.append(AttentionRow("unreadable", filing.reference, "附件无法读取"))
    for mail, reference in db.execute(
        select(OutboxMail, Filing.reference)
        .outerjoin(Filing, OutboxMail.filing_id == Filing.id)
        .where(
            OutboxMail.office == office,
            OutboxMail.state.in_([OutboxState.FAILED.value, OutboxState.SUPPRESSED.value]),
        )
    ):
        rows.append(
            AttentionRow(
                "failed_send",
                reference,
                f"{mail.recipient}: {mail.state} — {mail.last_error or ''}",
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
        rows.append(AttentionRow("failed_send", None, state.reason or "发信暂停"))
    rows.extend(_poll_failures(db, office))
    return tuple(rows)


def _poll_failures(db: Session, office: str) -> list[AttentionRow]:
    """The mailbox's last poll when it failed (wrong code, unreachable, disk full …): until a
    poll succeeds again no new mail of this office is read, so a person must look."""
    poll = db.execute(
        select(PollState).where(
            PollState.office == office,
            PollState.folder == "*",
            PollState.last_result == PollResult.FAILED.value,
        )
    ).scalar_one_or_none()
    if poll is None:
        return []
    when = poll.last_finished_at.astimezone(SHANGHAI) if poll.last_finished_at else None
    detail = (
        f"收信失败（连续 {poll.consecutive_failures or 1} 次"
        + (f"，最近一次 {when:%Y-%m-%d %H:%M}" if when else "")
        + f"）：{poll.last_error or ''}"
    )
    return [AttentionRow("收信失败", None, detail)]


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
    out = []
    for office in settings.offices:
        received = db.execute(
            select(func.count())
            .select_from(Message)
            .where(
                Message.office == office.code, Message.stored_at >= start, Message.stored_at < end
            )
        ).scalar_one()
        statuses = dict(
            db.execute(
                select(Filing.status, func.count())
                .where(Filing.office == office.code)
                .group_by(Filing.status)
            ).all()
        )
        transferred = db.execute(
            select(func.count())
            .select_from(Filing)
            .where(Filing.received_by == office.code, Filing.office != office.code)
        ).scalar_one()
        out.append(
            (
                office,
                {
                    "received": int(received),
                    "complete": int(statuses.get("complete", 0)),
                    "incomplete": int(statuses.get("incomplete", 0))
                    + int(statuses.get("unreadable", 0)),
                    "transferred": int(transferred),
                    "attention": len(attention_rows(db, office.code)),
                },
            )
        )
    return tuple(out)


def make_digest(
    settings: Settings,
    store: Store,
    files: FileStore,
    office: OfficeSettings,
    day: date,
    now: datetime,
    *,
    force: bool = False,
) -> DigestMade | None:
    """Write one office's digest for `day` and queue it; None when it was made already (by this
    process or another one racing it)."""
    start, end = activity_window(day, settings.schedule.digest_at)
    try:
        with store.session() as db:
            if not _claim(db, office.code, day, now, force):
                return None
            data = DigestInput(
                office=office,
                day=day,
                registry=_registry(db, office.code),
                activity=_activity(db, office.code, start, end),
                attention=attention_rows(db, office.code)
                + _limit_hits(db, office.code, start, end),
                rollup=_rollup(db, settings, start, end) if office.code == CITY_OFFICE else (),
                mask_ids_in_xlsx=settings.sending.mask_ids_in_xlsx,
                activity_since=start,
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


def _write_files(
    files: FileStore, office: str, day: date, html: str, xlsx: bytes
) -> tuple[Path, Path]:
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
    db: Session, files: FileStore, office: OfficeSettings, built: DigestFiles, now: datetime
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
    files: FileStore,
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
