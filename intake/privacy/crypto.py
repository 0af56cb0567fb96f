"""Encryption at rest: the keyring, values for encrypted columns, and the chunked file format.

Keys are 32 random bytes (AES-256-GCM, `cryptography`'s AESGCM), each with a short key id. The
first key of the keyring is the current one and encrypts; every key decrypts. Keys come from the
environment variable `INTAKE_KEYS` or from a key file (`[storage] key_file`), one key per line as
`<key id>:<base64 key>`, current key first; the file must not be readable by group or others.

Files use a streaming format so that a large attachment never has to be held in memory:

    header  = b"XTENC" | version (1 byte) | key id length (1 byte) | key id
              | segment size (4 bytes, big-endian) | nonce prefix (8 random bytes)
    segment = AES-GCM(plain segment), nonce = nonce prefix | segment number (4 bytes),
              associated data = header | segment number | last-segment flag (1 byte)

Every segment but the last holds exactly `segment size` plain bytes; the last one (possibly
empty) carries the flag, so cutting, reordering or extending the file fails authentication.
Column values are `xe1:<key id>:<base64(nonce | ciphertext)>` with the column's purpose in the
associated data, so a value moved to another column does not decrypt.

A key check value (`key_check_value`) is an HMAC of a fixed text under one key: stored beside
the data when the store is made (and for each new current key), it proves at start that a key
of that id is the very key the store was written with, without revealing anything of the key.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import re
import secrets
import stat
import struct
import tempfile
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from intake.errors import ConfigError, PermanentError

KEYS_ENV = "INTAKE_KEYS"
KEY_BYTES = 32
MAGIC = b"XTENC"
VERSION = 1
SEGMENT = 1 << 20
TAG = 16
NONCE_PREFIX = 8
VALUE_PREFIX = "xe1:"
_KID_RE = re.compile(r"^[A-Za-z0-9_-]{1,32}$")


class NoKeyError(ConfigError):
    """No usable encryption key: personal data cannot be stored or read."""


class DecryptionError(PermanentError):
    """Ciphertext that does not decrypt: tampered, truncated, or under a key not held."""


@dataclass(frozen=True)
class Key:
    """One AES-256 key and its id."""

    kid: str
    secret: bytes

    def __repr__(self) -> str:  # never print key material
        return f"Key({self.kid!r})"

    def line(self) -> str:
        """The key as a key-file line."""
        return f"{self.kid}:{base64.urlsafe_b64encode(self.secret).decode('ascii')}"


def new_key() -> Key:
    """A fresh random key with a random 8-character id."""
    return Key(secrets.token_hex(4), secrets.token_bytes(KEY_BYTES))


@dataclass(frozen=True)
class Keyring:
    """The keys of a deployment: the first encrypts, all decrypt."""

    keys: tuple[Key, ...]
    source: str = "memory"

    def __post_init__(self) -> None:
        if not self.keys:
            raise NoKeyError(f"{self.source}: no key in it (fix: intake keys new)")
        ids = [k.kid for k in self.keys]
        if len(set(ids)) != len(ids):
            raise NoKeyError(f"{self.source}: a key id is listed twice (fix: remove the copy)")

    @property
    def current(self) -> Key:
        return self.keys[0]

    def get(self, kid: str) -> Key:
        for key in self.keys:
            if key.kid == kid:
                return key
        raise DecryptionError(
            f"encrypted under key {kid!r}, which is not in {self.source} "
            "(fix: add that key back to the key file or INTAKE_KEYS)"
        )

    def with_new_current(self, key: Key | None = None) -> Keyring:
        """This keyring with a new current key in front (the old ones still decrypt)."""
        return Keyring((key or new_key(), *self.keys), self.source)

    def only_current(self) -> Keyring:
        return Keyring((self.current,), self.source)

    def text(self) -> str:
        """The key-file text of this keyring."""
        lines = [
            "# xt-intake encryption keys: the first encrypts, all decrypt. Keep this file secret",
            "# (mode 0600, outside the project folder) and keep a copy: without it nothing reads.",
            *(k.line() for k in self.keys),
        ]
        return "\n".join(lines) + "\n"

    # Column values -------------------------------------------------------------------------

    def encrypt_value(self, plain: bytes, purpose: str) -> str:
        key = self.current
        nonce = secrets.token_bytes(12)
        sealed = AESGCM(key.secret).encrypt(nonce, plain, _value_aad(key.kid, purpose))
        return f"{VALUE_PREFIX}{key.kid}:{base64.b64encode(nonce + sealed).decode('ascii')}"

    def decrypt_value(self, text: str, purpose: str) -> bytes:
        kid = value_key_id(text)
        if kid is None:
            raise DecryptionError(f"{purpose}: not an encrypted value")
        key = self.get(kid)
        try:
            blob = base64.b64decode(text[len(VALUE_PREFIX) + len(kid) + 1 :], validate=True)
            return AESGCM(key.secret).decrypt(blob[:12], blob[12:], _value_aad(kid, purpose))
        except (InvalidTag, binascii.Error, ValueError) as exc:
            raise DecryptionError(f"{purpose}: an encrypted value does not decrypt") from exc

    # Files -----------------------------------------------------------------------------------

    def encrypt_stream(self, chunks: Iterable[bytes], segment: int = SEGMENT) -> Iterator[bytes]:
        """Ciphertext pieces of the plain `chunks` (constant memory: one segment at a time)."""
        key = self.current
        prefix = secrets.token_bytes(NONCE_PREFIX)
        kid = key.kid.encode("ascii")
        header = MAGIC + bytes([VERSION, len(kid)]) + kid + struct.pack(">I", segment) + prefix
        yield header
        aead = AESGCM(key.secret)
        buffer = bytearray()
        number = 0
        for chunk in chunks:
            buffer += chunk
            while len(buffer) > segment:  # more follows, so this segment is not the last
                yield _seal(aead, header, prefix, number, bytes(buffer[:segment]), last=False)
                del buffer[:segment]
                number += 1
        yield _seal(aead, header, prefix, number, bytes(buffer), last=True)

    def decrypt_stream(self, handle: BinaryIO, name: str) -> Iterator[bytes]:
        """Plain segments of an encrypted file whose magic has been read already."""
        head = _read_exact(handle, 2, name)
        if head[0] != VERSION:
            raise DecryptionError(f"{name}: unknown encryption format version {head[0]}")
        kid_bytes = _read_exact(handle, head[1], name)
        rest = _read_exact(handle, 4 + NONCE_PREFIX, name)
        segment = struct.unpack(">I", rest[:4])[0]
        if not 0 < segment <= 64 * SEGMENT:
            raise DecryptionError(f"{name}: damaged encryption header")
        prefix = rest[4:]
        header = MAGIC + head + kid_bytes + rest
        aead = AESGCM(self.get(kid_bytes.decode("ascii", "replace")).secret)
        number = 0
        pending = handle.read(segment + TAG)
        while True:
            following = handle.read(segment + TAG) if len(pending) == segment + TAG else b""
            last = not following
            if len(pending) < TAG:
                raise DecryptionError(f"stored file damaged (truncated): {name}")
            nonce = prefix + struct.pack(">I", number)
            try:
                yield aead.decrypt(nonce, pending, _segment_aad(header, number, last))
            except InvalidTag as exc:
                raise DecryptionError(
                    f"stored file damaged or tampered with (authentication failed): {name}"
                ) from exc
            if last:
                return
            pending = following
            number += 1


def _seal(
    aead: AESGCM, header: bytes, prefix: bytes, number: int, plain: bytes, last: bool
) -> bytes:
    nonce = prefix + struct.pack(">I", number)
    return aead.encrypt(nonce, plain, _segment_aad(header, number, last))


def _segment_aad(header: bytes, number: int, last: bool) -> bytes:
    return header + struct.pack(">I", number) + (b"\x01" if last else b"\x00")


def _value_aad(kid: str, purpose: str) -> bytes:
    return f"{VALUE_PREFIX}{kid}:{purpose}".encode()


def _read_exact(handle: BinaryIO, size: int, name: str) -> bytes:
    data = handle.read(size)
    if len(data) != size:
        raise DecryptionError(f"stored file damaged (truncated header): {name}")
    return data


def value_key_id(text: str) -> str | None:
    """The key id of an encrypted column value, or None when the value is not encrypted."""
    if not text.startswith(VALUE_PREFIX):
        return None
    kid, sep, _ = text[len(VALUE_PREFIX) :].partition(":")
    return kid if sep and _KID_RE.match(kid) else None


def file_key_id(path: Path) -> str | None:
    """The key id in an encrypted file's header, or None for a plain (pre-encryption) file."""
    with path.open("rb") as handle:
        start = handle.read(len(MAGIC) + 2)
        if not start.startswith(MAGIC) or len(start) < len(MAGIC) + 2:
            return None
        return handle.read(start[-1]).decode("ascii", "replace")


