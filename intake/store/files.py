"""The files adapter: raw mail and attachments as files named by their SHA-256.

Writes are atomic (temporary file in the same folder, fsync, rename), so a crash leaves either
the whole file or nothing. Files are 0600 and folders 0700: only the service's user reads them.
Writing the same content twice is a no-op.
"""

from __future__ import annotations

import errno
import hashlib
import os
import tempfile
from pathlib import Path

from intake.errors import PermanentError, TransientError

FILE_MODE = 0o600
DIR_MODE = 0o700


def sha256_hex(data: bytes) -> str:
    """The content hash used as a file name and ledger key."""
    return hashlib.sha256(data).hexdigest()


class FileStore:
    """Content-addressed files under one root folder, in kinds (`raw`, `att`, `digest`...)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def path_for(self, kind: str, digest: str, suffix: str = "") -> Path:
        """Where the file of this kind and hash lives (it may not exist yet)."""
        if len(digest) != 64 or not all(c in "0123456789abcdef" for c in digest):
            raise ValueError(f"not a SHA-256 hex digest: {digest!r}")
        return self.root / kind / digest[:2] / f"{digest}{suffix}"

    def put(self, kind: str, data: bytes, suffix: str = "") -> tuple[str, Path]:
        """Store `data`, returning its hash and path. Raises TransientError when the disk is full."""
        digest = sha256_hex(data)
        target = self.path_for(kind, digest, suffix)
        if target.exists() and target.stat().st_size == len(data):
            return digest, target
        try:
            self._make_dirs(target.parent)
            fd, tmp_name = tempfile.mkstemp(prefix=".tmp-", dir=target.parent)
            try:
                os.fchmod(fd, FILE_MODE)
                with os.fdopen(fd, "wb") as handle:
                    handle.write(data)
                    handle.flush()
                    os.fsync(handle.fileno())
                os.replace(tmp_name, target)
            except BaseException:
                Path(tmp_name).unlink(missing_ok=True)
                raise
            self._fsync_dir(target.parent)
        except OSError as exc:
            if exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EIO):
                raise TransientError(
                    f"files folder {self.root}: {exc.strerror} while storing {digest[:12]}"
                ) from exc
            raise PermanentError(f"files folder {self.root}: {exc}") from exc
        return digest, target

    def read(self, kind: str, digest: str, suffix: str = "") -> bytes:
        """The stored bytes; PermanentError when the file is missing or does not match its hash."""
        path = self.path_for(kind, digest, suffix)
        try:
            data = path.read_bytes()
        except FileNotFoundError as exc:
            raise PermanentError(f"stored file missing: {path}") from exc
        if sha256_hex(data) != digest:
            raise PermanentError(f"stored file damaged (hash differs): {path}")
        return data

    def exists(self, kind: str, digest: str, suffix: str = "") -> bool:
        """Whether the file is on disk."""
        return self.path_for(kind, digest, suffix).exists()

    def _make_dirs(self, folder: Path) -> None:
        missing = []
        current = folder
        while not current.exists():
            missing.append(current)
            current = current.parent
        for path in reversed(missing):
            path.mkdir(mode=DIR_MODE, exist_ok=True)
            path.chmod(DIR_MODE)
        if self.root.exists() and self.root.stat().st_mode & 0o077:
            self.root.chmod(DIR_MODE)

    @staticmethod
    def _fsync_dir(folder: Path) -> None:
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
