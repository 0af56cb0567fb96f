"""Proof at start that the keys open this store, before anything is written under them.

Each key id the store has seen has a check value in `key_checks` (`crypto.key_check_value`),
written when the store is made and for each new current key once an older key has proved
itself. A key whose check value differs is refused; a current key the store never saw is
refused unless an older key of the keyring proves itself. A store made before check values
existed proves its keys on stored data (a few encrypted column values, else stored files),
then gets its check values. `judge_keys` decides; `prove_keys` gathers what it needs.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from datetime import datetime
from itertools import islice

import sqlalchemy as sa

from intake.errors import PermanentError, TransientError
from intake.privacy import crypto
from intake.privacy.keyverdict import WrongKeyError, judge_keys
from intake.store.database import Store, StoreConflict
from intake.store.files_interface import Files
from intake.store.tables import ENCRYPTED_COLUMNS, KeyCheck

log = logging.getLogger(__name__)
SAMPLES = 3  # stored values (or files) tried per key id on a store without check values


def prove_keys(store: Store, files: Files, keyring: crypto.Keyring, now: datetime) -> None:
    """Raise WrongKeyError (one line: the key id and the fix) unless `keyring` opens the store;
    record the check values of the keys that proved themselves (and of a new current key)."""
    for _ in range(3):  # again when another process recorded a check value meanwhile
        with store.session() as db:
            checks = {row.kid: row.check_value for row in db.execute(sa.select(KeyCheck)).scalars()}
        unchecked = [k for k in keyring.keys if k.kid not in checks]
        evidence: dict[str, bool] = {}
        has_data = bool(checks)
        if unchecked and keyring.current.kid not in checks:
            for key in unchecked:
                proof = _prove_on_data(store, files, key, keyring)
                if proof is not None:
                    evidence[key.kid] = proof
            has_data = has_data or bool(evidence) or _any_encrypted(store, files)
        verdict = judge_keys(keyring, checks, evidence, has_data)
        if verdict.refusal is not None:
            raise WrongKeyError(verdict.refusal)
        if not verdict.record:
            return
        try:
            with store.session() as db:
                for key in verdict.record:
                    db.add(
                        KeyCheck(kid=key.kid, check_value=crypto.key_check_value(key), made_at=now)
                    )
        except StoreConflict:
            continue
        log.info("key check values recorded for %s", ", ".join(k.kid for k in verdict.record))
        return
    raise TransientError("key check values: other processes kept recording them; start again")


def _raw_column(table: str, column: str) -> sa.ColumnClause[str]:
    """A column as stored (the ciphertext), not decrypted."""
    column_clause: sa.ColumnClause[str] = sa.column(column, sa.Text)
    sa.table(table, column_clause)
    return column_clause


def _prove_on_data(
    store: Store, files: Files, key: crypto.Key, keyring: crypto.Keyring
) -> bool | None:
    """Whether data stored under `key.kid` decrypts with it; None when there is none."""
    tried = 0
    only = crypto.Keyring((key,), keyring.source)
    with store.session() as db:
        for table, columns in ENCRYPTED_COLUMNS.items():
            for column in columns:
                col = _raw_column(table, column)
                values = db.execute(
                    sa.select(col)
                    .where(col.like(f"{crypto.VALUE_PREFIX}{key.kid}:%"))
                    .limit(SAMPLES)
                ).scalars()
                for value in values:
                    tried += 1
                    try:
                        only.decrypt_value(value, f"{table}.{column}")
                        return True
                    except crypto.DecryptionError:
                        continue
    readable = files.with_keyring(only)
    for kind, digest, suffix in islice(_files_under(files, key.kid), SAMPLES):
        tried += 1
        try:
            with readable.open_read(kind, digest, suffix) as stream:
                stream.read(1)
            return True
        except (crypto.DecryptionError, PermanentError):
            continue
    return False if tried else None


def _files_under(files: Files, kid: str) -> Iterator[tuple[str, str, str]]:
    for kind, digest, suffix, _location in files.stored_files():
        try:
            if files.key_id(kind, digest, suffix) == kid:
                yield kind, digest, suffix
        except PermanentError:
            continue


def _any_encrypted(store: Store, files: Files) -> bool:
    """Whether anything at all is stored encrypted (a value or a file)."""
    with store.session() as db:
        for table, columns in ENCRYPTED_COLUMNS.items():
            for column in columns:
                col = _raw_column(table, column)
                found = db.execute(
                    sa.select(col).where(col.like(f"{crypto.VALUE_PREFIX}%")).limit(1)
                ).first()
                if found is not None:
                    return True
    for kind, digest, suffix, _location in files.stored_files():
        if files.key_id(kind, digest, suffix) is not None:
            return True
    return False
