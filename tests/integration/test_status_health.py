"""`intake status` exit statuses on a real store: 0 healthy, 3 a mailbox failing N polls in a
row (`--failed-polls N`), 4 sending held; the JSON output is the same in every case."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from intake.commands.demo import local_config
from intake.runtime.service import open_deployment, run_once
from intake.settings import load_settings
from intake.store.tables import PollState, SendState

REPO = Path(__file__).resolve().parents[2]


def status(config: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "intake", "status", "--json", "--config", str(config), *extra],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=REPO,
    )


def test_exit_status_follows_failing_mailboxes_and_held_sending(
    tmp_path: Path, store_url: str
) -> None:
    mailboxes = tmp_path / "mailboxes"
    for code in ("130582", "130502"):
        (mailboxes / code).mkdir(parents=True)  # the other offices' folders are missing
    config = local_config(tmp_path, store_url, mailboxes)
    deployment = open_deployment(load_settings(config, dict(os.environ)), dict(os.environ))
    try:
        run_once(deployment)
        healthy = status(config)
        assert healthy.returncode == 0, healthy.stderr
        assert healthy.stderr == ""
        rows = json.loads(healthy.stdout)
        assert {r["office"] for r in rows if r["last_result"] == "failed"} >= {"130500"}

        run_once(deployment)
        run_once(deployment)  # three failed polls in a row for the offices without a folder
        failing = status(config)
        assert failing.returncode == 3
        assert failing.stderr.startswith("intake: mailbox failing: 130500 (3 polls in a row)")
        shown = json.loads(failing.stdout)  # the same rows, only the polls are newer
        assert [(r["office"], sorted(r)) for r in shown] == [(r["office"], sorted(r)) for r in rows]
        assert status(config, "--failed-polls", "4").returncode == 0

        with deployment.store.session() as db:
            for state in db.execute(select(PollState)).scalars():
                state.consecutive_failures = 0
                state.last_result = "ok"
            db.add(
                SendState(
                    office="130582",
                    hold_until=datetime.now(UTC) + timedelta(hours=1),
                    reason="451 MI:SFQ",
                    login_broken=False,
                )
            )
        held = status(config)
        assert held.returncode == 4
        assert held.stderr.strip() == "intake: sending held: 130582 (held: 451 MI:SFQ)"
    finally:
        deployment.close()
