"""`intake audit`: who or what read or changed filings, newest last (Asia/Shanghai time)."""

from __future__ import annotations

import argparse
import json
from dataclasses import dataclass
from typing import TYPE_CHECKING

from intake.commands.arguments import EXIT_OK, Subparsers, examples, settings_of

if TYPE_CHECKING:
    from intake.privacy.audit import AuditLine


@dataclass(frozen=True)
class AuditReport:
    """The audit rows shown (of one filing when `filing` is given)."""

    lines: tuple[AuditLine, ...]
    filing: str | None = None

    def text(self) -> str:
        from intake.privacy.audit import as_table

        if not self.lines:
            return "no audit entries" + (f" for {self.filing}" if self.filing else "")
        return as_table(self.lines)

    def to_json(self) -> list[dict[str, str | None]]:
        return [line.to_json() for line in self.lines]


def add_parser(sub: Subparsers, common: argparse.ArgumentParser) -> None:
    """The `audit` subcommand."""
    audit = sub.add_parser(
        "audit",
        parents=[common],
        help="who read or changed filings",
        **examples(
            "intake audit --limit 20", "intake audit --filing XT130582-20260601-0001 --json"
        ),
    )
    audit.add_argument("--filing", metavar="REF", help="one filing's entries")
    audit.add_argument(
        "--limit", type=int, default=200, metavar="N", help="newest N entries (default: 200)"
    )
    audit.add_argument("--json", action="store_true", help="print JSON (a list of entries)")
    audit.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    """Print the audit log."""
    from intake.privacy.audit import entries, os_user
    from intake.runtime.service import open_deployment

    deployment = open_deployment(settings_of(args), mailboxes=False, actor=os_user())
    try:
        report = AuditReport(tuple(entries(deployment.store, args.filing, args.limit)), args.filing)
    finally:
        deployment.close()
    print(
        json.dumps(report.to_json(), ensure_ascii=False, indent=1) if args.json else report.text()
    )
    return EXIT_OK
