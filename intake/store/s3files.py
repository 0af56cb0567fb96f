"""The files adapter on an S3-compatible object store: the same content-addressed, encrypted
files as the folder store (`intake.store.files`), as objects `<prefix><kind>/ab/<sha256><suffix>`
in one bucket, with the store's identity in the object `<prefix>STORE-ID`.

Files are encrypted by the store's keyring before they leave the process, exactly as on disk:
the object store only ever sees ciphertext. A write spools the ciphertext to a temporary file
(the name, the hash of the plain content, is known only at the end), then uploads it as one
object: an object appears whole or not at all, so a crash leaves nothing half-written. Reads
stream one segment at a time. Network failures and a busy server are TransientError; a missing
bucket, refused credentials or a damaged object are PermanentError with the fix.
"""

from __future__ import annotations

import hashlib
import tempfile
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from intake.errors import PermanentError, TransientError
from intake.privacy import crypto
from intake.store.files_interface import (
    STORE_ID_MARKER,
    Counted,
    Location,
    parse_name,
    relative_name,
)
from intake.store.plainstream import READ_CHUNK, PlainStream

SPOOL_BYTES = 8 * 1024 * 1024  # ciphertext kept in memory before the spool goes to disk
ACCESS_KEY_ENV = "INTAKE_S3_ACCESS_KEY_ID"
SECRET_KEY_ENV = "INTAKE_S3_SECRET_ACCESS_KEY"
_MISSING = frozenset({"404", "NoSuchKey", "NotFound"})
_NO_BUCKET = frozenset({"NoSuchBucket"})
_REFUSED = frozenset(
    {"403", "AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch", "Forbidden"}
)
_BUSY = frozenset(
    {"500", "502", "503", "504", "InternalError", "ServiceUnavailable", "SlowDown",
     "RequestTimeout", "RequestTimeTooSkewed"}
)  # fmt: skip


@dataclass(frozen=True)
class S3Place:
    """Which bucket, where, under which prefix; the keys come from the environment."""

    endpoint: str | None
    bucket: str
    region: str
    prefix: str = ""

    def describe(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}" + (
            f" at {self.endpoint}" if self.endpoint else ""
        )


