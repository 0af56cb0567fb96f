"""The clock adapter: the one place that reads the time, so tests can hand in another."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    """Now, as an aware UTC datetime."""
    return datetime.now(UTC)


def local_text(moment: datetime | None, zone: ZoneInfo = SHANGHAI) -> str:
    """A moment as a person in Xingtai reads it: ``2020-05-10 14:03``, or ``-`` for none."""
    if moment is None:
        return "-"
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M")
