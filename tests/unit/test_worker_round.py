"""The worker's log: one line per poll that found mail (none for '+0'), one line per round."""

from __future__ import annotations

import logging
from types import SimpleNamespace
from typing import Any

import pytest

from intake.fetching.fetcher import FolderReport, PollReport
from intake.runtime import worker
from intake.runtime.logs import RoundTally
from intake.runtime.pipeline import RoundReport


def test_each_round_of_office_jobs_ends_in_one_summary_line(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    found = {"130500": 0, "130582": 2}

    def poll(deployment: Any, office: Any, stop: Any) -> PollReport:
        return PollReport(office.code, [FolderReport("INBOX", fetched=found[office.code])])

    monkeypatch.setattr(worker, "poll_one", poll)
    monkeypatch.setattr(worker, "process", lambda *a, **k: RoundReport())
    tally = RoundTally(frozenset(found))
    jobs = [
        worker.office_job(
            SimpleNamespace(), SimpleNamespace(code=code), worker.StopFlag(), tally=tally
        )  # type: ignore[arg-type]
        for code in found
    ]
    caplog.set_level(logging.INFO, logger="intake.runtime.worker")
    for _ in range(3):
        for job in jobs:
            job()
    rounds = [r.getMessage() for r in caplog.records if r.getMessage().startswith("round:")]
    assert rounds == ["round: 2 offices polled, 2 new mails from 1 office, none failed"] * 3
