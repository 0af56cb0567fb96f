"""`intake status`'s exit status for monitors: which offices count as failing or held."""

from __future__ import annotations

from intake.commands.status import (
    EXIT_MAILBOX_FAILING,
    EXIT_SENDING_HELD,
    Health,
    OfficeStatus,
    health_of,
)


def row(office: str, *, enabled: bool = True, sending: str = "ok") -> OfficeStatus:
    return OfficeStatus(office, "办公室", enabled, "never", "-", None, 0, 0, 0, sending=sending)


def test_healthy_when_nothing_fails_long_enough() -> None:
    health = health_of([row("130582"), row("130502")], {"130582": 2}, threshold=3)
    assert health == Health() and health.exit_status == 0 and health.reason() is None


def test_a_mailbox_failing_n_polls_in_a_row_is_exit_3() -> None:
    health = health_of([row("130582"), row("130502")], {"130582": 3}, threshold=3)
    assert health.exit_status == EXIT_MAILBOX_FAILING == 3
    assert health.reason() == "mailbox failing: 130582 (3 polls in a row)"


def test_held_sending_is_exit_4_and_failing_mail_wins() -> None:
    held = row("130502", sending="login broken: 535 authentication failed")
    only_held = health_of([row("130582"), held], {}, threshold=1)
    assert only_held.exit_status == EXIT_SENDING_HELD == 4
    assert only_held.reason() == "sending held: 130502 (login broken: 535 authentication failed)"
    both = health_of([row("130582"), held], {"130582": 1}, threshold=1)
    assert both.exit_status == EXIT_MAILBOX_FAILING
    assert "; sending held: 130502" in (both.reason() or "")


def test_disabled_offices_do_not_count() -> None:
    rows = [row("130582", enabled=False, sending="held: until 12:00")]
    assert health_of(rows, {"130582": 9}, threshold=3).exit_status == 0
