"""The files adapter: raw mail and attachments as files named by the SHA-256 of their content.

Files are stored encrypted (see `intake.privacy.crypto`: a header naming the key, then AES-GCM segments),
but named by the hash of the plain content, which the ledger and the dedupe rely on. Writes are
atomic (temporary file in the same folder, fsync, rename), so a crash leaves either the whole file
or nothing. `put_stream` and `open_read` work a segment at a time, so a file of any size passes
in constant memory. Files are 0600 and folders 0700: only the service's user reads them. Writing
the same content twice is a no-op. A file written before encryption (no header) still reads;
`intake keys rotate` encrypts it.
"""

from __future__ import annotations

import errno
import hashlib
import os
import tempfile
import time
from collections.abc import Iterable, Iterator
from pathlib import Path

from intake.errors import PermanentError, TransientError
from intake.privacy import crypto
from intake.store.files_interface import STORE_ID_MARKER, Counted, relative_name
from intake.store.plainstream import READ_CHUNK, PlainStream

__all__ = [
    "DIR_MODE",
    "FILE_MODE",
    "READ_CHUNK",
    "STORE_ID_MARKER",
    "FileStore",
    "PlainStream",
    "sha256_hex",
]

FILE_MODE = 0o600
DIR_MODE = 0o700
_HEX = frozenset("0123456789abcdef")


def sha256_hex(data: bytes) -> str:
    """The content hash used as a file name and ledger key."""
    return hashlib.sha256(data).hexdigest()


