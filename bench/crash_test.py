"""Crash test: the worker killed with SIGKILL at random moments, then one clean run; all once.

A local Dovecot holds the mailboxes of several offices and an SMTP server (aiosmtpd) on
loopback records every mail it accepts (one JSON line each, in a file). Mails (mostly digital
forms: xlsx, docx, PDF with text; a few ID photos for OCR; questions; auto-replies) are
delivered in waves. `intake run --once` runs as a subprocess and is killed with SIGKILL, each
time at a moment chosen at random within a phase it watches from outside (the SQLite file, the
files folder): mid-fetch, mid-parse, right after a commit, mid-send, mid-digest. When a phase
does not come, the kill falls at a random time. After the kills, clean runs finish the work and
the counts are checked:

* every mail stored exactly once (rows, Message-IDs, ledger entries, raw files);
* every filing decided once (one filing per filing mail, one decision event per mail);
* every due reply received exactly once by the SMTP server (per Message-ID, per mail answered,
  per filing and kind), nothing received that the outbox does not hold;
* every office's digest made once and received once;
* nothing quarantined.

The SMTP server keeps a copy of each accepted mail in the sender's 已发送 folder before it answers
250, as servers that save submitted mail do: that copy is how a send cut by a kill is settled.

    .venv/bin/python bench/crash_test.py --seed 7 --mails 200 --kills 20

Prints the counts; exits 1 on any mismatch.
"""

from __future__ import annotations

import argparse
import base64
import contextlib
import hashlib
import imaplib
import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
import warnings
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.parser import BytesHeaderParser
from email.utils import format_datetime
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

import psycopg  # noqa: E402
from imap_tools import MailBoxUnencrypted  # noqa: E402

from intake.fetching.ledger import RAW_KIND, RAW_SUFFIX  # noqa: E402
from intake.privacy import crypto  # noqa: E402
from intake.store.files import FileStore  # noqa: E402
from tests.factories import loopback_config  # noqa: E402
from tests.servers import (  # noqa: E402
    Dovecot,
    _descendants,
    free_port,
    read_smtp_log,
    start_dovecot,
    start_smtp,
    wait_for_port,
)
from vocabulary.offices import OFFICES  # noqa: E402

DOCS = REPO / "samples" / "documents" / "out"
FORMS = sorted(
    [*DOCS.glob("form_*.xlsx"), *DOCS.glob("form_*.docx"), *DOCS.glob("form_*_text.pdf")]
)
ID_PHOTOS = sorted(DOCS.glob("idcard_front_0[14]_clean.*"))
PHASES = ("fetch", "parse", "commit", "send", "digest")  # the first four recur in every run
SENT = "已发送"
POLLED = ("INBOX",)  # the folders the deployment polls (`folders` of loopback_config)
DELAY = {"fetch": 0.02, "parse": 0.15, "commit": 0.004, "send": 0.05, "digest": 0.004}
WORKER = "import sys; from intake.commands.cli import main; sys.exit(main())"
PG_ADMIN = "postgresql://postgres@127.0.0.1:5432/postgres"


@dataclass(frozen=True)
class PlannedMail:
    """One mail of the test and whether a reply must come of it."""

    office: str
    mailbox: str
    message_id: str
    kind: str  # form | form_id | question | auto
    raw: bytes

    @property
    def wants_reply(self) -> bool:
        return self.kind != "auto"


@dataclass
class Kill:
    """One SIGKILL: the phase aimed at, the phase seen, and when."""

    aimed: str
    hit: str
    after: float


@dataclass
class Outcome:
    """The result of one crash test."""

    counts: dict[str, int]
    problems: list[str]
    kills: list[Kill] = field(default_factory=list)
    seconds: float = 0.0
    # what the check read, to check again (tests of the check itself)
    mails: list[PlannedMail] = field(default_factory=list)
    listing: list[ServerMail] = field(default_factory=list)
    url: str = ""
    keys: str = ""

    @property
    def ok(self) -> bool:
        return not self.problems


def plan_mails(count: int, offices: list[tuple[str, str]], rng: random.Random) -> list[PlannedMail]:
    """`count` mails to the offices in turn, from distinct senders; mostly digital forms."""
    start = datetime(2020, 5, 12, 1, 0, tzinfo=UTC)
    mails = []
    for index in range(count):
        code, mailbox = offices[index % len(offices)]
        roll = rng.random()
        kind = (
            "form_id"
            if roll < 0.03
            else "auto"
            if roll < 0.11
            else "question"
            if roll < 0.21
            else "form"
        )
        message_id = f"crash-{index}-{rng.getrandbits(40):x}@qq.com"
        message = EmailMessage()
        message["From"] = f"registrant{index}@qq.com"
        message["To"] = mailbox
        message["Date"] = format_datetime(start + timedelta(minutes=index))
        message["Message-ID"] = f"<{message_id}>"
        if kind == "auto":
            message["Subject"] = "自动回复：新媒体账号登记备案"
            message["Auto-Submitted"] = "auto-replied"
            message.set_content("您好，我现在休假中，稍后回复。")
        elif kind == "question":
            message["Subject"] = "咨询新媒体账号备案"
            message.set_content("您好，请问新媒体账号登记备案需要提交哪些材料？谢谢。")
        else:
            message["Subject"] = "新媒体账号登记备案"
            message.set_content("您好，附件是备案材料，请查收。")
            form = rng.choice(FORMS)
            message.add_attachment(
                form.read_bytes(),
                maintype="application",
                subtype="octet-stream",
                filename=f"备案表{form.suffix}",
            )
            if kind == "form_id":
                photo = rng.choice(ID_PHOTOS)
                message.add_attachment(
                    photo.read_bytes(), maintype="image", subtype="jpeg", filename=photo.name
                )
        mails.append(PlannedMail(code, mailbox, message_id, kind, message.as_bytes()))
    return mails


