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
import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from intake.commands.arguments import EXIT_OK, Subparsers, examples, settings_of
from intake.settings import Settings

if TYPE_CHECKING:
    from intake.privacy import crypto
    from intake.store.database import Store


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


@dataclass(frozen=True)
class StatusReport:
    """What `intake status` shows: one row per configured office."""

    rows: tuple[OfficeStatus, ...]

    def text(self) -> str:
        return as_table(list(self.rows))

    def to_json(self) -> list[dict[str, object]]:
        return as_json(list(self.rows))


@dataclass(frozen=True)
class PollSeen:
    """The last poll of one office, as the store has it."""

    finished_at: datetime | None
    result: str | None
    error: str | None
    failures_in_a_row: int = 0


@dataclass(frozen=True)
class SendingHold:
    """Sending of one office held until a time, or its login broken."""

    hold_until: datetime | None
    reason: str | None
    login_broken: bool


@dataclass(frozen=True)
class StoreSnapshot:
    """What `intake status` reads from the store (by SQLAlchemy, or straight from SQLite)."""

    polls: dict[str, PollSeen]
    counts: dict[tuple[str, str], int]
    """(office, message state) → how many messages."""
    holds: dict[str, SendingHold]
    parked: dict[str, list[str]]
    """office → its quarantined mail, one line each, ID numbers masked."""


def add_parser(sub: Subparsers, common: argparse.ArgumentParser) -> None:
    """The `status` subcommand."""
    status = sub.add_parser(
        "status",
        parents=[common],
        help="per office: last poll, stored, waiting, quarantined",
        description="Per office: the last poll, what the store holds, held sending and "
        "quarantined mail. Reading the status is not recorded in the audit log.",
        **examples("intake status", "intake status --config /etc/intake/intake.toml --json"),
    )
    status.add_argument("--json", action="store_true", help="print JSON (one object per office)")
    status.add_argument(
        "--failed-polls",
        type=_positive,
        default=DEFAULT_FAILED_POLLS,
        metavar="N",
        help=f"exit {EXIT_MAILBOX_FAILING} when a mailbox has failed N polls in a row "
        f"(default {DEFAULT_FAILED_POLLS}); exit {EXIT_SENDING_HELD} when sending is held",
    )
    status.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    """Print the status of every office (straight from an SQLite store when it can be read so:
    a quick look should take no longer than typing it)."""
    from intake.commands import status_sqlite
    from intake.runtime.clock import system_clock

    settings = settings_of(args)
    now = system_clock()
    snapshot = status_sqlite.snapshot(settings, os.environ, now)
    if snapshot is None:  # not SQLite, or not as this version left it: the full way
        from intake.privacy import audit
        from intake.runtime.service import open_deployment

        deployment = open_deployment(settings, mailboxes=False, actor=audit.os_user())
        try:
            now = deployment.clock()
            snapshot = store_snapshot(deployment.store)
        finally:
            deployment.close()
    report = StatusReport(tuple(statuses_of(settings, snapshot, now)))
    print(
        json.dumps(report.to_json(), ensure_ascii=False, indent=1) if args.json else report.text()
    )
    health = health_of(report.rows, failed_polls_in_a_row(snapshot), args.failed_polls)
    reason = health.reason()
    if reason is not None:
        print(f"intake: {reason}", file=sys.stderr)
    return health.exit_status


def failed_polls_in_a_row(snapshot: StoreSnapshot) -> dict[str, int]:
    """Per office whose last poll failed: how many polls in a row have failed."""
    return {
        office: max(poll.failures_in_a_row, 1)
        for office, poll in snapshot.polls.items()
        if poll.result == "failed"
    }


def subject_text(keyring: crypto.Keyring, stored: str | None) -> str | None:
    """A quarantined mail's subject; one that does not decrypt is named, not fatal to the rest."""
    from intake.privacy import crypto

    if stored is None or crypto.value_key_id(stored) is None:
        return stored
    try:
        return keyring.decrypt_value(stored, "messages.subject").decode("utf-8")
    except crypto.DecryptionError:
        return "(subject unreadable: it does not decrypt)"


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be 1 or more, not {value}")
    return value


WAITING_STATES = ("stored", "read", "parsed")
"""The message states of mail still on its way through the pipeline."""


def quarantined_line(pk: int, subject: str | None, error: str | None) -> str:
    """One quarantined mail as `intake status` lists it (ID numbers in the subject masked)."""
    from intake.runtime.logs import mask_id_numbers

    return f"#{pk} {mask_id_numbers(subject or '(no subject)')}: {error}"


