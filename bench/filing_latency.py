"""How long after its mail is stored a filing is decided and its reply queued, on a warm worker.

A filing here is one mail holding a registration form and two ID-card photos (front and back,
from `samples/documents/out`). The deployment is the shipped config on a local-folder mailbox
and an SQLite store in a temporary folder, read with RapidOCR on the pool of reader processes
(`--workers`, default one per core). One filing is run first to warm the workers (models
loaded); then each filing is dropped in the mailbox, polled (stored), and timed from the moment
the poll has stored it to the end of the pipeline round that decided it and queued its reply.
Prints the distribution (min, median, 90th and 95th percentile, max) and how many took over
`--budget` seconds, wall and CPU (this process and its reader processes).

With `--round N`, it measures a round instead: N filings (scanned form + two ID photos, three
pages each) stored at once, then one pipeline round that reads and decides them all, first with
one reader process and then with two, each in a fresh store with its readers warmed; it prints
pages per minute for each and their ratio (the round reads the attachments of all its mails at
once on the reader pool).

    .venv/bin/python bench/filing_latency.py --filings 100
    .venv/bin/python bench/filing_latency.py --filings 20 --form scan --workers 1
    .venv/bin/python bench/filing_latency.py --round 6
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from email.message import EmailMessage
from email.utils import make_msgid
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))
SAMPLES = REPO / "samples" / "documents" / "out"
OFFICE = "130582"  # 沙河市, whose mailbox is shhlwxxb@163.com in the shipped config


def local_deployment(work: Path, workers: int) -> tuple[Path, Any, Any]:
    """A deployment on a local folder mailbox in `work` with `workers` reader processes: the
    mailboxes folder, the office and the deployment."""
    from intake.commands.demo import local_config
    from intake.parsing.engines import lazy_ocr
    from intake.runtime.service import open_deployment
    from intake.settings import load_settings

    mailboxes = work / "mailboxes"
    (mailboxes / OFFICE).mkdir(parents=True)
    config = local_config(work, mailboxes=mailboxes)
    config.write_text(
        config.read_text(encoding="utf-8") + f"\n[ocr]\nworkers = {workers}\n", encoding="utf-8"
    )
    settings = load_settings(config, {})
    office = settings.office(OFFICE)
    assert office is not None
    return mailboxes, office, open_deployment(settings, {}, ocr=lazy_ocr("rapidocr"))


def tree_cpu_seconds() -> float:
    """CPU seconds of this process and its live descendants (the reader processes)."""
    from parse_bench import tree_cpu_seconds as cpu

    return cpu()


def filing_mail(index: int, form: str) -> bytes:
    """A mail from its own sender with the form and both ID photos attached."""
    from tests.factories import form_xlsx

    message = EmailMessage()
    message["From"] = f"registrant{index}@qq.com"
    message["To"] = "shhlwxxb@163.com"
    message["Subject"] = "新媒体账号登记备案"
    message["Message-ID"] = make_msgid(domain="bench.example")
    message.set_content("您好，附件是备案表和身份证照片。")
    if form == "scan":
        name, data = "备案表.png", (SAMPLES / "scan_01_table_clean.png").read_bytes()
    else:
        name, data = "备案表.xlsx", form_xlsx(account=f"沙河生活{index}")
    message.add_attachment(data, maintype="application", subtype="octet-stream", filename=name)
    for side in ("front", "back"):
        photo = (SAMPLES / f"idcard_{side}_04_clean.jpg").read_bytes()
        message.add_attachment(photo, maintype="image", subtype="jpeg", filename=f"{side}.jpg")
    return message.as_bytes()


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--filings", type=int, default=100)
    parser.add_argument("--form", choices=("xlsx", "scan"), default="xlsx")
    parser.add_argument("--workers", type=int, default=0, help="reader processes (0: per core)")
    parser.add_argument("--budget", type=float, default=3.0)
    parser.add_argument("--round", type=int, default=0, help="time one round of N filings")
    args = parser.parse_args()
    sys.path.insert(0, str(REPO / "bench"))
    if args.round:
        return round_throughput(args.round)

    from sqlalchemy import func, select

    from intake.runtime.service import poll_one, process
    from intake.store.tables import Message, MessageState, OutboxMail
    from parsers.isolated import stop_reader

    with tempfile.TemporaryDirectory(prefix="filing-latency-") as folder:
        work = Path(folder)
        mailboxes, office, deployment = local_deployment(work, args.workers)
        walls: list[float] = []
        cpus: list[float] = []
        try:
            for index in range(args.filings + 1):
                (mailboxes / OFFICE / f"{index}.eml").write_bytes(filing_mail(index, args.form))
                report = poll_one(deployment, office, lambda: False)
                assert report.ok and report.fetched == 1, report.summary()
                started, cpu_started = time.perf_counter(), tree_cpu_seconds()
                process(deployment, lambda: False)
                wall, cpu = time.perf_counter() - started, tree_cpu_seconds() - cpu_started
                with deployment.store.session() as db:
                    decided = db.execute(
                        select(func.count())
                        .select_from(Message)
                        .where(Message.state == MessageState.DECIDED.value)
                    ).scalar_one()
                    queued = db.execute(select(func.count()).select_from(OutboxMail)).scalar_one()
                assert decided == index + 1 and queued >= index + 1, (decided, queued)
                if index:  # the first one warms the reader processes
                    walls.append(wall)
                    cpus.append(cpu)
        finally:
            deployment.close()
            stop_reader()

    def line(name: str, values: list[float]) -> str:
        return (
            f"{name:<5} min {min(values):5.2f}  median {statistics.median(values):5.2f}  "
            f"p90 {percentile(values, 0.9):5.2f}  p95 {percentile(values, 0.95):5.2f}  "
            f"max {max(values):5.2f}  over {args.budget:g} s: {sum(v > args.budget for v in values)}"
        )

    print(
        f"{len(walls)} filings ({args.form} form + two ID photos), stored → decided and reply "
        f"queued, workers={args.workers or os.cpu_count()}, seconds:"
    )
    print(line("wall", walls))
    print(line("cpu", cpus))
    return 0


def round_throughput(filings: int) -> int:
    """One round of `filings` stored mails, with 1 and then 2 reader processes: pages/minute."""
    from sqlalchemy import func, select

    from intake.runtime.service import poll_one, process
    from intake.store.tables import Message, MessageState
    from parsers.isolated import read_all, readers_most_busy, stop_reader
    from parsers.ocr import RapidOcrEngine
    from parsers.reader import ParseLimits

    pages = filings * 3
    rates: dict[int, float] = {}
    print(f"One round of {filings} filings (scanned form + two ID photos: {pages} pages)")
    for workers in (1, 2):
        with tempfile.TemporaryDirectory(prefix="round-throughput-") as folder:
            work = Path(folder)
            mailboxes, office, deployment = local_deployment(work, workers)
            try:
                for index in range(filings):
                    raw = filing_mail(index, "scan")
                    (mailboxes / OFFICE / f"{index}.eml").write_bytes(raw)
                report = poll_one(deployment, office, lambda: False)
                assert report.ok and report.fetched == filings, report.summary()
                photo = (SAMPLES / "idcard_front_04_clean.jpg").read_bytes()
                warm = [(f"warm{i}.jpg", photo) for i in range(workers)]
                read_all(warm, ParseLimits(workers=workers), RapidOcrEngine())  # models loaded
                readers_most_busy(reset=True)
                load = os.getloadavg()[0]
                started, cpu_started = time.perf_counter(), tree_cpu_seconds()
                process(deployment, lambda: False)
                wall, cpu = time.perf_counter() - started, tree_cpu_seconds() - cpu_started
                with deployment.store.session() as db:
                    decided = db.execute(
                        select(func.count())
                        .select_from(Message)
                        .where(Message.state == MessageState.DECIDED.value)
                    ).scalar_one()
                assert decided == filings, decided
                rates[workers] = pages / wall * 60
                print(
                    f"  {workers} reader(s): {rates[workers]:5.1f} pages/min, wall {wall:5.1f} s, "
                    f"CPU {cpu / pages:4.2f} s/page, at most {readers_most_busy()} reading at "
                    f"once (load average {load:.1f} at start)"
                )
            finally:
                deployment.close()
                stop_reader()
    print(f"  2 readers / 1 reader: {rates[2] / rates[1]:.2f}x ({os.cpu_count()} cores)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
