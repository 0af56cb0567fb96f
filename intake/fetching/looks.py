"""Whether a folder must be looked at, or its STATUS alone shows that nothing was added.

A complete look opens the folder, lists every UID and stores every new mail; it is remembered
with the folder's UIDVALIDITY and the UIDNEXT that STATUS told before the look began. While
UIDVALIDITY stays, UIDNEXT changes whenever a mail is added (even one deleted since) and never
otherwise (RFC 3501, 2.3.1.1), so a later STATUS with both unchanged proves that every mail of
the folder was there at the complete look, and is stored. An idle poll is then one STATUS
instead of EXAMINE, UID SEARCH and the ledger's UIDs.

A server that got UIDNEXT wrong would hide new mail from this check, so a complete look is made
anyway once the last one is `FULL_LOOK_EVERY` old: such mail is late, never lost.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from intake.mailbox.base import FolderStatus

FULL_LOOK_EVERY = timedelta(hours=1)


@dataclass(frozen=True)
class LastLook:
    """What the poll state remembers of a folder's last complete look (None: none made, or
    the last look was not complete)."""

    uidvalidity: int | None
    uidnext: int | None
    looked_at: datetime | None


def nothing_added(
    last: LastLook | None,
    status: FolderStatus | None,
    now: datetime,
    every: timedelta = FULL_LOOK_EVERY,
) -> bool:
    """Whether STATUS shows the folder as it was at the last complete look, which is younger
    than `every` (a clock that went back counts as old)."""
    if last is None or status is None or last.uidnext is None or last.looked_at is None:
        return False
    if (last.uidvalidity, last.uidnext) != (status.uidvalidity, status.uidnext):
        return False
    return timedelta(0) <= now - last.looked_at < every


def after_look(
    status: FolderStatus | None, uidvalidity: int, complete: bool, now: datetime
) -> LastLook:
    """What to remember after opening the folder (its UIDVALIDITY `uidvalidity`): the UIDNEXT
    STATUS told before, when the look stored every new mail and STATUS spoke of this same
    UIDVALIDITY; otherwise nothing, so the next poll looks again."""
    if complete and status is not None and status.uidvalidity == uidvalidity:
        return LastLook(uidvalidity, status.uidnext, now)
    return LastLook(uidvalidity, None, None)
