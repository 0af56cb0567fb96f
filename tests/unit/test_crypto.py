"""The encryption format: round trips, tampering, truncation, key handling (pure, in memory)."""

from __future__ import annotations

import io
import os
from pathlib import Path

import pytest

from intake.privacy import crypto
from intake.privacy.crypto import DecryptionError, Keyring, NoKeyError, new_key, parse_keys


def _encrypt(keyring: Keyring, data: bytes, segment: int) -> bytes:
    pieces = (data[i : i + 7] for i in range(0, len(data), 7))
    return b"".join(keyring.encrypt_stream(pieces, segment=segment))


def _decrypt(keyring: Keyring, blob: bytes) -> bytes:
    handle = io.BytesIO(blob)
    assert handle.read(len(crypto.MAGIC)) == crypto.MAGIC
    return b"".join(keyring.decrypt_stream(handle, "test.bin"))


@pytest.mark.parametrize("size", [0, 1, 63, 64, 65, 128, 1000])
def test_stream_round_trip_at_segment_edges(size: int) -> None:
    keyring = Keyring((new_key(),))
    data = (b"130582199001011234" * 60)[:size]  # ID numbers, as the stored files hold
    blob = _encrypt(keyring, data, segment=64)
    # No 8 bytes in a row of the plaintext show in the file. Shorter runs are not checked:
    # one byte turns up among the random bytes of a small file about one run in six.
    windows = {data[i : i + 8] for i in range(len(data) - 7)}
    assert size < 8 or windows
    assert not any(window in blob for window in windows)
    assert _decrypt(keyring, blob) == data


def test_tampered_byte_fails_naming_the_file() -> None:
    keyring = Keyring((new_key(),))
    blob = bytearray(_encrypt(keyring, b"130582199001011234" * 20, segment=64))
    blob[-20] ^= 1
    with pytest.raises(DecryptionError, match=r"test\.bin"):
        _decrypt(keyring, bytes(blob))


def test_cut_at_a_segment_boundary_fails() -> None:
    keyring = Keyring((new_key(),))
    blob = _encrypt(keyring, os.urandom(200), segment=64)
    header = len(blob) - (200 + 4 * 16)
    cut = blob[: header + 2 * (64 + 16)]  # two whole segments, the later ones dropped
    with pytest.raises(DecryptionError, match="authentication failed"):
        _decrypt(keyring, cut)


def test_header_key_id_swapped_fails() -> None:
    one, two = new_key(), new_key()
    blob = _encrypt(Keyring((one,)), b"secret", segment=64)
    swapped = blob.replace(one.kid.encode(), two.kid.encode(), 1)
    with pytest.raises(DecryptionError):
        _decrypt(Keyring((one, two)), swapped)


def test_unknown_key_is_named() -> None:
    blob = _encrypt(Keyring((new_key(),)), b"x", segment=64)
    with pytest.raises(DecryptionError, match="not in memory"):
        _decrypt(Keyring((new_key(),)), blob)


def test_values_bound_to_their_purpose_and_any_key_decrypts() -> None:
    old = Keyring((new_key(),))
    text = old.encrypt_value(b'{"id_number": "130582199001011234"}', "filings.fields")
    assert "1305821990" not in text and crypto.value_key_id(text) == old.current.kid
    rotated = old.with_new_current()
    assert rotated.decrypt_value(text, "filings.fields").startswith(b'{"id_number"')
    with pytest.raises(DecryptionError):
        rotated.decrypt_value(text, "documents.fields")
    assert crypto.value_key_id('{"plain": 1}') is None


def test_parse_keys_and_messages() -> None:
    one, two = new_key(), new_key()
    keyring = parse_keys(f"# comment\n{one.line()}\n\n{two.line()}\n", "keys")
    assert keyring.current == one and keyring.keys == (one, two)
    assert parse_keys(f"{two.line()},{one.line()}", "INTAKE_KEYS").current == two
    with pytest.raises(NoKeyError, match="has 3 bytes"):
        parse_keys("abc:YWJj", "INTAKE_KEYS")
    with pytest.raises(NoKeyError, match="not a key"):
        parse_keys("just-text", "INTAKE_KEYS")
    with pytest.raises(NoKeyError, match="listed twice"):
        parse_keys(f"{one.line()}\n{one.line()}", "keys")
    assert "Key(" in repr(one) and one.line().split(":")[1] not in repr(one)


def test_key_file_mode_and_missing(tmp_path: Path) -> None:
    path = tmp_path / "keys"
    with pytest.raises(NoKeyError, match=r"does not exist.*intake keys new"):
        crypto.load_keyring(path, {})
    crypto.write_key_file(path, Keyring((new_key(),)))
    assert path.stat().st_mode & 0o777 == 0o600
    assert crypto.load_keyring(path, {}).current.kid
    path.chmod(0o640)
    with pytest.raises(NoKeyError, match="chmod 600"):
        crypto.load_keyring(path, {})
    with pytest.raises(NoKeyError, match="key_file"):
        crypto.load_keyring(None, {})
