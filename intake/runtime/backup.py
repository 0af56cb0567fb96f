"""Backup and restore of a deployment: its database, its files folder, and the key's identity.

A backup is a folder:

    manifest.json        what was backed up: when, the database kind, the schema revision,
                         the key ids the files are under, counts
    database.sqlite      SQLite: a consistent copy made with SQLite's online backup API
    database.pgdump      PostgreSQL: `pg_dump --format=custom`
    files/               the files folder (still encrypted; lock files and half-written
                         temporary files left out)

The key is not written into the backup folder: a backup that holds its own key is plain to
whoever gets it. `--key-out FILE` writes a copy of the keys to a file of the admin's choosing
(kept apart from the backups); a restore refuses unless the configured keys hold every key the
backed-up files are under.

The database is copied first and the files second, both while the deployment's pipeline lock
is held (no pipeline round or purge runs meanwhile, in any process). Polls may go on: a mail
stored after the database was copied is at most an extra file in the backup, and after a
restore the mailbox's ledger does not know it, so it is fetched again and stored under the
same name. A running worker can therefore stay up during a backup; key rotation must not run.

A restore goes into an empty deployment only (no SQLite file, or a PostgreSQL database without
tables; a missing or empty files folder), then opens it, which migrates an older schema to the
newest.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

from sqlalchemy import inspect, text
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import SQLAlchemyError

from intake.errors import PermanentError
from intake.privacy import crypto
from intake.runtime.service import PIPELINE_LOCK, Deployment
from intake.settings import Settings
from intake.settings.model import FilesStoreKind
from intake.store.database import make_engine

MANIFEST = "manifest.json"
SQLITE_COPY = "database.sqlite"
PG_DUMP = "database.pgdump"
FILES = "files"
FORMAT = 1
LEFT_OUT = ("locks",)
"""Top-level folders of the files folder that belong to running processes, not to the data."""


class BackupError(PermanentError):
    """A backup or restore that cannot be done as asked (the reason and the fix)."""


@dataclass(frozen=True)
class Manifest:
    """What a backup folder holds."""

    format: int
    made_at: str
    database: str
    schema: str | None
    current_key: str
    file_keys: tuple[str, ...]
    files: int
    bytes: int

    def to_json(self) -> dict[str, object]:
        return {**asdict(self), "file_keys": list(self.file_keys)}

    @classmethod
    def read(cls, folder: Path) -> Manifest:
        path = folder / MANIFEST
        try:
            data = json.loads(path.read_text(encoding="utf-8"))
            return cls(
                format=int(data["format"]),
                made_at=str(data["made_at"]),
                database=str(data["database"]),
                schema=data.get("schema"),
                current_key=str(data["current_key"]),
                file_keys=tuple(str(k) for k in data["file_keys"]),
                files=int(data["files"]),
                bytes=int(data["bytes"]),
            )
        except FileNotFoundError as exc:
            raise BackupError(f"{folder}: not a backup (no {MANIFEST})") from exc
        except (ValueError, KeyError, TypeError) as exc:
            raise BackupError(f"{path}: damaged ({exc})") from exc

    def text(self) -> str:
        return (
            f"{self.database} database (schema {self.schema or '-'}), {self.files} files "
            f"({self.bytes / 1e6:.1f} MB), made {self.made_at}; "
            f"keys needed: {', '.join(sorted({self.current_key, *self.file_keys}))}"
        )


def database_kind(url: str) -> str:
    """`sqlite` or `postgresql` for a configured database URL."""
    name = make_url(url).get_backend_name()
    if name not in ("sqlite", "postgresql"):
        raise BackupError(f"database {name}: only SQLite and PostgreSQL can be backed up")
    return name


def libpq_url(url: str) -> str:
    """The URL as pg_dump and pg_restore take it (no SQLAlchemy driver name; the password,
    if any, stays out of the URL: PGPASSWORD or ~/.pgpass)."""
    parsed: URL = make_url(url).set(drivername="postgresql")
    return parsed.render_as_string(hide_password=False)


def sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up or restored")
    return Path(database)


def schema_revision(deployment: Deployment) -> str | None:
    with deployment.store.engine.connect() as connection:
        row = connection.execute(text("SELECT version_num FROM alembic_version")).first()
    return str(row[0]) if row else None


def back_up(
    deployment: Deployment,
    target: Path,
    *,
    key_out: Path | None = None,
    wait_seconds: float = 600.0,
    sleep: Callable[[float], None] = time.sleep,
) -> Manifest:
    """Back the deployment up into `target` (a new or empty folder)."""
    _refuse_bucket(deployment.settings)
    if target.exists() and any(target.iterdir()):
        raise BackupError(f"{target}: not empty (fix: name a new folder for each backup)")
    if key_out is not None and key_out.exists():
        raise BackupError(f"{key_out}: exists already (fix: name a new file)")
    kind = database_kind(deployment.settings.storage.database)
    deadline = time.monotonic() + wait_seconds
    while True:
        with deployment.lock(PIPELINE_LOCK) as taken:
            if taken:
                target.mkdir(parents=True, exist_ok=True, mode=0o700)
                target.chmod(0o700)
                schema = schema_revision(deployment)
                if kind == "sqlite":
                    _copy_sqlite(
                        sqlite_path(deployment.settings.storage.database), target / SQLITE_COPY
                    )
                else:
                    _pg_dump(deployment.settings.storage.database, target / PG_DUMP)
                count, size, keys = _copy_files(deployment.files.root, target / FILES)
                break
        if time.monotonic() > deadline:
            raise BackupError(
                "a pipeline round or purge kept running (fix: try again, or with --wait longer)"
            )
        sleep(2.0)
    keyring = deployment.keyring
    manifest = Manifest(
        FORMAT,
        deployment.clock().isoformat(timespec="seconds"),
        kind,
        schema,
        keyring.current.kid,
        tuple(sorted(keys)),
        count,
        size,
    )
    manifest_path = target / MANIFEST
    manifest_path.write_text(
        json.dumps(manifest.to_json(), ensure_ascii=False, indent=1) + "\n", encoding="utf-8"
    )
    manifest_path.chmod(0o600)
    if key_out is not None:
        crypto.write_key_file(key_out, keyring)
    return manifest


def _copy_sqlite(source: Path, copy: Path) -> None:
    """A consistent copy of a live SQLite database (WAL included), via the online backup API."""
    if not source.exists():
        raise BackupError(f"{source}: the database file is missing")
    src = sqlite3.connect(source.resolve().as_uri() + "?mode=ro", uri=True, timeout=30)
    dst = sqlite3.connect(copy)
    try:
        os.chmod(copy, 0o600)
        src.backup(dst)
    finally:
        dst.close()
        src.close()


def _pg_dump(url: str, dump: Path) -> None:
    result = subprocess.run(
        [
            "pg_dump",
            "--format=custom",
            "--no-owner",
            "--no-privileges",
            f"--file={dump}",
            libpq_url(url),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise BackupError(f"pg_dump failed: {_first_line(result.stderr)}")
    dump.chmod(0o600)


def _first_line(words: str) -> str:
    lines = [line for line in words.splitlines() if line.strip()]
    return lines[0][:300] if lines else "no reason given"


def _copy_files(root: Path, copy: Path) -> tuple[int, int, set[str]]:
    """Copy the files folder (as stored: encrypted); the count, bytes and key ids of its files."""
    count = size = 0
    keys: set[str] = set()
    copy.mkdir(mode=0o700)
    if not root.is_dir():
        return count, size, keys
    for folder, dirs, names in os.walk(root):
        here = Path(folder)
        relative = here.relative_to(root)
        if relative == Path("."):
            dirs[:] = [d for d in dirs if d not in LEFT_OUT]
        dirs.sort()
        (copy / relative).mkdir(exist_ok=True, mode=0o700)
        for name in sorted(names):
            if name.startswith(".tmp-"):
                continue
            source = here / name
            try:
                shutil.copy2(source, copy / relative / name)
            except FileNotFoundError:  # purged or replaced meanwhile: not part of the snapshot
                continue
            count += 1
            size += (copy / relative / name).stat().st_size
            kid = crypto.file_key_id(copy / relative / name)
            if kid is not None:
                keys.add(kid)
    return count, size, keys


def check_restorable(settings: Settings, manifest: Manifest, keyring: crypto.Keyring) -> None:
    """Refuse (BackupError with the fix) unless the backup fits this deployment: the same
    database kind, every key its files need held, an empty database and files folder."""
    if manifest.format != FORMAT:
        raise BackupError(f"backup format {manifest.format} is not known to this version")
    kind = database_kind(settings.storage.database)
    if kind != manifest.database:
        raise BackupError(
            f"the backup holds a {manifest.database} database, the config names {kind} "
            "(fix: restore into a deployment of the same kind)"
        )
    held = {key.kid for key in keyring.keys}
    missing = sorted({manifest.current_key, *manifest.file_keys} - held)
    if missing:
        raise BackupError(
            f"the configured keys ({keyring.source}) lack key {', '.join(missing)} that the "
            "backup's data is under (fix: put the key file saved with the backup in place, "
            "or set INTAKE_KEYS to it)"
        )
    if kind == "sqlite":
        path = sqlite_path(settings.storage.database)
        if path.exists():
            raise BackupError(f"{path}: exists (fix: restore into a new deployment; move it away)")
    else:
        engine = make_engine(settings.storage.database)
        try:
            tables = inspect(engine).get_table_names()
        except SQLAlchemyError as exc:
            raise BackupError(f"database unreachable: {exc}".splitlines()[0]) from exc
        finally:
            engine.dispose()
        if tables:
            raise BackupError(
                "the PostgreSQL database is not empty (fix: restore into a new, empty "
                "database named in [storage] database)"
            )

    files = settings.storage.files
    if files.exists() and any(p.name not in LEFT_OUT for p in files.iterdir()):
        raise BackupError(
            f"{files}: not empty (fix: restore into an empty files folder; move this one away)"
        )


def _refuse_bucket(settings: Settings) -> None:
    """Backups copy a files folder; files in a bucket are kept by the object store's own
    versioning or replication, and a backup that silently left them out would mislead."""
    if settings.files.store is FilesStoreKind.S3:
        raise BackupError(
            "[files] store is s3: intake backup copies a files folder only (fix: back the "
            "database up with pg_dump and the bucket with the object store's own replication "
            "or versioning)"
        )


def restore(settings: Settings, source: Path, keyring: crypto.Keyring) -> Manifest:
    """Restore the backup in `source` into the (empty) deployment `settings` names."""
    _refuse_bucket(settings)
    manifest = Manifest.read(source)
    check_restorable(settings, manifest, keyring)
    if manifest.database == "sqlite":
        path = sqlite_path(settings.storage.database)
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        _copy_sqlite(source / SQLITE_COPY, path)
    else:
        _pg_restore(settings.storage.database, source / PG_DUMP)
    _restore_files(source / FILES, settings.storage.files)
    return manifest


def _pg_restore(url: str, dump: Path) -> None:
    if not dump.exists():
        raise BackupError(f"{dump}: missing from the backup")
    result = subprocess.run(
        [
            "pg_restore",
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            f"--dbname={libpq_url(url)}",
            str(dump),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise BackupError(f"pg_restore failed: {_first_line(result.stderr)}")


def _restore_files(copy: Path, root: Path) -> None:
    if not copy.is_dir():
        raise BackupError(f"{copy}: missing from the backup")
    root.mkdir(parents=True, exist_ok=True, mode=0o700)
    for folder, dirs, names in os.walk(copy):
        dirs.sort()
        relative = Path(folder).relative_to(copy)
        (root / relative).mkdir(exist_ok=True, mode=0o700)
        for name in names:
            shutil.copy2(Path(folder) / name, root / relative / name)
