"""The Celery application of a cluster, built from the config: the broker, the queues, the
delivery rules that make a dead worker lose nothing, and the beat's timetable.

Delivery: a task is acknowledged after it ran (`task_acks_late`), one at a time per worker
thread (`worker_prefetch_multiplier = 1`), and given back to the queue when its worker dies
(`task_reject_on_worker_lost`): RabbitMQ hands it out again as soon as the worker's connection
drops, Redis after `[cluster] redelivery_seconds`. Running a task twice changes nothing (see
`intake.cluster.work`), so redelivery is always safe. No task has a result to keep.

Queues: ``intake`` carries the short tasks (polls, deciding, sending, the beat's), and
``intake.read`` the reading of single messages (OCR), so a backlog of mail to read never holds
up a poll or a reply.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

from celery import Celery
from celery.schedules import crontab

from intake.errors import ConfigError
from intake.runtime.worker import PURGE_AT
from intake.settings import Settings

SHORT_QUEUE = "intake"
READ_QUEUE = "intake.read"
QUEUES = (SHORT_QUEUE, READ_QUEUE)
BROKER_PASSWORD_ENV = "INTAKE_BROKER_PASSWORD"
TASKS = "intake.cluster.tasks"


def broker_url(settings: Settings, environ: Mapping[str, str]) -> str:
    """The broker's URL from `[cluster] broker`, with the password from
    `INTAKE_BROKER_PASSWORD` when that is set (a password never stands in the file)."""
    url = settings.cluster.broker
    if not url:
        raise ConfigError(
            f"{settings.path}: no [cluster] broker (fix: add [cluster] with "
            'broker = "amqp://user@host:5672//" or "redis://host:6379/0", or use intake run)'
        )
    secret = environ.get(BROKER_PASSWORD_ENV)
    if not secret:
        return url
    parts = urlsplit(url)
    user = parts.username or ""
    host = parts.hostname or ""
    port = f":{parts.port}" if parts.port else ""
    netloc = f"{quote(user, safe='')}:{quote(secret, safe='')}@{host}{port}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def beat_schedule(settings: Settings) -> dict[str, dict[str, Any]]:
    """The beat's timetable: every office polled each `poll_every_minutes`; the sweep for
    leftover work every `sweep_seconds`; every minute the digests that are due (after
    `digest_at`, once per office and day) and sending; the purge at 03:15 (in the schedule's
    time zone)."""
    schedule = settings.schedule
    return {
        "poll every office": {
            "task": f"{TASKS}.tick",
            "schedule": timedelta(minutes=schedule.poll_every_minutes),
        },
        "sweep": {
            "task": f"{TASKS}.sweep",
            "schedule": timedelta(seconds=settings.cluster.sweep_seconds),
        },
        "digests due and sending": {
            "task": f"{TASKS}.minutely",
            "schedule": timedelta(minutes=1),
        },
        "daily purge": {
            "task": f"{TASKS}.purge",
            "schedule": crontab(hour=PURGE_AT[0], minute=PURGE_AT[1]),
        },
    }


def make_app(settings: Settings, environ: Mapping[str, str]) -> Celery:
    """The cluster's Celery application (it connects only when a worker or a send starts)."""
    app = Celery("intake", set_as_current=True)
    app.conf.update(
        broker_url=broker_url(settings, environ),
        broker_connection_retry_on_startup=True,
        broker_transport_options={"visibility_timeout": settings.cluster.redelivery_seconds},
        task_acks_late=True,
        task_reject_on_worker_lost=True,
        task_ignore_result=True,
        result_backend=None,
        worker_prefetch_multiplier=1,
        worker_hijack_root_logger=False,
        worker_redirect_stdouts=False,
        task_default_queue=SHORT_QUEUE,
        task_routes={f"{TASKS}.read": {"queue": READ_QUEUE}},
        timezone=str(settings.schedule.timezone),
        enable_utc=True,
        beat_schedule=beat_schedule(settings),
        imports=(TASKS,),
    )
    return app
