"""What every subcommand shares: the common options, the exit statuses, the config it reads.

Light on purpose: every subcommand module imports it when `intake` builds its parser.
"""

from __future__ import annotations

import argparse
import os
import sys
from typing import TypeAlias

from intake.settings import Settings, Severity, config_path, load_settings

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2

Subparsers: TypeAlias = "argparse._SubParsersAction[argparse.ArgumentParser]"
"""What a subcommand module adds its parser to."""


def common_options() -> argparse.ArgumentParser:
    """The options every subcommand takes (a parent parser)."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--config", help="config file (default: $INTAKE_CONFIG or config/intake.toml)"
    )
    common.add_argument("-v", "--verbose", action="store_true", help="log more")
    common.add_argument("--log-json", action="store_true", help="log as JSON lines")
    return common


def settings_of(args: argparse.Namespace) -> Settings:
    """The settings of the config file named by `--config`, `$INTAKE_CONFIG` or the default."""
    return load_settings(config_path(args.config, os.environ))


def warn_disabled(settings: Settings) -> None:
    """Say on standard error which offices a config error disabled."""
    for problem in settings.problems:
        if problem.severity is Severity.ERROR:
            print(f"intake: office {problem.office} disabled: {problem}", file=sys.stderr)
