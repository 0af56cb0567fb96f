"""Lateness: the campaign window, 15 days for new accounts, 30 for changes, Shanghai dates."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from routing.lateness import (
    CAMPAIGN_END,
    LatenessBasis,
    check_lateness,
    shanghai_date,
)
from vocabulary.subjects import FilingType


@pytest.mark.parametrize("received", [date(2020, 5, 8), date(2020, 5, 22), date(2020, 5, 1)])
def test_during_or_before_the_campaign_is_on_time(received: date) -> None:
    for filing_type in FilingType:
        result = check_lateness(filing_type, received, date(2015, 1, 1), date(2015, 1, 1))
        assert not result.late
        assert result.basis is LatenessBasis.CAMPAIGN


def test_old_account_after_the_campaign_is_late() -> None:
    result = check_lateness(FilingType.NEW, date(2020, 5, 25), opened_on=date(2018, 3, 1))
    assert result.late
    assert result.deadline == CAMPAIGN_END
    assert result.days_late == 3
    assert result.basis is LatenessBasis.CAMPAIGN


def test_new_account_has_fifteen_days() -> None:
    opened = date(2020, 7, 1)
    on_time = check_lateness(FilingType.NEW, opened + timedelta(days=15), opened_on=opened)
    assert not on_time.late
    assert on_time.deadline == date(2020, 7, 16)
    assert on_time.basis is LatenessBasis.NEW_ACCOUNT
    late = check_lateness(FilingType.NEW, opened + timedelta(days=16), opened_on=opened)
    assert late.late
    assert late.days_late == 1


def test_account_opened_late_in_the_campaign_keeps_its_fifteen_days() -> None:
    result = check_lateness(FilingType.NEW, date(2020, 6, 3), opened_on=date(2020, 5, 20))
    assert not result.late
    assert result.deadline == date(2020, 6, 4)


def test_change_has_thirty_days() -> None:
    changed = date(2020, 8, 1)
    assert not check_lateness(FilingType.CHANGE, date(2020, 8, 31), changed_on=changed).late
    late = check_lateness(FilingType.CHANGE, date(2020, 9, 1), changed_on=changed)
    assert late.late
    assert late.basis is LatenessBasis.CHANGE
    assert late.deadline == date(2020, 8, 31)


def test_unknown_dates_are_not_judged() -> None:
    new = check_lateness(FilingType.NEW, date(2021, 1, 1))
    assert (new.late, new.basis, new.deadline) == (False, LatenessBasis.UNKNOWN, None)
    change = check_lateness(FilingType.CHANGE, date(2021, 1, 1), opened_on=date(2015, 1, 1))
    assert (change.late, change.basis) == (False, LatenessBasis.UNKNOWN)


def test_received_time_is_read_in_shanghai() -> None:
    # 2020-05-22 17:00 UTC is already 2020-05-23 01:00 in Shanghai: one day after the campaign.
    moment = datetime(2020, 5, 22, 17, 0, tzinfo=UTC)
    assert shanghai_date(moment) == date(2020, 5, 23)
    assert check_lateness(FilingType.NEW, moment, opened_on=date(2019, 1, 1)).late
    earlier = datetime(2020, 5, 22, 15, 59, tzinfo=UTC)
    assert not check_lateness(FilingType.NEW, earlier, opened_on=date(2019, 1, 1)).late


def test_shanghai_date_of_naive_and_other_zones() -> None:
    assert shanghai_date(datetime(2020, 5, 22, 23, 30)) == date(2020, 5, 22)
    minus_five = timezone(timedelta(hours=-5))
    assert shanghai_date(datetime(2020, 5, 22, 12, 0, tzinfo=minus_five)) == date(2020, 5, 23)
    assert shanghai_date(date(2020, 5, 22)) == date(2020, 5, 22)
