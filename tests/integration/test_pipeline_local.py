"""The pass of the worker on local folder mailboxes and real SQLite/PostgreSQL stores:
stored, read, parsed; resumed after a stop; a poison message quarantined, the rest going on."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from intake.commands.demo import local_config
from intake.commands.status import office_statuses
from intake.reading.step import read_step
from intake.runtime.pipeline import DEFAULT_STEPS, PipelineContext, run_round
from intake.runtime.service import Deployment, open_deployment, run_once
from intake.settings import Settings, load_settings
from intake.store.tables import Attachment, Document, Message, MessageState
from tests import factories

REPO = Path(__file__).resolve().parents[2]


def now() -> datetime:
    return datetime.now(UTC)


def form_xlsx() -> bytes:
    return factories.form_xlsx()


def write_config(tmp_path: Path, database: str, mailboxes: Path) -> Path:
    return local_config(tmp_path, database, mailboxes)


@pytest.fixture
def deployment(tmp_path: Path, store_url: str) -> Iterator[Deployment]:
    mailboxes = tmp_path / "mailboxes"
    for code in ("130582", "130502"):
        (mailboxes / code).mkdir(parents=True)
    settings = load_settings(write_config(tmp_path, store_url, mailboxes), {})
    deployment = open_deployment(settings, {}, now)
    yield deployment
    deployment.close()


def drop(mailboxes: Path, code: str, name: str, raw: bytes) -> None:
    (mailboxes / code / name).write_bytes(raw)


def count(deployment: Deployment, table: type, *where: object) -> int:
    with deployment.store.session() as db:
        query = select(func.count()).select_from(table)
        for condition in where:
            query = query.where(condition)  # type: ignore[arg-type]
        return int(db.execute(query).scalar_one())


def test_mail_stored_read_and_parsed_then_nothing_twice(deployment: Deployment) -> None:
    mailboxes = deployment.settings.local_mailboxes
    assert mailboxes is not None
    drop(
        mailboxes,
        "130582",
        "a.eml",
        factories.mail(attachment=form_xlsx(), attachment_name="备案表.xlsx"),
    )
    drop(mailboxes, "130502", "b.eml", factories.mail(subject="咨询", to="xtqdwxb@126.com"))
    report = run_once(deployment)
    assert sum(p.fetched for p in report.polls) == 2
    assert count(deployment, Message, Message.state == MessageState.DECIDED.value) == 2
    with deployment.store.session() as db:
        attachment = db.execute(select(Attachment)).scalar_one()
        assert attachment.name == "备案表.xlsx"
        assert attachment.sniffed_type.endswith("spreadsheetml.sheet")
        document = db.execute(select(Document)).scalar_one()
        assert document.kind == "registration_form"
        assert (
            document.fields is not None and document.fields.get("id_number") == "11010519491231002X"
        )
    again = run_once(deployment)
    assert sum(p.fetched for p in again.polls) == 0 and again.pipeline.advanced == 0
    assert count(deployment, Message) == 2 and count(deployment, Document) == 1
    rows = {
        r.office: r
        for r in office_statuses(deployment.settings, deployment.store, deployment.clock())
    }
    assert rows["130582"].stored == 1 and rows["130582"].last_result == "ok"
    assert rows["130500"].last_poll != "never" and rows["130500"].last_result == "failed"


def test_a_stopped_round_resumes_where_it_was(deployment: Deployment) -> None:
    mailboxes = deployment.settings.local_mailboxes
    assert mailboxes is not None
    for i in range(3):
        drop(mailboxes, "130582", f"{i}.eml", factories.mail(subject=f"第{i}封"))
    only_read = {MessageState.STORED: DEFAULT_STEPS[MessageState.STORED]}
    from intake.runtime.service import poll_one

    office = deployment.settings.office("130582")
    assert office is not None
    poll_one(deployment, office, lambda: False)
    run_round(deployment.pipeline(), steps=only_read)
    assert count(deployment, Message, Message.state == MessageState.READ.value) == 3
    report = run_round(deployment.pipeline())
    assert report.advanced == 6  # parse and decide for each of the three
    assert count(deployment, Message, Message.state == MessageState.DECIDED.value) == 3


def test_poison_message_is_quarantined_after_three_attempts_and_the_rest_go_on(
    deployment: Deployment,
) -> None:
    mailboxes = deployment.settings.local_mailboxes
    assert mailboxes is not None
    drop(mailboxes, "130582", "1.eml", factories.mail(subject="正常"))
    drop(mailboxes, "130582", "2.eml", factories.mail(subject="毒"))

    def fragile_read(ctx: PipelineContext, db: Session, message: Message) -> MessageState:
        raw = ctx.files.read("raw", message.sha256, ".eml")
        if "毒".encode() in raw or b"=?utf-8?b?5q+S?=" in raw:
            raise ValueError("cannot read this one")
        return read_step(ctx, db, message)

    steps = {MessageState.STORED: fragile_read, MessageState.READ: DEFAULT_STEPS[MessageState.READ]}
    office = deployment.settings.office("130582")
    assert office is not None
    from intake.runtime.service import poll_one

    poll_one(deployment, office, lambda: False)
    for _ in range(3):
        run_round(deployment.pipeline(), steps=steps)
    with deployment.store.session() as db:
        states = {
            m.subject or "(unread)": (m.state, m.attempts, m.last_error)
            for m in db.execute(select(Message)).scalars()
        }
    assert states["正常"][0] == MessageState.PARSED.value  # these steps stop at parsed
    poison = states["(unread)"]
    assert poison[0] == MessageState.QUARANTINED.value and poison[1] == 3
    assert "cannot read this one" in (poison[2] or "")
    rows = {
        r.office: r
        for r in office_statuses(deployment.settings, deployment.store, deployment.clock())
    }
    assert rows["130582"].quarantined == 1
    assert run_round(deployment.pipeline(), steps=steps).advanced == 0


KILLING_ROUND = """
import os, signal, sys
from intake.reading.step import read_step
from intake.runtime.pipeline import run_round
from intake.runtime.service import open_deployment
from intake.settings import load_settings
from intake.store.tables import MessageState