def write_config(
    work: Path,
    offices: list[tuple[str, str]],
    dovecot: Dovecot,
    smtp: int,
    database_url: str | None = None,
) -> Path:
    """The deployment's config: the tested offices on the loopback servers, the notice's other
    offices listed but disabled (so a filing transferred to one of them names its holder)."""
    return loopback_config(
        work,
        imap_port=dovecot.port,
        smtp_port=smtp,
        offices=dict(offices),
        database_url=database_url,
        password_env="PW_{code}",
        digest_at="00:00",
        others_disabled=True,
    )


def password(code: str) -> str:
    return f"code-{code}"


def deliver(dovecot: Dovecot, mails: list[PlannedMail]) -> None:
    """Append mails to their office's INBOX over IMAP (one connection per office)."""
    by_box: dict[str, list[PlannedMail]] = {}
    for mail in mails:
        by_box.setdefault(mail.mailbox, []).append(mail)
    for mailbox, batch in by_box.items():
        with MailBoxUnencrypted("127.0.0.1", dovecot.port) as box:
            box.login(mailbox, password(batch[0].office), initial_folder=None)
            for mail in batch:
                box.append(mail.raw, "INBOX", flag_set=())


def prepare_sent_folders(dovecot: Dovecot, offices: list[tuple[str, str]]) -> None:
    for code, mailbox in offices:
        with MailBoxUnencrypted("127.0.0.1", dovecot.port) as box:
            box.login(mailbox, password(code), initial_folder=None)
            if not box.folder.exists(SENT):
                box.folder.create(SENT)


def sent_copier(
    imap_port: int, passwords: dict[str, str], address: str = "127.0.0.1"
) -> Callable[[str, bytes], None]:
    """Keeps a copy of each accepted mail in the sender's sent folder (before the 250), over
    IMAP to the server at `address`."""

    def copy(mail_from: str, raw: bytes) -> None:
        secret = passwords.get(mail_from)
        if secret is None:
            return
        with MailBoxUnencrypted(address, imap_port) as box:
            box.login(mail_from, secret, initial_folder=None)
            box.append(raw, SENT, flag_set=())

    return copy


class StoreReader:
    """Reads the worker's database from outside, SQLite file or PostgreSQL alike; a database that
    is away (not made yet, locked, restarting) reads as nothing rather than raising."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._conn: Any = None

    @property
    def is_sqlite(self) -> bool:
        return self.url.startswith("sqlite")

    def _connection(self) -> Any:
        if self._conn is None:
            if self.is_sqlite:
                path = Path(self.url.removeprefix("sqlite:///"))
                if path.exists():
                    self._conn = sqlite3.connect(path, timeout=0.2, isolation_level=None)
            else:
                self._conn = psycopg.connect(
                    self.url.replace("+psycopg", ""), autocommit=True, connect_timeout=2
                )
        return self._conn

    def rows(self, sql: str) -> list[tuple[Any, ...]]:
        """All rows of a query; raises when the database cannot be read."""
        conn = self._connection()
        if conn is None:
            raise sqlite3.OperationalError("no database yet")
        return list(conn.execute(sql).fetchall())

    def scalar(self, sql: str) -> int:
        return int(self.rows(sql)[0][0])

    def close(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(Exception):
                self._conn.close()
            self._conn = None


class Watcher:
    """Looks at the worker's database and files folder from outside to tell its phase."""

    def __init__(self, work: Path, offices: int, url: str) -> None:
        self.files = work / "files"
        self.offices = offices
        self.reader = StoreReader(url)

    def snapshot(self) -> dict[str, int]:
        one = self.reader.scalar
        version = (
            "PRAGMA data_version"
            if self.reader.is_sqlite
            else "SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()"
        )
        try:
            return {
                "messages": one("SELECT count(*) FROM messages"),
                "waiting": one(
                    "SELECT count(*) FROM messages WHERE state IN ('stored','read','parsed')"
                ),
                "decided": one("SELECT count(*) FROM messages WHERE state = 'decided'"),
                "sent": one("SELECT count(*) FROM outbox WHERE state = 'sent'"),
                "unsent": one("SELECT count(*) FROM outbox WHERE state IN ('queued','sending')"),
                "digests": one("SELECT count(*) FROM digests"),
                "version": one(version),
            }
        except (sqlite3.Error, psycopg.Error):
            self.reader.close()
            return {}

    def digest_files(self) -> int:
        folder = self.files / "digests"
        return sum(1 for _ in folder.glob("*/*.html")) if folder.exists() else 0

    def close(self) -> None:
        self.reader.close()


