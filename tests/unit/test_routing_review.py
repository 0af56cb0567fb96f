"""Review before sending: which replies wait for a person under each office mode, and the
`review` / `review_confidence` settings with their line and fix when wrong."""

from __future__ import annotations

from pathlib import Path

import pytest

from intake.errors import ConfigError
from intake.settings import load_settings
from routing.review import (
    REVIEW_ALL,
    ReviewVerdict,
    low_confidence_fields,
    review_verdict,
)

CLEAN: tuple[str, ...] = ()
MISMATCH = ("mismatch:id_number",)
UNCERTAIN = ("uncertain:county",)


@pytest.mark.parametrize(
    ("mode", "kind", "problems", "low", "hold"),
    [
        ("risky", "ack", CLEAN, (), False),
        ("risky", "request_missing", ("late",), (), False),
        ("risky", "request_missing", MISMATCH, (), True),
        ("risky", "ack", UNCERTAIN, (), True),
        ("risky", "ack", CLEAN, ("id_number",), True),
        ("risky", "none", MISMATCH, ("id_number",), False),
        ("off", "request_missing", MISMATCH, ("id_number",), False),
        ("all", "ack", CLEAN, (), True),
        ("all", "none", CLEAN, (), False),
        ("bogus", "request_missing", MISMATCH, (), True),
    ],
)
def test_which_replies_wait(
    mode: str, kind: str, problems: tuple[str, ...], low: tuple[str, ...], hold: bool
) -> None:
    assert review_verdict(mode, kind, problems, low).hold is hold


def test_the_reasons_say_why() -> None:
    verdict = review_verdict("risky", "request_missing", (*MISMATCH, "late"), ("county",))
    assert verdict == ReviewVerdict(True, ("mismatch:id_number", "low_confidence:county"))
    assert review_verdict("all", "ack", CLEAN, ()).reasons == (REVIEW_ALL,)
    assert review_verdict("risky", "ack", CLEAN, ()).reasons == ()


def test_low_confidence_fields_below_the_threshold_each_once() -> None:
    confidences = [{"id_number": 0.6, "name": 0.99}, {"id_number": 0.5, "county": 0.84}]
    assert low_confidence_fields(confidences, 0.85) == ("id_number", "county")
    assert low_confidence_fields(confidences, 0.5) == ()


CONFIG = """[storage]
database = "sqlite:///var/intake.db"

[sending]
review_confidence = {confidence}

[[office]]
code = "130582"
name = "沙河市互联网信息办公室"
mailbox = "shhlwxxb@163.com"
password_env = "P1"
review = {review}
"""


def test_review_settings_are_read_and_checked(tmp_path: Path) -> None:
    path = tmp_path / "intake.toml"
    path.write_text(CONFIG.format(confidence="0.9", review='"ALL"'), encoding="utf-8")
    settings = load_settings(path, {"P1": "x"})
    assert settings.problems == ()
    assert settings.offices[0].review == "all" and settings.sending.review_confidence == 0.9
    path.write_text(CONFIG.format(confidence="0.9", review='"sometimes"'), encoding="utf-8")
    settings = load_settings(path, {"P1": "x"})
    (wrong_mode,) = settings.problems
    assert wrong_mode.key == "office[1].review" and wrong_mode.line == 12
    assert wrong_mode.fix == 'review = "risky"' and "sometimes" in wrong_mode.message
    assert not settings.offices[0].enabled
    path.write_text(CONFIG.format(confidence="1.5", review='"off"'), encoding="utf-8")
    with pytest.raises(ConfigError, match=r":5: sending.review_confidence: .*review_confidence"):
        load_settings(path, {"P1": "x"})


def test_defaults_hold_risky_replies_only(tmp_path: Path) -> None:
    path = tmp_path / "intake.toml"
    text = CONFIG.format(confidence="0.85", review='"risky"').replace('review = "risky"\n', "")
    path.write_text(text, encoding="utf-8")
    settings = load_settings(path, {"P1": "x"})
    assert settings.offices[0].review == "risky" and settings.sending.review_confidence == 0.85


def test_corrections_overlay_every_document_that_carries_the_field() -> None:
    from intake.deciding.filing import with_corrections

    form = {"id_number": "1", "county": "沙河", "county_written": "沙河"}
    assert with_corrections(form, {"id_number": "2", "county": "沙河市"}) == {
        "id_number": "2",
        "county": "沙河市",
        "county_written": "沙河市",
    }
    assert with_corrections({"name": "张三"}, {"id_number": "2"}) == {"name": "张三"}


def test_a_reply_without_a_filing_waits_only_when_the_office_reviews_all() -> None:
    """The information reply to a question rests on no reading: only `review = "all"` holds it."""
    from types import SimpleNamespace

    from intake.replying.review import hold_unfiled_if_all
    from intake.store.tables import OutboxMail, OutboxState

    for mode, held in (("off", False), ("risky", False), ("all", True)):
        row = OutboxMail(office="130502", kind="information", state=OutboxState.QUEUED.value)
        offices = {"130502": SimpleNamespace(review=mode)}
        assert hold_unfiled_if_all(offices, row) is held  # type: ignore[arg-type]
        assert row.state == (OutboxState.HELD.value if held else OutboxState.QUEUED.value)
        assert (row.held_reason == "review:all") is held
