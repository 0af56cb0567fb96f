"""The audit log on real stores: the pipeline's decisions (actor `worker`) and `intake digest`
(the OS user; reading `intake status` is not recorded), read back with `intake audit` in
Asia/Shanghai time."""

from __future__ import annotations

import getpass
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from intake.commands.demo import local_config
from intake.privacy.audit import entries
from intake.runtime.service import Deployment, open_deployment, run_once
from intake.settings import load_settings
from intake.store.tables import AuditEntry, Filing
from tests.integration.test_encryption import filing_mail

REPO = Path(__file__).resolve().parents[2]
NOW = datetime(2026, 6, 1, 2, 0, tzinfo=UTC)  # 10:00 in Shanghai


def intake(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "intake.commands.cli", *args],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=REPO,
        env={k: v for k, v in os.environ.items() if k != "INTAKE_KEYS"},  # the key file
    )


@pytest.fixture
def deployment(tmp_path: Path, store_url: str) -> Iterator[Deployment]:
    mailboxes = tmp_path / "mailboxes"
    settings = load_settings(local_config(tmp_path, store_url, mailboxes), {})
    for office in settings.offices:
        (mailboxes / office.code).mkdir(parents=True, exist_ok=True)
    (mailboxes / "130582" / "a.eml").write_bytes(filing_mail(sender="a@qq.com"))
    opened = open_deployment(settings, {}, lambda: NOW)
    try:
        run_once(opened)
        yield opened
    finally:
        opened.close()


def test_pipeline_decisions_are_audited_with_the_filing(deployment: Deployment) -> None:
    with deployment.store.session() as db:
        filing = db.execute(select(Filing)).scalar_one()
        rows = db.execute(select(AuditEntry).order_by(AuditEntry.id)).scalars().all()
    decided = [r for r in rows if r.action == "decided"]
    assert len(decided) == 1
    assert decided[0].actor == "worker" and decided[0].reference == filing.reference
    assert decided[0].filing_id == filing.id and decided[0].at == NOW
    assert "status - → incomplete" in (decided[0].detail or "")
    [line] = [e for e in entries(deployment.store, filing.reference) if e.action == "decided"]
    assert line.to_json()["at"] == "2026-06-01T10:00:00+08:00"


def test_digest_reads_are_audited_and_shown_but_status_is_not(deployment: Deployment) -> None:
    config = str(deployment.settings.path)
    with deployment.store.session() as db:
        reference = db.execute(select(Filing.reference)).scalar_one()
    status = intake("status", "--config", config)
    assert status.returncode == 0, status.stderr
    digest = intake(
        "digest", "--config", config, "--office", "130582", "--date", "2026-06-01", "--no-send"
    )
    assert digest.returncode == 0, digest.stderr
    shown = intake("audit", "--config", config, "--json")
    assert shown.returncode == 0, shown.stderr
    rows = json.loads(shown.stdout)
    user = getpass.getuser()
    actions = {(r["actor"], r["action"]) for r in rows}
    assert {("worker", "decided"), (user, "digest")} <= actions
    assert not [r for r in rows if r["action"] == "status"]  # counts, not who read a filing
    [digest_row] = [r for r in rows if r["action"] == "digest"]
    assert digest_row["detail"] == "office 130582 2026-06-01: 1 filings listed"
    assert all(r["at"].endswith("+08:00") for r in rows)
    one = intake("audit", "--config", config, "--filing", reference)
    assert one.returncode == 0, one.stderr
    lines = one.stdout.splitlines()
    assert lines[0].startswith("time (Asia/Shanghai)")
    assert len(lines) == 2 and "decided" in lines[1] and reference in lines[1]
    assert lines[1].startswith("2026-06-01 10:00:00")
