"""Key rotation: every stored file and every encrypted column value re-encrypted under the
current key, one item at a time, so a rotation cut short is simply run again.

Each file is rewritten atomically (temporary file, rename) and each value in its own row update,
committed in batches; an item already under the current key is skipped. While it runs, every
item is readable under the old key or the new one, so the old keys stay in the keyring until it
has finished. Values and files written before encryption was switched on are encrypted too.
`census` counts what is stored under which key (`intake keys check`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import sqlalchemy as sa

from intake.privacy import crypto
from intake.store.database import Store
from intake.store.files_interface import Files
from intake.store.tables import ENCRYPTED_COLUMNS

BATCH = 200
PLAIN = "(not encrypted)"


@dataclass
class RekeyReport:
    """How many files and values were re-encrypted, and how many already were current."""

    key: str
    files_rewritten: int = 0
    files_current: int = 0
    values_rewritten: int = 0
    values_current: int = 0
    stopped: bool = False

    def summary(self) -> str:
        return (
            f"key {self.key}: {self.files_rewritten} files and {self.values_rewritten} values "
            f"re-encrypted, {self.files_current} files and {self.values_current} values already "
            f"under it"
            + (" (stopped before the end: run it again to finish)" if self.stopped else "")
        )


def _table(name: str) -> sa.TableClause:
    return sa.table(name, sa.column("id"), *(sa.column(c) for c in ENCRYPTED_COLUMNS[name]))


def reencrypt(
    store: Store,
    files: Files,
    keyring: crypto.Keyring,
    should_stop: Callable[[], bool] = lambda: False,
) -> RekeyReport:
    """Re-encrypt everything not under `keyring.current` (see the module)."""
    report = RekeyReport(keyring.current.kid)
    stored = files.with_keyring(keyring)
    for kind, digest, suffix, _path in stored.stored_files():
        if should_stop():
            report.stopped = True
            return report
        if stored.rewrap(kind, digest, suffix):
            report.files_rewritten += 1
        else:
            report.files_current += 1
    for name, columns in ENCRYPTED_COLUMNS.items():
        table = _table(name)
        last = 0
        while True:
            if should_stop():
                report.stopped = True
                return report
            with store.session() as db:
                rows = db.execute(
                    sa.select(table).where(table.c.id > last).order_by(table.c.id).limit(BATCH)
                ).all()
                for row in rows:
                    changes = {}
                    for column in columns:
                        value = getattr(row, column)
                        if value is None:
                            continue
                        if crypto.value_key_id(value) == keyring.current.kid:
                            report.values_current += 1
                            continue
                        purpose = f"{name}.{column}"
                        plain = (
                            keyring.decrypt_value(value, purpose)
                            if crypto.value_key_id(value)
                            else str(value).encode("utf-8")
                        )
                        changes[column] = keyring.encrypt_value(plain, purpose)
                    if changes:
                        db.execute(sa.update(table).where(table.c.id == row.id).values(changes))
                        report.values_rewritten += len(changes)
            if not rows:
                break
            last = rows[-1].id
    return report


@dataclass
class Census:
    """What is stored under which key id (`PLAIN` for what is not encrypted yet)."""

    files: Counter[str] = field(default_factory=Counter)
    values: Counter[str] = field(default_factory=Counter)

    def lines(self, keyring: crypto.Keyring) -> list[str]:
        held = {k.kid for k in keyring.keys}
        out = []
        for kid in sorted(set(self.files) | set(self.values)):
            note = (
                " (current)"
                if kid == keyring.current.kid
                else ""
                if kid in held or kid == PLAIN
                else " (NOT in the keyring: cannot be read)"
            )
            out.append(f"{kid}{note}: {self.files[kid]} files, {self.values[kid]} values")
        return out

    def unreadable(self, keyring: crypto.Keyring) -> list[str]:
        held = {k.kid for k in keyring.keys} | {PLAIN}
        return sorted(k for k in set(self.files) | set(self.values) if k not in held)

    def outside(self, kid: str) -> int:
        """How many items are not under key `kid`."""
        return sum(n for k, n in self.files.items() if k != kid) + sum(
            n for k, n in self.values.items() if k != kid
        )


def census(store: Store, files: Files) -> Census:
    """Count files and values by the key they are encrypted under."""
    result = Census()
    for kind, digest, suffix, _location in files.stored_files():
        result.files[files.key_id(kind, digest, suffix) or PLAIN] += 1
    with store.session() as db:
        for name, columns in ENCRYPTED_COLUMNS.items():
            table = _table(name)
            for row in db.execute(sa.select(*(table.c[c] for c in columns))):
                for value in row:
                    if value is not None:
                        result.values[crypto.value_key_id(value) or PLAIN] += 1
    return result