def reached(aimed: str, before: dict[str, int], now: dict[str, int], watcher: Watcher) -> bool:
    """Whether the worker is in the phase aimed at (compared with the round's start)."""
    if not now:
        return False
    if aimed == "fetch":
        return now["messages"] > before.get("messages", 0)
    if aimed == "parse":
        return now["waiting"] > 0 and now["decided"] > before.get("decided", 0)
    if aimed == "commit":
        return before.get("version") is not None and now["version"] != before["version"]
    if aimed == "send":
        return now["sent"] > before.get("sent", 0) and now["unsent"] > 0
    if aimed == "digest":
        return watcher.digest_files() > 0 and now["digests"] < watcher.offices
    return False


def start_worker(
    config: Path, env: dict[str, str], log: Path, scheduler: bool = False
) -> subprocess.Popen[bytes]:
    """`intake run --once`, or with `scheduler` the long-running `intake run` (its jobs: poll
    and pipeline per office at once, sending and due digests after 30 s)."""
    handle = log.open("ab")
    how = ["run"] if scheduler else ["run", "--once"]
    return subprocess.Popen(
        [sys.executable, "-c", WORKER, *how, "--config", str(config), "-v"],
        cwd=REPO,
        env=env,
        stdout=handle,
        stderr=handle,
        start_new_session=True,
    )


def kill(process: subprocess.Popen[bytes]) -> None:
    """SIGKILL the worker and whatever it started (its own process group)."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(process.pid, signal.SIGKILL)
    process.wait(30)


def one_kill(
    aimed: str,
    config: Path,
    env: dict[str, str],
    watcher: Watcher,
    rng: random.Random,
    log: Path,
    typical: float,
    scheduler: bool = False,
) -> Kill | None:
    """Start the worker and kill it in the phase aimed at, else at a random moment; None when
    the worker finished before either came."""
    before = watcher.snapshot()
    process = start_worker(config, env, log, scheduler)
    started = time.monotonic()
    random_at = rng.uniform(0.3, max(0.6, typical))
    deadline = started + 600
    while process.poll() is None and time.monotonic() < deadline:
        now = watcher.snapshot()
        if aimed != "random" and reached(aimed, before, now, watcher):
            time.sleep(rng.uniform(0.0, DELAY[aimed]))
            if process.poll() is not None:
                return None
            kill(process)
            return Kill(aimed, aimed, time.monotonic() - started)
        if aimed == "random" and time.monotonic() - started >= random_at:
            kill(process)
            return Kill(aimed, phase_of(watcher.snapshot(), watcher), time.monotonic() - started)
        time.sleep(0.01)
    if process.poll() is None:
        kill(process)
        raise RuntimeError("the worker neither reached the phase nor finished within 600 s")
    return None


class SmtpProcess:
    """The recording SMTP server in a process of its own (so that it can be killed with
    SIGKILL), started again on the same port and log; it listens on `address`, where the
    IMAP server for the sent copies listens too."""

    def __init__(
        self,
        passwords: dict[str, str],
        log: Path,
        imap_port: int,
        sent_copy: bool,
        address: str = "127.0.0.1",
    ) -> None:
        self.address = address
        self.port = free_port(address)
        self.spec = {
            "address": address,
            "port": self.port,
            "passwords": passwords,
            "log": str(log),
            "imap_port": imap_port if sent_copy else 0,
        }
        self.process: subprocess.Popen[bytes] | None = None
        self.errors = log.with_suffix(".stderr")

    def start(self) -> None:
        self.process = subprocess.Popen(
            [sys.executable, __file__, "--serve-smtp", json.dumps(self.spec)],
            cwd=REPO,
            stdout=subprocess.DEVNULL,
            stderr=self.errors.open("ab"),
            start_new_session=True,
        )
        wait_for_port(self.port, 30, self.address)

    def kill(self) -> None:
        if self.process is not None:
            kill(self.process)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                kill(self.process)


def serve_smtp(spec: dict[str, Any]) -> None:
    """The SMTP server's process: serve until killed (see `SmtpProcess`)."""
    passwords = dict(spec["passwords"])
    address = str(spec.get("address", "127.0.0.1"))
    imap_port = int(spec["imap_port"])
    copier = sent_copier(imap_port, passwords, address) if imap_port else None
    start_smtp(
        passwords, log=Path(spec["log"]), on_accept=copier, port=int(spec["port"]), address=address
    )
    signal.signal(signal.SIGTERM, lambda *_: os._exit(0))
    while True:
        time.sleep(3600)


def pg_cluster(action: str, *options: str) -> None:
    """Act on the machine's PostgreSQL cluster (start, stop...)."""
    version = sorted(os.listdir("/etc/postgresql"))[-1]
    subprocess.run(
        ["pg_ctlcluster", "--skip-systemctl-redirect", version, "main", action, *options],
        check=True,
        capture_output=True,
        timeout=120,
    )


