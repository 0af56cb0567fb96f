"""IMAP IDLE on a real Dovecot: a worker watches at most its limit of mailboxes, one worker per
mailbox in the cluster, and a new mail is told of within seconds (a poll is then queued)."""

from __future__ import annotations

import threading
import time
from pathlib import Path

from imap_tools import MailBoxUnencrypted
from sqlalchemy import create_engine

from intake.cluster.idle import IdleWatchers, WatchLocks
from intake.mailbox.imap import ImapAdapter
from intake.settings import Endpoint, Security
from tests import factories
from tests.servers import Dovecot, start_dovecot

USERS = {f"office{i}@bench.test": f"code-{i}" for i in range(3)}


def adapter(server: Dovecot) -> ImapAdapter:
    endpoint = Endpoint("127.0.0.1", server.port, Security.NONE, timeout_seconds=10)
    return ImapAdapter({f"13910{i}": (endpoint, user, USERS[user]) for i, user in enumerate(USERS)})


def watchers(server: Dovecot, lock_dir: Path, changes: list[str], limit: int) -> IdleWatchers:
    told = threading.Event()

    def on_change(office: str) -> None:
        changes.append(office)
        told.set()

    engine = create_engine(f"sqlite:///{lock_dir / 'x.db'}")
    return IdleWatchers(
        offices=("139100", "139101", "139102"),
        mailboxes=adapter(server),
        locks=WatchLocks(engine, lock_dir),
        on_change=on_change,
        limit=limit,
        refresh_seconds=20,
    )


def wait_until(condition: object, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return True
        time.sleep(0.1)
    return False


def test_a_new_mail_is_told_of_within_seconds_and_the_limit_holds(tmp_path: Path) -> None:
    server = start_dovecot(USERS)
    first_changes: list[str] = []
    second_changes: list[str] = []
    first = watchers(server, tmp_path, first_changes, limit=2)
    second = watchers(server, tmp_path, second_changes, limit=5)
    try:
        first.look()
        assert first.watching == {"139100", "139101"}
        second.look()  # the other worker takes only the mailbox nobody watches
        assert second.watching == {"139102"}
        assert wait_until(lambda: first.idling == {"139100", "139101"}, 20)
        time.sleep(1.0)  # the watchers are in IDLE
        with MailBoxUnencrypted("127.0.0.1", server.port) as box:
            box.login("office1@bench.test", "code-1", initial_folder=None)
            box.append(factories.mail(), "INBOX", flag_set=())
        assert wait_until(lambda: "139101" in first_changes, 10), first_changes
        assert second_changes == []
    finally:
        first.stop.set()
        second.stop.set()
        server.close()


def test_a_mailbox_without_idle_is_left_to_polling(tmp_path: Path) -> None:
    """A local folder (as a server that offers no IDLE, like NetEase's) is not watched: the
    watcher lets go of it and does not try again before `retry_seconds`."""
    from intake.mailbox.local import LocalFolderAdapter

    (tmp_path / "mail" / "139100").mkdir(parents=True)
    engine = create_engine(f"sqlite:///{tmp_path / 'x.db'}")
    idle = IdleWatchers(
        offices=("139100",),
        mailboxes=LocalFolderAdapter(tmp_path / "mail"),
        locks=WatchLocks(engine, tmp_path / "locks"),
        on_change=lambda office: None,
        limit=3,
    )
    idle.look()
    assert wait_until(lambda: "139100" in idle.without_idle and not idle.watching, 5)
    idle.look()
    assert not idle.watching
    idle.stop.set()