def s3_error(exc: Exception, place: S3Place, doing: str) -> Exception:
    """The typed error for a botocore failure: transient for the network and a busy server,
    permanent (with the fix) for a missing bucket or refused credentials."""
    from botocore import exceptions as boto

    where = place.describe()
    if isinstance(exc, boto.NoCredentialsError | boto.PartialCredentialsError):
        return PermanentError(
            f"files store {where}: no credentials while {doing} (fix: export {ACCESS_KEY_ENV} "
            f"and {SECRET_KEY_ENV} in the service's environment)"
        )
    if isinstance(exc, boto.ClientError):
        error = exc.response.get("Error", {})
        code = str(error.get("Code", ""))
        status = str(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", ""))
        if code in _NO_BUCKET:
            return PermanentError(
                f"files store {where}: bucket {place.bucket} does not exist (fix: create it, or "
                f"set [files] bucket to the bucket every worker shares)"
            )
        if code in _REFUSED or status == "403":
            return PermanentError(
                f"files store {where}: credentials refused ({code or status}) while {doing} (fix: "
                f"set {ACCESS_KEY_ENV} and {SECRET_KEY_ENV} to a key allowed to read and write "
                f"the bucket)"
            )
        if code in _BUSY or status.startswith("5"):
            return TransientError(f"files store {where}: server busy ({code}) while {doing}")
        return PermanentError(f"files store {where}: {code or status} while {doing}: {exc}")
    from urllib3.exceptions import HTTPError

    if isinstance(exc, boto.BotoCoreError | OSError | HTTPError):
        return TransientError(f"files store {where}: unreachable while {doing}: {exc}")
    if isinstance(exc, PermanentError | TransientError):
        return exc
    return PermanentError(f"files store {where}: {type(exc).__name__} while {doing}: {exc}")


class _Body:
    """An object's body as a file-like `read`, with network failures turned into TransientError."""

    def __init__(self, body: Any, place: S3Place, name: str) -> None:
        self._body = body
        self._place = place
        self._name = name

    def read(self, size: int = -1, /) -> bytes:
        """`size` bytes (all that is left when negative), fewer only at the end: the decryption
        reads whole segments and takes a short read for a truncated file."""
        parts: list[bytes] = []
        have = 0
        try:
            while size < 0 or have < size:
                piece: bytes = self._body.read(None if size < 0 else size - have)
                if not piece:
                    break
                parts.append(piece)
                have += len(piece)
                if size < 0:
                    break
        except Exception as exc:
            raise s3_error(exc, self._place, f"reading {self._name}") from exc
        return b"".join(parts)

    def close(self) -> None:
        self._body.close()


class S3FileStore:
    """Content-addressed files in one bucket of an S3-compatible store, encrypted under
    `keyring`; `client` is a boto3 S3 client; `root` is this machine's own folder (see
    `intake.store.files_interface`)."""

    def __init__(self, client: Any, place: S3Place, root: Path, keyring: crypto.Keyring) -> None:
        self._client = client
        self.place = place
        self.root = root
        self._keyring = keyring

    @property
    def where(self) -> str:
        return self.place.describe()

    @property
    def keyring(self) -> crypto.Keyring:
        return self._keyring

    def with_keyring(self, keyring: crypto.Keyring) -> S3FileStore:
        return S3FileStore(self._client, self.place, self.root, keyring)

    def object_key(self, kind: str, digest: str, suffix: str = "") -> str:
        """The object's key in the bucket; ValueError for a bad digest."""
        return self.place.prefix + relative_name(kind, digest, suffix)

    def _url(self, key: str) -> str:
        return f"s3://{self.place.bucket}/{key}"

    def _call(self, doing: str, operation: str, **kwargs: Any) -> Any:
        try:
            return getattr(self._client, operation)(Bucket=self.place.bucket, **kwargs)
        except Exception as exc:
            raise s3_error(exc, self.place, doing) from exc

    def check_bucket(self) -> None:
        """Raise PermanentError unless the bucket exists and the keys may use it; TransientError
        when the endpoint cannot be reached."""
        from botocore.exceptions import ClientError

        try:
            self._client.head_bucket(Bucket=self.place.bucket)
        except ClientError as exc:
            status = str(exc.response.get("ResponseMetadata", {}).get("HTTPStatusCode", ""))
            code = str(exc.response.get("Error", {}).get("Code", ""))
            if status == "404" or code in {"404", "NoSuchBucket", "NotFound"}:
                missing = ClientError({"Error": {"Code": "NoSuchBucket"}}, "HeadBucket")
                raise s3_error(missing, self.place, "checking the bucket") from exc
            raise s3_error(exc, self.place, "checking the bucket") from exc
        except Exception as exc:
            raise s3_error(exc, self.place, "checking the bucket") from exc

    def put(self, kind: str, data: bytes, suffix: str = "") -> tuple[str, Location]:
        digest = hashlib.sha256(data).hexdigest()
        key = self.object_key(kind, digest, suffix)
        if self._head(key) is not None:
            return digest, self._url(key)
        digest, url, _ = self._store(kind, (data,), suffix, looked=True)
        return digest, url

    def put_stream(
        self, kind: str, chunks: Iterable[bytes], suffix: str = ""
    ) -> tuple[str, Location, int]:
        return self._store(kind, chunks, suffix, looked=False)

    def _store(
        self, kind: str, chunks: Iterable[bytes], suffix: str, *, looked: bool
    ) -> tuple[str, Location, int]:
        """Encrypt into a spool, then upload unless the object is there (`looked`: the caller
        has just found it absent)."""
        counted = Counted(chunks)

        with tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES) as spool:
            for piece in self._keyring.encrypt_stream(iter(counted)):
                spool.write(piece)
            digest = counted.hexdigest()
            key = self.object_key(kind, digest, suffix)
            if looked or self._head(key) is None:
                spool.seek(0)
                self._upload(spool, key)
        return digest, self._url(key), counted.size

    def _upload(self, handle: IO[bytes], key: str) -> None:
        """One PUT of the whole object (a mail is at most `[limits] max_mail_bytes`, 4 GiB,
        within S3's 5 GB for one PUT): it appears whole or not at all."""
        self._call(f"storing {key}", "put_object", Key=key, Body=handle)

    def _head(self, key: str) -> int | None:
        """The object's size, or None when there is no such object."""
        from botocore.exceptions import ClientError

        try:
            answer = self._client.head_object(Bucket=self.place.bucket, Key=key)
        except ClientError as exc:
            if str(exc.response.get("Error", {}).get("Code", "")) in _MISSING:
                return None
            raise s3_error(exc, self.place, f"looking up {key}") from exc
        except Exception as exc:
            raise s3_error(exc, self.place, f"looking up {key}") from exc
        return int(answer.get("ContentLength", 0))

    def _get(self, key: str, **extra: Any) -> _Body:
        from botocore.exceptions import ClientError

        try:
            answer = self._client.get_object(Bucket=self.place.bucket, Key=key, **extra)
        except ClientError as exc:
            if str(exc.response.get("Error", {}).get("Code", "")) in _MISSING:
                raise PermanentError(f"stored file missing: {self._url(key)}") from exc
            raise s3_error(exc, self.place, f"reading {key}") from exc
        except Exception as exc:
            raise s3_error(exc, self.place, f"reading {key}") from exc
        return _Body(answer["Body"], self.place, key)

    def open_read(self, kind: str, digest: str, suffix: str = "") -> PlainStream:
        key = self.object_key(kind, digest, suffix)
        body = self._get(key)
        return PlainStream(body, self._url(key), digest, self._keyring)

    def read(self, kind: str, digest: str, suffix: str = "") -> bytes:
        with self.open_read(kind, digest, suffix) as stream:
            return b"".join(stream)

    def exists(self, kind: str, digest: str, suffix: str = "") -> bool:
        return self._head(self.object_key(kind, digest, suffix)) is not None

    def size(self, kind: str, digest: str, suffix: str = "") -> int | None:
        return self._head(self.object_key(kind, digest, suffix))

    def delete(self, kind: str, digest: str, suffix: str = "") -> bool:
        key = self.object_key(kind, digest, suffix)
        if self._head(key) is None:
            return False
        self._call(f"deleting {key}", "delete_object", Key=key)
        return True

    def stored_files(self) -> Iterator[tuple[str, str, str, Location]]:
        prefix = self.place.prefix
        try:
            pages = self._client.get_paginator("list_objects_v2").paginate(
                Bucket=self.place.bucket, Prefix=prefix
            )
            for page in pages:
                for item in page.get("Contents", []):
                    parsed = parse_name(str(item["Key"])[len(prefix) :])
                    if parsed is not None:
                        yield (*parsed, self._url(str(item["Key"])))
        except Exception as exc:
            raise s3_error(exc, self.place, "listing the bucket") from exc

    def key_id(self, kind: str, digest: str, suffix: str = "") -> str | None:
        key = self.object_key(kind, digest, suffix)
        body = self._get(key, Range=f"bytes=0-{len(crypto.MAGIC) + 1 + 255}")
        try:
            head = body.read()
        finally:
            body.close()
        if not head.startswith(crypto.MAGIC) or len(head) < len(crypto.MAGIC) + 2:
            return None
        length = head[len(crypto.MAGIC) + 1]
        start = len(crypto.MAGIC) + 2
        return head[start : start + length].decode("ascii", "replace")

    def sweep_temporary(self, older_than_seconds: float = 3600.0, dry_run: bool = False) -> int:
        """Nothing to sweep: an object is uploaded whole or not at all (spools are the
        process's own temporary files, gone with it)."""
        return 0

    def rewrap(self, kind: str, digest: str, suffix: str = "") -> bool:
        if self.key_id(kind, digest, suffix) == self._keyring.current.kid:
            return False
        key = self.object_key(kind, digest, suffix)
        with (
            self.open_read(kind, digest, suffix) as plain,
            tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES) as spool,
        ):
            for piece in self._keyring.encrypt_stream(plain):
                spool.write(piece)
            spool.seek(0)
            self._upload(spool, key)
        return True

    def read_marker(self) -> str | None:
        key = self.place.prefix + STORE_ID_MARKER
        if self._head(key) is None:
            return None
        body = self._get(key)
        try:
            text = body.read(4096)
        finally:
            body.close()
        try:
            return text.decode("ascii").strip() or None
        except UnicodeDecodeError as exc:
            raise PermanentError(f"files store {self.where}: marker unreadable: {exc}") from exc

    def write_marker(self, store_id: str) -> None:
        key = self.place.prefix + STORE_ID_MARKER
        self._call(f"writing {key}", "put_object", Key=key, Body=(store_id + "\n").encode())


