"""`intake requeue`: put quarantined mail back in the pipeline once the cause is fixed."""

from __future__ import annotations

import argparse
import json
import sys

from intake.commands.arguments import (
    EXIT_FAILED,
    EXIT_OK,
    EXIT_USAGE,
    Subparsers,
    examples,
    settings_of,
)


def add_parser(sub: Subparsers, common: argparse.ArgumentParser) -> None:
    """The `requeue` subcommand."""
    requeue = sub.add_parser(
        "requeue",
        parents=[common],
        help="put quarantined mail back in the pipeline",
        description="Put quarantined mail back at the step it stopped at, attempts reset, once "
        "the cause is fixed (a key put back, a reader repaired). Recorded in the audit log.",
        **examples(
            "intake requeue --message 12 --message 15",
            "intake requeue --all --dry-run",
            "intake requeue --all --json",
        ),
    )
    which = requeue.add_mutually_exclusive_group(required=True)
    which.add_argument(
        "--message",
        type=int,
        action="append",
        metavar="ID",
        help="the mail's number (as intake status shows it, #ID); repeat for more",
    )
    which.add_argument("--all", action="store_true", help="every quarantined mail")
    requeue.add_argument(
        "--dry-run", action="store_true", help="say what would go back, change nothing"
    )
    requeue.add_argument("--json", action="store_true", help="print JSON")
    requeue.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    """Put the mails back (recorded in the audit log under the operating-system user)."""
    from intake.privacy import audit
    from intake.runtime.requeue import requeue
    from intake.runtime.service import open_deployment

    if args.message is not None and any(m <= 0 for m in args.message):
        print(
            "intake: --message takes a mail number such as 12 (see intake status)", file=sys.stderr
        )
        return EXIT_USAGE
    actor = audit.os_user()
    deployment = open_deployment(settings_of(args), mailboxes=False, actor=actor)
    try:
        report = requeue(
            deployment.store,
            deployment.clock(),
            actor,
            None if args.all else args.message,
            dry_run=args.dry_run,
        )
    finally:
        deployment.close()
    print(
        json.dumps(report.to_json(), ensure_ascii=False, indent=1) if args.json else report.text()
    )
    if report.not_quarantined and not report.requeued:
        print(
            "intake: none of the mails named is quarantined (see: intake status)", file=sys.stderr
        )
        return EXIT_FAILED
    return EXIT_OK
