"""The cluster's Celery application as the config builds it: the delivery rules that make a
dead worker lose nothing, the queues, the beat's timetable, the broker URL and its password."""

from __future__ import annotations

from pathlib import Path

import pytest

from intake.cluster.app import READ_QUEUE, SHORT_QUEUE, beat_schedule, broker_url, make_app
from intake.errors import ConfigError
from intake.settings import Settings, settings_from_data

BASE = """\
[storage]
database = "postgresql+psycopg://intake@db/intake"

[schedule]
poll_every_minutes = 3

[[office]]
code = "130582"
name = "沙河市互联网信息办公室"
mailbox = "shhlwxxb@163.com"
password_env = "P"
"""


def settings(extra: str = "") -> Settings:
    import tomllib

    text = BASE + extra
    return settings_from_data(Path("intake.toml"), text, tomllib.loads(text), {"P": "x"})


CLUSTER = '\n[cluster]\nbroker = "amqp://intake@broker:5672//"\nsweep_seconds = 7\n'


def test_without_a_cluster_table_there_is_no_broker_and_no_app() -> None:
    plain = settings()
    assert plain.cluster.broker is None
    with pytest.raises(ConfigError, match=r"\[cluster\] broker"):
        make_app(plain, {})


def test_tasks_are_acknowledged_after_they_ran_and_given_back_when_their_worker_dies() -> None:
    conf = make_app(settings(CLUSTER), {}).conf
    assert conf.task_acks_late is True
    assert conf.task_reject_on_worker_lost is True
    assert conf.worker_prefetch_multiplier == 1
    assert conf.task_ignore_result is True
    assert conf.broker_transport_options == {"visibility_timeout": 600}


def test_reading_has_a_queue_of_its_own_and_everything_else_the_short_one() -> None:
    conf = make_app(settings(CLUSTER), {}).conf
    assert conf.task_default_queue == SHORT_QUEUE
    assert conf.task_routes == {"intake.cluster.tasks.read": {"queue": READ_QUEUE}}


def test_the_beat_polls_on_the_schedule_and_sweeps_on_its_own_timer() -> None:
    table = beat_schedule(settings(CLUSTER))
    assert table["poll every office"]["schedule"].total_seconds() == 180
    assert table["sweep"]["schedule"].total_seconds() == 7
    assert {entry["task"] for entry in table.values()} == {
        "intake.cluster.tasks.tick",
        "intake.cluster.tasks.sweep",
        "intake.cluster.tasks.minutely",
        "intake.cluster.tasks.purge",
    }


def test_the_broker_password_comes_from_the_environment_never_the_file() -> None:
    cluster = settings(CLUSTER)
    assert broker_url(cluster, {}) == "amqp://intake@broker:5672//"
    assert (
        broker_url(cluster, {"INTAKE_BROKER_PASSWORD": "p@ss/word"})
        == "amqp://intake:p%40ss%2Fword@broker:5672//"
    )
    with pytest.raises(ConfigError, match="password"):
        settings('\n[cluster]\nbroker = "redis://:secret@broker:6379/0"\n')


def test_a_broker_that_is_no_url_is_refused() -> None:
    with pytest.raises(ConfigError, match="not a broker URL"):
        settings('\n[cluster]\nbroker = "broker:5672"\n')
