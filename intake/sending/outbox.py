"""Draining the outbox: each queued reply or digest sent once, from its office's own mailbox.

Rules, in the order they are applied to each queued mail:

* A mail left `sending` by an interrupted run is settled first: if its Message-ID is in the
  office's sent folder it counts as sent; if the folder was read and it is not there, it is sent
  again (SMTP gives no way to ask whether an earlier attempt went through, so the window for a
  duplicate is the moment between the server's 250 and our commit). If the sent folder cannot
  be read (IMAP down, search failed), the mail stays `sending` and waits for a drain that can
  read it: unknown means wait, never send.
* Nothing goes to an address that hard-bounced in the last `bounce_days`, and no address gets
  more than `replies_per_address_per_day` automatic replies per day (Asia/Shanghai); such mail is
  `suppressed`, with the reason, and shows in the digest.
* No office sends more than `replies_per_office_per_day` automatic replies a day: past it the
  rest wait, queued, until tomorrow (they are legitimate answers, unlike a flood from one
  address); digests still go, and the digest says how many replies wait.
* NetEase's coded answers: `451 MI:SFQ` holds the office 15 minutes; the daily limit
  (`550 RP:TRC`, `554 MI:STC`) holds it until tomorrow; `535` marks its login broken (held an
  hour, shown to the admin); other 5xx fail that mail; 4xx and dropped connections retry with
  backoff, up to `max_attempts`.
* Just before a mail is handed to SMTP its bytes are checked once more
  (`notifications.compose.outgoing_refusal`): from the office's own mailbox, to the row's one
  recipient, no other addressee, no file attached; a mail that fails is `failed`, never sent.
* After a send, a copy goes to the office's sent folder (as mail clients do), unless the server
  already put one there.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from pathlib import Path
from typing import Protocol

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from intake.errors import IntakeError
from intake.mailbox.base import MailboxAdapter
from intake.runtime.clock import SHANGHAI
from intake.settings import OfficeSettings, SendingSettings
from intake.store.database import Store
from intake.store.files_interface import Files
from intake.store.tables import OutboxMail, OutboxState, SendState, Suppression
from notifications.compose import outgoing_refusal
from notifications.smtp import SendOutcome, SendResult
from routing.addresses import mailbox_identity
from vocabulary.offices import OFFICES

log = logging.getLogger(__name__)
OUTBOX_KIND = "out"
BACK_OFF = timedelta(minutes=15)
LOGIN_HOLD = timedelta(hours=1)
OFFICE_CAP_NOTE = "the office's daily cap of automatic replies reached"


def enqueue(
    db: Session,
    files: Files,
    *,
    office: str,
    kind: str,
    recipient: str,
    message_id: str,
    raw: bytes,
    subject: str,
    now: datetime,
    filing_id: int | None = None,
    message_pk: int | None = None,
) -> OutboxMail:
    """Put a composed mail in the outbox (its bytes in the files folder), in `db`'s transaction."""
    raw_sha, _ = files.put(OUTBOX_KIND, raw, ".eml")
    row = OutboxMail(
        office=office,
        filing_id=filing_id,
        message_pk=message_pk,
        kind=kind,
        recipient=recipient,
        message_id=message_id,
        raw_sha256=raw_sha,
        state=OutboxState.QUEUED.value,
        attempts=0,
        created_at=now,
        subject=subject,
    )
    db.add(row)
    return row


class Transport(Protocol):
    """Hands one mail to one recipient (SMTP, or a folder for the demo)."""

    def send(self, envelope_from: str, recipient: str, raw: bytes) -> SendResult: ...

    def close(self) -> None: ...


class FolderTransport:
    """Writes each mail as an .eml file into a folder instead of sending it (the demo)."""

    paced = False

    def __init__(self, folder: Path) -> None:
        self.folder = folder

    def send(self, envelope_from: str, recipient: str, raw: bytes) -> SendResult:
        self.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        index = len(list(self.folder.glob("*.eml"))) + 1
        safe = "".join(c if c.isalnum() or c in "@._-" else "_" for c in recipient)
        (self.folder / f"{index:03d}-to-{safe}.eml").write_bytes(raw)
        return SendResult(SendOutcome.SENT, 250, "written to folder")

    def close(self) -> None:
        pass


