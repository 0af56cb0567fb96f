"""The crash test (`bench/crash_test.py`) at a smaller size: 40 mails to 3 offices, the worker
killed with SIGKILL 6 times (the first while it makes the digests, then mid-fetch, mid-parse,
right after a commit, mid-send), then a clean run: every mail stored once, every filing decided
once, every reply and digest received once, nothing quarantined.

The seed is fixed (INTAKE_CRASH_SEED=<n> repeats another, INTAKE_CRASH_SEED=random draws one;
a failure names it). The kills still fall where the processes happen to be, so the runs differ
in timing; the properties must hold for every timing.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

from tests.integration.crash_seeds import crash_seed

REPO = Path(__file__).resolve().parents[2]


def crash_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("crash_test", REPO / "bench" / "crash_test.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["crash_test"] = module
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_killed_worker_leaves_everything_done_exactly_once(tmp_path: Path) -> None:
    crash = crash_module()
    seed = crash_seed(7)
    outcome = crash.run(seed, 40, 6, 3, tmp_path)
    text = crash.report(outcome, seed)
    print(text)
    assert outcome.ok, text
    assert len(outcome.kills) == 6
    counts = outcome.counts
    assert counts["messages stored"] == counts["decided"] == 40
    assert counts["replies received"] == counts["mails wanting a reply"] > 0
    assert counts["digests received"] == counts["digests made"] == 3


def test_the_crash_checks_catch_lost_foreign_changed_and_doubled_mail(tmp_path: Path) -> None:
    """A run without kills passes the checks; each broken property then fails them: a UID on the
    server the ledger lacks, a ledger entry the server lacks, a delivered mail whose bytes the
    server does not hold, a reply the SMTP server took twice, a stored raw file damaged."""
    from dataclasses import replace

    from intake.privacy import crypto
    from intake.store.files import FileStore

    crash = crash_module()
    outcome = crash.run(11, 12, 0, 2, tmp_path)
    assert outcome.ok, crash.report(outcome, 11)
    assert outcome.counts["raw files read back, bytes as delivered"] == 12
    assert outcome.counts["server UIDs polled"] == outcome.counts["ledger entries"] == 12
    files = FileStore(tmp_path / "files", crypto.load_keyring(None, {"INTAKE_KEYS": outcome.keys}))

    def problems(listing: list[object] | None = None, mails: list[object] | None = None) -> str:
        found = crash.check(
            tmp_path,
            outcome.mails if mails is None else mails,
            tmp_path / "smtp.jsonl",
            2,
            outcome.url,
            files,
            outcome.listing if listing is None else listing,
        )
        return "\n".join(found.problems)

    assert problems() == ""
    inbox = [m for m in outcome.listing if m.folder == "INBOX"]
    unseen = replace(inbox[0], uid=inbox[0].uid + 1000)
    assert "on the server, not in the ledger" in problems([*outcome.listing, unseen])
    assert "in the ledger, not on the server" in problems(
        [m for m in outcome.listing if m != inbox[0]]
    )
    changed = replace(outcome.mails[0], raw=outcome.mails[0].raw + b"\n--")
    assert "delivered, but the server holds other bytes" in problems(
        mails=[changed, *outcome.mails[1:]]
    )
    sent = next(m for m in outcome.listing if m.folder == crash.SENT and m.in_reply_to)
    assert "received 2 times" in problems([*outcome.listing, replace(sent, uid=sent.uid + 1000)])
    raw = next((tmp_path / "files" / "raw").rglob("*.eml"))
    damaged = bytearray(raw.read_bytes())
    damaged[-20] ^= 1
    raw.write_bytes(bytes(damaged))
    assert "stored raw files that do not read" in problems()


@pytest.mark.serial
@pytest.mark.slow
@pytest.mark.timeout(900)
def test_killed_servers_and_database_then_clean_runs_do_everything_once(tmp_path: Path) -> None:
    """The store on a temporary PostgreSQL database; the kills fall in turn on the worker,
    Dovecot, the SMTP server and PostgreSQL (the machine's cluster, stopped immediately and
    started again); clean runs then leave every count whole."""
    crash = crash_module()
    seed = crash_seed(76533)  # a held reply among the kills
    with crash.temporary_pg_database() as url:
        outcome = crash.run(seed, 24, 4, 2, tmp_path, servers=True, database_url=url)
    text = crash.report(outcome, seed)
    print(text)
    assert crash.pg_up()
    assert outcome.ok, text
    assert {"dovecot", "smtp", "postgresql"} <= {k.aimed for k in outcome.kills}
    counts = outcome.counts
    assert counts["messages stored"] == counts["decided"] == counts["server UIDs polled"] == 24
    assert counts["raw files read back, bytes as delivered"] == 24
    assert counts["replies received"] == counts["mails wanting a reply"] > 0
