"""Cluster bench: a burst of filings over many mailboxes, answered by 1, 2 and 4 worker processes.

A local Dovecot holds one mailbox per office (a passwd-file user each), an SMTP server on loopback
records every mail it accepts (one JSON line each) and keeps a copy in the sender's 已发送 folder,
PostgreSQL holds the store, and a Redis server of the bench's own (or the broker given with
`--broker`) carries the tasks. The mails are delivered first; then `intake beat` and N
`intake worker` processes (each with `--concurrency` threads) start, and the clock runs until
every mail is decided and every reply received. Mails are xlsx forms and plain questions from
distinct senders, so each wants exactly one reply; no OCR (this measures the pipeline, polls,
deciding and sending, not the reading of scans: bench/parse_bench.py measures that).

With `--kill`, one worker is killed with SIGKILL (by its pid) once a third of the replies are in;
when no worker is left a new one is started. With `--hosts N`, the run is spread over simulated
hosts (tests/hosts.py): a private PostgreSQL cluster, the Redis, Dovecot and the SMTP server
listen on a services address on a bridge, and the workers run in N network namespaces of their
own (round robin; the beat on the first), each with its own address, reaching the services over
their veth only; the files folder is one folder on this machine (standing in for NFS). Checked
at the end, for each run:
* every mail stored exactly once, every one decided, nothing quarantined;
* every mail answered exactly once (the SMTP server's log, by In-Reply-To), nothing else sent.

    .venv/bin/python bench/cluster_bench.py                       # 10,000 mails, 200 mailboxes
    .venv/bin/python bench/cluster_bench.py --quick               # 400 mails, 20 mailboxes
    .venv/bin/python bench/cluster_bench.py --workers 2 --kill
    .venv/bin/python bench/cluster_bench.py --quick --hosts 2 --workers 2 --kill   # as root
    .venv/bin/python bench/cluster_bench.py --idle-mailboxes 2800 # an idle poll of every mailbox

Prints filings per minute for each number of workers; exits 1 on any mismatch.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "bench"))

import psycopg  # noqa: E402
from cpu_use import dovecot_cpu, postgres_cpu, process_cpu  # noqa: E402
from crash_test import (  # noqa: E402
    SENT,
    SmtpProcess,
    temporary_pg_database,
)
from imap_tools import MailBoxUnencrypted  # noqa: E402

from tests import hosts as simulated  # noqa: E402
from tests.servers import (  # noqa: E402
    LOOPBACK,
    Dovecot,
    free_port,
    read_smtp_log,
    start_dovecot,
    wait_for_port,
)

DOCS = REPO / "samples" / "documents" / "out"
FORMS = sorted(DOCS.glob("form_*.xlsx"))
WORKER = "import sys; from intake.commands.cli import main; sys.exit(main())"


@dataclass(frozen=True)
class Office:
    code: str
    mailbox: str

    @property
    def password(self) -> str:
        return f"code-{self.code}"

    @property
    def password_env(self) -> str:
        return f"PW_{self.code}"


def offices(count: int) -> list[Office]:
    """`count` offices with their own county-level codes and mailboxes (not the notice's)."""
    return [Office(f"{139001 + i:06d}", f"office{i:04d}@bench.test") for i in range(count)]


@dataclass(frozen=True)
class Mail:
    office: Office
    message_id: str
    raw: bytes


def plan(count: int, where: list[Office], rng: random.Random) -> list[Mail]:
    """`count` mails spread over the offices in turn: mostly xlsx forms, one in ten a question;
    each from its own sender."""
    start = datetime(2020, 5, 12, 1, 0, tzinfo=UTC)
    mails = []
    forms = [f.read_bytes() for f in FORMS]
    for index in range(count):
        office = where[index % len(where)]
        message_id = f"burst-{index}-{rng.getrandbits(40):x}@qq.com"
        message = EmailMessage()
        message["From"] = f"registrant{index}@qq.com"
        message["To"] = office.mailbox
        message["Date"] = format_datetime(start + timedelta(seconds=index))
        message["Message-ID"] = f"<{message_id}>"
        if index % 10 == 9:
            message["Subject"] = "咨询新媒体账号备案"
            message.set_content("您好，请问新媒体账号登记备案需要提交哪些材料？谢谢。")
        else:
            message["Subject"] = "新媒体账号登记备案"
            message.set_content("您好，附件是备案材料，请查收。")
            message.add_attachment(
                forms[index % len(forms)],
                maintype="application",
                subtype="octet-stream",
                filename="备案表.xlsx",
            )
        mails.append(Mail(office, message_id, message.as_bytes()))
    return mails


def deliver(dovecot: Dovecot, mails: list[Mail], connections: int = 8) -> None:
    """Append the mails to their office's INBOX over IMAP (one connection per office, up to
    `connections` offices at once: one after another, 10,000 appends took a quarter of an hour
    on a loaded machine, each waiting for the server's fsync)."""
    by_office: dict[Office, list[Mail]] = {}
    for mail in mails:
        by_office.setdefault(mail.office, []).append(mail)

    def one_office(office: Office, batch: list[Mail]) -> None:
        with MailBoxUnencrypted(dovecot.address, dovecot.port) as box:
            box.login(office.mailbox, office.password, initial_folder=None)
            for mail in batch:
                box.append(mail.raw, "INBOX", flag_set=())

    with ThreadPoolExecutor(connections) as pool:
        for done in [pool.submit(one_office, o, b) for o, b in by_office.items()]:
            done.result()


def make_sent_folders(dovecot: Dovecot, where: list[Office]) -> None:
    for office in where:
        with MailBoxUnencrypted(dovecot.address, dovecot.port) as box:
            box.login(office.mailbox, office.password, initial_folder=None)
            if not box.folder.exists(SENT):
                box.folder.create(SENT)


def write_config(
    work: Path,
    where: list[Office],
    imap: int,
    smtp: int,
    database: str,
    broker: str,
    address: str = LOOPBACK,
) -> Path:
    """The deployment's config: every office on the servers at `address`, sending unpaced."""
    blocks = [
        f'[storage]\ndatabase = "{database}"\nfiles = "{work / "files"}"\n',
        '[schedule]\ntimezone = "Asia/Shanghai"\npoll_every_minutes = 1\ndigest_at = "23:59"\n',
        "[sending]\nseconds_between_sends = 0\nreplies_per_office_per_day = 10000\n",
        f'[cluster]\nbroker = "{broker}"\nsweep_seconds = 3\nredelivery_seconds = 10\n',
    ]
    for office in where:
        blocks.append(
            "[[office]]\n"
            f'code = "{office.code}"\n'
            f'name = "测试{office.code}互联网信息办公室"\n'
            f'mailbox = "{office.mailbox}"\n'
            f'password_env = "{office.password_env}"\n'
            'folders = ["INBOX"]\n'
            f'imap = {{ host = "{address}", port = {imap}, security = "none" }}\n'
            f'smtp = {{ host = "{address}", port = {smtp}, security = "none" }}\n'
        )
    path = work / "intake.toml"
    path.write_text("\n".join(blocks), encoding="utf-8")
    return path


@contextlib.contextmanager
def redis_server(work: Path, address: str = LOOPBACK) -> Iterator[str]:
    """A Redis server of our own on a free port at `address` only, nothing saved; its URL."""
    port = free_port(address)
    folder = work / "redis"
    folder.mkdir()
    process = subprocess.Popen(
        ["redis-server", "--port", str(port), "--bind", address, "--protected-mode", "no",
         "--save", "", "--appendonly", "no", "--dir", str(folder)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        wait_for_port(port, 20, address)
        yield f"redis://{address}:{port}/0"
    finally:
        process.terminate()
        process.wait(10)


@dataclass(frozen=True)
class Site:
    """Where a run's servers listen and its `intake` processes run. The default: everything on
    loopback. For simulated hosts: the services address, the database and broker already
    running there, and per worker host the command prefix that runs a process inside it."""

    address: str = LOOPBACK
    database: str | None = None  # None: a temporary database on the machine's PostgreSQL
    broker: str | None = None  # None: a Redis of the run's own at `address`
    hosts: tuple[tuple[str, ...], ...] = ((),)


class Processes:
    """The beat and the workers, each in a session of its own, each logging to a file; worker
    number i runs on host i modulo the hosts (a command prefix each), the beat on the first."""

    def __init__(
        self,
        config: Path,
        env: dict[str, str],
        logs: Path,
        concurrency: int,
        hosts: tuple[tuple[str, ...], ...] = ((),),
    ) -> None:
        self.config, self.env, self.logs, self.concurrency = config, env, logs, concurrency
        self.hosts = hosts
        self.workers: list[subprocess.Popen[bytes]] = []
        self.host_of: dict[int, int] = {}  # worker pid -> host index
        self.beat: subprocess.Popen[bytes] | None = None
        self.started = 0

    def _spawn(self, *argv: str, log: str, host: int = 0) -> subprocess.Popen[bytes]:
        handle = (self.logs / log).open("ab")
        return subprocess.Popen(
            [*self.hosts[host], sys.executable, "-c", WORKER, *argv, "--config", str(self.config)],
            cwd=REPO,
            env=self.env,
            stdout=handle,
            stderr=handle,
            start_new_session=True,
        )

    def start_worker(self) -> None:
        host = self.started % len(self.hosts)
        self.started += 1
        worker = self._spawn(
            "worker",
            "--concurrency",
            str(self.concurrency),
            *(["-v"] if os.environ.get("BENCH_VERBOSE") else []),
            log=f"worker-{self.started}.log",
            host=host,
        )
        self.workers.append(worker)
        self.host_of[worker.pid] = host

    def start_beat(self) -> None:
        self.beat = self._spawn("beat", "--schedule-file", str(self.logs / "beat"), log="beat.log")

    def kill_one(self) -> int:
        """SIGKILL the newest worker by its pid (and whatever it started); its pid."""
        victim = self.workers.pop()
        with contextlib.suppress(ProcessLookupError):
            os.killpg(victim.pid, signal.SIGKILL)
        victim.wait(30)
        return victim.pid

    def stop(self) -> None:
        everyone = [*self.workers, *([self.beat] if self.beat else [])]
        for process in everyone:
            if process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGTERM)
        deadline = time.monotonic() + 20
        for process in everyone:
            try:
                process.wait(max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(process.pid, signal.SIGKILL)
                process.wait(10)


def scalar(url: str, sql: str) -> int:
    with psycopg.connect(url.replace("+psycopg", ""), connect_timeout=5) as conn:
        row = conn.execute(sql).fetchone()
    return int(row[0]) if row and row[0] is not None else 0


@dataclass
class Outcome:
    """One run: the figures and whatever did not add up."""

    workers: int
    mails: int
    mailboxes: int
    seconds: float = 0.0
    first_stored_to_done: float = 0.0
    killed: list[int] = field(default_factory=list)
    killed_on_host: list[int] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    database_peers: set[str] = field(default_factory=set)  # client addresses PostgreSQL saw
    broker_peers: set[str] = field(default_factory=set)  # client addresses Redis saw
    imap_peers: set[str] = field(default_factory=set)  # client addresses Dovecot logged in
    smtp_peers: set[str] = field(default_factory=set)  # client addresses replies came from
    worker_pids: dict[int, int] = field(default_factory=dict)  # every worker's pid -> host

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def per_minute(self) -> float:
        return self.mails / self.seconds * 60 if self.seconds else 0.0

    def line(self) -> str:
        kill = f", killed worker pid {', '.join(map(str, self.killed))}" if self.killed else ""
        return (
            f"{self.workers} worker(s): {self.mails} filings over {self.mailboxes} mailboxes "
            f"in {self.seconds:.1f} s = {self.per_minute:,.0f} filings/min "
            f"(first stored to last reply {self.first_stored_to_done:.1f} s){kill}"
            + ("" if self.ok else "  MISMATCH")
        )


def run(
    mails: int,
    mailboxes: int,
    workers: int,
    work: Path,
    *,
    concurrency: int = 2,
    kill: bool = False,
    broker: str | None = None,
    seed: int = 1,
    timeout: float = 3600,
    site: Site | None = None,
) -> Outcome:
    """One burst: deliver, start the beat and `workers` workers, wait until every reply is in,
    check. `site`: where the servers listen and the workers run (default: all on loopback)."""
    site = site or Site()
    rng = random.Random(seed)
    where = offices(mailboxes)
    planned = plan(mails, where, rng)
    outcome = Outcome(workers, mails, mailboxes)
    dovecot = start_dovecot({o.mailbox: o.password for o in where}, site.address)
    smtp_log = work / "smtp.jsonl"
    with contextlib.ExitStack() as stack:
        stack.callback(dovecot.close)
        make_sent_folders(dovecot, where)
        deliver(dovecot, planned)
        smtp = SmtpProcess(
            {o.mailbox: o.password for o in where}, smtp_log, dovecot.port, True, site.address
        )
        smtp.start()
        stack.callback(smtp.stop)
        url = site.database or stack.enter_context(temporary_pg_database())
        broker_url = broker or site.broker or stack.enter_context(redis_server(work, site.address))
        config = write_config(work, where, dovecot.port, smtp.port, url, broker_url, site.address)
        env = {**os.environ, **{o.password_env: o.password for o in where}}
        env["INTAKE_KEYS"] = "bench:" + base64.b64encode(rng.randbytes(32)).decode()
        logs = work / "logs"
        logs.mkdir()
        processes = Processes(config, env, logs, concurrency, site.hosts)
        stack.callback(processes.stop)
        started = time.monotonic()
        for _ in range(workers):
            processes.start_worker()
        processes.start_beat()
        first_stored: float | None = None
        while True:
            time.sleep(0.5)
            outcome.database_peers |= _database_peers(url)
            outcome.broker_peers |= _broker_peers(broker_url)
            replies = len(read_smtp_log(smtp_log))
            if first_stored is None and _stored(url) > 0:
                first_stored = time.monotonic()
            if kill and not outcome.killed and replies >= mails // 3:
                victim = processes.workers[-1].pid
                outcome.killed_on_host.append(processes.host_of[victim])
                outcome.killed.append(processes.kill_one())
                if not processes.workers:
                    processes.start_worker()
            if replies >= mails and _waiting(url) == 0:
                break
            if time.monotonic() - started > timeout:
                outcome.problems.append(f"not done after {timeout:.0f} s: {replies} replies")
                break
            for process in processes.workers:
                if process.poll() is not None:
                    outcome.problems.append(f"worker {process.pid} ended: {process.returncode}")
                    processes.workers.remove(process)
        done = time.monotonic()
        outcome.worker_pids = dict(processes.host_of)
        outcome.seconds = done - started
        outcome.first_stored_to_done = done - (first_stored or started)
        time.sleep(2)  # a reply sent twice would come now
        check(outcome, planned, url, smtp_log)
        log = dovecot.folder / "dovecot.log"
        logins = log.read_text(errors="replace") if log.exists() else ""
        outcome.imap_peers = set(re.findall(r"Login: .*?rip=([0-9a-f.:]+)", logins))
        outcome.smtp_peers = {str(r.get("peer", "")) for r in read_smtp_log(smtp_log)}
    return outcome


def _database_peers(url: str) -> set[str]:
    """The addresses of the other clients of the run's database now (as PostgreSQL sees them)."""
    with contextlib.suppress(psycopg.Error):
        with psycopg.connect(url.replace("+psycopg", ""), connect_timeout=5) as conn:
            rows = conn.execute(
                "SELECT DISTINCT host(client_addr) FROM pg_stat_activity WHERE datname ="
                " current_database() AND pid <> pg_backend_pid() AND client_addr IS NOT NULL"
            ).fetchall()
        return {str(r[0]) for r in rows}
    return set()


def _broker_peers(url: str) -> set[str]:
    """The addresses of the other clients of a Redis broker now (empty for another broker)."""
    if not url.startswith("redis://"):
        return set()
    import redis

    with contextlib.suppress(redis.RedisError):
        client = redis.Redis.from_url(url, socket_timeout=5)
        try:
            own = client.client_id()
            return {
                str(c["addr"]).rsplit(":", 1)[0]
                for c in client.client_list()
                if str(c["id"]) != str(own)
            }
        finally:
            client.close()
    return set()


@contextlib.contextmanager
def simulated_site(count: int, work: Path) -> Iterator[Site]:
    """A site on `count` simulated hosts (network namespaces, tests/hosts.py) with a private
    PostgreSQL cluster and a Redis listening on the services address only."""
    with contextlib.ExitStack() as stack:
        net = stack.enter_context(simulated.network(count))
        database = stack.enter_context(simulated.postgresql(net.services, net.subnet))
        broker = stack.enter_context(redis_server(work, net.services))
        yield Site(net.services, database.url, broker, tuple(h.prefix() for h in net.hosts))


def _stored(url: str) -> int:
    with contextlib.suppress(psycopg.Error):
        return scalar(url, "SELECT count(*) FROM messages")
    return 0


def _waiting(url: str) -> int:
    with contextlib.suppress(psycopg.Error):
        return scalar(
            url,
            "SELECT (SELECT count(*) FROM messages WHERE state IN ('stored','read','parsed'))"
            " + (SELECT count(*) FROM outbox WHERE state IN ('queued','sending'))",
        )
    return 1


def check(outcome: Outcome, planned: list[Mail], url: str, smtp_log: Path) -> None:
    """Every mail stored once, decided, answered once; nothing else sent."""
    problems = outcome.problems
    with psycopg.connect(url.replace("+psycopg", ""), connect_timeout=5) as conn:
        states = Counter(r[0] for r in conn.execute("SELECT state FROM messages").fetchall())
        stored = Counter(r[0] for r in conn.execute("SELECT message_id FROM messages").fetchall())
        outbox = Counter(r[0] for r in conn.execute("SELECT state FROM outbox").fetchall())
    wanted = {m.message_id for m in planned}
    received = read_smtp_log(smtp_log)
    answers = Counter(str(r["in_reply_to"]) for r in received)
    outcome.counts = {
        "mails delivered": len(planned),
        "messages stored": sum(stored.values()),
        "decided": states.get("decided", 0),
        "quarantined": states.get("quarantined", 0),
        "outbox sent": outbox.get("sent", 0),
        "replies received": len(received),
        "mails answered once": sum(1 for m in wanted if answers.get(m) == 1),
    }
    if set(stored) != wanted or any(n != 1 for n in stored.values()):
        problems.append("the stored Message-IDs are not the delivered ones, once each")
    if states.get("decided", 0) != len(planned):
        problems.append(f"not every mail decided: {dict(states)}")
    twice = [m for m, n in answers.items() if n > 1]
    if twice:
        problems.append(f"{len(twice)} mails answered more than once, e.g. {twice[0]}")
    missing = [m for m in wanted if answers.get(m, 0) == 0]
    if missing:
        problems.append(f"{len(missing)} mails not answered, e.g. {missing[0]}")
    foreign = [r for r in received if str(r["in_reply_to"]) not in wanted]
    if foreign:
        problems.append(f"{len(foreign)} mails sent that answer nothing delivered")


@dataclass(frozen=True)
class IdlePoll:
    """One idle poll of every mailbox: seconds for the first round (Dovecot makes each
    mailbox's folders at its first login) and the second (the steady state), and the CPU
    seconds each part of the machine spent on the second."""

    first: float
    second: float
    cpu: dict[str, float]

    def line(self, mailboxes: int, workers: int, concurrency: int) -> str:
        load = os.getloadavg()
        spent = ", ".join(
            f"{name} {seconds / mailboxes * 1000:.1f}" for name, seconds in self.cpu.items()
        )
        return (
            f"{workers} worker(s) x {concurrency} threads: an idle poll of {mailboxes} mailboxes "
            f"in {self.second:.1f} s ({self.first:.1f} s the first time, when the server makes "
            f"every mailbox's folders); CPU ms per poll: {spent}; "
            f"load {load[0]:.1f} {load[1]:.1f} {load[2]:.1f}"
        )


def idle_poll(mailboxes: int, work: Path, *, workers: int = 2, concurrency: int = 8) -> IdlePoll:
    """One poll of every mailbox, all of them empty, by `workers` workers, timed from a tick
    until every office's poll state shows a finished poll, twice (see `IdlePoll`). The
    workers are started and ready first (their start-up is not counted)."""
    where = offices(mailboxes)
    dovecot = start_dovecot({o.mailbox: o.password for o in where})
    with contextlib.ExitStack() as stack:
        stack.callback(dovecot.close)
        url = stack.enter_context(temporary_pg_database())
        broker_url = stack.enter_context(redis_server(work))
        config = write_config(work, where, dovecot.port, free_port(), url, broker_url)
        env = {**os.environ, **{o.password_env: o.password for o in where}}
        env["INTAKE_KEYS"] = "bench:" + base64.b64encode(os.urandom(32)).decode()
        logs = work / "logs"
        logs.mkdir()
        processes = Processes(config, env, logs, concurrency)
        stack.callback(processes.stop)
        for _ in range(workers):
            processes.start_worker()
        deadline = time.monotonic() + 120
        while not all(_ready(logs / f"worker-{i + 1}.log") for i in range(workers)):
            if time.monotonic() > deadline:
                raise RuntimeError("the workers did not start in 120 s")
            time.sleep(0.5)
        started = time.monotonic()
        processes.start_beat()
        first = _wait_polled(url, mailboxes, started, "1970-01-01")
        since = scalar_text(url, "SELECT now()::text")
        before = _cpu(processes, dovecot, url, broker_url)
        second_started = time.monotonic()
        _send_tick(config, env)
        second = _wait_polled(url, mailboxes, second_started, since)
        after = _cpu(processes, dovecot, url, broker_url)
        return IdlePoll(first, second, {k: after[k] - before[k] for k in after})


def _cpu(processes: Processes, dovecot: Dovecot, url: str, broker_url: str) -> dict[str, float]:
    """CPU seconds used so far by the workers, the beat, Dovecot, PostgreSQL and Redis."""
    import redis

    redis_pid = int(redis.Redis.from_url(broker_url).info("server")["process_id"])
    return {
        "workers": sum(process_cpu(p.pid) for p in processes.workers),
        "beat": process_cpu(processes.beat.pid) if processes.beat else 0.0,
        "Dovecot": dovecot_cpu(dovecot.process.pid),
        "PostgreSQL": postgres_cpu(url),
        "Redis": process_cpu(redis_pid),
    }


def _wait_polled(url: str, mailboxes: int, started: float, since: str) -> float:
    while True:
        time.sleep(0.25)
        polled = _polled(url, since)
        if polled >= mailboxes:
            return time.monotonic() - started
        if time.monotonic() - started > 600:
            raise RuntimeError(f"only {polled} of {mailboxes} mailboxes polled in 600 s")


def scalar_text(url: str, sql: str) -> str:
    with psycopg.connect(url.replace("+psycopg", ""), connect_timeout=5) as conn:
        row = conn.execute(sql).fetchone()
    return str(row[0]) if row else ""


def _send_tick(config: Path, env: dict[str, str]) -> None:
    """Queue one `tick` (a poll of every office) now, as the beat does."""
    from intake.cluster.app import TASKS, make_app
    from intake.settings import load_settings

    make_app(load_settings(config, env), env).send_task(f"{TASKS}.tick")


def _ready(log: Path) -> bool:
    return log.exists() and "ready." in log.read_text(errors="replace")


def _polled(url: str, since: str) -> int:
    with contextlib.suppress(psycopg.Error):
        return scalar(
            url,
            "SELECT count(*) FROM poll_state WHERE folder = '*' AND last_result = 'ok' "
            f"AND last_finished_at > '{since}'::timestamptz",
        )
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mails", type=int, default=10_000)
    parser.add_argument("--mailboxes", type=int, default=200)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2, 4])
    parser.add_argument("--concurrency", type=int, default=2, help="threads per worker")
    parser.add_argument("--quick", action="store_true", help="400 mails over 20 mailboxes")
    parser.add_argument("--kill", action="store_true", help="kill a worker mid-burst")
    parser.add_argument("--broker", help="use this broker instead of a Redis of our own")
    parser.add_argument("--keep", action="store_true", help="keep the working folders")
    parser.add_argument(
        "--hosts",
        type=int,
        metavar="N",
        help="run the workers on N simulated hosts: network namespaces with addresses of "
        "their own, the servers on a bridge (needs root)",
    )
    parser.add_argument(
        "--idle-mailboxes",
        type=int,
        metavar="N",
        help="instead of a burst: time one poll of N empty mailboxes by the workers",
    )
    parser.add_argument(
        "--poll-threads", type=int, default=8, help="threads per worker for --idle-mailboxes"
    )
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(1))  # stop the servers and workers too
    if args.idle_mailboxes and args.hosts:
        parser.error("--hosts runs bursts only, not --idle-mailboxes")
    if args.idle_mailboxes:
        work = Path(tempfile.mkdtemp(prefix="intake-cluster-bench-"))
        try:
            for count in args.workers:
                folder = work / str(count)
                folder.mkdir()
                done = idle_poll(
                    args.idle_mailboxes, folder, workers=count, concurrency=args.poll_threads
                )
                print(done.line(args.idle_mailboxes, count, args.poll_threads), flush=True)
        finally:
            shutil.rmtree(work, ignore_errors=True)
        return 0
    if args.quick:
        args.mails, args.mailboxes = 400, 20
    ok = True
    for count in args.workers:
        work = Path(tempfile.mkdtemp(prefix="intake-cluster-bench-"))
        try:
            with contextlib.ExitStack() as stack:
                site = stack.enter_context(simulated_site(args.hosts, work)) if args.hosts else None
                outcome = run(
                    args.mails,
                    args.mailboxes,
                    count,
                    work,
                    concurrency=args.concurrency,
                    kill=args.kill,
                    broker=args.broker,
                    site=site,
                )
            if args.hosts:
                print(f"on {args.hosts} simulated hosts: ", end="")
            print(outcome.line(), flush=True)
            print("  " + json.dumps(outcome.counts, ensure_ascii=False), flush=True)
            if args.hosts:
                print(
                    f"  clients seen from: database {sorted(outcome.database_peers)}, "
                    f"broker {sorted(outcome.broker_peers)}, IMAP {sorted(outcome.imap_peers)}, "
                    f"SMTP {sorted(outcome.smtp_peers)}",
                    flush=True,
                )
            for problem in outcome.problems:
                print(f"  MISMATCH: {problem}", flush=True)
            ok = ok and outcome.ok
        finally:
            if args.keep:
                print(f"  kept: {work}")
            else:
                shutil.rmtree(work, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
