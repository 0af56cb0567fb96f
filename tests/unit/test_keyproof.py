"""Key check values and the decision whether a keyring opens a store (pure functions), and the
state a quarantined mail goes back to."""

from __future__ import annotations

import os

from intake.privacy import crypto
from intake.privacy.keyverdict import judge_keys
from intake.runtime.requeue import resume_state
from intake.store.tables import MessageState

KEY = crypto.Key("k1", os.urandom(32))
SAME_ID_OTHER_BYTES = crypto.Key("k1", os.urandom(32))
NEW = crypto.Key("k2", os.urandom(32))


def ring(*keys: crypto.Key) -> crypto.Keyring:
    return crypto.Keyring(keys, "the key file")


def test_check_value_tells_keys_of_one_id_apart_and_holds_no_key() -> None:
    check = crypto.key_check_value(KEY)
    assert check == crypto.key_check_value(KEY)
    assert crypto.key_matches_check(KEY, check)
    assert not crypto.key_matches_check(SAME_ID_OTHER_BYTES, check)
    assert KEY.secret.hex() not in check and KEY.line() not in check


def test_a_new_store_records_its_current_key() -> None:
    verdict = judge_keys(ring(KEY), {}, {}, store_has_data=False)
    assert verdict.refusal is None and verdict.record == (KEY,)


def test_a_key_whose_check_differs_is_refused_naming_it() -> None:
    checks = {"k1": crypto.key_check_value(KEY)}
    verdict = judge_keys(ring(SAME_ID_OTHER_BYTES), checks, {}, store_has_data=True)
    assert verdict.refusal is not None
    assert "key k1" in verdict.refusal and "fix:" in verdict.refusal
    assert judge_keys(ring(KEY), checks, {}, True).refusal is None
    assert judge_keys(ring(KEY), checks, {}, True).record == ()


def test_a_new_current_key_is_recorded_once_an_older_key_proves_itself() -> None:
    checks = {"k1": crypto.key_check_value(KEY)}
    verdict = judge_keys(ring(NEW, KEY), checks, {}, store_has_data=True)
    assert verdict.refusal is None and verdict.record == (NEW,)


def test_a_key_id_the_store_never_saw_is_refused_alone() -> None:
    checks = {"k1": crypto.key_check_value(KEY)}
    verdict = judge_keys(ring(NEW), checks, {}, store_has_data=True)
    assert verdict.refusal is not None and "key k2" in verdict.refusal
    assert "not known to this store" in verdict.refusal


def test_an_old_store_proves_keys_on_its_data() -> None:
    good = judge_keys(ring(KEY), {}, {"k1": True}, store_has_data=True)
    assert good.refusal is None and good.record == (KEY,)
    bad = judge_keys(ring(KEY), {}, {"k1": False}, store_has_data=True)
    assert bad.refusal is not None and "does not decrypt the data stored under k1" in bad.refusal
    unknown = judge_keys(ring(NEW), {}, {}, store_has_data=True)
    assert unknown.refusal is not None


def test_a_quarantined_mail_goes_back_to_the_step_it_failed_at() -> None:
    assert resume_state("parsed step: stored data does not decrypt: …") is MessageState.PARSED
    assert resume_state("read step: ValueError: …") is MessageState.READ
    assert resume_state("stored step: the worker died") is MessageState.STORED
    assert resume_state(None) is MessageState.STORED
    assert resume_state("something else") is MessageState.STORED