def pg_up() -> bool:
    try:
        with psycopg.connect(PG_ADMIN, connect_timeout=2) as conn:
            conn.execute("SELECT 1")
        return True
    except psycopg.OperationalError:
        return False


@contextlib.contextmanager
def temporary_pg_database() -> Iterator[str]:
    """A new database on the local PostgreSQL, dropped afterwards."""
    name = f"intake_crash_{os.getpid()}_{random.SystemRandom().getrandbits(32):x}"
    with psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=5) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+psycopg://postgres@127.0.0.1:5432/{name}"
    finally:
        if not pg_up():
            pg_cluster("start")
        with psycopg.connect(PG_ADMIN, autocommit=True, connect_timeout=10) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class Servers:
    """The servers a crash run may kill: Dovecot, the SMTP server, PostgreSQL."""

    def __init__(self, dovecot: Dovecot, smtp: SmtpProcess, postgresql: bool) -> None:
        self.dovecot = dovecot
        self.smtp = smtp
        self.postgresql = postgresql

    @property
    def names(self) -> list[str]:
        return ["dovecot", "smtp", *(["postgresql"] if self.postgresql else [])]

    def kill(self, name: str) -> None:
        """SIGKILL the server (PostgreSQL: an immediate stop, which is one)."""
        if name == "dovecot":
            process = self.dovecot.process
            serving = _descendants(process.pid)
            for pid in [process.pid, *serving]:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
            process.wait(30)
        elif name == "smtp":
            self.smtp.kill()
        else:
            pg_cluster("stop", "-m", "immediate")

    def start(self, name: str) -> None:
        if name == "dovecot":
            self.dovecot.start()
        elif name == "smtp":
            self.smtp.start()
        else:
            pg_cluster("start")
            deadline = time.monotonic() + 60
            while not pg_up() and time.monotonic() < deadline:
                time.sleep(0.2)


def server_kill(
    name: str,
    servers: Servers,
    config: Path,
    env: dict[str, str],
    watcher: Watcher,
    rng: random.Random,
    log: Path,
    typical: float,
) -> Kill | None:
    """Start the worker, kill one server at a random moment of its run, keep it down a moment,
    start it again and let the worker finish (or kill it after 600 s); None when the worker
    finished before the moment came."""
    process = start_worker(config, env, log)
    started = time.monotonic()
    at = rng.uniform(0.2, max(0.4, typical))
    while process.poll() is None and time.monotonic() - started < at:
        time.sleep(0.01)
    if process.poll() is not None:
        return None
    hit = phase_of(watcher.snapshot(), watcher)
    servers.kill(name)
    time.sleep(rng.uniform(0.2, 3.0))
    servers.start(name)
    try:
        process.wait(600)
    except subprocess.TimeoutExpired:
        kill(process)
        raise RuntimeError(f"the worker hung for 600 s after {name} was killed") from None
    return Kill(name, hit, at)


def phase_of(now: dict[str, int], watcher: Watcher) -> str:
    """A rough name for what the worker was doing (for a random-time kill)."""
    if not now:
        return "start-up"
    if now["waiting"]:
        return "parse"
    if now["unsent"]:
        return "send"
    if now["digests"] < watcher.offices:
        return "digest"
    return "idle"


def clean_run(config: Path, env: dict[str, str], log: Path) -> int:
    process = start_worker(config, env, log)
    try:
        return process.wait(900)
    finally:
        if process.poll() is None:
            kill(process)


@dataclass(frozen=True)
class ServerMail:
    """One mail as the IMAP server lists it: where it is, and the SHA-256 of its bytes."""

    office: str
    folder: str
    uidvalidity: int
    uid: int
    sha256: str
    message_id: str
    in_reply_to: str


def imap_utf7(name: str) -> str:
    """A folder name in IMAP's modified UTF-7 (RFC 3501 5.1.3), quoted."""
    out, pending = [], ""

    def flush() -> None:
        nonlocal pending
        if pending:
            encoded = base64.b64encode(pending.encode("utf-16-be")).decode().rstrip("=")
            out.append("&" + encoded.replace("/", ",") + "-")
            pending = ""

    for char in name:
        if 0x20 <= ord(char) <= 0x7E:
            flush()
            out.append("&-" if char == "&" else char)
        else:
            pending += char
    flush()
    return '"' + "".join(out) + '"'


