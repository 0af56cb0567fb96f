"""Fetch-and-store speed and memory against a local Dovecot, beside bare imap-tools.

Fills a Dovecot mailbox with N messages of mixed size (log-uniform, 100 KB to 3 MB), then in
separate processes (so each peak memory is its own): fetches them with bare imap-tools
(`MailBox.fetch(mark_seen=False, bulk=50)`), and polls them with our fetcher into SQLite and the
files folder. Prints both rates, their ratio and peak memory; with --also N2 it repeats ours on a
second size to show memory does not grow with the number of messages.

    .venv/bin/python bench/fetch_bench.py --messages 2000
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

USER, PASSWORD = "bench@163.com", "bench-code"


def make_message(index: int, size: int, rng: random.Random) -> bytes:
    """A mail with a base64 attachment padding it to about `size` bytes."""
    import base64

    payload = base64.encodebytes(rng.randbytes(max(0, (size - 1200) * 3 // 4)))
    head = (
        f"From: user{index}@qq.com\r\nTo: {USER}\r\nSubject: bench {index}\r\n"
        f"Message-ID: <bench-{index}@bench.example>\r\nDate: Sun, 10 May 2020 09:30:00 +0800\r\n"
        "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=BOUND\r\n\r\n"
        "--BOUND\r\nContent-Type: text/plain; charset=utf-8\r\n\r\nbench body\r\n"
        "--BOUND\r\nContent-Type: image/jpeg; name=scan.jpg\r\nContent-Transfer-Encoding: base64\r\n"
        "Content-Disposition: attachment; filename=scan.jpg\r\n\r\n"
    ).encode()
    return head + payload.replace(b"\n", b"\r\n") + b"\r\n--BOUND--\r\n"


def fill_maildir(server_folder: Path, count: int, seed: int) -> int:
    """Write the messages straight into the user's Maildir (Dovecot indexes them on first use)."""
    rng = random.Random(seed)
    cur = server_folder / "mail" / USER / "cur"
    for sub in ("cur", "new", "tmp"):
        (cur.parent / sub).mkdir(parents=True, exist_ok=True)
    total = 0
    for index in range(count):
        size = int(math.exp(rng.uniform(math.log(100_000), math.log(3_000_000))))
        data = make_message(index, size, rng)
        (cur / f"{1600000000 + index}.M{index}P1.bench:2,").write_bytes(data)
        total += len(data)
    subprocess.run(["chown", "-R", "dovecot:dovecot", str(server_folder / "mail")], check=True)
    return total


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def worker_bare(port: int) -> dict[str, float]:
    from imap_tools import MailBoxUnencrypted

    started = time.perf_counter()
    count = size = 0
    with MailBoxUnencrypted("127.0.0.1", port) as box:
        box.login(USER, PASSWORD)
        for message in box.fetch(mark_seen=False, bulk=50):
            count += 1
            size += message.size
    return {
        "seconds": time.perf_counter() - started,
        "messages": count,
        "bytes": size,
        "peak_mb": peak_rss_mb(),
    }


def worker_ours(port: int, work: Path) -> dict[str, float]:
    from datetime import UTC, datetime

    from intake.fetching.fetcher import poll_office
    from intake.mailbox.imap import ImapAdapter
    from intake.privacy import crypto
    from intake.store.database import Store
    from intake.store.files import FileStore
    from tests.factories import office

    settings = office(mailbox=USER, port=port, folders=("INBOX",))
    keyring = crypto.Keyring((crypto.new_key(),))  # raw mail is stored encrypted, as in service
    store = Store.open(f"sqlite:///{work / 'bench.db'}", keyring)
    files = FileStore(work / "files", keyring)
    adapter = ImapAdapter({settings.code: (settings.imap, USER, PASSWORD)})
    started = time.perf_counter()
    report = poll_office(settings, adapter, store, files, lambda: datetime.now(UTC))
    seconds = time.perf_counter() - started
    stored = sum(p.stat().st_size for p in (work / "files").rglob("*.eml"))
    assert report.ok, report.summary()
    return {
        "seconds": seconds,
        "messages": report.fetched,
        "bytes": stored,
        "peak_mb": peak_rss_mb(),
    }


def run_worker(kind: str, port: int, work: Path) -> dict[str, float]:
    out = subprocess.run(
        [sys.executable, __file__, "--worker", kind, "--port", str(port), "--work", str(work)],
        capture_output=True,
        text=True,
        check=True,
    )
    return dict(json.loads(out.stdout.strip().splitlines()[-1]))


def measure(count: int, seed: int) -> tuple[int, dict[str, float], dict[str, float]]:
    from tests.servers import start_dovecot

    server = start_dovecot({USER: PASSWORD})
    work = Path(tempfile.mkdtemp(prefix="intake-bench-"))
    try:
        total = fill_maildir(server.folder, count, seed)
        # Let Dovecot build its index once, so neither side pays for it.
        from imap_tools import MailBoxUnencrypted

        with MailBoxUnencrypted("127.0.0.1", server.port) as box:
            box.login(USER, PASSWORD)
            box.uids("ALL")
        bare = run_worker("bare", server.port, work)
        ours = run_worker("ours", server.port, work)
        return total, bare, ours
    finally:
        server.close()
        shutil.rmtree(server.folder, ignore_errors=True)
        shutil.rmtree(work, ignore_errors=True)


def report_line(name: str, result: dict[str, float]) -> str:
    rate = result["messages"] / result["seconds"]
    mbps = result["bytes"] / result["seconds"] / 1e6
    return (
        f"{name:<22} {int(result['messages']):>6} msgs  {result['seconds']:>7.1f} s  "
        f"{rate:>7.1f} msg/s  {mbps:>6.1f} MB/s  peak {result['peak_mb']:>6.0f} MB"
    )


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--messages", type=int, default=2000)
    parser.add_argument(
        "--also", type=int, default=0, help="repeat ours with this many messages (memory check)"
    )
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--worker", choices=("bare", "ours"))
    parser.add_argument("--port", type=int)
    parser.add_argument("--work", type=Path)
    args = parser.parse_args()
    if args.worker == "bare":
        print(json.dumps(worker_bare(args.port)))
        return 0
    if args.worker == "ours":
        print(json.dumps(worker_ours(args.port, args.work)))
        return 0
    os.environ.setdefault("OMP_THREAD_LIMIT", "1")
    sizes = [args.messages] + ([args.also] if args.also else [])
    for count in sizes:
        total, bare, ours = measure(count, args.seed)
        print(f"\n{count} messages, {total / 1e6:.0f} MB in the mailbox (100 KB to 3 MB each)")
        print(report_line("bare imap-tools", bare))
        print(report_line("intake fetch+store", ours))
        ratio = (ours["messages"] / ours["seconds"]) / (bare["messages"] / bare["seconds"])
        print(f"rate ratio (ours / bare): {ratio:.2f}   (target: at least 0.80)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
