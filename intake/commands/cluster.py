"""`intake worker` and `intake beat`: the workers of a cluster and the one timer that feeds them
(`[cluster] broker` in the config; see `intake.cluster`)."""

from __future__ import annotations

import argparse
import logging
import os
import socket
import sys
import tempfile
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING

from intake.commands.arguments import (
    EXIT_FAILED,
    EXIT_OK,
    Subparsers,
    examples,
    settings_of,
    warn_disabled,
)

if TYPE_CHECKING:
    from intake.cluster.idle import IdleWatchers
    from intake.runtime.service import Deployment


def add_parser(sub: Subparsers, common: argparse.ArgumentParser) -> None:
    """The `worker` and `beat` subcommands."""
    worker = sub.add_parser(
        "worker",
        parents=[common],
        help="a cluster worker: takes any office's polls, reading, deciding and sending",
        description="A worker of a cluster ([cluster] broker in the config): takes tasks from "
        "the shared broker (polls, reading and OCR, deciding, sending) for any office, on the "
        "shared PostgreSQL store and files folder, until SIGTERM or Ctrl-C (the tasks in hand "
        "are finished first). Start one or more on every host, and one `intake beat` in all.",
        **examples(
            "intake worker --config /etc/intake/intake.toml",
            "intake worker --concurrency 8 --beat   # one host alone: the timer in the worker",
        ),
    )
    worker.add_argument(
        "--concurrency",
        type=int,
        metavar="N",
        help="tasks at once in this worker (default: [cluster] concurrency)",
    )
    worker.add_argument(
        "--beat",
        action="store_true",
        help="run the timer in this worker too (one timer in the whole cluster)",
    )
    worker.set_defaults(handler=handle_worker)
    beat = sub.add_parser(
        "beat",
        parents=[common],
        help="the cluster's timer: queues polls, the sweep, digests and the purge",
        description="The timer of a cluster: queues a poll of every enabled office at once and "
        "then every poll_every_minutes, the sweep for leftover work every sweep_seconds, the "
        "digests that are due and sending every minute, and the daily purge. Run exactly one.",
        **examples("intake beat --config /etc/intake/intake.toml"),
    )
    beat.add_argument(
        "--schedule-file",
        type=Path,
        metavar="PATH",
        help="where the timer keeps when each entry last ran (default: a file under /tmp)",
    )
    beat.set_defaults(handler=handle_beat)


def handle_worker(args: argparse.Namespace) -> int:
    """Open the deployment (refusing to start when its store or files folder is not reachable
    or not this deployment's), bind the tasks to it, and run a Celery worker in this process."""
    from intake.cluster import tasks
    from intake.cluster.app import QUEUES, make_app
    from intake.parsing.engines import lazy_ocr
    from intake.runtime.memory import refuse_over_memory
    from intake.runtime.service import open_deployment
    from intake.store.identity import check_files_reachable

    settings = settings_of(args)
    warn_disabled(settings)
    app = make_app(settings, os.environ)
    if not args.verbose:  # Celery's own two lines per task
        for chatty in ("celery.app.trace", "celery.worker.strategy"):
            logging.getLogger(chatty).setLevel(logging.WARNING)
    refuse_over_memory(settings)
    concurrency = args.concurrency or settings.cluster.concurrency
    deployment = open_deployment(
        settings, ocr=lazy_ocr("rapidocr"), connections=worker_connections(concurrency)
    )
    try:
        check_files_reachable(deployment.store, deployment.files)
    except BaseException:
        deployment.close()
        raise
    tasks.bind(deployment)
    watchers = _idle_watchers(deployment, settings.cluster.idle_connections, tasks)
    argv = [
        "worker",
        "--pool=threads",
        f"--concurrency={concurrency}",
        f"--queues={','.join(QUEUES)}",
        f"--hostname=intake-{os.getpid()}@{socket.gethostname()}",
        "--without-gossip",
        "--without-mingle",
        "--loglevel=INFO",
    ]
    if args.beat:
        argv += ["--beat", f"--schedule={_schedule_file(None)}"]
        tasks.tick.delay()
    try:
        app.worker_main(argv)
    finally:
        if watchers is not None:
            watchers.stop.set()
        deployment.close()
    return EXIT_OK


def worker_connections(concurrency: int) -> int:
    """Database connections a worker keeps for reuse: two for each of its threads (a task
    holds its lock on one while its work uses another) and two for the rest (the IDLE
    watchers' locks, the sweep)."""
    return 2 * concurrency + 2


def _idle_watchers(deployment: Deployment, limit: int, tasks: ModuleType) -> IdleWatchers | None:
    """This worker's IMAP IDLE watchers (none with `idle_connections = 0`): a change the
    server tells of queues a poll of that office."""
    from intake.cluster.idle import IdleWatchers, WatchLocks

    if limit <= 0:
        return None
    watchers = IdleWatchers(
        offices=tuple(o.code for o in deployment.settings.enabled_offices),
        mailboxes=deployment.mailboxes,
        locks=WatchLocks(deployment.store.engine, deployment.lock_dir),
        on_change=lambda office: tasks.poll.delay(office),
        limit=limit,
        refresh_seconds=min(25 * 60, deployment.settings.schedule.poll_every_minutes * 60),
    )
    watchers.start()
    return watchers


def handle_beat(args: argparse.Namespace) -> int:
    """Queue a poll of every office now, then run the timer until SIGTERM or Ctrl-C."""
    from intake.cluster.app import TASKS, make_app

    settings = settings_of(args)
    if not settings.enabled_offices:
        print("intake: no office is enabled (see: intake config check)", file=sys.stderr)
        return EXIT_FAILED
    app = make_app(settings, os.environ)
    app.send_task(f"{TASKS}.tick")
    app.Beat(schedule=str(_schedule_file(args.schedule_file)), loglevel="INFO").run()
    return EXIT_OK


def _schedule_file(given: Path | None) -> Path:
    return given or Path(tempfile.gettempdir()) / f"intake-beat-{os.getuid()}"
