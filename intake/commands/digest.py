"""`intake digest`: write the daily digest(s) now, queue them, and (unless told not to) send."""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from intake.commands.arguments import EXIT_OK, EXIT_USAGE, Subparsers, examples, settings_of

if TYPE_CHECKING:
    from intake.digesting.digests import DigestMade
    from intake.sending.outbox import SendReport


@dataclass(frozen=True)
class DigestReport:
    """The digests made for one day, and how many offices already had theirs."""

    day: date
    made: tuple[DigestMade, ...]
    skipped: int

    def text(self) -> str:
        lines = [
            f"{item.office} {item.day}: {item.html_path} {item.xlsx_path} ({item.queued} queued)"
            for item in self.made
        ]
        if self.skipped:
            lines.append(
                f"{self.skipped} already made for {self.day} (use --force to make them again)"
            )
        return "\n".join(lines)

    def to_json(self) -> dict[str, object]:
        return {
            "day": self.day.isoformat(),
            "made": [
                {
                    "office": item.office,
                    "html": str(item.html_path),
                    "xlsx": str(item.xlsx_path),
                    "queued": item.queued,
                }
                for item in self.made
            ],
            "already_made": self.skipped,
        }


def sending_text(sent: SendReport) -> str:
    """The line that says what sending the queued digests did."""
    return f"sent {sent.sent}, failed {sent.failed}, to retry {sent.retrying}"


def add_parser(sub: Subparsers, common: argparse.ArgumentParser) -> None:
    """The `digest` subcommand."""
    digest = sub.add_parser(
        "digest",
        parents=[common],
        help="write the daily digest(s) now",
        **examples(
            "intake digest --no-send",
            "intake digest --date 2026-06-01 --office 130582 --force",
        ),
    )
    digest.add_argument(
        "--date", help="the day, YYYY-MM-DD, today or before (default: today in Asia/Shanghai)"
    )
    digest.add_argument("--office", help="one office code (default: every enabled office)")
    digest.add_argument("--force", action="store_true", help="make it again even if it was made")
    digest.add_argument(
        "--no-send", action="store_true", help="write and queue it, but do not send now"
    )
    digest.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    """Make the digests of the day (each recorded in the audit log), then send what is due."""
    from intake.digesting.digests import make_digests
    from intake.privacy import audit
    from intake.runtime.clock import SHANGHAI
    from intake.runtime.service import open_deployment, send_due

    settings = settings_of(args)
    actor = audit.os_user()
    deployment = open_deployment(settings, actor=actor)
    try:
        now = deployment.clock()
        try:
            day = date.fromisoformat(args.date) if args.date else now.astimezone(SHANGHAI).date()
        except ValueError:
            print(
                f"intake: --date {args.date!r} is not a date (fix: write it as YYYY-MM-DD)",
                file=sys.stderr,
            )
            return EXIT_USAGE
        today = now.astimezone(SHANGHAI).date()
        if day > today:
            print(
                f"intake: --date {day} is in the future: today is {today} in Asia/Shanghai "
                "(fix: give today or an earlier day)",
                file=sys.stderr,
            )
            return EXIT_USAGE
        offices = settings.enabled_offices
        if args.office:
            chosen = settings.office(args.office)
            if chosen is None:
                print(f"intake: no office {args.office} in {settings.path}", file=sys.stderr)
                return EXIT_USAGE
            offices = (chosen,)
        made = make_digests(
            settings, deployment.store, deployment.files, offices, day, now, force=args.force
        )
        for item in made:
            audit.record_digest(deployment.store, now, item.office, item.day.isoformat(), actor)
        report = DigestReport(day, tuple(made), len(offices) - len(made))
        if report.text():
            print(report.text())
        if not args.no_send:
            print(sending_text(send_due(deployment)))
        return EXIT_OK
    finally:
        deployment.close()