def store_snapshot(store: Store) -> StoreSnapshot:
    """What `intake status` shows, read through the store (any database)."""
    from sqlalchemy import Text, func, select, type_coerce

    from intake.store.tables import Message, MessageState, PollState, SendState

    with store.session() as db:
        polls = {
            p.office: PollSeen(
                p.last_finished_at, p.last_result, p.last_error, p.consecutive_failures or 0
            )
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
            h.office: SendingHold(h.hold_until, h.reason, bool(h.login_broken))
            for h in db.execute(select(SendState)).scalars()
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
            subject = subject_text(store.keyring, stored_subject)
            parked.setdefault(office_code, []).append(quarantined_line(pk, subject, error))
    return StoreSnapshot(polls, counts, holds, parked)


def office_statuses(settings: Settings, store: Store, now: datetime) -> list[OfficeStatus]:
    """The status of every configured office at `now`, read through `store`."""
    return statuses_of(settings, store_snapshot(store), now)


def statuses_of(settings: Settings, snapshot: StoreSnapshot, now: datetime) -> list[OfficeStatus]:
    """The status of every configured office at `now`, from what the store holds."""
    from intake.runtime.clock import local_text

    rows = []
    for office in settings.offices:
        poll = snapshot.polls.get(office.code)
        by_state = {state: n for (code, state), n in snapshot.counts.items() if code == office.code}
        hold = snapshot.holds.get(office.code)
        if hold is not None and not (
            hold.login_broken or (hold.hold_until is not None and hold.hold_until > now)
        ):
            hold = None
        rows.append(
            OfficeStatus(
                office=office.code,
                name=office.name,
                enabled=office.enabled,
                last_poll=local_text(poll.finished_at) if poll else "never",
                last_result=(poll.result or "-") if poll else "-",
                last_error=poll.error if poll else None,
                stored=sum(by_state.values()),
                waiting=sum(by_state.get(s, 0) for s in WAITING_STATES),
                quarantined=by_state.get("quarantined", 0),
                quarantined_mail=tuple(snapshot.parked.get(office.code, ())),
                sending=_sending_text(hold),
            )
        )
    return rows


def _sending_text(hold: SendingHold | None) -> str:
    from intake.runtime.clock import local_text

    if hold is None:
        return "ok"
    prefix = "login broken: " if hold.login_broken else "held: "
    return prefix + (hold.reason or f"until {local_text(hold.hold_until)}")


def as_json(rows: list[OfficeStatus]) -> list[dict[str, object]]:
    """The `--json` form."""
    return [asdict(r) for r in rows]


NAME_SUFFIXES = ("互联网信息办公室", "综合办公室")
"""What every office's name ends with, left out of the table's name column."""

NAME_WIDTH = 16
"""Terminal columns of the table's name column."""


def short_name(name: str) -> str:
    """An office's name without the words every name ends with (邢台市互联网信息办公室 → 邢台市)."""
    for suffix in NAME_SUFFIXES:
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)]
    return name


def display_width(text: str) -> int:
    """Terminal columns `text` takes: Chinese characters take two."""
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def padded(text: str, width: int) -> str:
    """`text` padded with spaces to `width` terminal columns."""
    return text + " " * max(0, width - display_width(text))


def as_table(rows: list[OfficeStatus]) -> str:
    """The human form: one line per office, then the errors in full."""
    lines = [
        f"{'office':<7} {padded('name', NAME_WIDTH)} {'last poll (Asia/Shanghai)':<26} {'result':<8} {'stored':>6} {'waiting':>7} {'quarantined':>11}"
    ]
    for r in rows:
        name = short_name(r.name) + ("" if r.enabled else " (disabled)")
        lines.append(
            f"{r.office:<7} {padded(name, NAME_WIDTH)} {r.last_poll:<26} {r.last_result:<8} {r.stored:>6} {r.waiting:>7} {r.quarantined:>11}"
        )
    from notifications.wording import poll_failure_words

    errors = [
        f"  {r.office} {r.name}: {r.last_error}\n    {poll_failure_words(r.last_error)}"
        for r in rows
        if r.last_error
    ]
    if errors:
        lines += ["", "last errors:", *errors]
    held = [f"  {r.office} {r.name}: {r.sending}" for r in rows if r.sending != "ok"]
    if held:
        lines += ["", "sending held (replies wait in the outbox):", *held]
    parked = [f"  {r.office}: {line}" for r in rows for line in r.quarantined_mail]
    if parked:
        lines += ["", "quarantined mail (kept, not retried; needs a person):", *parked]
    return "\n".join(lines)
