"""What every files store offers: content-addressed files (raw mail, attachments, queued
replies) by kind, SHA-256 and suffix, encrypted under the store's keyring, plus the store's
identity marker. Two implementations: a folder (`intake.store.files.FileStore`, local disk or a
shared NFS/CephFS mount) and an S3-compatible bucket (`intake.store.s3files.S3FileStore`).

`root` is always a folder on this machine: the files folder itself for the folder store, the
`[storage] files` folder for the S3 store, where only this machine's own things live (process
locks, the console's session key, copies of the digests it wrote, the demo's replies).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Protocol

from intake.privacy import crypto
from intake.store.plainstream import PlainStream

Location = Path | str
"""Where a stored file is: a path for the folder store, an `s3://bucket/key` text for S3."""

STORE_ID_MARKER = "STORE-ID"
"""The file (or object) of a files store that names the store it belongs to."""
HEX = frozenset("0123456789abcdef")


class Counted:
    """The chunks of a file being stored, passed on while their SHA-256 and size are taken (what
    both stores name and report the file by)."""

    def __init__(self, chunks: Iterable[bytes]) -> None:
        self._chunks = chunks
        self._hasher = hashlib.sha256()
        self.size = 0

    def __iter__(self) -> Iterator[bytes]:
        for chunk in self._chunks:
            self._hasher.update(chunk)
            self.size += len(chunk)
            yield chunk

    def hexdigest(self) -> str:
        return self._hasher.hexdigest()


def relative_name(kind: str, digest: str, suffix: str = "") -> str:
    """Where a file lives inside a store: `kind/ab/abcd…suffix`; ValueError for a bad digest."""
    if len(digest) != 64 or not set(digest) <= HEX:
        raise ValueError(f"not a SHA-256 hex digest: {digest!r}")
    return f"{kind}/{digest[:2]}/{digest}{suffix}"


def parse_name(name: str) -> tuple[str, str, str] | None:
    """(kind, digest, suffix) of a relative name made by `relative_name`; None for another."""
    parts = name.split("/")
    if len(parts) != 3 or len(parts[1]) != 2:
        return None
    kind, sub, base = parts
    digest, suffix = base[:64], base[64:]
    if len(digest) != 64 or not set(digest) <= HEX or not digest.startswith(sub) or not kind:
        return None
    return kind, digest, suffix


class Files(Protocol):
    """A store of content-addressed, encrypted files; see the module."""

    root: Path

    @property
    def where(self) -> str:
        """The store in words for messages: a folder path or `s3://bucket/prefix`."""

    @property
    def keyring(self) -> crypto.Keyring:
        """The keys files are written and read with."""

    def with_keyring(self, keyring: crypto.Keyring) -> Files:
        """The same store read and written under another keyring."""

    def put(self, kind: str, data: bytes, suffix: str = "") -> tuple[str, Location]:
        """Store `data`; its hash and location."""

    def put_stream(
        self, kind: str, chunks: Iterable[bytes], suffix: str = ""
    ) -> tuple[str, Location, int]:
        """Store the content of `chunks` in constant memory; hash, location and size."""

    def open_read(self, kind: str, digest: str, suffix: str = "") -> PlainStream:
        """The plain content as chunks; PermanentError when missing or damaged."""

    def read(self, kind: str, digest: str, suffix: str = "") -> bytes:
        """The whole plain content."""

    def exists(self, kind: str, digest: str, suffix: str = "") -> bool:
        """Whether the file is stored."""

    def size(self, kind: str, digest: str, suffix: str = "") -> int | None:
        """The stored (encrypted) size in bytes, or None when the file is not there."""

    def delete(self, kind: str, digest: str, suffix: str = "") -> bool:
        """Remove a stored file; True when it was there."""

    def stored_files(self) -> Iterator[tuple[str, str, str, Location]]:
        """Every stored file as (kind, digest, suffix, location)."""

    def key_id(self, kind: str, digest: str, suffix: str = "") -> str | None:
        """The id of the key a file is encrypted under; None for a plain (older) file."""

    def sweep_temporary(self, older_than_seconds: float = 3600.0, dry_run: bool = False) -> int:
        """Remove what interrupted writes left behind; how many were found."""

    def rewrap(self, kind: str, digest: str, suffix: str = "") -> bool:
        """Re-encrypt one file under the current key; False when it already was."""

    def read_marker(self) -> str | None:
        """The store id this files store carries, or None when it carries none."""

    def write_marker(self, store_id: str) -> None:
        """Mark this files store as the store `store_id`'s."""
