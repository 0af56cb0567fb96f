"""The `intake` command: one entry point, a subcommand per job (see README and interfaces.md).

Exit status 0 on success; otherwise non-zero with a one-line reason on standard error.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path

from intake.errors import IntakeError
from intake.parsing.engines import lazy_ocr
from intake.runtime import logs
from intake.settings import Settings, Severity, config_path, load_settings

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


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
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--config", help="config file (default: $INTAKE_CONFIG or config/intake.toml)"
    )
    common.add_argument("-v", "--verbose", action="store_true", help="log more")
    common.add_argument("--log-json", action="store_true", help="log as JSON lines")
    parser = argparse.ArgumentParser(
        prog="intake", description="Xingtai new-media account filings by email"
    )
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    demo = sub.add_parser(
        "demo", parents=[common], help="the bundled samples through the whole pipeline"
    )
    demo.add_argument(
        "--out",
        default="demo-out",
        help="folder for the store, files and output (default: demo-out)",
    )
    demo.set_defaults(handler=_demo)

    run = sub.add_parser("run", parents=[common], help="poll every enabled mailbox on its schedule")
    run.add_argument(
        "--once", action="store_true", help="one pass over every enabled mailbox, then exit"
    )
    run.set_defaults(handler=_run)

    status = sub.add_parser(
        "status", parents=[common], help="per office: last poll, stored, waiting, quarantined"
    )
    status.add_argument("--json", action="store_true")
    status.set_defaults(handler=_status)

    parse = sub.add_parser(
        "parse", parents=[common], help="read documents offline and print what was read"
    )
    parse.add_argument("files", nargs="+", metavar="FILE")
    parse.add_argument("--json", action="store_true")
    parse.add_argument(
        "--engine",
        choices=("rapidocr", "tesseract"),
        default="rapidocr",
        help="OCR engine for scans",
    )
    parse.set_defaults(handler=_parse)

    digest = sub.add_parser("digest", parents=[common], help="write the daily digest(s) now")
    digest.add_argument("--date", help="the day, YYYY-MM-DD (default: today in Asia/Shanghai)")
    digest.add_argument("--office", help="one office code (default: every enabled office)")
    digest.add_argument("--force", action="store_true", help="make it again even if it was made")
    digest.add_argument(
        "--no-send", action="store_true", help="write and queue it, but do not send now"
    )
    digest.set_defaults(handler=_digest)

    check_cmd = sub.add_parser(
        "check", parents=[common], help="decide mails offline, in order, in a throw-away store"
    )
    check_cmd.add_argument("files", nargs="+", metavar="EML")
    check_cmd.add_argument("--json", action="store_true")
    check_cmd.add_argument("--engine", choices=("rapidocr", "tesseract"), default="rapidocr")
    check_cmd.set_defaults(handler=_check)

    from intake.commands.data import add_parsers

    add_parsers(sub, common)

    config = sub.add_parser("config", help="configuration commands")
    config_sub = config.add_subparsers(dest="config_command", required=True, metavar="COMMAND")
    check = config_sub.add_parser("check", parents=[common], help="validate the config file")
    check.add_argument(
        "--connect", action="store_true", help="log in to every mailbox (IMAP with ID, SMTP)"
    )
    check.add_argument("--json", action="store_true")
    check.set_defaults(handler=_config_check)
    return parser


def _settings(args: argparse.Namespace) -> Settings:
    return load_settings(config_path(args.config, os.environ))


def _run(args: argparse.Namespace) -> int:
    from intake.runtime.service import open_deployment, run_once
    from intake.runtime.worker import StopFlag, run_forever

    settings = _settings(args)
    _warn_disabled(settings)
    if not settings.enabled_offices:
        print(
            "intake: no office is enabled and free of config errors (see: intake config check)",
            file=sys.stderr,
        )
        return EXIT_FAILED
    deployment = open_deployment(settings, ocr=lazy_ocr("rapidocr"))
    try:
        if args.once:
            report = run_once(deployment, StopFlag())
            for poll in report.polls:
                print(poll.summary())
            p = report.pipeline
            print(
                f"pipeline: {p.advanced} steps done, {p.failed} failed, {p.quarantined} quarantined"
                + (
                    f"; interrupted: {p.interrupted} (resumed at the next run)"
                    if p.interrupted
                    else ""
                )
            )
            s = report.sending
            print(
                f"sending: {s.sent} sent, {s.settled} settled, {s.suppressed} suppressed, "
                f"{s.failed} failed, {s.retrying} to retry"
                + (f"; held: {', '.join(s.held_offices)}" if s.held_offices else "")
            )
            for problem in report.problems:
                print(problem)
            failed = [poll for poll in report.polls if not poll.ok and not poll.skipped]
            all_failed = bool(failed) and len(failed) == len(report.polls)
            return EXIT_FAILED if all_failed or report.problems else EXIT_OK
        run_forever(deployment)
        return EXIT_OK
    finally:
        deployment.close()


def _warn_disabled(settings: Settings) -> None:
    for problem in settings.problems:
        if problem.severity is Severity.ERROR:
            print(f"intake: office {problem.office} disabled: {problem}", file=sys.stderr)


def _status(args: argparse.Namespace) -> int:
    from intake.commands.status import as_json, as_table, office_statuses
    from intake.privacy import audit, crypto
    from intake.runtime.service import deployment_keyring
    from intake.store.database import Store

    settings = _settings(args)
    crypto.install(deployment_keyring(settings, os.environ))
    store = Store.open(settings.storage.database)
    try:
        rows = office_statuses(settings, store)
        audit.record_now(
            store, audit.now(), "status", f"{len(rows)} offices shown", audit.os_user()
        )
    finally:
        store.close()
    print(json.dumps(as_json(rows), ensure_ascii=False, indent=1) if args.json else as_table(rows))
    return EXIT_OK


def _parse(args: argparse.Namespace) -> int:
    from intake.runtime.pipeline import parse_limits_of
    from parsers.reader import ParseLimits, read_document

    try:
        limits = parse_limits_of(_settings(args).limits)
    except IntakeError:
        limits = ParseLimits()  # no usable config: the default limits
    get_engine = lazy_ocr(args.engine)
    results: list[dict[str, object]] = []
    status = EXIT_OK
    for name in args.files:
        path = Path(name)
        try:
            data = path.read_bytes()
        except OSError as exc:
            print(f"intake: {name}: {exc.strerror or exc}", file=sys.stderr)
            status = EXIT_FAILED
            continue
        for document in read_document(path.name, data, limits, get_engine()):  # type: ignore[arg-type]
            item = document.to_json()
            if str(path.parent) != ".":
                item["file"] = str(path.parent / document.file)
            results.append(item)
            if not args.json:
                reason = f" (unreadable: {document.unreadable})" if document.unreadable else ""
                print(f"{item['file']}: {document.kind.value}{reason}")
                for key, reading in document.fields.items():
                    print(f"  {key}: {reading.value}  [{reading.confidence:.2f}]")
                for index, account in enumerate(document.accounts, start=1):
                    print(
                        f"  account {index}: "
                        + ", ".join(f"{k}={v.value}" for k, v in account.items())
                    )
    if args.json:
        print(json.dumps(results, ensure_ascii=False, indent=1))
    return status


def _digest(args: argparse.Namespace) -> int:
    from datetime import date as date_type

    from intake.digesting.digests import make_digests
    from intake.privacy import audit
    from intake.runtime.clock import SHANGHAI
    from intake.runtime.service import open_deployment, send_due

    settings = _settings(args)
    deployment = open_deployment(settings)
    try:
        now = deployment.clock()
        try:
            day = (
                date_type.fromisoformat(args.date) if args.date else now.astimezone(SHANGHAI).date()
            )
        except ValueError:
            print(
                f"intake: --date {args.date!r} is not a date (fix: write it as YYYY-MM-DD)",
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
            print(
                f"{item.office} {item.day}: {item.html_path} {item.xlsx_path} ({item.queued} queued)"
            )
            audit.record_digest(
                deployment.store, now, item.office, item.day.isoformat(), audit.os_user()
            )
        skipped = len(offices) - len(made)
        if skipped:
            print(f"{skipped} already made for {day} (use --force to make them again)")
        if not args.no_send:
            sent = send_due(deployment)
            print(f"sent {sent.sent}, failed {sent.failed}, to retry {sent.retrying}")
        return EXIT_OK
    finally:
        deployment.close()


def _check(args: argparse.Namespace) -> int:
    from intake.commands.check import check_files

    paths = [Path(name) for name in args.files]
    for path in paths:
        if not path.is_file():
            print(f"intake: {path}: no such file", file=sys.stderr)
            return EXIT_FAILED
    mailboxes = None
    limits = None
    try:
        settings = _settings(args)
        mailboxes = {o.mailbox.lower(): o.code for o in settings.offices if o.mailbox}
        limits = settings.limits
    except IntakeError:
        pass  # no usable config: the offices of the notice and the default limits are used
    show = sys.stderr.isatty() and len(paths) > 1
    results = check_files(
        paths,
        mailboxes,
        lazy_ocr(args.engine),
        lambda i, p: print(f"[{i}/{len(paths)}] {p}", file=sys.stderr) if show else None,
        limits,
    )
    if args.json:
        print(json.dumps(results, ensure_ascii=False, indent=1))
    else:
        for item in results:
            extra = ", ".join(str(x) for x in [*item["missing"], *item["problems"]])  # type: ignore[misc]
            print(
                f"{item['file']}: {item['status']} {item['filing'] or ''} office {item['office']} "
                f"reply {item['reply']}" + (f" ({extra})" if extra else "")
            )
    return EXIT_OK


def _config_check(args: argparse.Namespace) -> int:
    from intake.commands.connect_check import probe_office
    from intake.settings import key_problems

    settings = _settings(args)
    settings = replace(settings, problems=(*settings.problems, *key_problems(settings, os.environ)))
    errors = [p for p in settings.problems if p.severity is Severity.ERROR]
    warnings = [p for p in settings.problems if p.severity is Severity.WARNING]
    from intake.replying.queue import template_dir
    from notifications.replies import ReplyRenderer

    overrides = template_dir(settings.path)
    template_faults = ReplyRenderer(overrides).check_overrides() if overrides.is_dir() else []
    probes = []
    if args.connect:
        probes = [
            r for office in settings.enabled_offices for r in probe_office(office, os.environ)
        ]
    if args.json:
        print(
            json.dumps(
                {
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
                    "templates": template_faults,
                    "connect": [
                        {
                            "office": r.office,
                            "service": r.service,
                            "ok": r.ok,
                            "problem": r.problem.value if r.problem else None,
                            "message": r.message,
                        }
                        for r in probes
                    ],
                },
                ensure_ascii=False,
                indent=1,
            )
        )
    else:
        for problem in errors + warnings:
            print(f"{problem.severity.value}: {problem}")
        disabled = sorted({p.office for p in errors if p.office})
        print(
            f"{settings.path}: {len(settings.offices)} offices, {len(settings.enabled_offices)} enabled"
            + (f", disabled by errors: {', '.join(disabled)}" if disabled else "")
            + f"; {len(errors)} errors, {len(warnings)} warnings"
        )
        for fault in template_faults:
            print(f"error: template override: {fault}")
        if overrides.is_dir():
            print(
                f"{overrides}: {'no faults' if not template_faults else f'{len(template_faults)} faults'} in the template overrides"
            )
        for result in probes:
            print(result.line())
    failed = bool(errors) or bool(template_faults) or any(not r.ok for r in probes)
    return EXIT_FAILED if failed else EXIT_OK


def _demo(args: argparse.Namespace) -> int:
    from intake.commands.demo import run_demo

    return int(run_demo(Path(args.out)))


if __name__ == "__main__":
    raise SystemExit(main())