def server_listing(dovecot: Dovecot, offices: list[tuple[str, str]]) -> list[ServerMail]:
    """Every UID of every folder of every office's mailbox, with the hash of its bytes, read
    with the server's own IMAP (`BODY.PEEK[]`, nothing changed)."""
    found: list[ServerMail] = []
    for code, mailbox in offices:
        client = imaplib.IMAP4("127.0.0.1", dovecot.port)
        try:
            client.login(mailbox, password(code))
            _, listed = client.list()
            names = []
            for item in listed:
                text = item.decode() if isinstance(item, bytes) else str(item)
                names.append(text.rsplit(' "/" ', 1)[1].strip('"'))
            for encoded in names:
                name = imaplib_decode(encoded)
                status, _ = client.select(imap_utf7(name), readonly=True)
                assert status == "OK", (mailbox, name)
                _, validity = client.response("UIDVALIDITY")
                uidvalidity = int(validity[0])
                _, data = client.uid("FETCH", "1:*", "(UID BODY.PEEK[])")
                for part in data:
                    if not isinstance(part, tuple):
                        continue
                    head, body = part
                    uid = int(head.decode().split("UID ", 1)[1].split()[0])
                    header = BytesHeaderParser().parsebytes(body)
                    message_id = str(header.get("Message-ID", "")).strip().strip("<>")
                    in_reply_to = str(header.get("In-Reply-To", "")).strip().strip("<>")
                    found.append(
                        ServerMail(
                            code,
                            name,
                            uidvalidity,
                            uid,
                            hashlib.sha256(body).hexdigest(),
                            message_id,
                            in_reply_to,
                        )
                    )
        finally:
            with contextlib.suppress(Exception):
                client.logout()
    return found


def imaplib_decode(encoded: str) -> str:
    """A folder name from IMAP's modified UTF-7."""
    out, index = [], 0
    while index < len(encoded):
        char = encoded[index]
        if char != "&":
            out.append(char)
            index += 1
            continue
        end = encoded.index("-", index)
        chunk = encoded[index + 1 : end]
        if chunk:
            padded = chunk.replace(",", "/") + "=" * (-len(chunk) % 4)
            out.append(base64.b64decode(padded).decode("utf-16-be"))
        else:
            out.append("&")
        index = end + 1
    return "".join(out)


def as_delivered(raw: bytes) -> bytes:
    """The bytes an IMAP server hands back for a mail appended as `raw`: CRLF line ends."""
    return raw.replace(b"\r\n", b"\n").replace(b"\n", b"\r\n")


def check_bytes_and_listing(
    reader: StoreReader,
    files: FileStore,
    listing: list[ServerMail],
    mails: list[PlannedMail],
    counts: dict[str, int],
) -> list[str]:
    """The IMAP server's listing against the store's ledger, and the stored raw bytes (read back
    through the program's own file store, so decrypted and hash-checked) against the bytes
    delivered: nothing delivered missing, nothing stored that was not delivered."""
    problems: list[str] = []
    polled = {(m.office, m.folder, m.uidvalidity, m.uid): m for m in listing if m.folder in POLLED}
    ledger = {
        (str(o), str(f), int(v), int(u)): str(sha)
        for o, f, v, u, sha in reader.rows(
            "SELECT e.office, e.folder, e.uidvalidity, e.uid, m.sha256 "
            "FROM mailbox_entries e JOIN messages m ON m.id = e.message_pk"
        )
    }
    counts["server UIDs (all folders)"] = len(listing)
    counts["server UIDs polled"] = len(polled)
    unseen = sorted(set(polled) - set(ledger))
    if unseen:
        problems.append(f"on the server, not in the ledger: {unseen[:5]}")
    phantom = sorted(set(ledger) - set(polled))
    if phantom:
        problems.append(f"in the ledger, not on the server: {phantom[:5]}")
    differ = [key for key in set(polled) & set(ledger) if polled[key].sha256 != ledger[key]]
    if differ:
        problems.append(f"ledger hash differs from the server's bytes: {sorted(differ)[:5]}")
    on_server = {m.sha256 for m in polled.values()}
    delivered = {hashlib.sha256(as_delivered(m.raw)).hexdigest(): m.message_id for m in mails}
    not_on_server = [mid for sha, mid in delivered.items() if sha not in on_server]
    if not_on_server:
        problems.append(f"delivered, but the server holds other bytes: {not_on_server[:5]}")
    stored = reader.rows("SELECT sha256 FROM messages WHERE purged_at IS NULL")
    matched, unreadable, strays = 0, [], []
    for (sha,) in stored:
        try:
            plain = files.read(RAW_KIND, str(sha), RAW_SUFFIX)
        except Exception as error:  # a missing, damaged or undecryptable file
            unreadable.append(f"{sha[:12]}: {error}")
            continue
        digest = hashlib.sha256(plain).hexdigest()
        if digest != sha or digest not in delivered:
            strays.append(str(sha)[:12])
        else:
            matched += 1
    counts["raw files read back, bytes as delivered"] = matched
    if unreadable:
        problems.append(f"stored raw files that do not read: {unreadable[:3]}")
    if strays:
        problems.append(f"stored raw mail that was not delivered: {strays[:5]}")
    if matched != len(delivered):
        problems.append(f"{matched} stored raw files match the {len(delivered)} mails delivered")
    return problems


