"""`intake config check`: validate the config file, the key, the template overrides and (with
`--connect`) every enabled office's mail servers."""

from __future__ import annotations

import argparse
import json
import os
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING

from intake.commands.arguments import EXIT_FAILED, EXIT_OK, Subparsers, examples, settings_of
from intake.settings import ConfigProblem, Settings, Severity

if TYPE_CHECKING:
    from intake.commands.connect_check import ProbeResult


@dataclass(frozen=True)
class ConfigReport:
    """What `intake config check` found: the config's problems, faulty template overrides
    (`overrides` is the overrides folder when there is one) and the mail servers' answers."""

    settings: Settings
    template_faults: tuple[str, ...]
    overrides: Path | None
    probes: tuple[ProbeResult, ...]

    @property
    def errors(self) -> list[ConfigProblem]:
        return [p for p in self.settings.problems if p.severity is Severity.ERROR]

    @property
    def warnings(self) -> list[ConfigProblem]:
        return [p for p in self.settings.problems if p.severity is Severity.WARNING]

    @property
    def failed(self) -> bool:
        return bool(self.errors) or bool(self.template_faults) or any(not r.ok for r in self.probes)

    def text(self) -> str:
        settings = self.settings
        errors, warnings = self.errors, self.warnings
        lines = [f"{problem.severity.value}: {problem}" for problem in errors + warnings]
        disabled = sorted({p.office for p in errors if p.office})
        lines.append(
            f"{settings.path}: {len(settings.offices)} offices, {len(settings.enabled_offices)} enabled"
            + (f", disabled by errors: {', '.join(disabled)}" if disabled else "")
            + f"; {len(errors)} errors, {len(warnings)} warnings"
        )
        lines += [f"error: template override: {fault}" for fault in self.template_faults]
        if self.overrides is not None:
            faults = self.template_faults
            lines.append(
                f"{self.overrides}: {'no faults' if not faults else f'{len(faults)} faults'} in the template overrides"
            )
        lines += [result.line() for result in self.probes]
        return "\n".join(lines)

    def to_json(self) -> dict[str, object]:
        settings = self.settings
        return {
            "file": str(settings.path),
            "offices": len(settings.offices),
            "enabled": [o.code for o in settings.enabled_offices],
            "problems": [
                {
                    "line": p.line,
                    "key": p.key,
                    "office": p.office,
                    "severity": p.severity.value,
                    "message": p.message,
                    "fix": p.fix,
                }
                for p in settings.problems
            ],
            "templates": list(self.template_faults),
            "connect": [
                {
                    "office": r.office,
                    "service": r.service,
                    "ok": r.ok,
                    "problem": r.problem.value if r.problem else None,
                    "message": r.message,
                }
                for r in self.probes
            ],
        }


def add_parser(sub: Subparsers, common: argparse.ArgumentParser) -> None:
    """The `config` subcommand and its `check`."""
    config = sub.add_parser(
        "config",
        help="configuration commands",
        **examples("intake config check", "intake config check --connect"),
    )
    config_sub = config.add_subparsers(dest="config_command", required=True, metavar="COMMAND")
    check = config_sub.add_parser(
        "check",
        parents=[common],
        help="validate the config file",
        description="Validate the config file, the key and the reply template overrides; with "
        "--connect also log in to every enabled office's mail servers. Exit status 1 when "
        "anything is wrong.",
        **examples(
            "intake config check --config /etc/intake/intake.toml",
            "intake config check --connect --json",
        ),
    )
    check.add_argument(
        "--connect", action="store_true", help="log in to every mailbox (IMAP with ID, SMTP)"
    )
    check.add_argument("--json", action="store_true", help="print JSON")
    check.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    """Check the config; exit status 1 when anything is wrong."""
    from intake.commands.connect_check import probe_office
    from intake.replying.queue import template_dir
    from intake.runtime.memory import memory_problems
    from intake.settings import key_problems
    from notifications.replies import ReplyRenderer

    settings = settings_of(args)
    settings = replace(
        settings,
        problems=(
            *settings.problems,
            *key_problems(settings, os.environ),
            *memory_problems(settings),
        ),
    )
    overrides = template_dir(settings.path)
    template_faults = ReplyRenderer(overrides).check_overrides() if overrides.is_dir() else []
    probes = []
    if args.connect:
        probes = [
            r for office in settings.enabled_offices for r in probe_office(office, os.environ)
        ]
    report = ConfigReport(
        settings,
        tuple(template_faults),
        overrides if overrides.is_dir() else None,
        tuple(probes),
    )
    if args.json:
        print(json.dumps(report.to_json(), ensure_ascii=False, indent=1))
    else:
        print(report.text())
    return EXIT_FAILED if report.failed else EXIT_OK
