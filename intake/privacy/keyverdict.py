"""Whether a keyring opens a store, decided from the store's key check values alone.

Pure: `intake.privacy.keyproof` gathers the check values and the evidence from the store (and
records new check values); `intake status`'s quick reader asks the same question of an SQLite
file it reads directly.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from intake.privacy import crypto


class WrongKeyError(crypto.NoKeyError):
    """The keys given do not open this store: nothing is written under them."""


@dataclass(frozen=True)
class KeyVerdict:
    """Whether the keyring opens the store (`refusal` None), and the keys to record checks for."""

    refusal: str | None
    record: tuple[crypto.Key, ...] = ()


def judge_keys(
    keyring: crypto.Keyring,
    checks: Mapping[str, str],
    evidence: Mapping[str, bool],
    store_has_data: bool,
) -> KeyVerdict:
    """Decide whether `keyring` opens a store with these check values.

    `evidence[kid]` (for keys without a check value) says whether data stored under that key id
    decrypted with it (True) or none of it did (False); a key id absent from it has no data.
    `store_has_data`: the store holds check values or encrypted data at all."""
    fix = f"fix: put the store's key back in {keyring.source}, from the copy kept when it was made"
    proven: list[crypto.Key] = []
    record: list[crypto.Key] = []
    for key in keyring.keys:
        check = checks.get(key.kid)
        if check is not None:
            if not crypto.key_matches_check(key, check):
                return KeyVerdict(
                    f"key {key.kid} in {keyring.source} is not the key {key.kid} this store was "
                    f"written with (its check value differs); nothing was written ({fix})"
                )
            proven.append(key)
        elif key.kid in evidence:
            if not evidence[key.kid]:
                return KeyVerdict(
                    f"key {key.kid} in {keyring.source} does not decrypt the data stored under "
                    f"{key.kid}: it is not the key this store was written with; nothing was "
                    f"written ({fix})"
                )
            proven.append(key)
            record.append(key)
    current = keyring.current
    if current not in proven:
        if not proven and store_has_data:
            return KeyVerdict(
                f"key {current.kid} (current in {keyring.source}) is not known to this store, "
                "and no other key in it proves itself on the store's data; nothing was written "
                f"(fix: put the store's key back first in {keyring.source}; a new key is added "
                "with intake keys rotate)"
            )
        record.append(current)
    return KeyVerdict(None, tuple(record))
