"""Soak benchmark: the scheduled worker (`intake run`) for N minutes with mail arriving all along.

A local Dovecot holds the mailboxes of a few offices and an SMTP server on loopback records what
it accepts. `intake run` (the long-running worker: a poll per office every minute, sending every
minute) runs as a subprocess while a mail (a digital form, a question or an auto-reply, as in
the crash test) is delivered every few seconds. Each minute (the first time 15 s after the
start) and at the end, the resident memory (RSS) and the open file descriptors of the worker and
of its child processes (the watched document readers) are printed; the end prints first/last/max
of each and the counts (delivered, stored, decided, replies received). The run ends by itself: the worker is
stopped (SIGTERM, then SIGKILL of its process group), the servers are stopped and the working
folder is removed (unless `--keep`).

    .venv/bin/python bench/soak.py --minutes 30 --every 5

Exits 1 when the worker died before the end or when a mail delivered more than two minutes
before the end was not stored.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

import crash_test  # noqa: E402

from tests.servers import _descendants, read_smtp_log, start_dovecot, start_smtp  # noqa: E402
from vocabulary.offices import OFFICES  # noqa: E402

WARM_UP = 15.0
"""Seconds after the worker's start of the first look (its imports done)."""


@dataclass(frozen=True)
class Sample:
    """One look at the worker and its children."""

    minute: float
    worker_rss_mb: float
    worker_fds: int
    children: int
    children_rss_mb: float
    children_fds: int


def rss_mb(pid: int) -> float:
    """Resident memory of a process in MB (0 when it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def open_fds(pid: int) -> int:
    """Open file descriptors of a process (0 when it is gone)."""
    try:
        return len(os.listdir(f"/proc/{pid}/fd"))
    except OSError:
        return 0


def sample(pid: int, minute: float) -> Sample:
    children = _descendants(pid)
    return Sample(
        minute,
        rss_mb(pid),
        open_fds(pid),
        len(children),
        sum(rss_mb(c) for c in children),
        sum(open_fds(c) for c in children),
    )


def line(s: Sample) -> str:
    return (
        f"minute {s.minute:5.1f}: worker RSS {s.worker_rss_mb:6.1f} MB, {s.worker_fds:3d} fds; "
        f"{s.children} children RSS {s.children_rss_mb:6.1f} MB, {s.children_fds:3d} fds"
    )


def summary(samples: list[Sample]) -> list[str]:
    """First, last and max of each figure."""
    out = []
    for name in ("worker_rss_mb", "worker_fds", "children_rss_mb", "children_fds"):
        values = [getattr(s, name) for s in samples]
        out.append(
            f"  {name:<16} first {values[0]:7.1f}  last {values[-1]:7.1f}  max {max(values):7.1f}"
        )
    return out


def counts(work: Path, smtp_log: Path) -> dict[str, int]:
    db = sqlite3.connect(work / "intake.db")
    try:
        stored = db.execute("SELECT count(*) FROM messages").fetchone()[0]
        decided = db.execute(
            "SELECT count(*) FROM messages WHERE state IN ('decided','replied')"
        ).fetchone()[0]
        quarantined = db.execute(
            "SELECT count(*) FROM messages WHERE state = 'quarantined'"
        ).fetchone()[0]
    finally:
        db.close()
    return {
        "stored": stored,
        "decided": decided,
        "quarantined": quarantined,
        "mails received by SMTP": len(read_smtp_log(smtp_log)),
    }


def soak(minutes: float, every: float, office_count: int, seed: int, work: Path) -> int:
    rng = random.Random(seed)
    offices = [(o.code, o.mailbox) for o in OFFICES[:office_count]]
    passwords = {mailbox: crash_test.password(code) for code, mailbox in offices}
    dovecot = start_dovecot(passwords)
    smtp_log = work / "smtp.jsonl"
    smtp = start_smtp(passwords, log=smtp_log)
    process: subprocess.Popen[bytes] | None = None
    try:
        crash_test.prepare_sent_folders(dovecot, offices)
        config = crash_test.write_config(work, offices, dovecot, smtp.port)
        text = config.read_text(encoding="utf-8")
        config.write_text(
            text.replace("[schedule]\n", "[schedule]\npoll_every_minutes = 1\n", 1),
            encoding="utf-8",
        )
        env = {**os.environ, **{f"PW_{c}": crash_test.password(c) for c, _ in offices}}
        env.pop("INTAKE_CONFIG", None)
        env["INTAKE_KEYS"] = "soak:" + base64.b64encode(rng.randbytes(32)).decode()
        # enough mails for the whole run, planned up front (distinct senders and Message-IDs)
        plan = crash_test.plan_mails(int(minutes * 60 / every) + 2, offices, rng)
        log = work / "worker.log"
        process = crash_test.start_worker(config, env, log, scheduler=True)
        began = time.monotonic()
        end = began + minutes * 60
        # the first look once the worker has started up, then one a minute
        next_mail, next_sample = began, began + WARM_UP
        delivered: list[tuple[float, str]] = []
        samples: list[Sample] = []
        while time.monotonic() < end:
            if process.poll() is not None:
                print(f"the worker exited with {process.returncode} (see {log})", flush=True)
                break
            now = time.monotonic()
            if now >= next_mail and len(delivered) < len(plan):
                mail = plan[len(delivered)]
                crash_test.deliver(dovecot, [mail])
                delivered.append((now, mail.message_id))
                next_mail += every
            if now >= next_sample:
                samples.append(sample(process.pid, (now - began) / 60))
                print(line(samples[-1]), flush=True)
                next_sample += 60
            time.sleep(max(0.05, min(next_mail, next_sample, end) - time.monotonic()))
        alive = process.poll() is None
        if alive:
            samples.append(sample(process.pid, (time.monotonic() - began) / 60))
            print(line(samples[-1]) + " (end)", flush=True)
        found = counts(work, smtp_log)
        print(f"soak, seed {seed}: {minutes:g} minutes, a mail every {every:g} s")
        print(f"  delivered {len(delivered)}; " + "; ".join(f"{k} {v}" for k, v in found.items()))
        print("\n".join(summary(samples)))
        settled_before = sum(1 for at, _ in delivered if at < end - 120)
        problems = []
        if not alive:
            problems.append("the worker died before the end")
        if found["stored"] < settled_before:
            problems.append(
                f"{found['stored']} stored of {settled_before} delivered over 2 minutes before "
                "the end"
            )
        if found["quarantined"]:
            problems.append(f"{found['quarantined']} quarantined")
        for problem in problems:
            print(f"PROBLEM: {problem}")
        print("OK" if not problems else "FAILED")
        return 0 if not problems else 1
    finally:
        if process is not None and process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGTERM)
            try:
                process.wait(30)
            except subprocess.TimeoutExpired:
                crash_test.kill(process)
        smtp.stop()
        dovecot.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=30.0)
    parser.add_argument("--every", type=float, default=5.0, help="seconds between two mails")
    parser.add_argument("--offices", type=int, default=3)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--keep", action="store_true", help="keep the working folder")
    args = parser.parse_args(argv)
    warnings.filterwarnings("ignore", message="Session.login_data is deprecated")
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(10**6)
    work = Path(tempfile.mkdtemp(prefix="intake-soak-"))
    try:
        return soak(args.minutes, args.every, args.offices, seed, work)
    finally:
        if args.keep:
            print(f"working folder kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
