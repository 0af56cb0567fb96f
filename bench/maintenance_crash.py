"""Crash test of the maintenance commands: `intake keys rotate` and `intake purge` killed with
SIGKILL at random moments, then run again to the end; nothing lost, nothing purged too early.

A store (SQLite, files encrypted under a key file) is filled through the pipeline from local
mailboxes in two waves: "old" mail stored 90 days ago and "new" mail stored a day ago, with
retention at 30 days, so the purge must take the old mail's raw files and keep the new mail's.
Each mail carries a padded form, so that there is real work to cut short. Then:

* `intake keys rotate` is started and killed at a random moment of its work (after its new key
  is written, within the time an uncut rotation's work took, measured first), in turn with
  `intake keys rotate --continue` killed the same way; a last `--continue` finishes it. Checked: `intake keys check`
  passes, nothing is outside the current key, every stored file and every encrypted value reads.
* `intake purge` is killed the same way (its time measured with `--dry-run`) until a run ends by
  itself; one more run finishes. Checked: every old mail purged (record kept, raw file gone), every
  new mail kept (raw mail and attachments read back and match their hashes), a further purge
  changes nothing, and everything left still reads.

    .venv/bin/python bench/maintenance_crash.py --seeds 1 2 3 --mails 30 --kills 4

Prints what each kill cut and the counts; exits 1 on any mismatch.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from sqlalchemy import select  # noqa: E402

from intake.commands.demo import local_config  # noqa: E402
from intake.privacy import crypto, rekey  # noqa: E402
from intake.runtime.service import open_deployment, run_once  # noqa: E402
from intake.settings import load_settings  # noqa: E402
from intake.store.tables import ENCRYPTED_COLUMNS, Attachment, Base, Message  # noqa: E402
from tests import factories  # noqa: E402

CLI = "import sys; from intake.commands.cli import main; sys.exit(main())"
FORM = REPO / "samples" / "documents" / "out" / "form_01_table.xlsx"
OLD_DAYS, NEW_DAYS, RETENTION_DAYS = 90, 1, 30


@dataclass
class Outcome:
    """What one seed's test did and found."""

    seed: int
    counts: dict[str, int] = field(default_factory=dict)
    kills: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def ok(self) -> bool:
        return not self.problems


def environment() -> dict[str, str]:
    """The commands' environment: keys from the key file only (rotate cannot change INTAKE_KEYS)."""
    env = dict(os.environ)
    for name in (crypto.KEYS_ENV, "INTAKE_CONFIG"):
        env.pop(name, None)
    return env


def fixed_clock(moment: datetime) -> Callable[[], datetime]:
    """A clock that stays at `moment` (the time a wave of mail is stored at)."""
    return lambda: moment


