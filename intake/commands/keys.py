"""`intake keys new|rotate|check`: the encryption keys of the stored personal data."""

from __future__ import annotations

import argparse
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from intake.commands.arguments import (
    EXIT_FAILED,
    EXIT_OK,
    EXIT_USAGE,
    Subparsers,
    examples,
    settings_of,
)

if TYPE_CHECKING:
    from intake.privacy.crypto import Keyring
    from intake.privacy.rekey import Census


@dataclass(frozen=True)
class KeysReport:
    """Where the keys come from, and what is stored under which key (`intake keys check`)."""

    keyring: Keyring
    census: Census

    @property
    def unreadable(self) -> list[str]:
        """The key ids that data is stored under but that the keyring lacks."""
        return self.census.unreadable(self.keyring)

    @property
    def behind(self) -> bool:
        """Whether something is not under the current key yet."""
        return bool(self.census.outside(self.keyring.current.kid))

    def text(self) -> str:
        keyring = self.keyring
        lines = [
            f"keys from {keyring.source}: {len(keyring.keys)} "
            f"({', '.join(k.kid for k in keyring.keys)}); current {keyring.current.kid}",
            *(f"  {line}" for line in self.census.lines(keyring)),
        ]
        if not self.unreadable and self.behind:
            lines.append(
                "not everything is under the current key: intake keys rotate --continue finishes it"
            )
        return "\n".join(lines)

    def to_json(self) -> dict[str, object]:
        return {
            "source": self.keyring.source,
            "keys": [k.kid for k in self.keyring.keys],
            "current": self.keyring.current.kid,
            "files": dict(self.census.files),
            "values": dict(self.census.values),
            "unreadable": self.unreadable,
        }


def add_parser(sub: Subparsers, common: argparse.ArgumentParser) -> None:
    """The `keys` subcommand and its `new`, `rotate` and `check`."""
    keys = sub.add_parser(
        "keys",
        help="encryption keys of the stored personal data",
        **examples("intake keys new --out /etc/intake/keys", "intake keys check"),
    )
    keys_sub = keys.add_subparsers(dest="keys_command", required=True, metavar="COMMAND")
    new = keys_sub.add_parser(
        "new",
        parents=[common],
        help="write a new key file",
        **examples("intake keys new --out /etc/intake/keys"),
    )
    new.add_argument(
        "--out", metavar="FILE", help="the file (default: key_file of [storage]); never replaced"
    )
    new.set_defaults(handler=handle_new)
    rotate = keys_sub.add_parser(
        "rotate",
        parents=[common],
        help="new current key; re-encrypt everything under it",
        **examples("intake keys rotate", "intake keys rotate --continue --drop-old"),
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
    rotate.set_defaults(handler=handle_rotate)
    check = keys_sub.add_parser(
        "check",
        parents=[common],
        help="keys and what is under each",
        **examples("intake keys check"),
    )
    check.set_defaults(handler=handle_check)


def handle_new(args: argparse.Namespace) -> int:
    """Write a new key file (never over an existing one)."""
    from intake.privacy import crypto

    path: Path | None = Path(args.out) if args.out else None
    if path is None:
        path = settings_of(args).storage.key_file
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


def handle_rotate(args: argparse.Namespace) -> int:
    """A new current key, then every file and value re-encrypted under it."""
    from intake.commands.progress import Progress, wanted
    from intake.privacy import audit, crypto, rekey
    from intake.runtime.service import open_deployment

    settings = settings_of(args)
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
    actor = audit.os_user()
    deployment = open_deployment(settings, mailboxes=False, keyring=keyring, actor=actor)
    try:
        store, files = deployment.store, deployment.files
        with Progress("re-encrypting under " + keyring.current.kid, shown=wanted(args.quiet)):
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
            store, deployment.clock(), "keys.rotate", report.summary() + dropped, actor
        )
    finally:
        deployment.close()
    return EXIT_OK


def handle_check(args: argparse.Namespace) -> int:
    """Where the keys come from, and what is stored under which key."""
    from intake.privacy import audit, rekey
    from intake.runtime.service import open_deployment

    deployment = open_deployment(settings_of(args), mailboxes=False, actor=audit.os_user())
    try:
        report = KeysReport(deployment.keyring, rekey.census(deployment.store, deployment.files))
    finally:
        deployment.close()
    print(report.text())
    if report.unreadable:
        print(
            f"intake: data under keys not held: {', '.join(report.unreadable)} "
            "(fix: add those keys back)",
            file=sys.stderr,
        )
        return EXIT_FAILED
    return EXIT_OK
