"""`intake status`: per office, the last poll and what the store holds; its exit status says
whether the deployment is healthy, for a monitor.

Exit statuses: 0 healthy; `EXIT_MAILBOX_FAILING` (3) when an enabled office's mailbox has
failed its last `--failed-polls` polls (default 3) or more in a row; `EXIT_SENDING_HELD` (4)
when no mailbox is failing but an enabled office's sending is held or its login broken (replies
wait in the outbox); 1 when the status could not be read at all (config, keys, database).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping, Sequence
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


EXIT_MAILBOX_FAILING = 3
EXIT_SENDING_HELD = 4
DEFAULT_FAILED_POLLS = 3
"""How many failed polls in a row make a mailbox unhealthy (a single failure is often a
passing network fault, retried at the next poll)."""


@dataclass(frozen=True)
class Health:
    """What a monitor needs from `intake status`: the offices whose mailbox keeps failing and
    those whose sending is held."""

    failing: tuple[str, ...] = ()
    held: tuple[str, ...] = ()

    @property
    def exit_status(self) -> int:
        if self.failing:
            return EXIT_MAILBOX_FAILING
        if self.held:
            return EXIT_SENDING_HELD
        return EXIT_OK

    def reason(self) -> str | None:
        """One line for standard error, or None when healthy."""
        parts = []
        if self.failing:
            parts.append("mailbox failing: " + ", ".join(self.failing))
        if self.held:
            parts.append("sending held: " + ", ".join(self.held))
        return "; ".join(parts) or None


def health_of(
    rows: Sequence[OfficeStatus], failed_in_a_row: Mapping[str, int], threshold: int
) -> Health:
    """The health of the enabled offices: a mailbox is failing when its last `threshold` polls
    or more failed in a row; sending is held when the row says so."""
    enabled = [r for r in rows if r.enabled]
    return Health(
        failing=tuple(
            f"{r.office} ({failed_in_a_row[r.office]} polls in a row)"
            for r in enabled
            if failed_in_a_row.get(r.office, 0) >= threshold
        ),
        held=tuple(f"{r.office} ({r.sending})" for r in enabled if r.sending != "ok"),
    )


def failed_polls_in_a_row(store: Store) -> dict[str, int]:
    """Per office whose last poll failed: how many polls in a row have failed."""
    from sqlalchemy import select

    from intake.store.tables import PollResult, PollState

    with store.session() as db:
        return {
            office: int(n or 1)
            for office, n in db.execute(
                select(PollState.office, PollState.consecutive_failures).where(
                    PollState.folder == "*", PollState.last_result == PollResult.FAILED.value
                )
            )
        }


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
    status.add_argument(
        "--failed-polls",
        type=_positive,
        default=DEFAULT_FAILED_POLLS,
        metavar="N",
        help=f"exit {EXIT_MAILBOX_FAILING} when a mailbox has failed N polls in a row "
        f"(default {DEFAULT_FAILED_POLLS}); exit {EXIT_SENDING_HELD} when sending is held",
    )
    status.set_defaults(handler=handle)


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, not {value}")
    return value


def handle(args: argparse.Namespace) -> int:
    """Print the status of every office (the reading is recorded in the audit log); the exit
    status is the deployment's health (see the module's docstring)."""
    from intake.privacy import audit
    from intake.runtime.service import open_deployment

    settings = settings_of(args)
    deployment = open_deployment(settings, mailboxes=False, actor=audit.os_user())
    try:
        now = deployment.clock()
        report = StatusReport(tuple(office_statuses(settings, deployment.store, now)))
        health = health_of(report.rows, failed_polls_in_a_row(deployment.store), args.failed_polls)
        audit.record_now(
            deployment.store, now, "status", f"{len(report.rows)} offices shown", audit.os_user()
        )
    finally:
        deployment.close()
    print(
        json.dumps(report.to_json(), ensure_ascii=False, indent=1) if args.json else report.text()
    )
    reason = health.reason()
    if reason is not None:
        print(f"intake: {reason}", file=sys.stderr)
    return health.exit_status


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
