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
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from imap_tools import MailBoxUnencrypted  # noqa: E402

from tests.factories import loopback_config  # noqa: E402
from tests.servers import Dovecot, SmtpServer, read_smtp_log, start_dovecot, start_smtp  # noqa: E402
from vocabulary.offices import OFFICES  # noqa: E402

DOCS = REPO / "samples" / "documents" / "out"
FORMS = sorted(
    [*DOCS.glob("form_*.xlsx"), *DOCS.glob("form_*.docx"), *DOCS.glob("form_*_text.pdf")]
)
ID_PHOTOS = sorted(DOCS.glob("idcard_front_0[14]_clean.*"))
PHASES = ("fetch", "parse", "commit", "send", "digest")  # the first four recur in every run
SENT = "已发送"
DELAY = {"fetch": 0.02, "parse": 0.15, "commit": 0.004, "send": 0.05, "digest": 0.004}
WORKER = "import sys; from intake.commands.cli import main; sys.exit(main())"


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


def write_config(work: Path, offices: list[tuple[str, str]], dovecot: Dovecot, smtp: int) -> Path:
    """The deployment's config: the tested offices on the loopback servers, the notice's other
    offices listed but disabled (so a filing transferred to one of them names its holder)."""
    return loopback_config(
        work,
        imap_port=dovecot.port,
        smtp_port=smtp,
        offices=dict(offices),
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


def sent_copier(dovecot: Dovecot, passwords: dict[str, str]) -> object:
    """Keeps a copy of each accepted mail in the sender's sent folder (before the 250)."""

    def copy(mail_from: str, raw: bytes) -> None:
        secret = passwords.get(mail_from)
        if secret is None:
            return
        with MailBoxUnencrypted("127.0.0.1", dovecot.port) as box:
            box.login(mail_from, secret, initial_folder=None)
            box.append(raw, SENT, flag_set=())

    return copy


class Watcher:
    """Looks at the worker's SQLite file and files folder from outside to tell its phase."""

    def __init__(self, work: Path, offices: int) -> None:
        self.db = work / "intake.db"
        self.files = work / "files"
        self.offices = offices
        self._conn: sqlite3.Connection | None = None
        self._version: int | None = None

    def _connection(self) -> sqlite3.Connection | None:
        if self._conn is None and self.db.exists():
            with contextlib.suppress(sqlite3.Error):
                self._conn = sqlite3.connect(self.db, timeout=0.2, isolation_level=None)
        return self._conn

    def snapshot(self) -> dict[str, int]:
        conn = self._connection()
        if conn is None:
            return {}

        def one(sql: str) -> int:
            return int(conn.execute(sql).fetchone()[0])

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
                "version": one("PRAGMA data_version"),
            }
        except sqlite3.Error:
            return {}

    def digest_files(self) -> int:
        folder = self.files / "digests"
        return sum(1 for _ in folder.glob("*/*.html")) if folder.exists() else 0

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


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


