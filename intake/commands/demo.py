"""`intake demo`: the bundled sample day through the whole pipeline on the embedded default.

The sample mailboxes (`samples/demo/mailboxes/<office code>/*.eml`) are copied into the output
folder, a config is written there (SQLite store, files folder, local folder mailboxes), one pass of
the worker runs, and a short table says what happened to each mail and where everything is.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from intake.commands.arguments import Subparsers

if TYPE_CHECKING:
    from intake.runtime.service import Deployment

REPO = Path(__file__).resolve().parents[2]
SAMPLE_MAILBOXES = REPO / "samples" / "demo" / "mailboxes"
SHIPPED_CONFIG = REPO / "config" / "intake.toml"


def add_parser(sub: Subparsers, common: argparse.ArgumentParser) -> None:
    """The `demo` subcommand."""
    demo = sub.add_parser(
        "demo", parents=[common], help="the bundled samples through the whole pipeline"
    )
    demo.add_argument(
        "--out",
        default="demo-out",
        help="folder for the store, files and output (default: demo-out)",
    )
    demo.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    """Run the sample day into `--out`."""
    return run_demo(Path(args.out))


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


def run_demo(out: Path, mailboxes: Path = SAMPLE_MAILBOXES) -> int:
    """Run the sample day into `out` (emptied first); print what happened; return the exit status."""
    from intake.digesting.digests import make_digests
    from intake.parsing.engines import lazy_ocr
    from intake.privacy.audit import record_digest
    from intake.runtime.clock import SHANGHAI
    from intake.runtime.service import open_deployment, run_once, send_due
    from intake.settings import load_settings

    if not mailboxes.is_dir():
        print(
            f"intake: no sample mailboxes at {mailboxes} (run samples/demo/build.py)",
            file=sys.stderr,
        )
        return 1
    out = out.resolve()
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True, mode=0o700)
    shutil.copytree(mailboxes, out / "mailboxes", ignore=shutil.ignore_patterns(".uids.json"))
    settings = load_settings(local_config(out), {})
    for office in settings.offices:
        (out / "mailboxes" / office.code).mkdir(exist_ok=True)
    deployment = open_deployment(settings, {}, ocr=lazy_ocr("rapidocr"))
    started = time.monotonic()
    try:
        report = run_once(deployment)
        today = deployment.clock().astimezone(SHANGHAI).date()
        digests = make_digests(
            settings,
            deployment.store,
            deployment.files,
            settings.enabled_offices,
            today,
            deployment.clock(),
        )
        for made in digests:
            record_digest(
                deployment.store, deployment.clock(), made.office, made.day.isoformat(), "demo"
            )
        sent = send_due(deployment)
        _print_table(deployment)
    finally:
        deployment.close()
    seconds = time.monotonic() - started
    fetched = sum(p.fetched for p in report.polls)
    print(
        f"\n{fetched} mails taken in from {sum(1 for p in report.polls if p.fetched)} offices in {seconds:.0f} s; "
        f"{report.pipeline.quarantined} quarantined"
    )
    print(
        f"replies:   {out / 'replies'}  ({report.sending.sent} written as .eml, one folder per office)"
    )
    print(
        f"digests:   {out / 'files' / 'digests'}  ({len(report.digests) + len(digests)} offices: HTML and xlsx; {sent.sent} digest mails in replies/)"
    )
    print(f"store:     {out / 'intake.db'}")
    print(f"files:     {out / 'files'}  (raw mail and attachments, encrypted, by SHA-256)")
    print(f"key:       {out / 'intake.keys'}  (the demo's own encryption key)")
    print(f"mailboxes: {out / 'mailboxes'}")
    print(f"config:    {out / 'intake.toml'}  (try: intake status --config {out / 'intake.toml'})")
    return 0


def _print_table(deployment: Deployment) -> None:
    from sqlalchemy import select

    from intake.store.tables import Attachment, Document, Filing, Message

    with deployment.store.session() as db:
        messages = list(db.execute(select(Message).order_by(Message.office, Message.id)).scalars())
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
            status = (
                filing.status if filing else (message.ignored_reason and "ignored") or message.state
            )
            reply = (filing.reply_kind or "-") if filing else "none"
            moved = f"→{filing.office}" if filing and filing.office != message.office else ""
            print(
                f"{message.office:<7} {(filing.reference if filing else '-') or '-':<23} {status:<11} "
                f"{reply + moved:<16} {(message.from_addr or '-')[:23]:<24} {', '.join(kinds) or '-'}"
            )
