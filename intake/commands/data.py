"""The commands about personal data at rest: `intake keys new|rotate|check`, `intake purge`,
`intake audit` (the parsers are in `intake.commands.cli`; each function returns the exit status)."""

from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import UTC, datetime
from pathlib import Path

from intake.privacy import audit, crypto
from intake.settings import Settings, config_path, load_settings
from intake.store.database import Store
from intake.store.files import FileStore

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def _settings(args: argparse.Namespace) -> Settings:
    return load_settings(config_path(args.config, os.environ))


def _open(settings: Settings) -> tuple[Store, FileStore, crypto.Keyring]:
    from intake.runtime.service import deployment_keyring

    os.umask(0o077)
    keyring = deployment_keyring(settings, os.environ)
    crypto.install(keyring)
    store = Store.open(settings.storage.database)
    return store, FileStore(settings.storage.files, keyring), keyring


def keys_new(args: argparse.Namespace) -> int:
    """Write a new key file (never over an existing one)."""
    path: Path | None = Path(args.out) if args.out else None
    if path is None:
        path = _settings(args).storage.key_file
    if path is None:
        print(
            "intake: where should the key go? (fix: pass --out FILE, or set key_file under "
            "[storage] in the config)",
            file=sys.stderr,
        )
        return EXIT_USAGE
    if path.exists():
        print(
            f"intake: {path} exists already; it is not replaced (fix: intake keys rotate adds a "
            "new key to it)",
            file=sys.stderr,
        )
        return EXIT_FAILED
    keyring = crypto.Keyring((crypto.new_key(),), str(path))
    crypto.write_key_file(path, keyring)
    print(
        f"wrote key {keyring.current.kid} to {path} (mode 0600). Keep a copy somewhere safe: "
        "without it nothing stored can be read."
    )
    return EXIT_OK


def keys_rotate(args: argparse.Namespace) -> int:
    """A new current key, then every file and value re-encrypted under it."""
    from intake.privacy import rekey

    settings = _settings(args)
    key_file = settings.storage.key_file
    from_env = bool(os.environ.get(crypto.KEYS_ENV, "").strip())
    if not args.resume and (from_env or key_file is None):
        print(
            "intake: the keys come from INTAKE_KEYS, which this command cannot change (fix: make a "
            "key with intake keys new --out FILE, put it first in INTAKE_KEYS, then run "
            "intake keys rotate --continue)",
            file=sys.stderr,
        )
        return EXIT_FAILED
    keyring = crypto.load_keyring(key_file, os.environ)
    if not args.resume and key_file is not None:
        keyring = keyring.with_new_current()
        crypto.write_key_file(key_file, keyring)  # first, so a cut-short rotation can continue
        print(f"new current key {keyring.current.kid} written to {key_file}")
    crypto.install(keyring)
    store = Store.open(settings.storage.database)
    try:
        files = FileStore(settings.storage.files, keyring)
        report = rekey.reencrypt(store, files, keyring)
        print(report.summary())
        left = rekey.census(store, files).outside(keyring.current.kid)
        dropped = ""
        if args.drop_old and left == 0 and key_file is not None and not from_env:
            crypto.write_key_file(key_file, keyring.only_current())
            dropped = "; old keys dropped"
            print(f"old keys removed from {key_file}; only {keyring.current.kid} is left")
        elif args.drop_old:
            print(
                f"intake: old keys kept: {left} items are not under {keyring.current.kid}"
                if left
                else "intake: old keys kept: they are in INTAKE_KEYS (remove them there)",
                file=sys.stderr,
            )
        audit.record_now(
            store, datetime.now(UTC), "keys.rotate", report.summary() + dropped, audit.os_user()
        )
    finally:
        store.close()
    return EXIT_OK


def keys_check(args: argparse.Namespace) -> int:
    """Where the keys come from, and what is stored under which key."""
    from intake.privacy import rekey

    settings = _settings(args)
    store, files, keyring = _open(settings)
    try:
        counts = rekey.census(store, files)
    finally:
        store.close()
    print(
        f"keys from {keyring.source}: {len(keyring.keys)} "
        f"({', '.join(k.kid for k in keyring.keys)}); current {keyring.current.kid}"
    )
    for line in counts.lines(keyring):
        print(f"  {line}")
    missing = counts.unreadable(keyring)
    if missing:
        print(
            f"intake: data under keys not held: {', '.join(missing)} (fix: add those keys back)",
            file=sys.stderr,
        )
        return EXIT_FAILED
    if counts.outside(keyring.current.kid):
        print("not everything is under the current key: intake keys rotate --continue finishes it")
    return EXIT_OK


def purge(args: argparse.Namespace) -> int:
    """Delete the files past their retention time (see intake.privacy.retention)."""
    from intake.privacy.retention import purge as run_purge

    settings = _settings(args)
    store, files, _ = _open(settings)
    try:
        report = run_purge(
            store,
            files,
            settings.retention,
            datetime.now(UTC),
            dry_run=args.dry_run,
            actor=audit.os_user(),
        )
    finally:
        store.close()
    if args.json:
        print(json.dumps(report.to_json(), ensure_ascii=False, indent=1))
    else:
        print(report.summary())
        for reference in report.filings:
            print(f"  {reference}")
    return EXIT_OK


def show_audit(args: argparse.Namespace) -> int:
    """Print the audit log (Asia/Shanghai time)."""
    settings = _settings(args)
    store, _, _ = _open(settings)
    try:
        lines = audit.entries(store, args.filing, args.limit)
    finally:
        store.close()
    if args.json:
        print(json.dumps([line.to_json() for line in lines], ensure_ascii=False, indent=1))
    elif not lines:
        print("no audit entries" + (f" for {args.filing}" if args.filing else ""))
    else:
        print(audit.as_table(lines))
    return EXIT_OK


def add_parsers(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    """The `keys`, `purge` and `audit` subcommands."""
    keys = sub.add_parser("keys", help="encryption keys of the stored personal data")
    keys_sub = keys.add_subparsers(dest="keys_command", required=True, metavar="COMMAND")
    new = keys_sub.add_parser("new", parents=[common], help="write a new key file")
    new.add_argument("--out", help="the file (default: key_file of [storage])")
    new.set_defaults(handler=keys_new)
    rotate = keys_sub.add_parser(
        "rotate", parents=[common], help="new current key; re-encrypt everything under it"
    )
    rotate.add_argument(
        "--continue",
        dest="resume",
        action="store_true",
        help="no new key: finish re-encrypting under the current one",
    )
    rotate.add_argument(
        "--drop-old", action="store_true", help="afterwards, remove the old keys from the key file"
    )
    rotate.set_defaults(handler=keys_rotate)
    check = keys_sub.add_parser("check", parents=[common], help="keys and what is under each")
    check.set_defaults(handler=keys_check)

    purge_cmd = sub.add_parser(
        "purge", parents=[common], help="delete raw mail and attachments past retention"
    )
    purge_cmd.add_argument(
        "--dry-run", action="store_true", help="say what would go, change nothing"
    )
    purge_cmd.add_argument("--json", action="store_true")
    purge_cmd.set_defaults(handler=purge)

    audit_cmd = sub.add_parser("audit", parents=[common], help="who read or changed filings")
    audit_cmd.add_argument("--filing", metavar="REF", help="one filing's entries")
    audit_cmd.add_argument("--limit", type=int, default=200, help="newest N entries (200)")
    audit_cmd.add_argument("--json", action="store_true")
    audit_cmd.set_defaults(handler=show_audit)
