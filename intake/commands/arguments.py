"""What every subcommand shares: the common options, the exit statuses, the config it reads.

Light on purpose: every subcommand module imports it when `intake` builds its parser.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import Any, TypeAlias

from intake.errors import IntakeError
from intake.settings import Settings, Severity, config_path, load_settings

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2

Subparsers: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"
"""What a subcommand module adds its parser to."""


def common_options() -> argparse.ArgumentParser:
    """The options every subcommand takes (a parent parser)."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--config",
        metavar="FILE",
        help="config file (default: $INTAKE_CONFIG or config/intake.toml)",
    )
    loudness = common.add_mutually_exclusive_group()
    loudness.add_argument("-v", "--verbose", action="store_true", help="log more (debug lines)")
    loudness.add_argument(
        "-q", "--quiet", action="store_true", help="errors only: no log lines, no progress bars"
    )
    common.add_argument("--log-json", action="store_true", help="log as JSON lines")
    common.add_argument(
        "--log-file",
        metavar="PATH",
        help="write log lines to PATH instead of standard error (logrotate may move it; "
        "it is reopened)",
    )
    return common


class ExamplesFormatter(argparse.HelpFormatter):
    """Help text as argparse wraps it, except the examples, shown line by line as written."""

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        if text.startswith(EXAMPLES):
            return "".join(indent + line for line in text.splitlines(keepends=True))
        return super()._fill_text(text, width, indent)


EXAMPLES = "examples:"


def examples(*lines: str) -> dict[str, Any]:
    """The keywords of `add_parser` that end a subcommand's help with examples."""
    return {
        "epilog": EXAMPLES + "\n" + "\n".join(f"  {line}" for line in lines),
        "formatter_class": ExamplesFormatter,
    }


def settings_of(args: argparse.Namespace) -> Settings:
    """The settings of the config file named by `--config`, `$INTAKE_CONFIG` or the default."""
    return load_settings(config_path(args.config, os.environ))


def warn_disabled(settings: Settings) -> None:
    """Say on standard error which offices a config error disabled."""
    for problem in settings.problems:
        if problem.severity is Severity.ERROR:
            print(f"intake: office {problem.office} disabled: {problem}", file=sys.stderr)


def add_engine_option(parser: argparse.ArgumentParser) -> None:
    """`--engine`: which OCR engine reads scans and photos (`parse`, `check`)."""
    parser.add_argument(
        "--engine",
        choices=("rapidocr", "tesseract"),
        default="rapidocr",
        help="OCR engine for scans (default: rapidocr)",
    )


def usable_settings(args: argparse.Namespace) -> Settings | None:
    """The config's settings, or None when there is no usable config (the offline commands then
    use the offices of the notice and the default limits)."""
    try:
        return settings_of(args)
    except IntakeError:
        return None
