"""Every document reader runs in a watched worker process, not only OCR.

A 55 KB xlsx whose sharedStrings part holds two million empty strings takes openpyxl about
14 s and 285 MB; under a 200 MB limit the reader's worker is killed and the file comes back
unreadable (`too_much_memory`), while the calling process goes on and the next file reads in a
fresh worker. The watched worker itself: a call past its time limit is killed, progress ticks
give it more time, a worker that dies is reported as such.
"""

from __future__ import annotations

import io
import os
import time
import zipfile
from pathlib import Path

import pytest

from intake.runtime.service import open_deployment, run_once
from intake.settings import load_settings
from intake.store.tables import Attachment, Document, Message, OutboxMail
from parsers import progress
from parsers.isolated import read_isolated
from parsers.reader import ParseLimits
from parsers.watched import WatchedWorker, WorkerDied, WorkerTimeout
from tests import factories
from tests.factories import form_xlsx
from tests.integration.test_pipeline_local import drop, write_config

SHARED_STRINGS_TYPE = (
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
)
SHARED_STRINGS_REL = (
    "http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings"
)


def shared_strings_bomb(count: int = 2_000_000) -> bytes:
    """A valid one-cell workbook whose shared-string table holds `count` empty strings."""
    import openpyxl

    book = openpyxl.Workbook()
    book.active["A1"] = "x"
    plain = io.BytesIO()
    book.save(plain)
    source = zipfile.ZipFile(io.BytesIO(plain.getvalue()))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as package:
        for name in source.namelist():
            data = source.read(name)
            if name == "[Content_Types].xml":
                override = f'<Override PartName="/xl/sharedStrings.xml" ContentType="{SHARED_STRINGS_TYPE}"/>'
                data = data.replace(b"</Types>", override.encode() + b"</Types>")
            if name == "xl/_rels/workbook.xml.rels":
                relation = f'<Relationship Id="rIdS" Type="{SHARED_STRINGS_REL}" Target="sharedStrings.xml"/>'
                data = data.replace(b"</Relationships>", relation.encode() + b"</Relationships>")
            package.writestr(name, data)
        package.writestr(
            "xl/sharedStrings.xml",
            b'<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/'
            b'spreadsheetml/2006/main">' + b"<si><t/></si>" * count + b"</sst>",
        )
    return out.getvalue()


def test_a_shared_strings_bomb_is_killed_and_the_next_file_reads() -> None:
    bomb = shared_strings_bomb()
    assert len(bomb) < 100_000
    limits = ParseLimits(ocr_memory_mb=200, seconds_per_document=120)
    started = time.monotonic()
    [document] = read_isolated("台账.xlsx", bomb, limits)
    assert document.unreadable == "too_much_memory", document
    assert "200 MB" in document.notes[0] and time.monotonic() - started < 60
    [form] = read_isolated("备案表.xlsx", form_xlsx(), limits)
    assert (
        form.kind == "registration_form" and form.fields["id_number"].value == "11010519491231002X"
    )


def _sleep(seconds: float) -> str:
    time.sleep(seconds)
    return "done"


def _tick_for(seconds: float) -> str:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        progress.tick()
        time.sleep(0.2)
    return "done"


def _die() -> str:
    os._exit(3)


def test_a_watched_call_is_killed_past_its_time_unless_it_makes_progress() -> None:
    worker = WatchedWorker("test worker")
    try:  # a fresh worker first imports this module: each one is warmed with a long limit
        assert worker.run(_sleep, 0, seconds=60, memory_mb=2000) == "done"
        assert worker.run(_tick_for, 3.0, seconds=1.5, memory_mb=2000) == "done"
        started = time.monotonic()
        with pytest.raises(WorkerTimeout):
            worker.run(_sleep, 60, seconds=1.5, memory_mb=2000)
        assert time.monotonic() - started < 10
        assert worker.run(_sleep, 0, seconds=60, memory_mb=2000) == "done"
        with pytest.raises(WorkerDied):
            worker.run(_die, seconds=60, memory_mb=2000)
        assert worker.run(_sleep, 0, seconds=60, memory_mb=2000) == "done"
    finally:
        worker.stop()


def test_the_bomb_in_one_mail_leaves_the_others_answered(tmp_path: Path) -> None:
    mailboxes = tmp_path / "mailboxes"
    for code in ("130582", "130502"):
        (mailboxes / code).mkdir(parents=True)
    bomb = factories.mail(
        subject="台账", attachment=shared_strings_bomb(5_000_000), attachment_name="台账.xlsx"
    )
    drop(mailboxes, "130582", "1.eml", bomb)
    form = factories.mail(subject="备案", attachment=form_xlsx(), attachment_name="备案表.xlsx")
    drop(mailboxes, "130582", "2.eml", form)
    other = factories.mail(
        subject="备案", to="xtqdwxb@126.com", attachment=form_xlsx(), attachment_name="备案表.xlsx"
    )
    drop(mailboxes, "130502", "3.eml", other)
    config = write_config(tmp_path, f"sqlite:///{tmp_path / 'b.db'}", mailboxes)
    config.write_text(
        config.read_text(encoding="utf-8") + "\n[limits]\nocr_memory_mb = 300\nseconds_per_document = 240\n", encoding="utf-8"
    )
    environ = dict(os.environ)
    settings = load_settings(config, environ)
    assert settings.limits.ocr_memory_mb == 300, settings.problems
    deployment = open_deployment(settings, environ)
    try:
        run_once(deployment)
        with deployment.store.session() as db:
            states = sorted(m.state for m in db.query(Message))
            unreadable = [d.unreadable for d in db.query(Document).join(Attachment)]
            replies = db.query(OutboxMail).filter(OutboxMail.kind != "digest").count()
        assert set(states) <= {"decided", "replied"} and len(states) == 3, states
        assert "too_much_memory" in unreadable
        assert replies == 3
    finally:
        deployment.close()
