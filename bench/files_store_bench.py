"""The files store on a local folder beside an S3 bucket (a SeaweedFS on loopback), in one run.

Stores N attachments of a given size through each store (encrypted, as the pipeline does), then
reads every one back, and prints files per second for writing and reading, the S3/folder ratio
and the machine's load at that moment (the S3 figure includes the SeaweedFS server's own CPU on
the same cores).

    .venv/bin/python bench/files_store_bench.py --files 200 --kb 200
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from intake.privacy import crypto  # noqa: E402
from intake.store.files import FileStore  # noqa: E402
from intake.store.files_interface import Files  # noqa: E402
from intake.store.s3files import S3FileStore, S3Place, s3_client  # noqa: E402
from tests.s3server import start_seaweed  # noqa: E402


def measure(files: Files, payloads: list[bytes]) -> tuple[float, float]:
    """Seconds to store every payload, and to read every one back."""
    start = time.perf_counter()
    digests = [files.put("att", data)[0] for data in payloads]
    stored = time.perf_counter()
    for digest, data in zip(digests, payloads, strict=True):
        assert files.read("att", digest) == data
    return stored - start, time.perf_counter() - stored


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=200)
    parser.add_argument("--kb", type=int, default=200)
    args = parser.parse_args()
    keyring = crypto.Keyring((crypto.new_key(),), "bench")
    payloads = [os.urandom(args.kb * 1024) for _ in range(args.files)]
    server = start_seaweed()
    try:
        server.make_bucket("xt-bench")
        with tempfile.TemporaryDirectory(prefix="intake-files-bench-") as folder:
            local = FileStore(Path(folder) / "files", keyring)
            place = S3Place(server.endpoint, "xt-bench", "us-east-1", "bench/")
            bucket = S3FileStore(s3_client(place, server.environ()), place, Path(folder), keyring)
            results = {name: measure(store, payloads) for name, store in
                       (("folder", local), ("s3", bucket))}  # fmt: skip
    finally:
        server.close()
    load = os.getloadavg()
    print(f"{args.files} files of {args.kb} KB, encrypted; load {load[0]:.2f} {load[1]:.2f}")
    for name, (write, read) in results.items():
        print(f"{name:>7}: write {args.files / write:8.1f} files/s   read {args.files / read:8.1f} files/s")
    (fw, fr), (sw, sr) = results["folder"], results["s3"]
    print(f"s3/folder time: write {sw / fw:.1f}x, read {sr / fr:.1f}x")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
