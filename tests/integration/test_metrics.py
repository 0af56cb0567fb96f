"""The worker's Prometheus endpoint, scraped over HTTP on loopback after real polls and
pipeline steps on local folder mailboxes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from intake.commands.demo import local_config
from intake.runtime.metrics import WorkerMetrics, serve
from intake.runtime.service import Deployment, open_deployment
from intake.runtime.worker import StopFlag, office_job
from intake.settings import load_settings
from intake.store.database import Store, make_engine
from tests import factories
from tests.servers import free_port

REPO = Path(__file__).resolve().parents[2]
Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def now() -> datetime:
    return datetime.now(UTC)


def scrape(url: str) -> Samples:
    with urllib.request.urlopen(url, timeout=10) as response:
        assert response.status == 200
        body = response.read().decode("utf-8")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(body)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float | None:
    return samples.get((name, tuple(sorted(labels.items()))))


@pytest.fixture
def deployment(tmp_path: Path, store_url: str) -> Iterator[Deployment]:
    mailboxes = tmp_path / "mailboxes"
    (mailboxes / "130582").mkdir(parents=True)  # 130500's folder is missing: its polls fail
    (mailboxes / "130582" / "a.eml").write_bytes(
        factories.mail(attachment=factories.form_xlsx(), attachment_name="备案表.xlsx")
    )
    settings = load_settings(local_config(tmp_path, store_url, mailboxes), dict(os.environ))
    deployment = open_deployment(settings, dict(os.environ), now)
    yield deployment
    deployment.close()


def test_polls_steps_and_the_store_are_scraped_over_http(deployment: Deployment) -> None:
    metrics = WorkerMetrics(deployment.store, deployment.clock)
    stop = StopFlag()
    for code in ("130582", "130500"):
        office = deployment.settings.office(code)
        assert office is not None
        office_job(deployment, office, stop, metrics=metrics)()
    server = serve(metrics, 0)
    try:
        samples = scrape(f"http://127.0.0.1:{server.port}/metrics")
    finally:
        server.close()
    assert value(samples, "intake_store_up") == 1
    assert value(samples, "intake_polls_total", office="130582", result="ok") == 1
    assert value(samples, "intake_polls_total", office="130500", result="failed") == 1
    assert value(samples, "intake_mails_stored_total", office="130582") == 1
    for step in ("read", "parse", "decide"):
        assert value(samples, "intake_step_seconds_count", step=step) == 1
    filings = {k: v for k, v in samples.items() if k[0] == "intake_filings"}
    assert sum(filings.values()) == 1
    assert next(iter(filings))[1][0] == ("office", "130582")
    outbox = {dict(k[1])["state"]: v for k, v in samples.items() if k[0] == "intake_outbox_mails"}
    assert outbox == {"queued": 1}  # the reply waits: this job does not send
    assert value(samples, "intake_messages_waiting", state="stored") == 0
    assert value(samples, "intake_messages_quarantined") == 0
    assert value(samples, "intake_sending_held_offices") == 0
    assert value(samples, "intake_mailbox_failed_polls_in_a_row", office="130500") == 1
    assert value(samples, "intake_mailbox_failed_polls_in_a_row", office="130582") == 0


def test_an_unreachable_store_is_reported_not_raised() -> None:
    store = Store(make_engine("postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=2"))
    metrics = WorkerMetrics(store)
    server = serve(metrics, 0)
    try:
        samples = scrape(f"http://127.0.0.1:{server.port}/metrics")
    finally:
        server.close()
        store.close()
    assert value(samples, "intake_store_up") == 0
    assert not any(name == "intake_filings" for name, _ in samples)


def test_intake_run_serves_its_metrics_until_stopped(deployment: Deployment) -> None:
    port = free_port()
    config = str(deployment.settings.path)
    worker = subprocess.Popen(
        [sys.executable, "-m", "intake", "run", "--metrics-port", str(port), "--config", config],
        cwd=REPO,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        polled: float | None = None
        deadline = time.monotonic() + 60
        while polled is None and time.monotonic() < deadline:
            time.sleep(0.5)
            try:
                samples = scrape(f"http://127.0.0.1:{port}/metrics")
            except OSError:
                continue
            polled = value(samples, "intake_mails_stored_total", office="130582")
        assert polled == 1
    finally:
        worker.send_signal(signal.SIGTERM)
        _, errors = worker.communicate(timeout=60)
    assert worker.returncode == 0, errors
    with pytest.raises(OSError):
        scrape(f"http://127.0.0.1:{port}/metrics")