def received_counts(smtp_log: Path, listing: list[ServerMail], key: str) -> Counter[str]:
    """How often the SMTP server took a mail, per `key` (message_id or in_reply_to): by its log,
    or by the copy it keeps in the sender's sent folder before answering 250 (a server killed
    between the two kept the copy, so it had accepted the mail), whichever counts more."""
    logged = Counter(str(r[key]) for r in read_smtp_log(smtp_log) if r[key])
    copied = Counter(str(getattr(m, key)) for m in listing if m.folder == SENT and getattr(m, key))
    return Counter({mid: max(logged[mid], copied[mid]) for mid in set(logged) | set(copied)})


def check(
    work: Path,
    mails: list[PlannedMail],
    smtp_log: Path,
    offices: int,
    url: str,
    files: FileStore,
    listing: list[ServerMail],
) -> Outcome:
    """Count what the store, the IMAP server and the SMTP server hold; every mismatch becomes a
    problem."""
    problems: list[str] = []
    db = StoreReader(url)
    rows = db.rows("SELECT id, message_id, state, filing_id, nature FROM messages ORDER BY id")
    by_mid = Counter(r[1] for r in rows)
    planned = {m.message_id: m for m in mails}
    counts: dict[str, int] = {"mails delivered": len(mails), "messages stored": len(rows)}
    stored_twice = [mid for mid, n in by_mid.items() if n > 1]
    missing = [mid for mid in planned if by_mid[mid] == 0]
    if stored_twice:
        problems.append(f"stored more than once: {stored_twice[:5]}")
    if missing:
        problems.append(f"never stored: {missing[:5]}")
    entries = db.scalar("SELECT count(*) FROM mailbox_entries")
    counts["ledger entries"] = entries
    if entries != len(mails):
        problems.append(f"{entries} ledger entries for {len(mails)} mails")
    raw_files = list((work / "files" / "raw").glob("*/*.eml"))
    counts["raw files"] = len(raw_files)
    if len(raw_files) != len(mails):
        problems.append(f"{len(raw_files)} raw files for {len(mails)} mails")
    counts["temporary files left"] = sum(1 for _ in (work / "files").rglob(".tmp-*"))

    states = Counter(r[2] for r in rows)
    counts["decided"] = states.get("decided", 0)
    counts["quarantined"] = states.get("quarantined", 0)
    if states.get("quarantined"):
        errors = db.rows("SELECT id, last_error FROM messages WHERE state = 'quarantined'")
        problems.append(f"quarantined: {errors[:3]}")
    if counts["decided"] != len(mails):
        problems.append(f"only {counts['decided']} of {len(mails)} decided: {dict(states)}")

    filing_of = {r[1]: r[3] for r in rows}
    filings = db.rows("SELECT id FROM filings")
    counts["filings"] = len(filings)
    per_filing = Counter(f for f in filing_of.values() if f is not None)
    shared = [f for f, n in per_filing.items() if n > 1]
    if shared:
        problems.append(f"filings holding mails of different senders: {shared[:5]}")
    if len(filings) != len(per_filing):
        problems.append(f"{len(filings)} filings but {len(per_filing)} with a mail")
    no_filing = [
        m.message_id for m in mails if m.kind.startswith("form") and not filing_of.get(m.message_id)
    ]
    if no_filing:
        problems.append(f"filing mails without a filing: {no_filing[:5]}")
    events = Counter(r[0] for r in db.rows("SELECT message_pk FROM filing_events"))
    counts["decision events"] = sum(events.values())
    twice = [pk for pk, n in events.items() if n > 1]
    if twice:
        problems.append(f"mails decided more than once: {twice[:5]}")
    if counts["decision events"] != len(per_filing):
        problems.append(
            f"{counts['decision events']} decision events for {len(per_filing)} filings"
        )

    outbox = db.rows("SELECT message_id, kind, state, filing_id, office, last_error FROM outbox")
    got = received_counts(smtp_log, listing, "message_id")
    counts["outbox replies"] = sum(1 for o in outbox if o[1] != "digest")
    counts["replies received"] = sum(got[o[0]] for o in outbox if o[1] != "digest")
    counts["digests queued"] = sum(1 for o in outbox if o[1] == "digest")
    counts["digests received"] = sum(got[o[0]] for o in outbox if o[1] == "digest")
    counts["received twice"] = sum(1 for n in got.values() if n > 1)
    counts["sends settled from 已发送"] = sum(
        1 for o in outbox if (o[5] or "").startswith("found in the sent folder")
    )
    known = {o[0] for o in outbox}
    strays = [mid for mid in got if mid not in known]
    if strays:
        problems.append(f"received mails the outbox does not hold: {strays[:5]}")
    # A reply held for a person (review before sending) is due only once someone approves it:
    # it must not have gone out, and the mail it answers wants no reply yet.
    held_for = {
        str(r[0])
        for r in db.rows(
            "SELECT m.message_id FROM outbox o JOIN messages m ON m.id = o.message_pk "
            "WHERE o.state = 'held'"
        )
    }
    counts["replies held for a person"] = sum(1 for o in outbox if o[2] == "held")
    for message_id, kind, state, _filing, _office, error in outbox:
        if state == "held":
            if got[message_id]:
                problems.append(f"held {kind} {message_id} received {got[message_id]} times")
            continue
        if state != "sent" or got[message_id] != 1:
            problems.append(
                f"{kind} {message_id}: state {state}, received {got[message_id]} times ({error})"
            )
    per_kind = Counter((o[3], o[1]) for o in outbox if o[1] != "digest" and o[2] != "held")
    received_per_kind = Counter(
        (o[3], o[1]) for o in outbox if o[1] != "digest" for _ in range(got[o[0]])
    )
    if per_kind != received_per_kind:
        problems.append("replies per (filing, kind) differ from what the outbox holds")
    answers = received_counts(smtp_log, listing, "in_reply_to")
    for mail in mails:
        expected = 1 if mail.wants_reply and mail.message_id not in held_for else 0
        if answers[mail.message_id] != expected:
            problems.append(
                f"{mail.kind} mail {mail.message_id} answered {answers[mail.message_id]} times"
            )
    counts["mails answered"] = sum(1 for m in mails if answers[m.message_id])
    counts["mails wanting a reply"] = sum(
        1 for m in mails if m.wants_reply and m.message_id not in held_for
    )

    digests = db.rows("SELECT office, day, count(*) FROM digests GROUP BY office, day")
    counts["digests made"] = sum(n for _, _, n in digests)
    if len(digests) != offices or any(n != 1 for _, _, n in digests):
        problems.append(f"digests per office and day: {digests}")
    per_office = Counter(o[4] for o in outbox if o[1] == "digest" for _ in range(got[o[0]]))
    if sorted(per_office.values()) != [1] * offices:
        problems.append(f"digest mails received per office: {dict(per_office)}")
    problems += check_bytes_and_listing(db, files, listing, mails, counts)
    db.close()
    return Outcome(counts, problems)


