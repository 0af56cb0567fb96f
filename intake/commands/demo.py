"""`intake demo`: the bundled sample day through the whole pipeline on the embedded default.

The sample mailboxes (`samples/demo/mailboxes/<office code>/*.eml`) are copied into the output
folder, a config is written there (SQLite store, files folder, local folder mailboxes), the
worker's steps run one after the other (taking in, reading and deciding, replies, digests; each
with a progress bar on a terminal), and a short table says what happened to each mail and where
everything is. The output folder must be new, empty, or made by an earlier demo (it holds
`MARKER`): the demo never deletes a folder it did not make.
"""

from __future__ import annotations

import argparse
import logging
import shutil
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from intake.commands.arguments import Subparsers, examples

if TYPE_CHECKING:
    from intake.runtime.service import Deployment

REPO = Path(__file__).resolve().parents[2]
SAMPLE_MAILBOXES = REPO / "samples" / "demo" / "mailboxes"
SHIPPED_CONFIG = REPO / "config" / "intake.toml"


MARKER = ".made-by-intake-demo"
"""The file `intake demo` leaves in the folder it made: only such a folder is emptied again."""


def add_parser(sub: Subparsers, common: argparse.ArgumentParser) -> None:
    """The `demo` subcommand."""
    demo = sub.add_parser(
        "demo",
        parents=[common],
        help="the bundled samples through the whole pipeline",
        description="Run the bundled sample day through the whole pipeline into a folder of "
        "its own (a new or empty folder, or one an earlier demo made), then say what happened.",
        **examples("intake demo", "intake demo --out /tmp/demo -q"),
    )
    demo.add_argument(
        "--out",
        default="demo-out",
        metavar="DIR",
        help="folder for the store, files and output: new, empty, or made by an earlier demo "
        "(default: demo-out)",
    )
    demo.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    """Run the sample day into `--out`."""
    from intake.commands.progress import wanted

    if not args.verbose:  # the table and the summary below say which digests were made
        logging.getLogger("intake.digesting.digests").setLevel(logging.WARNING)
    return run_demo(Path(args.out), shown=wanted(args.quiet))


def refusal(out: Path) -> str | None:
    """Why `out` may not be used (it holds things an earlier demo did not make), else None."""
    if not out.exists():
        return None
    if not out.is_dir():
        return f"{out} is a file, not a folder (fix: pass --out with a new folder)"
    if (out / MARKER).is_file() or not any(out.iterdir()):
        return None
    return (
        f"{out} is not empty and an earlier demo did not make it; nothing was deleted "
        "(fix: pass --out with a new or empty folder, or delete it yourself if nothing in it is needed)"
    )


def local_config(out: Path, database: str | None = None, mailboxes: Path | None = None) -> Path:
    """The shipped config with the store, files and mailboxes pointed into `out` (the store
    defaults to `out/intake.db`, the mailboxes to `out/mailboxes`); written to `out/intake.toml`.
    The demo's own encryption key is made in `out/intake.keys` unless it is there already."""
    from intake.privacy.crypto import Keyring, new_key, write_key_file

    text = SHIPPED_CONFIG.read_text(encoding="utf-8")
    database = database or f"sqlite:///{out / 'intake.db'}"
    key_file = out / "intake.keys"
    if not key_file.exists():
        write_key_file(key_file, Keyring((new_key(),), str(key_file)))
    text = text.replace('database = "sqlite:///var/intake.db"', f'database = "{database}"')
    text = text.replace(
        'files = "var/files"', f'files = "{out / "files"}"\nkey_file = "{key_file}"'
    )
    text = text.replace(
        '# [mailboxes]\n# local_root = "samples/demo/mailboxes"',
        f'[mailboxes]\nlocal_root = "{mailboxes or out / "mailboxes"}"',
    )
    path = out / "intake.toml"
    path.write_text(text, encoding="utf-8")
    return path


def run_demo(out: Path, mailboxes: Path = SAMPLE_MAILBOXES, *, shown: bool = False) -> int:
    """Run the sample day into `out` (emptied first when an earlier demo made it); print what
    happened; return the exit status. `shown`: progress bars on standard error."""
    if not mailboxes.is_dir():
        print(
            f"intake: no sample mailboxes at {mailboxes} (run samples/demo/build.py)",
            file=sys.stderr,
        )
        return 1
    out = out.resolve()
    refused = refusal(out)
    if refused:
        print(f"intake: {refused}", file=sys.stderr)
        return 1
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True, mode=0o700)
    (out / MARKER).write_text("made by intake demo: the next demo empties this folder\n")
    shutil.copytree(mailboxes, out / "mailboxes", ignore=shutil.ignore_patterns(".uids.json"))
    return _run(out, shown)