# Key check values ------------------------------------------------------------------------------

KEY_CHECK_PREFIX = "kc1:"
_KEY_CHECK_TEXT = b"xt-intake key check v1"


def key_check_value(key: Key) -> str:
    """The check value of `key`: an HMAC-SHA256 of a fixed text under the key (no secret in it)."""
    mac = hmac.new(key.secret, _KEY_CHECK_TEXT + key.kid.encode("ascii"), hashlib.sha256)
    return KEY_CHECK_PREFIX + mac.hexdigest()


def key_matches_check(key: Key, check: str) -> bool:
    """Whether `check` is the check value of `key` (compared in constant time)."""
    return hmac.compare_digest(key_check_value(key), check)


# Loading ---------------------------------------------------------------------------------------


def parse_keys(text: str, source: str) -> Keyring:
    """Keys from key-file text or `INTAKE_KEYS` (lines or commas; `#` starts a comment)."""
    keys: list[Key] = []
    items = [
        (number, item.strip())
        for number, line in enumerate(text.splitlines(), start=1)
        for item in line.split("#", 1)[0].split(",")
        if item.strip()
    ]
    for number, item in items:
        kid, sep, encoded = item.partition(":")
        where = f"{source}:{number}" if "\n" in text else source
        if not sep or not _KID_RE.match(kid.strip()):
            raise NoKeyError(
                f"{where}: not a key (expected <key id>:<base64 key>; fix: make one with intake keys new)"
            )
        try:
            secret = base64.urlsafe_b64decode(encoded.strip())
        except (binascii.Error, ValueError) as exc:
            raise NoKeyError(
                f"{where}: key {kid.strip()!r} is not base64 (fix: intake keys new)"
            ) from exc
        if len(secret) != KEY_BYTES:
            raise NoKeyError(
                f"{where}: key {kid.strip()!r} has {len(secret)} bytes, not {KEY_BYTES} (fix: intake keys new)"
            )
        keys.append(Key(kid.strip(), secret))
    return Keyring(tuple(keys), source)


