"""The identity of a store, carried by its files folder: every worker of one database must use
the one files folder they all share.

The database holds one `store_identity` row (made by the migration that created the table); the
files folder holds the same id in a marker file. At start a worker whose files folder carries
another id refuses to start, and so does one whose folder carries none when the database has
already given its id to a folder or holds mail this folder lacks. An empty new folder beside a
store that has given its id to no folder yet takes the marker (as does the folder of a store
made before identities, which holds the store's mail).
"""

from __future__ import annotations

import os
import tempfile
from datetime import datetime
from pathlib import Path

import sqlalchemy as sa

from intake.errors import ConfigError
from intake.store.database import Store
from intake.store.files import DIR_MODE, FILE_MODE, STORE_ID_MARKER, FileStore
from intake.store.tables import Message, StoreIdentity

MARKER = STORE_ID_MARKER
RAW_KIND, RAW_SUFFIX = "raw", ".eml"


class ForeignFilesFolder(ConfigError):
    """The files folder is not the one of this database: the worker must not start."""


def read_marker(root: Path) -> str | None:
    """The store id in the files folder's marker, or None when there is no marker."""
    try:
        return (root / MARKER).read_text(encoding="ascii").strip() or None
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        raise ForeignFilesFolder(f"files folder {root}: marker {MARKER} unreadable: {exc}") from exc


def write_marker(root: Path, store_id: str) -> None:
    """Write the marker atomically (0600; the folder made 0700 when new)."""
    root.mkdir(parents=True, exist_ok=True, mode=DIR_MODE)
    fd, tmp_name = tempfile.mkstemp(prefix=".tmp-marker-", dir=root)
    try:
        os.fchmod(fd, FILE_MODE)
        with os.fdopen(fd, "w", encoding="ascii") as handle:
            handle.write(store_id + "\n")
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp_name, root / MARKER)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise


def _shared(root: Path, store_id: str) -> str:
    return (
        f"fix: the files folder must be the one shared by every worker of this database: point "
        f"[storage] files at the folder whose {MARKER} holds {store_id} (on storage every worker "
        f"mounts) instead of {root}"
    )


def claim_files_folder(store: Store, files: FileStore, now: datetime) -> str:
    """Check that `files` is this store's folder, marking it when it is new; the store id.

    Raises ForeignFilesFolder (one line: which folder, and the fix) otherwise."""
    root = files.root
    with store.session() as db:
        identity = db.execute(
            sa.select(StoreIdentity).where(StoreIdentity.id == 1).with_for_update()
        ).scalar_one()
        store_id = identity.store_id
        marker = read_marker(root)
        if marker is not None:
            if marker != store_id:
                raise ForeignFilesFolder(
                    f"files folder {root} belongs to another store ({marker}), not to this "
                    f"database ({store_id}); nothing was written ({_shared(root, store_id)})"
                )
            if identity.files_claimed_at is None:
                identity.files_claimed_at = now
            return store_id
        if identity.files_claimed_at is not None:
            raise ForeignFilesFolder(
                f"files folder {root} has no {MARKER}, while this database's files are in "
                f"another folder; nothing was written ({_shared(root, store_id)})"
            )
        newest = db.execute(
            sa.select(Message.sha256)
            .where(Message.purged_at.is_(None))
            .order_by(Message.id.desc())
            .limit(1)
        ).scalar()
        if newest is not None and not files.exists(RAW_KIND, newest, RAW_SUFFIX):
            raise ForeignFilesFolder(
                f"files folder {root} has no {MARKER} and lacks the mail this database holds; "
                f"nothing was written ({_shared(root, store_id)})"
            )
        write_marker(root, store_id)
        identity.files_claimed_at = now
    return store_id


class UnreachableFiles(ConfigError):
    """Files another worker stored are not in this worker's files folder: it must not start."""


def check_files_reachable(store: Store, files: FileStore, newest: int = 5) -> None:
    """Check that the raw files of the `newest` unpurged mails are in `files`: a worker whose
    shared folder is not mounted, or is mounted from the wrong place, would otherwise take
    every mail another worker stored for lost and quarantine it. Raises UnreachableFiles (one
    line: which folder, how many missing, the fix)."""
    with store.session() as db:
        shas = list(
            db.execute(
                sa.select(Message.sha256)
                .where(Message.purged_at.is_(None))
                .order_by(Message.id.desc())
                .limit(newest)
            ).scalars()
        )
    missing = [sha for sha in shas if not files.exists(RAW_KIND, sha, RAW_SUFFIX)]
    if missing:
        raise UnreachableFiles(
            f"files folder {files.root} lacks {len(missing)} of the {len(shas)} newest mails "
            f"stored by the workers of this database; nothing was started (fix: mount the "
            f"folder every worker shares at {files.root}, then start again)"
        )
