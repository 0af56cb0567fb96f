"""`intake backup DIR` and `intake restore DIR`: the database, the files folder and (apart from
them) the keys; see `intake.runtime.backup` for what a backup folder holds and promises."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from intake.commands.arguments import EXIT_OK, Subparsers, examples, settings_of


def add_parser(sub: Subparsers, common: argparse.ArgumentParser) -> None:
    """The `backup` and `restore` subcommands."""
    backup = sub.add_parser(
        "backup",
        parents=[common],
        help="copy the database and the files folder into a new folder (the worker may run)",
        **examples(
            "intake backup /var/backups/intake/2026-12-04",
            "intake backup /mnt/backup/today --key-out /root/intake-key.copy",
        ),
    )
    backup.add_argument("dir", type=Path, metavar="DIR", help="a new or empty folder")
    backup.add_argument(
        "--key-out",
        type=Path,
        metavar="FILE",
        help="also write the keys to FILE (mode 0600; keep it apart from the backups)",
    )
    backup.add_argument(
        "--wait",
        type=float,
        default=600.0,
        metavar="SECONDS",
        help="how long to wait for a running pipeline round or purge (default 600)",
    )
    backup.set_defaults(handler=handle_backup)
    restore = sub.add_parser(
        "restore",
        parents=[common],
        help="restore a backup into the configured, empty database and files folder",
        **examples("intake restore /var/backups/intake/2026-12-04"),
    )
    restore.add_argument("dir", type=Path, metavar="DIR", help="a folder made by intake backup")
    restore.set_defaults(handler=handle_restore)


def handle_backup(args: argparse.Namespace) -> int:
    """Back the configured deployment up into DIR."""
    from intake.privacy import audit
    from intake.runtime.backup import back_up
    from intake.runtime.service import open_deployment

    settings = settings_of(args)
    deployment = open_deployment(settings, mailboxes=False, actor=audit.os_user())
    try:
        manifest = back_up(deployment, args.dir, key_out=args.key_out, wait_seconds=args.wait)
        audit.record_now(
            deployment.store,
            deployment.clock(),
            "backup",
            f"to {args.dir}: {manifest.text()}",
            audit.os_user(),
        )
    finally:
        deployment.close()
    print(f"backup in {args.dir}: {manifest.text()}")
    if args.key_out is not None:
        print(f"keys written to {args.key_out}: keep that file apart from the backups")
    else:
        print(
            "the keys are not in the backup: keep a copy of the key file (or INTAKE_KEYS) "
            "apart from it (intake backup --key-out FILE writes one)",
            file=sys.stderr,
        )
    return EXIT_OK


def handle_restore(args: argparse.Namespace) -> int:
    """Restore DIR into the configured deployment, which must be empty; then open it (migrating
    an older schema) and say what it holds."""
    from intake.privacy import audit
    from intake.runtime.backup import restore
    from intake.runtime.service import deployment_keyring, open_deployment

    settings = settings_of(args)
    keyring = deployment_keyring(settings, os.environ)
    manifest = restore(settings, args.dir, keyring)
    deployment = open_deployment(settings, mailboxes=False, actor=audit.os_user(), keyring=keyring)
    try:
        audit.record_now(
            deployment.store,
            deployment.clock(),
            "restore",
            f"from {args.dir}: {manifest.text()}",
            audit.os_user(),
        )
    finally:
        deployment.close()
    print(f"restored from {args.dir}: {manifest.text()}")
    return EXIT_OK
