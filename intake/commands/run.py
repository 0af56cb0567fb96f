"""`intake run`: poll every enabled mailbox on its schedule, or once with `--once`."""

from __future__ import annotations

import argparse
import sys

from intake.commands.arguments import (
    EXIT_FAILED,
    EXIT_OK,
    Subparsers,
    examples,
    settings_of,
    warn_disabled,
)


def add_parser(sub: Subparsers, common: argparse.ArgumentParser) -> None:
    """The `run` subcommand."""
    run = sub.add_parser(
        "run",
        parents=[common],
        help="poll every enabled mailbox on its schedule",
        description="The worker: polls every enabled office's mailbox on its schedule, moves "
        "mail through the pipeline, sends replies and the daily digests, until SIGTERM or "
        "Ctrl-C. Logs one line per poll that found mail and one summary line per round.",
        **examples(
            "intake run --log-file /var/log/intake/worker.log",
            "intake run --once",
        ),
    )
    run.add_argument(
        "--once", action="store_true", help="one pass over every enabled mailbox, then exit"
    )
    run.add_argument(
        "--metrics-port",
        type=int,
        metavar="N",
        help="serve Prometheus metrics on http://ADDRESS:N/metrics while the worker runs",
    )
    run.add_argument(
        "--metrics-address",
        default="127.0.0.1",
        metavar="ADDRESS",
        help="the address the metrics are served on (default 127.0.0.1: this machine only)",
    )
    run.set_defaults(handler=handle)


def handle(args: argparse.Namespace) -> int:
    """Run the worker (or one pass of it); the pass's report with `--once`."""
    from intake.parsing.engines import lazy_ocr
    from intake.runtime.memory import refuse_over_memory
    from intake.runtime.service import open_deployment, run_once
    from intake.runtime.worker import StopFlag, run_forever

    settings = settings_of(args)
    warn_disabled(settings)
    if not settings.enabled_offices:
        print(
            "intake: no office is enabled and free of config errors (see: intake config check)",
            file=sys.stderr,
        )
        return EXIT_FAILED
    refuse_over_memory(settings)
    deployment = open_deployment(settings, ocr=lazy_ocr("rapidocr"))
    try:
        if args.once:
            report = run_once(deployment, StopFlag())
            print(report.text())
            return EXIT_FAILED if report.failed else EXIT_OK
        if args.metrics_port is None:
            run_forever(deployment)
            return EXIT_OK
        from intake.runtime.metrics import WorkerMetrics, serve

        metrics = WorkerMetrics(deployment.store, deployment.clock)
        server = serve(metrics, args.metrics_port, args.metrics_address)
        try:
            run_forever(deployment, metrics=metrics)
        finally:
            server.close()
        return EXIT_OK
    finally:
        deployment.close()
