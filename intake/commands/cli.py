"""The `intake` command: one entry point, a subcommand per job (see README and interfaces.md).

Each subcommand is a module of `intake.commands` with `add_parser(subparsers, common)` and
`handle(args) -> int`; this module only builds the top-level parser and runs the chosen handler.
Exit status 0 on success; otherwise non-zero with a one-line reason on standard error. A reader
that stops early (`intake parse --json FILE | head -1`) ends the command quietly, as it ends
other Unix tools.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

from intake.commands import (
    audit,
    backup,
    check,
    cluster,
    completion,
    config,
    demo,
    digest,
    keys,
    parse,
    purge,
    requeue,
    run,
    status,
    web,
)
from intake.commands.arguments import (
    EXIT_FAILED,
    EXIT_OK,
    EXIT_USAGE,
    common_options,
    examples,
)
from intake.errors import IntakeError
from intake.runtime import logs

__all__ = ["EXIT_FAILED", "EXIT_OK", "EXIT_USAGE", "build_parser", "main"]

SUBCOMMANDS = (
    demo,
    run,
    cluster,
    status,
    requeue,
    parse,
    digest,
    check,
    keys,
    purge,
    backup,
    audit,
    config,
    web,
    completion,
)
"""The subcommand modules, in the order `intake --help` lists them."""

EXIT_BROKEN_PIPE = 141
"""What a shell reports for a command ended by SIGPIPE (128 + 13)."""


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (also used by the console script)."""
    parser = build_parser()
    args, unknown = parser.parse_known_args(argv)
    if unknown:  # the usage of the subcommand given, not the top-level one
        getattr(args, "command_parser", parser).error(
            f"unrecognized arguments: {' '.join(unknown)}"
        )
    logs.configure(
        verbose=getattr(args, "verbose", False),
        as_json=getattr(args, "log_json", False),
        quiet=getattr(args, "quiet", False),
        log_file=Path(args.log_file) if getattr(args, "log_file", None) else None,
    )
    try:
        status = int(args.handler(args))
        sys.stdout.flush()
        return status
    except BrokenPipeError:
        return _reader_gone()
    except IntakeError as exc:
        print(f"intake: {exc}", file=sys.stderr)
        return EXIT_FAILED
    except KeyboardInterrupt:
        print("intake: interrupted", file=sys.stderr)
        return 130


def _reader_gone() -> int:
    """Standard output's reader has gone: no traceback, and nothing more is written to it
    (Python would try once more when it exits, and complain)."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, sys.stdout.fileno())
    return EXIT_BROKEN_PIPE


class _Version(argparse.Action):
    """`--version`: the installed version, looked up only when asked (it costs a little)."""

    def __init__(self, option_strings: list[str], dest: str, **kwargs: Any) -> None:
        super().__init__(option_strings, dest, nargs=0, help="show the version and exit")

    def __call__(self, parser: argparse.ArgumentParser, *_: Any) -> None:
        from importlib.metadata import PackageNotFoundError, version

        try:
            number = version("xt-intake")
        except PackageNotFoundError:
            number = "(not installed)"
        print(f"intake {number}")
        parser.exit()


def build_parser() -> argparse.ArgumentParser:
    """The whole command line: the top-level parser and every subcommand's."""
    common = common_options()
    parser = argparse.ArgumentParser(
        prog="intake",
        description="Xingtai new-media account filings by email",
        **examples(
            "intake demo --out demo-out",
            "intake status --config config/intake.toml",
            "intake COMMAND --help",
        ),
    )
    parser.add_argument("--version", action=_Version)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in SUBCOMMANDS:
        command.add_parser(sub, common)
    for command_parser in leaf_parsers(parser):
        command_parser.set_defaults(command_parser=command_parser)
    return parser


def leaf_parsers(parser: argparse.ArgumentParser) -> Iterator[argparse.ArgumentParser]:
    """The parsers of the commands that run something (`status`, `keys rotate`, ...)."""
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for child in dict.fromkeys(action.choices.values()):
                if any(isinstance(a, argparse._SubParsersAction) for a in child._actions):
                    yield from leaf_parsers(child)
                else:
                    yield child


if __name__ == "__main__":
    raise SystemExit(main())