def key_file_problem(path: Path) -> str | None:
    """Why the key file cannot be used (missing, readable by others, not a file), or None."""
    try:
        info = path.stat()
    except FileNotFoundError:
        return f"key file {path} does not exist (fix: intake keys new)"
    except OSError as exc:
        return (
            f"key file {path} cannot be read: {exc.strerror} (fix: check its folder's permissions)"
        )
    if not stat.S_ISREG(info.st_mode):
        return (
            f"key file {path} is not a file (fix: point key_file at the file intake keys new wrote)"
        )
    if info.st_mode & 0o077:
        return (
            f"key file {path} can be read by group or others (mode {stat.S_IMODE(info.st_mode):04o}) "
            f"(fix: chmod 600 {path})"
        )
    return None


def load_keyring(key_file: Path | None, environ: Mapping[str, str]) -> Keyring:
    """The keyring from `INTAKE_KEYS`, else the key file; NoKeyError saying how to make one."""
    value = environ.get(KEYS_ENV, "").strip()
    if value:
        return parse_keys(value, KEYS_ENV)
    if key_file is None:
        raise NoKeyError(
            "no encryption key for personal data: neither INTAKE_KEYS nor [storage] key_file is set "
            '(fix: add key_file = "/etc/intake/keys" under [storage], then run intake keys new)'
        )
    problem = key_file_problem(key_file)
    if problem:
        raise NoKeyError(problem)
    try:
        text = key_file.read_text(encoding="ascii")
    except (OSError, UnicodeDecodeError) as exc:
        raise NoKeyError(
            f"key file {key_file} cannot be read: {exc} (fix: intake keys new)"
        ) from exc
    return parse_keys(text, str(key_file))


def write_key_file(path: Path, keyring: Keyring) -> None:
    """Write (or replace) a key file atomically, mode 0600, its folder made 0700 if new."""
    if not path.parent.exists():
        path.parent.mkdir(parents=True, mode=0o700)
    fd, tmp_name = tempfile.mkstemp(prefix=".tmp-keys-", dir=path.parent)
    try:
        os.fchmod(fd, 0o600)
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(keyring.text())
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