def check(work: Path, mails: list[PlannedMail], smtp_log: Path, offices: int) -> Outcome:
    """Count what the store and the SMTP server hold; every mismatch becomes a problem."""
    problems: list[str] = []
    db = sqlite3.connect(work / "intake.db")
    rows = db.execute(
        "SELECT id, message_id, state, filing_id, nature FROM messages ORDER BY id"
    ).fetchall()
    by_mid = Counter(r[1] for r in rows)
    planned = {m.message_id: m for m in mails}
    counts: dict[str, int] = {"mails delivered": len(mails), "messages stored": len(rows)}
    stored_twice = [mid for mid, n in by_mid.items() if n > 1]
    missing = [mid for mid in planned if by_mid[mid] == 0]
    if stored_twice:
        problems.append(f"stored more than once: {stored_twice[:5]}")
    if missing:
        problems.append(f"never stored: {missing[:5]}")
    entries = db.execute("SELECT count(*) FROM mailbox_entries").fetchone()[0]
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
        errors = db.execute(
            "SELECT id, last_error FROM messages WHERE state = 'quarantined'"
        ).fetchall()
        problems.append(f"quarantined: {errors[:3]}")
    if counts["decided"] != len(mails):
        problems.append(f"only {counts['decided']} of {len(mails)} decided: {dict(states)}")

    filing_of = {r[1]: r[3] for r in rows}
    filings = db.execute("SELECT id FROM filings").fetchall()
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
    events = Counter(r[0] for r in db.execute("SELECT message_pk FROM filing_events").fetchall())
    counts["decision events"] = sum(events.values())
    twice = [pk for pk, n in events.items() if n > 1]
    if twice:
        problems.append(f"mails decided more than once: {twice[:5]}")
    if counts["decision events"] != len(per_filing):
        problems.append(
            f"{counts['decision events']} decision events for {len(per_filing)} filings"
        )

    outbox = db.execute(
        "SELECT message_id, kind, state, filing_id, office, last_error FROM outbox"
    ).fetchall()
    received = read_smtp_log(smtp_log)
    got = Counter(str(r["message_id"]) for r in received)
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
    for message_id, kind, state, _filing, _office, error in outbox:
        if state != "sent" or got[message_id] != 1:
            problems.append(
                f"{kind} {message_id}: state {state}, received {got[message_id]} times ({error})"
            )
    per_kind = Counter((o[3], o[1]) for o in outbox if o[1] != "digest")
    received_per_kind = Counter(
        (o[3], o[1]) for o in outbox if o[1] != "digest" for _ in range(got[o[0]])
    )
    if per_kind != received_per_kind:
        problems.append("replies per (filing, kind) differ from what the outbox holds")
    answers = Counter(str(r["in_reply_to"]) for r in received if r["in_reply_to"])
    for mail in mails:
        expected = 1 if mail.wants_reply else 0
        if answers[mail.message_id] != expected:
            problems.append(
                f"{mail.kind} mail {mail.message_id} answered {answers[mail.message_id]} times"
            )
    counts["mails answered"] = sum(1 for m in mails if answers[m.message_id])
    counts["mails wanting a reply"] = sum(1 for m in mails if m.wants_reply)

    digests = db.execute(
        "SELECT office, day, count(*) FROM digests GROUP BY office, day"
    ).fetchall()
    counts["digests made"] = sum(n for _, _, n in digests)
    if len(digests) != offices or any(n != 1 for _, _, n in digests):
        problems.append(f"digests per office and day: {digests}")
    per_office = Counter(o[4] for o in outbox if o[1] == "digest" for _ in range(got[o[0]]))
    if sorted(per_office.values()) != [1] * offices:
        problems.append(f"digest mails received per office: {dict(per_office)}")
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
) -> Outcome:
    """The whole test in `work`; servers started and stopped here."""
    began = time.monotonic()
    rng = random.Random(seed)
    offices = [(o.code, o.mailbox) for o in OFFICES[:office_count]]
    passwords = {mailbox: password(code) for code, mailbox in offices}
    dovecot = start_dovecot(passwords)
    smtp_log = work / "smtp.jsonl"
    smtp: SmtpServer | None = None
    watcher = Watcher(work, len(offices))
    try:
        copier = sent_copier(dovecot, passwords) if sent_copy else None
        smtp = start_smtp(passwords, log=smtp_log, on_accept=copier)  # type: ignore[arg-type]
        prepare_sent_folders(dovecot, offices)
        config = write_config(work, offices, dovecot, smtp.port)
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
        log = work / "worker.log"
        done: list[Kill] = []
        typical = 40.0 if scheduler else 3.0
        round_no = 0
        while len(done) < kills:
            if round_no < len(batches):
                deliver(dovecot, batches[round_no])
            elif round_no >= len(batches) + 4 * kills:
                raise RuntimeError(f"only {len(done)} kills after {round_no} rounds")
            aimed = aims[len(done)] if round_no < len(batches) + 2 * kills else "random"
            if aimed == "digest" and watcher.snapshot().get("digests", 0) >= len(offices):
                aimed = rng.choice(PHASES[:4])
            started = time.monotonic()
            result = one_kill(aimed, config, env, watcher, rng, log, typical, scheduler)
            if result is None:
                typical = max(0.6, (time.monotonic() - started) * 0.9)
                result = one_kill("random", config, env, watcher, rng, log, typical, scheduler)
            if result is not None:
                done.append(result)
                print(
                    f"kill {len(done):2d}: aimed at {result.aimed:<6} hit {result.hit:<8} "
                    f"after {result.after:5.2f} s",
                    flush=True,
                )
            round_no += 1
        for batch in batches[round_no:]:
            deliver(dovecot, batch)
        watcher.close()
        codes = [clean_run(config, env, log)]
        while not settled(work) and len(codes) < 4:
            codes.append(clean_run(config, env, log))
        outcome = check(work, mails, smtp_log, len(offices))
        outcome.counts["clean runs"] = len(codes)
        if any(codes):
            outcome.problems.append(f"clean runs exited {codes} (see {log})")
        outcome.kills = done
        outcome.seconds = time.monotonic() - began
        return outcome
    finally:
        watcher.close()
        if smtp is not None:
            smtp.stop()
        dovecot.close()


def settled(work: Path) -> bool:
    """Nothing waits: no message between steps, nothing queued or being sent."""
    db = sqlite3.connect(work / "intake.db")
    try:
        waiting = db.execute(
            "SELECT count(*) FROM messages WHERE state IN ('stored','read','parsed')"
        ).fetchone()[0]
        unsent = db.execute(
            "SELECT count(*) FROM outbox WHERE state IN ('queued','sending')"
        ).fetchone()[0]
        return bool(waiting == 0 and unsent == 0)
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
    args = parser.parse_args(argv)
    warnings.filterwarnings("ignore", message="Session.login_data is deprecated")
    seed = args.seed if args.seed is not None else random.SystemRandom().randrange(10**6)
    work = Path(tempfile.mkdtemp(prefix="intake-crash-"))
    try:
        outcome = run(
            seed,
            args.mails,
            args.kills,
            args.offices,
            work,
            sent_copy=not args.no_sent_copy,
            scheduler=args.scheduler,
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
