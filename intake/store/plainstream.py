"""The plain content of a stored file read back through its keyring, whatever store holds it:
chunks are handed out one segment at a time, and the content hash is checked against the
file's name before the last chunk, so a reader never gets a whole wrong file."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from types import TracebackType
from typing import BinaryIO, Protocol, cast

from intake.errors import PermanentError
from intake.privacy import crypto

READ_CHUNK = 1 << 20


class Readable(Protocol):
    """What a stored file is read through: an open file, or an object's body."""

    def read(self, size: int = -1, /) -> bytes: ...

    def close(self) -> None: ...


class PlainStream:
    """The plain content of a stored file, as an iterator of chunks (or `read()`).

    The hash of the content is checked against the file's name before the last chunk is handed
    out, so a reader never gets a whole wrong file without a PermanentError.
    """

    def __init__(self, handle: Readable, name: str, digest: str, keyring: crypto.Keyring) -> None:
        self._handle = handle
        self._name = name
        self._digest = digest
        self._keyring = keyring
        self._chunks = self._generate()
        self._rest = b""

    def _generate(self) -> Iterator[bytes]:
        hasher = hashlib.sha256()
        start = self._handle.read(len(crypto.MAGIC))
        if start == crypto.MAGIC:
            pieces = self._keyring.decrypt_stream(cast(BinaryIO, self._handle), self._name)
        else:
            pieces = _plain_pieces(start, self._handle)
        held: bytes | None = None
        for piece in pieces:
            if held:
                yield held
            hasher.update(piece)
            held = piece
        if hasher.hexdigest() != self._digest:
            raise PermanentError(f"stored file damaged (hash differs): {self._name}")
        if held:
            yield held

    def __iter__(self) -> Iterator[bytes]:
        return self

    def __next__(self) -> bytes:
        try:
            return next(self._chunks)
        except StopIteration:
            self.close()
            raise

    def read(self, size: int = -1) -> bytes:
        """Up to `size` plain bytes (all that is left when negative); b"" at the end."""
        parts = [self._rest]
        have = len(self._rest)
        while size < 0 or have < size:
            chunk = next(self._chunks, None)
            if chunk is None:
                break
            parts.append(chunk)
            have += len(chunk)
        data = b"".join(parts)
        if size < 0:
            self._rest = b""
            return data
        self._rest = data[size:]
        return data[:size]

    def close(self) -> None:
        self._handle.close()

    def __enter__(self) -> PlainStream:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


def _plain_pieces(start: bytes, handle: Readable) -> Iterator[bytes]:
    if start:
        yield start
    while chunk := handle.read(READ_CHUNK):
        yield chunk
