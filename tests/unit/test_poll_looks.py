"""Whether a folder's STATUS alone shows that nothing was added since the last complete look."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from intake.fetching.looks import FULL_LOOK_EVERY, LastLook, after_look, nothing_added
from intake.mailbox.base import FolderStatus

NOW = datetime(2026, 12, 5, 4, 0, tzinfo=UTC)
LOOKED = LastLook(uidvalidity=7, uidnext=120, looked_at=NOW - timedelta(minutes=5))


def test_the_same_uidvalidity_and_uidnext_after_a_recent_complete_look_is_nothing_added() -> None:
    assert nothing_added(LOOKED, FolderStatus(7, 120), NOW)


def test_a_new_uidnext_or_uidvalidity_means_a_look() -> None:
    assert not nothing_added(LOOKED, FolderStatus(7, 121), NOW)  # a mail came (maybe gone since)
    assert not nothing_added(LOOKED, FolderStatus(8, 120), NOW)  # the server renumbered


def test_no_status_no_complete_look_or_an_old_one_means_a_look() -> None:
    assert not nothing_added(LOOKED, None, NOW)
    assert not nothing_added(None, FolderStatus(7, 120), NOW)
    assert not nothing_added(LastLook(7, None, None), FolderStatus(7, 120), NOW)
    old = LastLook(7, 120, NOW - FULL_LOOK_EVERY)
    assert not nothing_added(old, FolderStatus(7, 120), NOW)
    future = LastLook(7, 120, NOW + timedelta(minutes=1))  # the clock went back
    assert not nothing_added(future, FolderStatus(7, 120), NOW)


def test_only_a_complete_look_at_the_status_uidvalidity_is_remembered() -> None:
    assert after_look(FolderStatus(7, 120), 7, True, NOW) == LastLook(7, 120, NOW)
    assert after_look(FolderStatus(7, 120), 7, False, NOW) == LastLook(7, None, None)
    assert after_look(FolderStatus(7, 120), 9, True, NOW) == LastLook(9, None, None)
    assert after_look(None, 7, True, NOW) == LastLook(7, None, None)