class SentCopy(StrEnum):
    """What the sent folder says of a send that was cut off."""

    FOUND = "found"
    ABSENT = "absent"
    UNKNOWN = "unknown"


@dataclass
class SendReport:
    """What one drain of the outbox did."""

    sent: int = 0
    settled: int = 0
    suppressed: int = 0
    failed: int = 0
    retrying: int = 0
    deferred: int = 0
    unsettled: int = 0
    held_offices: list[str] = field(default_factory=list)
    skipped: str | None = None


def next_midnight(now: datetime) -> datetime:
    """The start of tomorrow in Asia/Shanghai."""
    local = now.astimezone(SHANGHAI)
    return (local + timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)


def day_start(now: datetime) -> datetime:
    """The start of today in Asia/Shanghai."""
    return now.astimezone(SHANGHAI).replace(hour=0, minute=0, second=0, microsecond=0)


@dataclass
class Outbox:
    """The outbox of one deployment and the adapters it sends through."""

    store: Store
    files: Files
    mailboxes: MailboxAdapter
    settings: SendingSettings
    clock: Callable[[], datetime]
    sleep: Callable[[float], None] = time.sleep
    _office_mailboxes: frozenset[str] = field(
        default_factory=lambda: frozenset(mailbox_identity(o.mailbox) for o in OFFICES)
    )

    def drain(
        self,
        offices: tuple[OfficeSettings, ...],
        transport_for: Callable[[OfficeSettings], Transport],
        should_stop: Callable[[], bool] = lambda: False,
        *,
        every_office: tuple[OfficeSettings, ...] = (),
    ) -> SendReport:
        """Send every due mail of `offices`; never raises for mail-server trouble. No automatic
        reply goes to an office's mailbox: those of `offices`, of `every_office` (the whole
        deployment's, when one office is drained alone) and the notice's."""
        report = SendReport()
        configured = (*offices, *every_office)
        mailboxes = [o.mailbox for o in OFFICES] + [o.mailbox for o in configured]
        self._office_mailboxes = frozenset(mailbox_identity(m) for m in mailboxes if m)
        for office in offices:
            if should_stop():
                break
            if self._held(office.code):
                report.held_offices.append(office.code)
                continue
            ids = self._due(office.code)
            if not ids:
                continue
            transport = transport_for(office)
            try:
                self._drain_office(office, ids, transport, report, should_stop)
            finally:
                transport.close()
        return report

    def _held(self, office: str) -> bool:
        with self.store.session() as db:
            state = db.execute(
                select(SendState).where(SendState.office == office)
            ).scalar_one_or_none()
            return bool(state and state.hold_until and state.hold_until > self.clock())

    def _due(self, office: str) -> list[int]:
        now = self.clock()
        with self.store.session() as db:
            rows = db.execute(
                select(OutboxMail.id, OutboxMail.not_before)
                .where(
                    OutboxMail.office == office,
                    OutboxMail.state.in_([OutboxState.QUEUED.value, OutboxState.SENDING.value]),
                )
                .order_by(OutboxMail.id)
            ).all()
        return [int(i) for i, not_before in rows if not_before is None or not_before <= now]

    def _drain_office(
        self,
        office: OfficeSettings,
        ids: list[int],
        transport: Transport,
        report: SendReport,
        should_stop: Callable[[], bool],
    ) -> None:
        first = True
        replies_today = self._replies_sent_today(office.code)
        cap = self.settings.replies_per_office_per_day
        for outbox_id in ids:
            if should_stop():
                return
            with self.store.session() as db:
                row = db.get(OutboxMail, outbox_id)
                assert row is not None
                interrupted = row.state == OutboxState.SENDING.value
                message_id, recipient, kind = row.message_id, row.recipient, row.kind
            copy = self._sent_copy(office, message_id) if interrupted else SentCopy.ABSENT
            if copy is SentCopy.UNKNOWN:
                report.unsettled += 1
                continue
            if copy is SentCopy.FOUND:
                self._finish(
                    outbox_id,
                    OutboxState.SENT,
                    "found in the sent folder after an interrupted send",
                )
                report.settled += 1
                replies_today += kind != "digest"
                continue
            reason = self._suppressed_reason(recipient, kind)
            if reason:
                self._finish(outbox_id, OutboxState.SUPPRESSED, reason)
                report.suppressed += 1
                continue
            if kind != "digest" and replies_today >= cap:
                self._defer_to_tomorrow(outbox_id)
                report.deferred += 1
                continue
            if (
                not first
                and self.settings.seconds_between_sends
                and getattr(transport, "paced", True)
            ):
                self.sleep(self.settings.seconds_between_sends)
            first = False
            with self.store.session() as db:
                row = db.get(OutboxMail, outbox_id)
                assert row is not None
                row.state = OutboxState.SENDING.value
                row.attempts = (row.attempts or 0) + 1
                raw_sha = row.raw_sha256
            raw = self.files.read(OUTBOX_KIND, raw_sha, ".eml")
            refusal = outgoing_refusal(raw, office.mailbox, recipient, digest=kind == "digest")
            if refusal is not None:
                log.error("outbox mail %s not sent: %s", outbox_id, refusal)
                self._finish(outbox_id, OutboxState.FAILED, f"refused before sending: {refusal}")
                report.failed += 1
                continue
            result = transport.send(office.mailbox, recipient, raw)
            if not self._handle(office, outbox_id, result, report):
                return
            if result.outcome is SendOutcome.SENT:
                replies_today += kind != "digest"
                self._copy_to_sent(office, outbox_id, message_id, raw)

    def _handle(
        self, office: OfficeSettings, outbox_id: int, result: SendResult, report: SendReport
    ) -> bool:
        """Record a send's result; False when the office must stop sending for now."""
        now = self.clock()
        outcome = result.outcome
        detail = f"{result.code or ''} {result.detail}".strip()
        if outcome is SendOutcome.SENT:
            self._finish(outbox_id, OutboxState.SENT, None)
            self._note_office(office.code, None, None, sent=True)
            report.sent += 1
            return True
        if outcome is SendOutcome.REJECTED:
            self._finish(outbox_id, OutboxState.FAILED, f"refused by the server: {detail}")
            report.failed += 1
            return True
        hold = {
            SendOutcome.BACK_OFF: (
                now + BACK_OFF,
                f"too many mails in 15 minutes ({detail}); sending resumes at",
            ),
            SendOutcome.STOP_TODAY: (
                next_midnight(now),
                f"daily sending limit reached ({detail}); sending resumes at",
            ),
            SendOutcome.LOGIN_BROKEN: (
                now + LOGIN_HOLD,
                f"SMTP login refused: wrong authorization code? ({detail}); retried at",
            ),
        }.get(outcome)
        with self.store.session() as db:
            row = db.get(OutboxMail, outbox_id)
            assert row is not None
            row.state = OutboxState.QUEUED.value
            row.last_error = detail
            if hold is None:
                if row.attempts >= self.settings.max_attempts:
                    row.state = OutboxState.FAILED.value
                    row.last_error = f"gave up after {row.attempts} attempts: {detail}"
                    report.failed += 1
                else:
                    row.not_before = now + timedelta(minutes=min(2 ** (row.attempts or 1), 60))
                    report.retrying += 1
        if hold is not None:
            until, why = hold
            self._note_office(
                office.code,
                until,
                f"{why} {until.astimezone(SHANGHAI):%Y-%m-%d %H:%M}",
                login_broken=outcome is SendOutcome.LOGIN_BROKEN,
            )
            report.held_offices.append(office.code)
            log.warning("sending from %s held: %s", office.code, why)
            return False
        return True

    def _note_office(
        self,
        office: str,
        until: datetime | None,
        reason: str | None,
        *,
        sent: bool = False,
        login_broken: bool = False,
    ) -> None:
        with self.store.session() as db:
            state = db.execute(
                select(SendState).where(SendState.office == office)
            ).scalar_one_or_none()
            if state is None:
                state = SendState(office=office, login_broken=False)
                db.add(state)
            if sent:
                state.last_sent_at = self.clock()
                state.login_broken = False
                if state.hold_until and state.hold_until <= self.clock():
                    state.hold_until, state.reason = None, None
                return
            state.hold_until = until
            state.reason = reason
            state.login_broken = login_broken

    def _finish(self, outbox_id: int, state: OutboxState, reason: str | None) -> None:
        with self.store.session() as db:
            row = db.get(OutboxMail, outbox_id)
            assert row is not None
            row.state = state.value
            row.last_error = reason
            if state is OutboxState.SENT:
                row.sent_at = self.clock()

    def _replies_sent_today(self, office: str) -> int:
        """Automatic replies (not digests) the office sent today; counted once per drain, then
        kept up to date as the drain sends."""
        with self.store.session() as db:
            today = db.execute(
                select(func.count())
                .select_from(OutboxMail)
                .where(
                    OutboxMail.office == office,
                    OutboxMail.kind != "digest",
                    OutboxMail.state == OutboxState.SENT.value,
                    OutboxMail.sent_at >= day_start(self.clock()),
                )
            ).scalar_one()
        return int(today)

    def _defer_to_tomorrow(self, outbox_id: int) -> None:
        cap = self.settings.replies_per_office_per_day
        with self.store.session() as db:
            row = db.get(OutboxMail, outbox_id)
            assert row is not None
            row.not_before = next_midnight(self.clock())
            row.last_error = f"{OFFICE_CAP_NOTE} ({cap}); sent tomorrow"

    def _suppressed_reason(self, recipient: str, kind: str) -> str | None:
        now = self.clock()
        with self.store.session() as db:
            bounced = db.execute(
                select(Suppression.since).where(Suppression.address == recipient.lower())
            ).scalar_one_or_none()
            if bounced is not None and bounced > now - timedelta(days=self.settings.bounce_days):
                return f"address hard-bounced on {bounced.astimezone(SHANGHAI):%Y-%m-%d}; nothing is sent to it for {self.settings.bounce_days} days"
            if kind == "digest":
                return None
            if mailbox_identity(recipient) in self._office_mailboxes:
                return "an office mailbox gets no automatic reply; a person answers it"
            identity = mailbox_identity(recipient)
            sent_today = db.execute(
                select(OutboxMail.recipient).where(
                    OutboxMail.kind != "digest",
                    OutboxMail.state == OutboxState.SENT.value,
                    OutboxMail.sent_at >= day_start(now),
                )
            ).scalars()
            today = sum(1 for sent in sent_today if mailbox_identity(sent) == identity)
            cap = self.settings.replies_per_address_per_day
            if int(today) >= cap:
                return f"daily cap of {cap} automatic replies to this address reached"
        return None

    def _sent_copy(self, office: OfficeSettings, message_id: str) -> SentCopy:
        """Whether an interrupted send reached the office's sent folder, as far as can be known.

        A mailbox with no sent folder at all can never answer, so its mail counts as absent and
        is sent again (the README's condition for exactly-once); a folder that exists but cannot
        be read now is `UNKNOWN`, and the mail waits.
        """
        try:
            session = self.mailboxes.open(office.code)
        except IntakeError as exc:
            log.warning(
                "cannot check the sent folder of %s, send settled later: %s", office.code, exc
            )
            return SentCopy.UNKNOWN
        try:
            folder = session.sent_folder()
            if folder is None:
                return SentCopy.ABSENT
            found = session.contains_message_id(folder, message_id)
            return SentCopy.FOUND if found else SentCopy.ABSENT
        except IntakeError as exc:
            log.warning(
                "cannot search the sent folder of %s, send settled later: %s", office.code, exc
            )
            return SentCopy.UNKNOWN
        finally:
            session.close()

    def _copy_to_sent(
        self, office: OfficeSettings, outbox_id: int, message_id: str, raw: bytes
    ) -> None:
        try:
            session = self.mailboxes.open(office.code)
        except IntakeError as exc:
            log.warning("sent copy for %s not stored: %s", office.code, exc)
            return
        try:
            folder = session.sent_folder()
            if folder is None:
                return
            if not session.contains_message_id(folder, message_id):
                session.append(folder, raw)
            with self.store.session() as db:
                row = db.get(OutboxMail, outbox_id)
                if row is not None:
                    row.appended = True
        except IntakeError as exc:
            log.warning("sent copy for %s not stored: %s", office.code, exc)
        finally:
            session.close()
