"""The identity of a store, carried by its files folder (or bucket): every worker of one
database must use the one files store they all share.

The database holds one `store_identity` row (made by the migration that created the table); the
files folder holds the same id in a marker file. At start a worker whose files folder carries
another id refuses to start, and so does one whose folder carries none when the database has
already given its id to a folder or holds mail this folder lacks. An empty new folder beside a
store that has given its id to no folder yet takes the marker (as does the folder of a store
made before identities, which holds the store's mail). The marker is the object `STORE-ID`
under the prefix when the files are in an S3 bucket, and a worker that cannot reach the bucket
at start refuses to start too.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from intake.errors import ConfigError, PermanentError, TransientError
from intake.store.database import Store
from intake.store.files_interface import STORE_ID_MARKER, Files
from intake.store.tables import Message, StoreIdentity

MARKER = STORE_ID_MARKER
RAW_KIND, RAW_SUFFIX = "raw", ".eml"


class ForeignFilesFolder(ConfigError):
    """The files folder is not the one of this database: the worker must not start."""


def read_marker(files: Files) -> str | None:
    """The store id the files store carries, or None when it carries none."""
    try:
        return files.read_marker()
    except PermanentError as exc:
        raise ForeignFilesFolder(f"{exc}; nothing was written") from exc


def _shared(root: str, store_id: str) -> str:
    if root.startswith("s3://"):
        return (
            f"fix: the bucket must be the one shared by every worker of this database: point "
            f"[files] bucket and prefix at the place whose {MARKER} holds {store_id} instead "
            f"of {root}"
        )
    return (
        f"fix: the files folder must be the one shared by every worker of this database: point "
        f"[storage] files at the folder whose {MARKER} holds {store_id} (on storage every worker "
        f"mounts) instead of {root}"
    )


class UnreachableFilesStore(ConfigError):
    """The files store cannot be reached at start (the bucket's server is down, say): the
    worker must not start, lest it take every stored mail for lost."""


def claim_files_folder(store: Store, files: Files, now: datetime) -> str:
    """Check that `files` is this store's folder (or bucket), marking it when it is new; the
    store id.

    Raises ForeignFilesFolder (one line: which folder, and the fix) otherwise, and
    UnreachableFilesStore when the store cannot be reached."""
    try:
        return _claim(store, files, now)
    except (ForeignFilesFolder, UnreachableFilesStore):
        raise
    except TransientError as exc:
        raise UnreachableFilesStore(
            f"{exc}; nothing was started (fix: make the files store reachable from this host, "
            f"then start again)"
        ) from exc
    except PermanentError as exc:
        raise UnreachableFilesStore(f"{exc}; nothing was started") from exc


def _claim(store: Store, files: Files, now: datetime) -> str:
    root = files.where
    label = f"files store {root}" if root.startswith("s3://") else f"files folder {root}"
    with store.session() as db:
        identity = db.execute(
            sa.select(StoreIdentity).where(StoreIdentity.id == 1).with_for_update()
        ).scalar_one()
        store_id = identity.store_id
        marker = read_marker(files)
        if marker is not None:
            if marker != store_id:
                raise ForeignFilesFolder(
                    f"{label} belongs to another store ({marker}), not to this "
                    f"database ({store_id}); nothing was written ({_shared(root, store_id)})"
                )
            if identity.files_claimed_at is None:
                identity.files_claimed_at = now
            return store_id
        if identity.files_claimed_at is not None:
            raise ForeignFilesFolder(
                f"{label} has no {MARKER}, while this database's files are in "
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
                f"{label} has no {MARKER} and lacks the mail this database holds; "
                f"nothing was written ({_shared(root, store_id)})"
            )
        files.write_marker(store_id)
        identity.files_claimed_at = now
    return store_id


class UnreachableFiles(ConfigError):
    """Files another worker stored are not in this worker's files folder: it must not start."""


def check_files_reachable(store: Store, files: Files, newest: int = 5) -> None:
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
    try:
        missing = [sha for sha in shas if not files.exists(RAW_KIND, sha, RAW_SUFFIX)]
    except (TransientError, PermanentError) as exc:
        raise UnreachableFiles(f"{exc}; nothing was started") from exc
    if missing and files.where.startswith("s3://"):
        raise UnreachableFiles(
            f"files store {files.where} lacks {len(missing)} of the {len(shas)} newest mails "
            f"stored by the workers of this database; nothing was started (fix: set [files] "
            f"endpoint, bucket and prefix to the place every worker shares, then start again)"
        )
    if missing:
        raise UnreachableFiles(
            f"files folder {files.root} lacks {len(missing)} of the {len(shas)} newest mails "
            f"stored by the workers of this database; nothing was started (fix: mount the "
            f"folder every worker shares at {files.root}, then start again)"
        )
