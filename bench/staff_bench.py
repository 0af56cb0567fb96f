"""How fast the staff console's read side is on a full store: the queue, its counts, a filing
page and a search by ID number, over N filings (default 10,000) in SQLite.

Fills a fresh store (in a temporary folder, under a throw-away key) with N filings of one
office, each with a mail, a form and an ID card document (encrypted fields, confidences), a
reply for most, and a mix of problems: about 10% mismatches, 5% uncertain counties, 5% low
confidence, 10% held replies, 20% waiting for the registrant. Then times each call (best and
median of --repeat runs) and prints the figures.

    .venv/bin/python bench/staff_bench.py --filings 10000
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from intake.privacy import crypto  # noqa: E402
from intake.staff import queue, views  # noqa: E402
from intake.store.database import Store  # noqa: E402
from intake.store.tables import (  # noqa: E402
    Attachment,
    Document,
    Filing,
    Message,
    OutboxMail,
)
from routing.identity import id_check_character  # noqa: E402

OFFICE = "130582"


def id_number(index: int) -> str:
    first17 = f"130582{1970 + index % 40:04d}0101{index % 1000:03d}"
    return first17 + id_check_character(first17)


def fill(store: Store, count: int, seed: int) -> int:
    """N filings with their mail, documents and replies; returns a filing id with a mismatch."""
    rng = random.Random(seed)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    sample = 0
    with store.session() as db:
        for i in range(count):
            at = start + timedelta(minutes=7 * i)
            roll = rng.random()
            problems: list[str] = []
            status, reply = "complete", "ack"
            if roll < 0.10:
                problems, status, reply = ["mismatch:id_number"], "incomplete", "request_missing"
            elif roll < 0.15:
                problems = ["uncertain:county"]
            elif roll < 0.35:
                status, reply = "incomplete", "request_missing"
            filing = Filing(
                reference=f"XT{OFFICE}-{at:%Y%m%d}-{i:05d}",
                office=OFFICE,
                received_by=OFFICE,
                sender=f"user{i}@qq.com",
                status=status,
                subject_type="individual",
                missing=["id_card"] if status == "incomplete" and not problems else [],
                problems=problems,
                reply_kind=reply,
                created_at=at,
                updated_at=at,
            )
            db.add(filing)
            db.flush()
            if problems and problems[0].startswith("mismatch") and not sample:
                sample = filing.id
            message = Message(
                sha256=f"{i:064x}",
                body_sha256=f"{i:064x}",
                message_id=f"m{i}@qq.com",
                size=1000,
                office=OFFICE,
                folder="INBOX",
                stored_at=at,
                state="decided",
                from_addr=filing.sender,
                subject="新媒体账号登记备案",
                body_text="您好，附件是备案表和身份证。",
                filing_id=filing.id,
            )
            db.add(message)
            db.flush()
            for ordinal, (kind, fields) in enumerate(
                (
                    ("registration_form", {"name": f"张{i}", "id_number": id_number(i)}),
                    ("id_card_front", {"name": f"张{i}", "id_number": id_number(i + 1)}),
                )
            ):
                attachment = Attachment(
                    message_pk=message.id,
                    ordinal=ordinal,
                    name=f"{kind}.jpg",
                    declared_type="image/jpeg",
                    sniffed_type="image/jpeg",
                    size=100_000,
                    sha256=f"{i:060x}{ordinal:04x}",
                    origin="attachment",
                )
                db.add(attachment)
                db.flush()
                low = 0.6 if 0.35 <= roll < 0.40 else 0.97
                db.add(
                    Document(
                        attachment_pk=attachment.id,
                        filing_id=filing.id,
                        part=f"{kind}.jpg",
                        kind=kind,
                        engine="rapidocr",
                        fields=fields,
                        accounts=[{"platform": "抖音", "account_name": f"号{i}"}],
                        confidence={k: low for k in fields},
                        superseded=False,
                    )
                )
            if reply != "none":
                db.add(
                    OutboxMail(
                        office=OFFICE,
                        filing_id=filing.id,
                        message_pk=message.id,
                        kind=reply,
                        recipient=filing.sender,
                        message_id=f"r{i}@163.com",
                        raw_sha256="0" * 64,
                        state="held" if problems else "sent",
                        created_at=at,
                    )
                )
            if i % 1000 == 999:
                db.flush()
    return sample


def timed(call: Callable[[], object], repeat: int) -> tuple[float, float]:
    runs = []
    for _ in range(repeat):
        began = time.perf_counter()
        call()
        runs.append((time.perf_counter() - began) * 1000)
    return min(runs), statistics.median(runs)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--filings", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    keyring = crypto.Keyring((crypto.new_key(),), "bench")
    with tempfile.TemporaryDirectory() as folder:
        store = Store.open(f"sqlite:///{Path(folder) / 'intake.db'}", keyring)
        began = time.perf_counter()
        sample = fill(store, args.filings, args.seed)
        print(f"filled {args.filings} filings in {time.perf_counter() - began:.1f} s")
        now = datetime(2026, 6, 1, tzinfo=UTC)
        offices = [OFFICE]
        with store.session() as db:
            items = queue.open_work(db, offices, now)
            print(f"open work: {len(items)} items {queue.queue_counts(db, offices, now)}")
            figures = {
                "open_work (the queue)": lambda: queue.open_work(db, offices, now),
                "filing_view (a filing page)": lambda: views.filing_view(
                    db, offices, sample, None, "bench", now
                ),
                "search by whole ID number": lambda: views.search(
                    db, offices, views.SearchQuery(id_number=id_number(4321)), "bench", now
                ),
                "search by reference": lambda: views.search(
                    db, offices, views.SearchQuery(reference="-04321"), "bench", now
                ),
            }
            for name, call in figures.items():
                best, median = timed(call, args.repeat)
                print(f"{name:32s} best {best:7.1f} ms   median {median:7.1f} ms")
            db.rollback()
        store.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