def s3_client(
    place: S3Place,
    environ: dict[str, str] | Any,
    *,
    timeout_seconds: float = 10.0,
    attempts: int = 3,
) -> Any:
    """A boto3 S3 client for `place`, keys from `INTAKE_S3_ACCESS_KEY_ID` and
    `INTAKE_S3_SECRET_ACCESS_KEY` in `environ`; PermanentError (with the fix) when they are not
    set. Nothing connects until the first call."""
    import boto3
    from botocore.config import Config

    access, secret = environ.get(ACCESS_KEY_ENV), environ.get(SECRET_KEY_ENV)
    if not access or not secret:
        missing = ACCESS_KEY_ENV if not access else SECRET_KEY_ENV
        raise PermanentError(
            f"files store {place.describe()}: {missing} is not set (fix: export "
            f"{ACCESS_KEY_ENV} and {SECRET_KEY_ENV} in the service's environment)"
        )
    config = Config(
        connect_timeout=timeout_seconds,
        read_timeout=timeout_seconds,
        retries={"max_attempts": attempts, "mode": "standard"},
        s3={"addressing_style": "path"},
    )
    session = boto3.session.Session()
    return session.client(
        "s3",
        endpoint_url=place.endpoint,
        region_name=place.region,
        aws_access_key_id=access,
        aws_secret_access_key=secret,
        config=config,
    )


__all__ = ["READ_CHUNK", "S3FileStore", "S3Place", "s3_client", "s3_error"]
