"""How fast the staff console renders with 10,000 filings in a SQLite store.

Fills a throw-away store (in a temporary folder) with `--filings` filings (by default 10,000;
2% of them still waiting for a person, the rest settled; documents and their image files on
`--with-files` of them), signs in through the real login form, then renders the queue and one
filing page `--rounds` times each through Flask's test client and prints the median and 95th
percentile in milliseconds (target: under 200 ms each).

    .venv/bin/python bench/web_bench.py [--filings 10000] [--rounds 50]
"""

from __future__ import annotations

import argparse
import re
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from intake.commands.demo import local_config
from intake.runtime.service import open_deployment
from intake.settings import load_settings
from intake.web import accounts
from intake.web.app import WebOptions, create_app
from tests.web_seed import seed_filing

OFFICES = ("130582", "130503", "130502", "130521", "130522")
PASSWORD = "bench password 1"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--filings", type=int, default=10_000, help="filings in the store")
    parser.add_argument("--open-share", type=float, default=0.02, help="share still open")
    parser.add_argument("--with-files", type=int, default=50, help="filings with image files")
    parser.add_argument("--rounds", type=int, default=50, help="renders of each page")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder)
        (out / "mailboxes").mkdir()
        deployment = open_deployment(load_settings(local_config(out), {}), {})
        started = time.monotonic()
        every_open = max(1, round(1 / args.open_share)) if args.open_share > 0 else 0
        every_files = max(1, args.filings // max(args.with_files, 1))
        target = None
        now = datetime.now(UTC)
        with deployment.store.session() as db:
            for n in range(args.filings):
                office = OFFICES[n % len(OFFICES)]
                is_open = bool(every_open) and n % every_open == 0
                filing_id = seed_filing(
                    db,
                    deployment.files,
                    office,
                    n,
                    now,
                    with_files=n % every_files == 0,
                    settled=not is_open,
                )
                if office == OFFICES[0] and is_open and n % every_files == 0 and target is None:
                    target = filing_id
                if n % 1000 == 999:
                    db.flush()
            accounts.add_account(db, "bench", OFFICES[0], False, PASSWORD, "bench", now)
        print(f"store: {args.filings} filings made in {time.monotonic() - started:.1f} s")
        app = create_app(deployment, WebOptions(login_per_account="1000 per minute"))
        client = app.test_client()
        base = {"base_url": "https://localhost", "headers": {"Referer": "https://localhost/"}}
        page = client.get("/login", **base).get_data(as_text=True)  # type: ignore[arg-type]
        token = re.search(r'name="csrf_token" value="([^"]+)"', page)
        assert token is not None
        signed = client.post(
            "/login",
            data={"name": "bench", "password": PASSWORD, "csrf_token": token.group(1)},
            **base,  # type: ignore[arg-type]
        )
        assert signed.status_code == 302, signed.status_code
        pages = {"queue": "/", "filing page": f"/filing/{target}"}
        for name, path in pages.items():
            times = []
            for _ in range(args.rounds):
                t0 = time.perf_counter()
                answer = client.get(path, **base)  # type: ignore[arg-type]
                answer.get_data()
                times.append((time.perf_counter() - t0) * 1000)
                assert answer.status_code == 200, (path, answer.status_code)
            times.sort()
            p95 = times[min(len(times) - 1, int(len(times) * 0.95))]
            print(
                f"{name:<12} median {statistics.median(times):6.1f} ms   p95 {p95:6.1f} ms   "
                f"({args.rounds} renders, {len(answer.get_data()) // 1024} KB)"
            )
        deployment.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