def killing_read(ctx, db, message):
    if "毒".encode() in ctx.files.read("raw", message.sha256, ".eml"):
        os.kill(os.getpid(), signal.SIGKILL)  # as the OOM killer or a native crash would
    return read_step(ctx, db, message)

from pathlib import Path
deployment = open_deployment(load_settings(Path(sys.argv[1]), os.environ), os.environ)
print(run_round(deployment.pipeline(), steps={MessageState.STORED: killing_read}))
"""


def test_a_mail_that_kills_the_worker_is_quarantined_and_the_rest_go_on(tmp_path: Path) -> None:
    mailboxes = tmp_path / "mailboxes"
    (mailboxes / "130582").mkdir(parents=True)
    drop(mailboxes, "130582", "1.eml", factories.mail(subject="毒", body="毒"))
    drop(mailboxes, "130582", "2.eml", factories.mail(subject="正常"))
    config = write_config(tmp_path, f"sqlite:///{tmp_path / 'k.db'}", mailboxes)
    settings = load_settings(config, dict(os.environ))
    deployment = open_deployment(settings, dict(os.environ))
    try:
        from intake.runtime.service import poll_one

        office = settings.office("130582")
        assert office is not None
        poll_one(deployment, office, lambda: False)
        runs = [
            subprocess.run(
                [sys.executable, "-c", KILLING_ROUND, str(config)], capture_output=True, text=True
            )
            for _ in range(4)
        ]
        assert [run.returncode for run in runs] == [-signal.SIGKILL] * 3 + [0], runs[0].stderr
        with deployment.store.session() as db:
            rows = {m.subject: m for m in db.execute(select(Message)).scalars()}
        poison = next(m for m in rows.values() if m.subject != "正常")
        assert poison.state == MessageState.QUARANTINED.value and poison.attempts == 3
        assert "the worker died while reading it" in (poison.last_error or "")
        assert rows["正常"].state == MessageState.READ.value and rows["正常"].attempts == 0
    finally:
        deployment.close()


def test_worker_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    mailboxes = tmp_path / "mailboxes"
    (mailboxes / "130582").mkdir(parents=True)
    drop(mailboxes, "130582", "a.eml", factories.mail())
    config = write_config(tmp_path, f"sqlite:///{tmp_path / 'w.db'}", mailboxes)
    env = {**os.environ, "INTAKE_CONFIG": str(config)}
    worker = subprocess.Popen(
        [sys.executable, "-m", "intake.commands.cli", "run"],
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    settings: Settings = load_settings(config, {})
    deployment = open_deployment(settings, env, now)  # the worker's keys (INTAKE_KEYS)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if count(deployment, Message, Message.state == MessageState.DECIDED.value) == 1:
                break
            time.sleep(0.2)
        else:
            pytest.fail("the worker did not process the mail in 60 s")
        worker.send_signal(signal.SIGTERM)
        _, stderr = worker.communicate(timeout=30)
    finally:
        deployment.close()
        if worker.poll() is None:
            worker.kill()
    assert worker.returncode == 0, stderr
    assert "worker stopped" in stderr


def test_oversized_mail_is_kept_and_reported_not_opened(deployment: Deployment) -> None:
    from dataclasses import replace

    mailboxes = deployment.settings.local_mailboxes
    assert mailboxes is not None
    drop(mailboxes, "130582", "big.eml", factories.mail(subject="大附件", attachment=b"x" * 50_000))
    office = deployment.settings.office("130582")
    assert office is not None
    from intake.runtime.service import poll_one

    poll_one(deployment, office, lambda: False)
    run_round(replace(deployment.pipeline(), max_read_bytes=10_000))
    with deployment.store.session() as db:
        message = db.execute(select(Message)).scalar_one()
        assert message.subject == "大附件" and message.state == MessageState.DECIDED.value
        assert message.defects and "too large to read" in message.defects[0]
        # nothing was opened: the one attachment row stands for the limit, with no file
        [row] = db.execute(select(Attachment)).scalars()
        assert (row.problem, row.origin, row.size) == ("message_too_large", "limit", 0)


def test_hostile_attachment_name_never_becomes_a_path(
    deployment: Deployment, tmp_path: Path
) -> None:
    mailboxes = deployment.settings.local_mailboxes
    assert mailboxes is not None
    raw = factories.mail(attachment=b"root:x:0:0", attachment_name="../../etc/passwd")
    drop(mailboxes, "130582", "evil.eml", raw)
    run_once(deployment)
    with deployment.store.session() as db:
        attachment = db.execute(select(Attachment)).scalar_one()
    assert ".." not in attachment.name.split("/")
    assert not attachment.name.startswith("/")
    stored = [p for p in deployment.files.root.rglob("*") if p.is_file() and "locks" not in p.parts]
    assert all(p.resolve().is_relative_to(deployment.files.root.resolve()) for p in stored)
    assert not (tmp_path / "etc").exists()


def test_every_change_to_a_filing_is_kept_with_the_mail_that_caused_it(
    deployment: Deployment,
) -> None:
    from intake.parsing.engines import lazy_ocr
    from intake.store.tables import Filing, FilingEvent

    mailboxes = deployment.settings.local_mailboxes
    assert mailboxes is not None
    scenario = REPO / "samples" / "scenarios" / "individual_follow_up"
    deployment.ocr = lazy_ocr("rapidocr")
    drop(mailboxes, "130502", "1.eml", (scenario / "01-form-only.eml").read_bytes())
    run_once(deployment)
    drop(mailboxes, "130502", "2.eml", (scenario / "02-id-later.eml").read_bytes())
    run_once(deployment)
    with deployment.store.session() as db:
        filing = db.execute(select(Filing)).scalar_one()
        events = list(db.execute(select(FilingEvent).order_by(FilingEvent.id)).scalars())
        mails = {m.id: m.message_id for m in db.execute(select(Message)).scalars()}
    assert filing.status == "complete" and filing.reply_kind == "ack"
    assert [mails[e.message_pk] for e in events if e.message_pk] == [
        "s02-1@163.com",
        "s02-2@163.com",
    ]
    first, second = (e.change for e in events)
    assert first["changed"]["status"] == {"from": None, "to": "incomplete"}
    assert first["changed"]["missing"] == {"from": None, "to": ["id_card"]}
    assert first["thread"] == "new"
    assert second["thread"] == "same_sender"
    assert second["changed"]["status"] == {"from": "incomplete", "to": "complete"}
    assert second["changed"]["reply"] == {"from": "request_missing", "to": "ack"}
