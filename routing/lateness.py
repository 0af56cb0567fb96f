"""Whether a filing came in late.

The campaign (集中备案) ran 2020-05-08 to 2020-05-22. Anything received by the campaign's last
day is on time. After it, a new account is due within 15 days of opening and a change within
30 days of the change; an account opened before or during the campaign was due by the
campaign's end at the earliest. Late filings are marked, never refused. All dates are
Asia/Shanghai: `shanghai_date` turns a received time into the date a person there would see.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
from zoneinfo import ZoneInfo

from vocabulary.subjects import FilingType

CAMPAIGN_START = date(2020, 5, 8)
CAMPAIGN_END = date(2020, 5, 22)
NEW_ACCOUNT_DAYS = 15
CHANGE_DAYS = 30
SHANGHAI = "Asia/Shanghai"


class LatenessBasis(StrEnum):
    """Which rule the deadline came from."""

    CAMPAIGN = "campaign"
    NEW_ACCOUNT = "new_account"
    CHANGE = "change"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class Lateness:
    """Whether a filing is late, its deadline (when known) and by how many days it missed it."""

    late: bool
    deadline: date | None
    basis: LatenessBasis
    days_late: int = 0


def shanghai_date(moment: datetime | date) -> date:
    """The Asia/Shanghai calendar date of a moment; naive datetimes are taken as Shanghai time."""
    if not isinstance(moment, datetime):
        return moment
    if moment.tzinfo is None:
        return moment.date()
    return moment.astimezone(ZoneInfo(SHANGHAI)).date()


def _judge(received: date, deadline: date, basis: LatenessBasis) -> Lateness:
    days = (received - deadline).days
    return Lateness(days > 0, deadline, basis, max(days, 0))


def check_lateness(
    filing_type: FilingType,
    received: datetime | date,
    opened_on: date | None = None,
    changed_on: date | None = None,
) -> Lateness:
    """Judge a filing received at `received` for an account opened (or changed) on a date.

    Without the date the rule needs (no opening date for a new account, no change date for a
    change), a filing after the campaign cannot be judged and is not marked late.
    """
    received_on = shanghai_date(received)
    if received_on <= CAMPAIGN_END:
        return Lateness(False, CAMPAIGN_END, LatenessBasis.CAMPAIGN)
    if filing_type is FilingType.CHANGE:
        if changed_on is None:
            return Lateness(False, None, LatenessBasis.UNKNOWN)
        deadline = max(CAMPAIGN_END, changed_on + timedelta(days=CHANGE_DAYS))
        return _judge(received_on, deadline, LatenessBasis.CHANGE)
    if opened_on is None:
        return Lateness(False, None, LatenessBasis.UNKNOWN)
    own_deadline = opened_on + timedelta(days=NEW_ACCOUNT_DAYS)
    if own_deadline <= CAMPAIGN_END:
        return _judge(received_on, CAMPAIGN_END, LatenessBasis.CAMPAIGN)
    return _judge(received_on, own_deadline, LatenessBasis.NEW_ACCOUNT)
