"""The `intake` command: one entry point, a subcommand per job (see README and interfaces.md).

Each subcommand is a module of `intake.commands` with `add_parser(subparsers, common)` and
`handle(args) -> int`; this module only builds the top-level parser and runs the chosen handler.
Exit status 0 on success; otherwise non-zero with a one-line reason on standard error.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from intake.commands import (
    audit,
    backup,
    check,
    config,
    demo,
    digest,
    keys,
    parse,
    purge,
    requeue,
    run,
    status,
)
from intake.commands.arguments import EXIT_FAILED, EXIT_OK, EXIT_USAGE, common_options
from intake.errors import IntakeError
from intake.runtime import logs

__all__ = ["EXIT_FAILED", "EXIT_OK", "EXIT_USAGE", "main"]

SUBCOMMANDS = (demo, run, status, requeue, parse, digest, check, keys, purge, backup, audit, config)
"""The subcommand modules, in the order `intake --help` lists them."""


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (also used by the console script)."""
    parser = _parser()
    args = parser.parse_args(argv)
    logs.configure(
        verbose=getattr(args, "verbose", False), as_json=getattr(args, "log_json", False)
    )
    try:
        return int(args.handler(args))
    except IntakeError as exc:
        print(f"intake: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print("intake: interrupted", file=sys.stderr)
        return 130


def _parser() -> argparse.ArgumentParser:
    common = common_options()
    parser = argparse.ArgumentParser(
        prog="intake", description="Xingtai new-media account filings by email"
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in SUBCOMMANDS:
        command.add_parser(sub, common)
    return parser


if __name__ == "__main__":
    raise SystemExit(main())
