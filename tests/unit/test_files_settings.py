"""The `[files]` table (folder or S3 bucket) as `intake config check` reads it, and how the S3
adapter types botocore's failures: network and busy server transient, missing bucket and
refused keys permanent with the fix."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError, NoCredentialsError

from intake.errors import ConfigError, PermanentError, TransientError
from intake.settings import Settings, Severity, settings_from_data
from intake.settings.model import FilesStoreKind
from intake.store.files_interface import parse_name, relative_name
from intake.store.s3files import S3Place, s3_error

OFFICE = """
[[office]]
code = "130582"
name = "沙河市互联网信息办公室"
mailbox = "shhlwxxb@163.com"
password_env = "P"
"""
KEYS = {"P": "x", "INTAKE_S3_ACCESS_KEY_ID": "a", "INTAKE_S3_SECRET_ACCESS_KEY": "b"}


def read(files: str, environ: dict[str, str] = KEYS) -> Settings:
    text = f'[storage]\ndatabase = "sqlite:///x.db"\n\n[files]\n{files}\n{OFFICE}'
    return settings_from_data(Path("intake.toml"), text, tomllib.loads(text), environ)


def test_no_files_table_means_the_folder() -> None:
    text = f'[storage]\ndatabase = "sqlite:///x.db"\n{OFFICE}'
    settings = settings_from_data(Path("intake.toml"), text, tomllib.loads(text), KEYS)
    assert settings.files.store is FilesStoreKind.FOLDER


def test_an_s3_table_is_read_whole() -> None:
    settings = read(
        'store = "S3"\nendpoint = "http://127.0.0.1:9000"\nbucket = "xt-intake"\n'
        'region = "cn-north-1"\nprefix = "xingtai/"\ntimeout_seconds = 5'
    )
    files = settings.files
    assert files.store is FilesStoreKind.S3 and settings.problems == ()
    assert (files.endpoint, files.bucket, files.region, files.prefix) == (
        "http://127.0.0.1:9000", "xt-intake", "cn-north-1", "xingtai/",
    )  # fmt: skip
    assert files.timeout_seconds == 5


@pytest.mark.parametrize(
    ("files", "told"),
    [
        ('store = "s3"', 'intake.toml:5: files.store: store = "s3" names no bucket (fix: add bucket'),
        ('store = "nfs"', "intake.toml:5: files.store: must be folder or s3, not 'nfs'"),
        ('store = "s3"\nbucket = "X_Y"', "intake.toml:6: files.bucket: not a bucket name: 'X_Y'"),
        ('store = "s3"\nbucket = "xt"', "intake.toml:6: files.bucket: not a bucket name: 'xt'"),
        ('store = "s3"\nbucket = "xt-a"\nprefix = "city"',
         "intake.toml:7: files.prefix: must be empty or end with \"/\", not 'city'"),
        ('store = "s3"\nbucket = "xt-a"\nendpoint = "s3.example"',
         "intake.toml:7: files.endpoint: not an http(s) address of a server: 's3.example'"),
    ],
)  # fmt: skip
def test_a_wrong_files_table_is_told_at_its_line(files: str, told: str) -> None:
    with pytest.raises(ConfigError) as raised:
        read(files)
    assert told in str(raised.value)


def test_keys_missing_from_the_environment_are_a_warning_naming_each() -> None:
    settings = read('store = "s3"\nbucket = "xt-intake"', {"P": "x"})
    warnings = [p for p in settings.problems if p.severity is Severity.WARNING]
    assert [p.key for p in warnings] == ["files.store", "files.store"]
    assert "INTAKE_S3_ACCESS_KEY_ID is not set" in warnings[0].message
    assert "INTAKE_S3_SECRET_ACCESS_KEY" in warnings[1].fix
    assert all(p.line == 5 for p in warnings)


PLACE = S3Place("http://127.0.0.1:9000", "xt-intake", "us-east-1", "xingtai/")


def client_error(code: str, status: int) -> ClientError:
    return ClientError(
        {"Error": {"Code": code}, "ResponseMetadata": {"HTTPStatusCode": status}}, "PutObject"
    )


@pytest.mark.parametrize(
    ("exc", "kind", "words"),
    [
        (EndpointConnectionError(endpoint_url="http://127.0.0.1:9000"), TransientError,
         "unreachable while storing"),
        (client_error("SlowDown", 503), TransientError, "server busy (SlowDown)"),
        (client_error("InternalError", 500), TransientError, "server busy"),
        (client_error("NoSuchBucket", 404), PermanentError, "bucket xt-intake does not exist"),
        (client_error("InvalidAccessKeyId", 403), PermanentError, "credentials refused"),
        (client_error("SignatureDoesNotMatch", 403), PermanentError, "credentials refused"),
        (NoCredentialsError(), PermanentError, "no credentials"),
        (ConnectionResetError(104, "reset"), TransientError, "unreachable"),
    ],
)  # fmt: skip
def test_botocore_failures_are_typed(exc: Exception, kind: type, words: str) -> None:
    typed = s3_error(exc, PLACE, "storing a file")
    assert type(typed) is kind and words in str(typed)
    assert "s3://xt-intake/xingtai/ at http://127.0.0.1:9000" in str(typed)


def test_object_names_mirror_the_folder_layout() -> None:
    digest = "ab" + "0" * 62
    assert relative_name("raw", digest, ".eml") == f"raw/ab/{digest}.eml"
    assert parse_name(f"raw/ab/{digest}.eml") == ("raw", digest, ".eml")
    assert parse_name(f"raw/cd/{digest}.eml") is None  # not under its own two letters
    assert parse_name("STORE-ID") is None and parse_name("raw/ab/short") is None
    with pytest.raises(ValueError):
        relative_name("raw", "not-a-digest")


class Trickle:
    """An object body that hands out at most three bytes a read, as a slow network may."""

    def __init__(self, data: bytes) -> None:
        self.data = data

    def read(self, size: int | None = None) -> bytes:
        size = 3 if size is None else min(size, 3)
        piece, self.data = self.data[:size], self.data[size:]
        return piece

    def close(self) -> None:
        pass


def test_an_object_body_read_in_short_pieces_still_gives_whole_segments() -> None:
    from intake.store.s3files import _Body

    body = _Body(Trickle(b"0123456789"), PLACE, "raw/x")
    assert body.read(7) == b"0123456" and body.read(7) == b"789" and body.read(7) == b""