def _run(out: Path, shown: bool) -> int:
    from concurrent.futures import ThreadPoolExecutor

    from intake.commands.progress import Progress
    from intake.digesting.digests import make_digests
    from intake.parsing.engines import lazy_ocr
    from intake.privacy.audit import record_digest
    from intake.runtime.clock import SHANGHAI
    from intake.runtime.logs import round_summary
    from intake.runtime.service import (
        POLL_THREADS,
        open_deployment,
        poll_one,
        poll_seen,
        process,
        send_due,
    )
    from intake.settings import load_settings

    settings = load_settings(local_config(out), {})
    for office in settings.offices:
        (out / "mailboxes" / office.code).mkdir(exist_ok=True)
    deployment = open_deployment(settings, {}, ocr=lazy_ocr("rapidocr"))
    offices = settings.enabled_offices
    started = time.monotonic()
    try:
        polls = []
        with (
            Progress("taking in mail", len(offices), shown=shown) as bar,
            ThreadPoolExecutor(max_workers=POLL_THREADS) as pool,
        ):
            for poll in pool.map(lambda o: poll_one(deployment, o, lambda: False), offices):
                polls.append(poll)
                bar.advance(note=poll.office)
        logging.getLogger(__name__).info("%s", round_summary(poll_seen(p) for p in polls))
        fetched = sum(p.fetched for p in polls)
        with Progress("reading and deciding", fetched, shown=shown) as bar:

            def next_mail() -> bool:  # asked before each mail: never stop, count it
                bar.advance()
                return False

            pipeline = process(deployment, next_mail)
        replies = send_due(deployment)
        today = deployment.clock().astimezone(SHANGHAI).date()
        digests = []
        with Progress("digests", len(offices), shown=shown) as bar:
            for office in offices:
                bar.note(office.code)
                made = make_digests(
                    settings,
                    deployment.store,
                    deployment.files,
                    (office,),
                    today,
                    deployment.clock(),
                )
                for item in made:
                    record_digest(
                        deployment.store,
                        deployment.clock(),
                        item.office,
                        item.day.isoformat(),
                        "demo",
                    )
                digests += made
                bar.advance()
        sent = send_due(deployment)
        _print_table(deployment)
        console_password = _demo_account(deployment)
    finally:
        deployment.close()
    seconds = time.monotonic() - started
    print(
        f"\n{fetched} mails taken in from {sum(1 for p in polls if p.fetched)} offices in {seconds:.0f} s; "
        f"{pipeline.quarantined} quarantined"
    )
    print(f"replies:   {out / 'replies'}  ({replies.sent} written as .eml, one folder per office)")
    print(
        f"digests:   {out / 'files' / 'digests'}  ({len(digests)} offices: HTML and xlsx; {sent.sent} digest mails in replies/)"
    )
    print(f"store:     {out / 'intake.db'}")
    print(f"files:     {out / 'files'}  (raw mail and attachments, encrypted, by SHA-256)")
    print(f"key:       {out / 'intake.keys'}  (the demo's own encryption key)")
    print(f"mailboxes: {out / 'mailboxes'}")
    print(f"config:    {out / 'intake.toml'}  (try: intake status --config {out / 'intake.toml'})")
    print(
        f"console:   intake web --config {out / 'intake.toml'}  then open http://127.0.0.1:8080/ "
        f"and sign in as {DEMO_ACCOUNT} / {console_password}  (the demo's admin; sees every office)"
    )
    return 0


DEMO_ACCOUNT = "demo"
"""The web console account the demo makes (an admin of the city office: sees every office)."""


def _demo_account(deployment: Deployment) -> str:
    """Make the demo's console account with a new random password; returns the password."""
    import secrets

    from intake.web.accounts import add_account
    from vocabulary.offices import CITY_OFFICE

    password = secrets.token_urlsafe(12)
    with deployment.store.session() as db:
        add_account(db, DEMO_ACCOUNT, CITY_OFFICE, True, password, "demo", deployment.clock())
    return password


def _print_table(deployment: Deployment) -> None:
    from sqlalchemy import select

    from intake.store.tables import Attachment, Document, Filing, Message, OutboxMail

    with deployment.store.session() as db:
        messages = list(db.execute(select(Message).order_by(Message.office, Message.id)).scalars())
        informed = set(
            db.execute(
                select(OutboxMail.message_pk).where(OutboxMail.kind == "information")
            ).scalars()
        )
        print(f"{'office':<7} {'filing':<23} {'status':<11} {'reply':<16} {'from':<24} documents")
        for message in messages:
            kinds = [
                kind
                for (kind,) in db.execute(
                    select(Document.kind)
                    .join(Attachment, Document.attachment_pk == Attachment.id)
                    .where(Attachment.message_pk == message.id)
                )
            ]
            filing = db.get(Filing, message.filing_id) if message.filing_id else None
            unfiled = message.nature if message.nature in ("question", "uncertain") else None
            status = (
                filing.status
                if filing
                else unfiled or (message.ignored_reason and "ignored") or message.state
            )
            answered = message.id in informed
            reply = (
                (filing.reply_kind or "-") if filing else ("information" if answered else "none")
            )
            moved = f"→{filing.office}" if filing and filing.office != message.office else ""
            print(
                f"{message.office:<7} {(filing.reference if filing else '-') or '-':<23} {status:<11} "
                f"{reply + moved:<16} {(message.from_addr or '-')[:23]:<24} {', '.join(kinds) or '-'}"
            )
