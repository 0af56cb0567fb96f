"""`intake purge`: delete the raw mail and attachments past their retention time."""

from __future__ import annotations

import argparse
import json

from intake.commands.arguments import EXIT_OK, Subparsers, examples, settings_of


def add_parser(sub: Subparsers, common: argparse.ArgumentParser) -> None:
    """The `purge` subcommand."""
    purge = sub.add_parser(
        "purge",
        parents=[common],
        help="delete raw mail and attachments past retention",
        description="Delete the raw mail and attachments past their retention time ([retention] "
        "of the config); the worker does this daily.",
        **examples("intake purge --dry-run", "intake purge --json"),
    )
    purge.add_argument("--dry-run", action="store_true", help="say what would go, change nothing")
    purge.add_argument("--json", action="store_true", help="print JSON")
    purge.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    """Purge (or, with `--dry-run`, say what would go); see `intake.privacy.retention`."""
    from intake.commands.progress import Progress, wanted
    from intake.privacy import audit
    from intake.privacy.retention import purge
    from intake.runtime.service import open_deployment

    settings = settings_of(args)
    actor = audit.os_user()
    deployment = open_deployment(settings, mailboxes=False, actor=actor)
    try:
        with Progress("purge: looking for what is past retention", shown=wanted(args.quiet)):
            report = purge(
                deployment.store,
                deployment.files,
                settings.retention,
                deployment.clock(),
                dry_run=args.dry_run,
                actor=actor,
            )
    finally:
        deployment.close()
    print(
        json.dumps(report.to_json(), ensure_ascii=False, indent=1) if args.json else report.text()
    )
    return EXIT_OK