def build(work: Path, mail_count: int, rng: random.Random) -> tuple[Path, dict[str, set[str]]]:
    """The config and a store filled in two waves; the raw-mail hashes of each wave."""
    mailboxes = work / "mailboxes"
    config = local_config(work, None, mailboxes)
    config.write_text(
        config.read_text(encoding="utf-8")
        + f"\n[retention]\ndays_after_complete = {RETENTION_DAYS}\n"
        f"days_after_last_activity = {RETENTION_DAYS}\n",
        encoding="utf-8",
    )
    env = environment()
    settings = load_settings(config, env)
    assert not settings.problems, settings.problems
    offices = settings.enabled_offices[:3]
    for office in settings.offices:
        (mailboxes / office.code).mkdir(parents=True, exist_ok=True)
    now = datetime.now(UTC)
    waves: dict[str, set[str]] = {}
    for wave, days in (("old", OLD_DAYS), ("new", NEW_DAYS)):
        for index in range(mail_count // 2):
            office = offices[index % len(offices)]
            kind = rng.random()
            attachment = FORM.read_bytes() if kind < 0.8 else None
            raw = factories.mail(
                subject="新媒体账号登记备案" if attachment else "咨询",
                sender=f"{wave}{index}-{rng.getrandbits(24):x}@qq.com",
                to=office.mailbox,
                attachment=attachment,
                size_padding=rng.randrange(200_000, 1_500_000),
            )
            (mailboxes / office.code / f"{wave}-{index}.eml").write_bytes(raw)
        deployment = open_deployment(settings, env, fixed_clock(now - timedelta(days=days)))
        try:
            run_once(deployment)
            with deployment.store.session() as db:
                every = set(db.execute(select(Message.sha256)).scalars())
        finally:
            deployment.close()
        waves[wave] = every - set().union(*waves.values())
    return config, waves


def command(config: Path, *args: str) -> list[str]:
    return [sys.executable, "-c", CLI, *args, "--config", str(config)]


def timed(config: Path, *args: str) -> float:
    """Run a command to its end; its duration."""
    started = time.monotonic()
    done = subprocess.run(
        command(config, *args), cwd=REPO, env=environment(), capture_output=True, timeout=600
    )
    if done.returncode != 0:
        raise RuntimeError(f"{args} exited {done.returncode}: {done.stderr.decode()[-500:]}")
    return time.monotonic() - started


def killed_during(
    config: Path, args: tuple[str, ...], begun: Callable[[float], bool], delay: float
) -> tuple[bool, float, float]:
    """Start the command; once `begun(seconds since start)` holds, let it run `delay` seconds
    more and SIGKILL it. (Killed, seconds when its work began, seconds when it ended or was
    killed); not killed when it ended before (`delay` of infinity: run it to its end)."""
    process = subprocess.Popen(
        command(config, *args),
        cwd=REPO,
        env=environment(),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    started = time.monotonic()
    while process.poll() is None and not begun(time.monotonic() - started):
        time.sleep(0.005)
    began = time.monotonic() - started
    try:
        process.wait(None if delay == float("inf") else delay)
        if process.returncode != 0:
            raise RuntimeError(f"{args} exited {process.returncode}")
        return False, began, time.monotonic() - started
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(30)
        return True, began, time.monotonic() - started


def key_written(key_file: Path) -> Callable[[float], bool]:
    """Whether the key file has changed since now (a rotation writes its new key first)."""
    before = key_file.read_bytes()
    return lambda _seconds: key_file.read_bytes() != before


def after(seconds: float) -> Callable[[float], bool]:
    return lambda elapsed: elapsed >= seconds


def under_key(files_root: Path, kid: str) -> tuple[int, int]:
    """How many stored files are under key `kid`, of how many."""
    paths = [p for p in files_root.rglob("*") if p.is_file() and not p.name.startswith(".tmp-")]
    paths = [p for p in paths if len(p.name.split(".")[0]) == 64]
    return sum(1 for p in paths if crypto.file_key_id(p) == kid), len(paths)


def read_everything(config: Path) -> tuple[int, int, list[str]]:
    """Read every stored file and every row holding encrypted values; (files, rows, problems)."""
    settings = load_settings(config, environment())
    deployment = open_deployment(settings, environment(), mailboxes=False)
    problems: list[str] = []
    files_read = rows_read = 0
    try:
        for kind, digest, suffix, _path in deployment.files.stored_files():
            try:
                deployment.files.read(kind, digest, suffix)
                files_read += 1
            except Exception as error:
                problems.append(f"{kind}/{digest[:12]}{suffix} does not read: {error}")
        classes = {m.class_.__tablename__: m.class_ for m in Base.registry.mappers}
        with deployment.store.session() as db:
            for table in ENCRYPTED_COLUMNS:
                try:
                    for row in db.execute(select(classes[table])).scalars():
                        for column in ENCRYPTED_COLUMNS[table]:
                            getattr(row, column)
                        rows_read += 1
                except Exception as error:
                    problems.append(f"{table} does not read: {error}")
    finally:
        deployment.close()
    return files_read, rows_read, problems


def rotation(config: Path, kills: int, rng: random.Random, outcome: Outcome) -> None:
    """Rotations cut short by kills, finished by `--continue`; then everything reads. A kill
    falls at a random moment of the rotation's work: after its new key is in the key file (for
    `--continue`, after the start-up an uncut rotation took), within the time that work took."""
    key_file = config.parent / "intake.keys"
    _, startup, end = killed_during(config, ("keys", "rotate"), key_written(key_file), float("inf"))
    work = end - startup
    outcome.counts["ms start-up of a rotation"] = round(startup * 1000)
    outcome.counts["ms work of an uncut rotation"] = round(work * 1000)
    files_root = config.parent / "files"
    for number in range(kills):
        args = ("keys", "rotate") if number % 2 == 0 else ("keys", "rotate", "--continue")
        begun = key_written(key_file) if number % 2 == 0 else after(startup)
        delay = rng.uniform(0.0, work)
        cut, _, at = killed_during(config, args, begun, delay)
        keyring = crypto.load_keyring(key_file, {})
        done, total = under_key(files_root, keyring.current.kid)
        outcome.kills.append(
            f"{' '.join(args):<22} killed after {at:5.2f} s: {done}/{total} files under the "
            f"current key" + ("" if cut else " (it had ended)")
        )
    timed(config, "keys", "rotate", "--continue")
    check = subprocess.run(
        command(config, "keys", "check"),
        cwd=REPO,
        env=environment(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    if check.returncode != 0:
        outcome.problems.append(f"keys check after the rotation: {check.stderr.strip()}")
    settings = load_settings(config, environment())
    deployment = open_deployment(settings, environment(), mailboxes=False)
    try:
        census = rekey.census(deployment.store, deployment.files)
        left = census.outside(deployment.keyring.current.kid)
        outcome.counts["keys in the key file"] = len(deployment.keyring.keys)
    finally:
        deployment.close()
    outcome.counts["items outside the current key"] = left
    if left:
        outcome.problems.append(f"{left} items not under the current key after --continue")
    files_read, rows_read, problems = read_everything(config)
    outcome.counts["files read after the rotation"] = files_read
    outcome.counts["rows read after the rotation"] = rows_read
    outcome.problems += problems


def purging(
    config: Path, kills: int, waves: dict[str, set[str]], rng: random.Random, outcome: Outcome
) -> None:
    """Purges cut short by kills, one run to the end; then the old mail is gone and the new
    mail whole."""
    _, startup, end = killed_during(config, ("purge", "--dry-run"), after(0.0), float("inf"))
    files_root = config.parent / "files"
    raw_before = sum(1 for _ in (files_root / "raw").rglob("*.eml"))
    for _ in range(kills):
        at = rng.uniform(startup * 0.8, end * 1.2)
        cut, _, at = killed_during(config, ("purge",), after(at), 0.0)
        raw_now = sum(1 for _ in (files_root / "raw").rglob("*.eml"))
        outcome.kills.append(
            f"{'purge':<22} killed after {at:5.2f} s: {raw_before - raw_now} of "
            f"{len(waves['old'])} old raw files gone" + ("" if cut else " (it had ended)")
        )
        if not cut:
            break
    timed(config, "purge")
    settings = load_settings(config, environment())
    deployment = open_deployment(settings, environment(), mailboxes=False)
    try:
        with deployment.store.session() as db:
            messages = {m.sha256: m for m in db.execute(select(Message)).scalars()}
            attachments = [
                (a.message_pk, a.sha256) for a in db.execute(select(Attachment)).scalars()
            ]
        files = deployment.files
        purged = {sha for sha, m in messages.items() if m.purged_at is not None}
        outcome.counts["old mails"] = len(waves["old"])
        outcome.counts["new mails"] = len(waves["new"])
        outcome.counts["mails purged"] = len(purged)
        if purged != waves["old"]:
            outcome.problems.append(
                f"purged {len(purged & waves['old'])} of {len(waves['old'])} old mails and "
                f"{len(purged & waves['new'])} new ones"
            )
        left = [sha[:12] for sha in waves["old"] if files.exists("raw", sha, ".eml")]
        if left:
            outcome.problems.append(f"old raw files still there: {left[:5]}")
        kept_pks = {m.id for sha, m in messages.items() if sha in waves["new"]}
        whole_new = 0
        for sha in waves["new"]:
            try:
                files.read("raw", sha, ".eml")
                whole_new += 1
            except Exception as error:
                outcome.problems.append(f"new raw mail {sha[:12]} lost: {error}")
        for pk, sha in attachments:
            if pk in kept_pks:
                try:
                    files.read("att", sha)
                except Exception as error:
                    outcome.problems.append(f"attachment {sha[:12]} of a kept mail lost: {error}")
        outcome.counts["new raw mails read back"] = whole_new
    finally:
        deployment.close()
    again = subprocess.run(
        command(config, "purge", "--json"),
        cwd=REPO,
        env=environment(),
        capture_output=True,
        text=True,
        timeout=300,
    )
    if '"messages": 0' not in again.stdout or '"files_deleted": 0' not in again.stdout:
        outcome.problems.append(f"a further purge changed something: {again.stdout[:300]}")
    files_read, rows_read, problems = read_everything(config)
    outcome.counts["files read after the purge"] = files_read
    outcome.counts["rows read after the purge"] = rows_read
    outcome.problems += problems


def run(seed: int, mail_count: int, kills: int, work: Path) -> Outcome:
    """One seed's whole test in `work`."""
    began = time.monotonic()
    rng = random.Random(seed)
    outcome = Outcome(seed)
    config, waves = build(work, mail_count, rng)
    rotation(config, kills, rng, outcome)
    purging(config, kills, waves, rng, outcome)
    outcome.seconds = time.monotonic() - began
    return outcome


def report(outcome: Outcome) -> str:
    lines = [f"maintenance crash test, seed {outcome.seed}: {outcome.seconds:.0f} s"]
    lines += [f"  {k}" for k in outcome.kills]
    width = max(len(k) for k in outcome.counts)
    lines += [f"  {k:<{width}}  {v}" for k, v in outcome.counts.items()]
    lines += [f"MISMATCH: {p}" for p in outcome.problems]
    lines.append("OK" if outcome.ok else f"FAILED: {len(outcome.problems)} mismatches")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="*", default=None)
    parser.add_argument("--mails", type=int, default=30)
    parser.add_argument("--kills", type=int, default=4)
    parser.add_argument("--keep", action="store_true", help="keep the working folders")
    args = parser.parse_args(argv)
    seeds = args.seeds or [random.SystemRandom().randrange(10**6) for _ in range(3)]
    failed = 0
    for seed in seeds:
        work = Path(tempfile.mkdtemp(prefix="intake-maintenance-"))
        outcome = run(seed, args.mails, args.kills, work)
        print(report(outcome), flush=True)
        failed += not outcome.ok
        if args.keep or not outcome.ok:
            print(f"working folder kept: {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
