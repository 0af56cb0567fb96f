"""What one idle poll costs: IMAP commands, SQL statements, new database connections, and the
CPU of the worker, of Dovecot and of PostgreSQL, per poll of an empty mailbox.

A local Dovecot holds N mailboxes (one passwd-file user each) and a new PostgreSQL database the
store; the polls run in this process exactly as a cluster worker's `poll` task runs them
(`intake.cluster.work.poll`), on `--threads` threads. Every mailbox is polled once first (the
server makes its folders then), and then `--rounds` times more, counted:

    .venv/bin/python bench/poll_cost.py                          # 200 mailboxes, 8 threads
    .venv/bin/python bench/poll_cost.py --mailboxes 50 --threads 1 --rounds 3

Dovecot's CPU is read from /proc (the master's own, its reaped children's and its live
children's), PostgreSQL's from the backends of the bench's database; both are on this machine.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import imaplib
import os
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

from cluster_bench import offices, write_config  # noqa: E402
from cpu_use import dovecot_cpu, postgres_cpu  # noqa: E402
from crash_test import temporary_pg_database  # noqa: E402
from sqlalchemy import event  # noqa: E402

from tests.servers import free_port, start_dovecot  # noqa: E402


class Counts:
    """IMAP commands by name, SQL statements, new database connections (thread-safe)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.imap: Counter[str] = Counter()
        self.sql = 0
        self.connects = 0

    def add_imap(self, name: str) -> None:
        with self.lock:
            self.imap[name] += 1

    def add_sql(self, *_: Any) -> None:
        with self.lock:
            self.sql += 1

    def add_connect(self, *_: Any) -> None:
        with self.lock:
            self.connects += 1

    def reset(self) -> None:
        with self.lock:
            self.imap.clear()
            self.sql = 0
            self.connects = 0


@contextlib.contextmanager
def counting_imap(counts: Counts) -> Iterator[None]:
    """Count every IMAP command imaplib sends (by name)."""
    original = getattr(imaplib.IMAP4, "_command")  # noqa: B009 (private, not in the stubs)

    def command(self: imaplib.IMAP4, name: str, *args: Any) -> Any:
        counts.add_imap(name)
        return original(self, name, *args)

    setattr(imaplib.IMAP4, "_command", command)  # noqa: B010
    try:
        yield
    finally:
        setattr(imaplib.IMAP4, "_command", original)  # noqa: B010


def poll_all(poll: Callable[[str], Any], codes: list[str], threads: int) -> tuple[float, float]:
    """Poll every office once on `threads` threads; wall and this process's CPU seconds."""
    wall, cpu = time.perf_counter(), time.process_time()
    if threads == 1:  # in this thread, so that a profile sees it
        for code in codes:
            done = poll(code)
            if not done.ok:
                raise RuntimeError(f"poll failed: {done.summary}")
        return time.perf_counter() - wall, time.process_time() - cpu
    with ThreadPoolExecutor(threads) as pool:
        for done in pool.map(poll, codes):
            if not done.ok:
                raise RuntimeError(f"poll failed: {done.summary}")
    return time.perf_counter() - wall, time.process_time() - cpu


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mailboxes", type=int, default=200)
    parser.add_argument("--threads", type=int, default=8)
    parser.add_argument("--rounds", type=int, default=2, help="counted polls of every mailbox")
    parser.add_argument("--profile", type=Path, help="write a cProfile of the counted rounds")
    args = parser.parse_args(argv)

    from intake.cluster import work
    from intake.runtime.service import open_deployment
    from intake.settings import load_settings

    where = offices(args.mailboxes)
    dovecot = start_dovecot({o.mailbox: o.password for o in where})
    work_dir = Path(tempfile.mkdtemp(prefix="intake-poll-cost-"))
    counts = Counts()
    with contextlib.ExitStack() as stack:
        stack.callback(dovecot.close)
        url = stack.enter_context(temporary_pg_database())
        config = write_config(work_dir, where, dovecot.port, free_port(), url, "redis://x")
        env = {o.password_env: o.password for o in where}
        env["INTAKE_KEYS"] = "bench:" + base64.b64encode(os.urandom(32)).decode()
        deployment = open_deployment(load_settings(config, env), env)
        stack.callback(deployment.close)
        event.listen(deployment.store.engine, "before_cursor_execute", counts.add_sql)
        event.listen(deployment.store.engine, "connect", counts.add_connect)
        codes = [o.code for o in where]

        def poll(code: str) -> work.PollDone:
            return work.poll(deployment, code)

        with counting_imap(counts):
            first, _ = poll_all(poll, codes, args.threads)
            print(f"first poll of {len(codes)} mailboxes: {first:.1f} s", flush=True)
            counts.reset()
            server0, pg0 = dovecot_cpu(dovecot.process.pid), postgres_cpu(url)
            profiler = None
            if args.profile:
                import cProfile

                profiler = cProfile.Profile()
                profiler.enable()
            wall = cpu = 0.0
            for _ in range(args.rounds):
                w, c = poll_all(poll, codes, args.threads)
                wall += w
                cpu += c
            if profiler is not None:
                profiler.disable()
                profiler.dump_stats(args.profile)
            server = dovecot_cpu(dovecot.process.pid) - server0
            pg = postgres_cpu(url) - pg0
        polls = len(codes) * args.rounds
        load = os.getloadavg()
        print(
            f"{polls} idle polls on {args.threads} thread(s): {wall:.1f} s wall "
            f"({polls / wall:.1f} polls/s)  load {load[0]:.2f} {load[1]:.2f} {load[2]:.2f}"
        )
        print(
            f"per poll: worker CPU {cpu / polls * 1000:.1f} ms, Dovecot CPU "
            f"{server / polls * 1000:.1f} ms, PostgreSQL CPU {pg / polls * 1000:.1f} ms"
        )
        imap = ", ".join(f"{n} {c / polls:g}" for n, c in sorted(counts.imap.items()))
        print(
            f"per poll: IMAP commands {sum(counts.imap.values()) / polls:g} ({imap}); "
            f"SQL statements {counts.sql / polls:g}; new database connections "
            f"{counts.connects / polls:g}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