def run(
    seed: int,
    mail_count: int,
    kills: int,
    office_count: int,
    work: Path,
    sent_copy: bool = True,
    scheduler: bool = False,
    servers: bool = False,
    database_url: str | None = None,
) -> Outcome:
    """The whole test in `work`; servers started and stopped here. With `servers`, the kills
    fall in turn on the worker, Dovecot, the SMTP server and (with a PostgreSQL
    `database_url`) PostgreSQL."""
    began = time.monotonic()
    rng = random.Random(seed)
    offices = [(o.code, o.mailbox) for o in OFFICES[:office_count]]
    passwords = {mailbox: password(code) for code, mailbox in offices}
    dovecot = start_dovecot(passwords)
    smtp_log = work / "smtp.jsonl"
    url = database_url or f"sqlite:///{work / 'intake.db'}"
    smtp = SmtpProcess(passwords, smtp_log, dovecot.port, sent_copy)
    watcher = Watcher(work, len(offices), url)
    try:
        smtp.start()
        prepare_sent_folders(dovecot, offices)
        config = write_config(work, offices, dovecot, smtp.port, database_url)
        env = {**os.environ, **{f"PW_{code}": password(code) for code, _ in offices}}
        env.pop("INTAKE_CONFIG", None)
        env["INTAKE_KEYS"] = "crash:" + base64.b64encode(rng.randbytes(32)).decode()
        mails = plan_mails(mail_count, offices, rng)
        # a wave of mail before every kill, so each run has mail to fetch, parse and answer
        size = -(-len(mails) // max(1, kills))
        batches = [mails[i : i + size] for i in range(0, len(mails), size)]
        # digests are made once per office and day, so only the first runs can die making them
        aims = ["digest"] + [PHASES[i % 4] for i in range(kills - 1)]
        rng.shuffle(aims)
        aims.remove("digest")
        aims.insert(0, "digest")
        down = Servers(dovecot, smtp, url.startswith("postgresql"))
        victims = ["worker", *down.names] if servers else ["worker"]
        log = work / "worker.log"
        done: list[Kill] = []
        typical = 40.0 if scheduler else 3.0
        round_no = 0
        while len(done) < kills:
            if round_no < len(batches):
                deliver(dovecot, batches[round_no])
            elif round_no >= len(batches) + 4 * kills:
                raise RuntimeError(f"only {len(done)} kills after {round_no} rounds")
            victim = victims[len(done) % len(victims)]
            started = time.monotonic()
            if victim == "worker":
                aimed = aims[len(done)] if round_no < len(batches) + 2 * kills else "random"
                if aimed == "digest" and watcher.snapshot().get("digests", 0) >= len(offices):
                    aimed = rng.choice(PHASES[:4])
                result = one_kill(aimed, config, env, watcher, rng, log, typical, scheduler)
                if result is None:
                    typical = max(0.6, (time.monotonic() - started) * 0.9)
                    result = one_kill("random", config, env, watcher, rng, log, typical, scheduler)
            else:
                result = server_kill(victim, down, config, env, watcher, rng, log, typical)
                if result is None:
                    typical = max(0.4, (time.monotonic() - started) * 0.9)
            if result is not None:
                done.append(result)
                print(
                    f"kill {len(done):2d}: aimed at {result.aimed:<10} hit {result.hit:<8} "
                    f"after {result.after:5.2f} s",
                    flush=True,
                )
            round_no += 1
        for batch in batches[round_no:]:
            deliver(dovecot, batch)
        watcher.close()
        # a send refused while a server was down waits minutes before its next attempt; the
        # test does not wait them out: what waits is made due now (as time passing would)
        backed_off = release_back_off(url)
        codes = [clean_run(config, env, log)]
        while not settled(url) and len(codes) < 4:
            codes.append(clean_run(config, env, log))
        files = FileStore(work / "files", crypto.load_keyring(None, env))
        listing = server_listing(dovecot, offices)
        outcome = check(work, mails, smtp_log, len(offices), url, files, listing)
        outcome.counts["clean runs"] = len(codes)
        outcome.counts["sends backed off, made due"] = backed_off
        if any(codes):
            outcome.problems.append(f"clean runs exited {codes} (see {log})")
        outcome.kills = done
        outcome.seconds = time.monotonic() - began
        outcome.mails, outcome.listing = mails, listing
        outcome.url, outcome.keys = url, env["INTAKE_KEYS"]
        return outcome
    finally:
        watcher.close()
        smtp.stop()
        dovecot.close()


def release_back_off(url: str) -> int:
    """Make every queued send that waits out a back-off due now; how many there were."""
    if url.startswith("sqlite"):
        path = Path(url.removeprefix("sqlite:///"))
        if not path.exists():  # no run yet: nothing waits
            return 0
        with contextlib.closing(sqlite3.connect(path)) as conn, conn:
            cursor = conn.execute(
                "UPDATE outbox SET not_before = NULL "
                "WHERE state = 'queued' AND not_before IS NOT NULL AND last_error IS NOT NULL"
            )
            return int(cursor.rowcount)
    with psycopg.connect(url.replace("+psycopg", ""), autocommit=True) as pg:
        updated = pg.execute(
            "UPDATE outbox SET not_before = NULL "
            "WHERE state = 'queued' AND not_before IS NOT NULL AND last_error IS NOT NULL"
        )
        return int(updated.rowcount)


def settled(url: str) -> bool:
    """Nothing waits: no message between steps, nothing queued or being sent."""
    db = StoreReader(url)
    try:
        waiting = db.scalar(
            "SELECT count(*) FROM messages WHERE state IN ('stored','read','parsed')"
        )
        unsent = db.scalar("SELECT count(*) FROM outbox WHERE state IN ('queued','sending')")
        return waiting == 0 and unsent == 0
    finally:
        db.close()


def report(outcome: Outcome, seed: int) -> str:
    lines = [f"crash test, seed {seed}: {len(outcome.kills)} kills in {outcome.seconds:.0f} s"]
    hits = Counter(k.hit for k in outcome.kills)
    lines.append("kills by phase: " + ", ".join(f"{k} {n}" for k, n in sorted(hits.items())))
    width = max(len(k) for k in outcome.counts)
    lines += [f"  {k:<{width}}  {v}" for k, v in outcome.counts.items()]
    lines += [f"MISMATCH: {p}" for p in outcome.problems]
    lines.append("OK" if outcome.ok else f"FAILED: {len(outcome.problems)} mismatches")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--mails", type=int, default=200)
    parser.add_argument("--kills", type=int, default=20)
    parser.add_argument("--offices", type=int, default=4)
    parser.add_argument("--keep", action="store_true", help="keep the working folder")
    parser.add_argument(
        "--no-sent-copy",
        action="store_true",
        help="the SMTP server keeps no copy in 已发送: a kill between its 250 and our commit "
        "then sends that reply twice (shows what the check catches)",
    )
    parser.add_argument(
        "--scheduler",
        action="store_true",
        help="kill the long-running `intake run` (the scheduler and its jobs) instead of "
        "`intake run --once`; slower, as sending starts 30 s after each start",
    )
    parser.add_argument(
        "--servers",
        action="store_true",
        help="kill, in turn, the worker, Dovecot, the SMTP server and (with --postgresql) "
        "PostgreSQL, each at a random moment of a run, then start it again",
    )
    parser.add_argument(
        "--postgresql",
        action="store_true",
        help="the store on a temporary database of the local PostgreSQL (with --servers the "
        "machine's cluster is stopped immediately and started again)",
    )
    parser.add_argument("--serve-smtp", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.serve_smtp:
        serve_smtp(json.loads(args.serve_smtp))
        return 0
    warnings.filterwarnings("ignore", message="Session.login_data is deprecated")
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(10**6)
    work = Path(tempfile.mkdtemp(prefix="intake-crash-"))
    try:
        with contextlib.ExitStack() as stack:
            url = stack.enter_context(temporary_pg_database()) if args.postgresql else None
            outcome = run(
                seed,
                args.mails,
                args.kills,
                args.offices,
                work,
                sent_copy=not args.no_sent_copy,
                scheduler=args.scheduler,
                servers=args.servers,
                database_url=url,
            )
        print(report(outcome, seed))
        if not outcome.ok or args.keep:
            print(f"working folder kept: {work}")
        return 0 if outcome.ok else 1
    finally:
        if not args.keep and "outcome" in locals() and outcome.ok:
            import shutil

            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
