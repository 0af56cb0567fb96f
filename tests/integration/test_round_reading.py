"""A round reads the attachments of all its mails at once on the reader pool, and the pages of
a scanned PDF at once, with the same documents as reading them one after another.

Three mails (an ID card's front, its back, and a two-page scanned filing PDF) are stored in a
local mailbox and taken through one round with two reader processes: both readers read at the
same time, and every document the round stored (kind, fields, confidences, boxes) is what
`read_document` returns reading each file alone in this process. The decisions come in the
order the mails arrived. Real RapidOCR throughout (about 15-25 s on a loaded 2-core machine:
two reader processes load their models, and every page is read twice, once each way).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from intake.commands.demo import local_config
from intake.parsing.engines import lazy_ocr
from intake.runtime.pipeline import run_round
from intake.runtime.service import Deployment, open_deployment, poll_one
from intake.settings import load_settings
from intake.store.tables import Attachment, Document, Message, MessageState
from parsers.allocator import find_jemalloc
from parsers.isolated import read_isolated, reader_pids, readers_most_busy, stop_reader
from parsers.model import ParsedDocument
from parsers.ocr import RapidOcrEngine
from parsers.reader import ParseLimits, read_document
from tests import factories

SAMPLES = Path(__file__).resolve().parents[2] / "samples" / "documents" / "out"
FILES = ["idcard_front_04_clean.jpg", "idcard_back_04_clean.jpg", "filing_01_scan.pdf"]


def _now() -> datetime:
    return datetime.now(UTC)


def _row(part: str, kind: str, fields: Any, confidence: Any, boxes: Any, unreadable: Any) -> Any:
    return {
        "part": part,
        "kind": kind,
        "fields": fields,
        "confidence": confidence,
        "boxes": boxes or None,
        "unreadable": unreadable,
    }


def _parsed_row(d: ParsedDocument) -> Any:
    """A document as the parse step stores it."""
    return _row(
        d.file,
        d.kind.value,
        {k: v.value for k, v in d.fields.items()},
        {k: round(v.confidence, 3) for k, v in d.fields.items()},
        {k: list(v.box) for k, v in d.fields.items() if v.box is not None},
        d.unreadable,
    )


@cache
def _serial(name: str) -> list[Any]:
    """The file read alone, in this process, every page one after another."""
    documents = read_document(
        name,
        (SAMPLES / name).read_bytes(),
        replace(ParseLimits(), ocr_in_process=True),
        RapidOcrEngine(),
    )
    return [_parsed_row(d) for d in documents]


@pytest.fixture(scope="module", autouse=True)
def readers() -> Iterator[None]:
    """The reader processes are started by the first test and stopped after the last."""
    stop_reader()
    yield
    stop_reader()


@pytest.fixture(scope="module")
def round_done(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    out = tmp_path_factory.mktemp("round")
    mailbox = out / "mailboxes" / "130582"
    mailbox.mkdir(parents=True)
    for index, name in enumerate(FILES):
        raw = factories.mail(
            attachment=(SAMPLES / name).read_bytes(), attachment_name=name, to="shhlwxxb@163.com"
        )
        (mailbox / f"{index}.eml").write_bytes(raw)
    settings = load_settings(local_config(out, None, out / "mailboxes"), {})
    deployment: Deployment = open_deployment(settings, {}, _now, ocr=lazy_ocr("rapidocr"))
    stop_reader()
    try:
        office = next(o for o in settings.offices if o.code == "130582")
        poll_one(deployment, office, lambda: False)
        context = deployment.pipeline()
        context = replace(context, parse_limits=replace(context.parse_limits, workers=2))
        readers_most_busy(reset=True)
        report = run_round(context)
        at_once = readers_most_busy()
        pids = reader_pids()
        maps = [Path(f"/proc/{pid}/maps").read_text() for pid in pids]
        with deployment.store.session() as db:
            messages = db.execute(select(Message).order_by(Message.id)).scalars().all()
            states = [m.state for m in messages]
            stored: dict[str, list[Any]] = {}
            for attachment in db.execute(select(Attachment).order_by(Attachment.id)).scalars():
                rows = db.execute(
                    select(Document)
                    .where(Document.attachment_pk == attachment.id)
                    .order_by(Document.id)
                ).scalars()
                stored[attachment.name] = [
                    _row(d.part, d.kind, d.fields, d.confidence, d.boxes, d.unreadable)
                    for d in rows
                ]
        yield {
            "report": report,
            "at_once": at_once,
            "pids": pids,
            "maps": maps,
            "states": states,
            "stored": stored,
        }
    finally:  # the readers are kept, warm, for the next test; stopped at the module's end
        deployment.close()


def test_the_round_reads_its_mails_on_two_readers_at_once(round_done: dict[str, Any]) -> None:
    assert round_done["report"].failed == 0 and round_done["report"].quarantined == 0
    assert round_done["states"] == [MessageState.DECIDED.value] * len(FILES)
    assert round_done["at_once"] == 2
    assert len(set(round_done["pids"])) == 2


def test_the_readers_allocate_with_jemalloc_when_it_is_installed(
    round_done: dict[str, Any],
) -> None:
    jemalloc = find_jemalloc() is not None  # scripts/setup installs it
    assert [("libjemalloc" in maps) for maps in round_done["maps"]] == [jemalloc, jemalloc]
    assert "libjemalloc" not in Path("/proc/self/maps").read_text()  # the caller keeps glibc's


def test_the_round_stores_what_reading_one_by_one_reads(round_done: dict[str, Any]) -> None:
    assert sorted(round_done["stored"]) == sorted(FILES)
    for name in FILES:
        assert round_done["stored"][name] == _serial(name), name
    pages = [row["part"] for row in round_done["stored"]["filing_01_scan.pdf"]]
    assert pages == sorted(pages)  # merged in page order
    assert set(pages) == {"filing_01_scan.pdf#page=1", "filing_01_scan.pdf#page=2"}


def test_the_pages_of_a_scanned_pdf_are_read_at_once(round_done: dict[str, Any]) -> None:
    name = "filing_01_scan.pdf"  # read on the round's two readers, still warm
    readers_most_busy(reset=True)
    documents = read_isolated(
        name, (SAMPLES / name).read_bytes(), ParseLimits(workers=2), RapidOcrEngine()
    )
    assert readers_most_busy() == 2
    assert [_parsed_row(d) for d in documents] == _serial(name)