class FileStore:
    """Content-addressed files under one root folder, in kinds (`raw`, `att`, `out`...), encrypted
    under `keyring`; without one, the keys in `INTAKE_KEYS` are read when a file is first written
    or read.
    """

    def __init__(self, root: Path, keyring: crypto.Keyring | None = None) -> None:
        self.root = root
        self._keyring = keyring

    @property
    def keyring(self) -> crypto.Keyring:
        """The keys this folder's files are written and read with."""
        if self._keyring is None:
            self._keyring = crypto.load_keyring(None, os.environ)
        return self._keyring

    @property
    def where(self) -> str:
        """The files folder, for messages."""
        return str(self.root)

    def with_keyring(self, keyring: crypto.Keyring) -> FileStore:
        """The same folder under another keyring."""
        return FileStore(self.root, keyring)

    def path_for(self, kind: str, digest: str, suffix: str = "") -> Path:
        """Where the file of this kind and hash lives (it may not exist yet)."""
        return self.root / relative_name(kind, digest, suffix)

    def put(self, kind: str, data: bytes, suffix: str = "") -> tuple[str, Path]:
        """Store `data`, returning its hash and path. Raises TransientError when the disk is full."""
        digest = sha256_hex(data)
        target = self.path_for(kind, digest, suffix)
        if target.exists():
            return digest, target
        digest, target, _ = self.put_stream(kind, (data,), suffix)
        return digest, target

    def put_stream(
        self, kind: str, chunks: Iterable[bytes], suffix: str = ""
    ) -> tuple[str, Path, int]:
        """Store the content given in `chunks` (constant memory), returning hash, path and size."""
        keyring = self.keyring
        counted = Counted(chunks)

        folder = self.root / kind
        try:
            self._make_dirs(folder)
            tmp = self._write_temp(folder, keyring.encrypt_stream(iter(counted)))
            digest = counted.hexdigest()
            target = self.path_for(kind, digest, suffix)
            if target.exists():
                tmp.unlink()
                return digest, target, counted.size
            self._put_in_place(tmp, target)
        except OSError as exc:
            raise self._os_error(exc, "storing a file") from exc
        return digest, target, counted.size

    def open_read(self, kind: str, digest: str, suffix: str = "") -> PlainStream:
        """The plain content as chunks; PermanentError when missing, tampered or of another hash."""
        path = self.path_for(kind, digest, suffix)
        keyring = self.keyring
        try:
            handle = path.open("rb")
        except FileNotFoundError as exc:
            raise PermanentError(f"stored file missing: {path}") from exc
        except OSError as exc:
            raise self._os_error(exc, f"reading {path}") from exc
        return PlainStream(handle, str(path), digest, keyring)

    def read(self, kind: str, digest: str, suffix: str = "") -> bytes:
        """The stored bytes; PermanentError when the file is missing or does not match its hash."""
        with self.open_read(kind, digest, suffix) as stream:
            return b"".join(stream)

    def exists(self, kind: str, digest: str, suffix: str = "") -> bool:
        """Whether the file is on disk."""
        return self.path_for(kind, digest, suffix).exists()

    def size(self, kind: str, digest: str, suffix: str = "") -> int | None:
        """The stored size in bytes, or None when the file is not on disk."""
        try:
            return self.path_for(kind, digest, suffix).stat().st_size
        except FileNotFoundError:
            return None

    def key_id(self, kind: str, digest: str, suffix: str = "") -> str | None:
        """The key id in the file's header (None: a plain file); PermanentError when unreadable."""
        path = self.path_for(kind, digest, suffix)
        try:
            return crypto.file_key_id(path)
        except OSError as exc:
            raise PermanentError(f"files folder {self.root}: {exc}") from exc

    def read_marker(self) -> str | None:
        """The store id in the folder's marker file, or None when there is none."""
        marker = self.root / STORE_ID_MARKER
        try:
            return marker.read_text(encoding="ascii").strip() or None
        except FileNotFoundError:
            return None
        except (OSError, UnicodeDecodeError) as exc:
            raise PermanentError(f"files folder {self.root}: marker unreadable: {exc}") from exc

    def write_marker(self, store_id: str) -> None:
        """Write the marker atomically (0600; the folder made 0700 when new)."""
        self.root.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
        fd, tmp_name = tempfile.mkstemp(prefix=".tmp-marker-", dir=self.root)
        try:
            os.fchmod(fd, FILE_MODE)
            with os.fdopen(fd, "w", encoding="ascii") as handle:
                handle.write(store_id + "\n")
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp_name, self.root / STORE_ID_MARKER)
        except BaseException:
            Path(tmp_name).unlink(missing_ok=True)
            raise

    def delete(self, kind: str, digest: str, suffix: str = "") -> bool:
        """Remove a stored file; True when it was there."""
        path = self.path_for(kind, digest, suffix)
        try:
            path.unlink()
        except FileNotFoundError:
            return False
        except OSError as exc:
            raise self._os_error(exc, f"deleting {path}") from exc
        self._fsync_dir(path.parent)
        return True

    def stored_files(self) -> Iterator[tuple[str, str, str, Path]]:
        """Every stored file as (kind, digest, suffix, path); other files are left out."""
        if not self.root.is_dir():
            return
        for kind_dir in sorted(p for p in self.root.iterdir() if p.is_dir()):
            for sub in sorted(p for p in kind_dir.iterdir() if p.is_dir() and len(p.name) == 2):
                for path in sorted(sub.iterdir()):
                    digest, suffix = path.name[:64], path.name[64:]
                    if len(digest) == 64 and set(digest) <= _HEX and path.is_file():
                        yield kind_dir.name, digest, suffix, path

    def sweep_temporary(self, older_than_seconds: float = 3600.0, dry_run: bool = False) -> int:
        """Delete half-written temporary files (`.tmp-*`, left by a process killed while
        writing) older than `older_than_seconds`; the number found. Younger ones may belong
        to a write in progress and are left alone."""
        if not self.root.is_dir():
            return 0
        cutoff = time.time() - older_than_seconds
        found = 0
        for path in self.root.rglob(".tmp-*"):
            try:
                if not path.is_file() or path.stat().st_mtime > cutoff:
                    continue
                found += 1
                if not dry_run:
                    path.unlink(missing_ok=True)
            except OSError:
                continue
        return found

    def rewrap(self, kind: str, digest: str, suffix: str = "") -> bool:
        """Re-encrypt one file under the current key (atomically); False when it already was.

        A crash leaves the old file or the new one, both readable while the old key is held."""
        path = self.path_for(kind, digest, suffix)
        keyring = self.keyring
        if crypto.file_key_id(path) == keyring.current.kid:
            return False
        try:
            with self.open_read(kind, digest, suffix) as plain:
                tmp = self._write_temp(path.parent, keyring.encrypt_stream(plain))
            self._put_in_place(tmp, path)
        except OSError as exc:
            raise self._os_error(exc, f"re-encrypting {path}") from exc
        return True

    def _write_temp(self, folder: Path, pieces: Iterable[bytes]) -> Path:
        fd, tmp_name = tempfile.mkstemp(prefix=".tmp-", dir=folder)
        try:
            os.fchmod(fd, FILE_MODE)
            with os.fdopen(fd, "wb") as handle:
                for piece in pieces:
                    handle.write(piece)
                handle.flush()
                os.fsync(handle.fileno())
        except BaseException:
            Path(tmp_name).unlink(missing_ok=True)
            raise
        return Path(tmp_name)

    def _put_in_place(self, tmp: Path, target: Path) -> None:
        """Rename a fully written temporary file to `target` (atomic), then make the rename
        durable; the temporary file is removed if that fails."""
        try:
            self._make_dirs(target.parent)
            os.replace(tmp, target)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        self._fsync_dir(target.parent)

    def _os_error(self, exc: OSError, doing: str) -> Exception:
        if exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EIO):
            return TransientError(f"files folder {self.root}: {exc.strerror} while {doing}")
        return PermanentError(f"files folder {self.root}: {exc}")

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
