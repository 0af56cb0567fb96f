"""`intake status`: per office, the last poll and what the store holds."""

from __future__ import annotations

import argparse
import json
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from intake.commands.arguments import EXIT_OK, Subparsers, settings_of
from intake.settings import Settings

if TYPE_CHECKING:
    from intake.store.database import Store
    from intake.store.tables import SendState


@dataclass(frozen=True)
class OfficeStatus:
    """One row of `intake status`."""

    office: str
    name: str
    enabled: bool
    last_poll: str
    last_result: str
    last_error: str | None
    stored: int
    waiting: int
    quarantined: int
    quarantined_mail: tuple[str, ...] = ()
    sending: str = "ok"


@dataclass(frozen=True)
class StatusReport:
    """What `intake status` shows: one row per configured office."""

    rows: tuple[OfficeStatus, ...]

    def text(self) -> str:
        return as_table(list(self.rows))

    def to_json(self) -> list[dict[str, object]]:
        return as_json(list(self.rows))


def add_parser(sub: Subparsers, common: argparse.ArgumentParser) -> None:
    """The `status` subcommand."""
    status = sub.add_parser(
        "status", parents=[common], help="per office: last poll, stored, waiting, quarantined"
    )
    status.add_argument("--json", action="store_true")
    status.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    """Print the status of every office (the reading is recorded in the audit log)."""
    from intake.privacy import audit
    from intake.runtime.service import open_deployment

    settings = settings_of(args)
    deployment = open_deployment(settings, mailboxes=False, actor=audit.os_user())
    try:
        now = deployment.clock()
        report = StatusReport(tuple(office_statuses(settings, deployment.store, now)))
        audit.record_now(
            deployment.store, now, "status", f"{len(report.rows)} offices shown", audit.os_user()
        )
    finally:
        deployment.close()
    print(
        json.dumps(report.to_json(), ensure_ascii=False, indent=1) if args.json else report.text()
    )
    return EXIT_OK


def office_statuses(settings: Settings, store: Store, now: datetime) -> list[OfficeStatus]:
    """The status of every configured office at `now`."""
    from sqlalchemy import Text, func, select, type_coerce

    from intake.runtime.clock import local_text
    from intake.runtime.logs import mask_id_numbers
    from intake.store.tables import Message, MessageState, PollState, SendState

    waiting_states = (MessageState.STORED, MessageState.READ, MessageState.PARSED)
    with store.session() as db:
        polls = {
            p.office: p
            for p in db.execute(select(PollState).where(PollState.folder == "*")).scalars()
        }
        counts: dict[tuple[str, str], int] = {
            (office, state): int(n)
            for office, state, n in db.execute(
                select(Message.office, Message.state, func.count()).group_by(
                    Message.office, Message.state
                )
            )
        }
        holds = {
            h.office: h
            for h in db.execute(select(SendState)).scalars()
            if h.login_broken or (h.hold_until is not None and h.hold_until > now)
        }
        parked: dict[str, list[str]] = {}
        for office_code, pk, stored_subject, error in db.execute(
            select(
                Message.office,
                Message.id,
                type_coerce(Message.subject, Text),  # decrypted below, one at a time
                Message.last_error,
            )
            .where(Message.state == MessageState.QUARANTINED.value)
            .order_by(Message.id)
        ):
            subject = _subject_text(store, stored_subject)
            parked.setdefault(office_code, []).append(
                f"#{pk} {mask_id_numbers(subject or '(no subject)')}: {error}"
            )
    rows = []
    for office in settings.offices:
        poll = polls.get(office.code)
        by_state = {state: n for (code, state), n in counts.items() if code == office.code}
        rows.append(
            OfficeStatus(
                office=office.code,
                name=office.name,
                enabled=office.enabled,
                last_poll=local_text(poll.last_finished_at) if poll else "never",
                last_result=(poll.last_result or "-") if poll else "-",
                last_error=poll.last_error if poll else None,
                stored=sum(by_state.values()),
                waiting=sum(by_state.get(s.value, 0) for s in waiting_states),
                quarantined=by_state.get(MessageState.QUARANTINED.value, 0),
                quarantined_mail=tuple(parked.get(office.code, ())),
                sending=_sending_text(holds.get(office.code)),
            )
        )
    return rows


def _subject_text(store: Store, stored: str | None) -> str | None:
    """A quarantined mail's subject; one that does not decrypt is named, not fatal to the rest."""
    from intake.privacy import crypto

    if stored is None or crypto.value_key_id(stored) is None:
        return stored
    try:
        return store.keyring.decrypt_value(stored, "messages.subject").decode("utf-8")
    except crypto.DecryptionError:
        return "(subject unreadable: it does not decrypt)"


def _sending_text(hold: SendState | None) -> str:
    from intake.runtime.clock import local_text

    if hold is None:
        return "ok"
    prefix = "login broken: " if hold.login_broken else "held: "
    return prefix + (hold.reason or f"until {local_text(hold.hold_until)}")


def as_json(rows: list[OfficeStatus]) -> list[dict[str, object]]:
    """The `--json` form."""
    return [asdict(r) for r in rows]


def as_table(rows: list[OfficeStatus]) -> str:
    """The human form: one line per office, then the errors in full."""
    lines = [
        f"{'office':<7} {'last poll (Asia/Shanghai)':<26} {'result':<8} {'stored':>6} {'waiting':>7} {'quarantined':>11}"
    ]
    for r in rows:
        name = r.office + ("" if r.enabled else " (disabled)")
        lines.append(
            f"{name:<7} {r.last_poll:<26} {r.last_result:<8} {r.stored:>6} {r.waiting:>7} {r.quarantined:>11}"
        )
    errors = [f"  {r.office} {r.name}: {r.last_error}" for r in rows if r.last_error]
    if errors:
        lines += ["", "last errors:", *errors]
    held = [f"  {r.office} {r.name}: {r.sending}" for r in rows if r.sending != "ok"]
    if held:
        lines += ["", "sending held (replies wait in the outbox):", *held]
    parked = [f"  {r.office}: {line}" for r in rows for line in r.quarantined_mail]
    if parked:
        lines += ["", "quarantined mail (kept, not retried; needs a person):", *parked]
    return "\n".join(lines)
