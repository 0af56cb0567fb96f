"""The decision scenarios of `samples/scenarios/`: each mail in order through `intake check`'s
pipeline (real readers, real OCR, a throw-away SQLite store), and the state after each mail
compared with the scenario's `expected.json`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from intake.commands.check import check_files
from intake.parsing.engines import lazy_ocr

SCENARIOS = Path(__file__).resolve().parents[2] / "samples" / "scenarios"
FOLDERS = sorted(p for p in SCENARIOS.iterdir() if p.is_dir() and (p / "expected.json").exists())
OCR = lazy_ocr("rapidocr")
COMPARED = ("status", "office", "received_by", "reply", "missing", "problems")


def test_every_rule_has_a_scenario() -> None:
    names = {p.name for p in FOLDERS}
    assert {
        "individual_complete",
        "individual_follow_up",
        "organization_follow_up_by_reference",
        "misdirected_to_city",
        "weak_county_name",
        "invalid_credit_code",
        "id_number_mismatch",
        "not_a_filing",
        "reference_from_other_sender",
        "newer_form_replaces_older",
        "change_after_acceptance",
        "encodings_forwarded_archive",
        "late_filing",
        "unreadable",
    } <= names


@pytest.mark.parametrize("folder", FOLDERS, ids=[p.name for p in FOLDERS])
def test_scenario(folder: Path) -> None:
    expected = json.loads((folder / "expected.json").read_text(encoding="utf-8"))["mails"]
    mails = sorted(folder.glob("*.eml"))
    results = [checked.to_json() for checked in check_files(mails, ocr=OCR)]
    filings: dict[str, object] = {}
    for result in results:
        name = Path(str(result["file"])).name
        want = expected[name]
        got = {key: result[key] for key in COMPARED}
        assert got == {key: want[key] for key in COMPARED}, f"{folder.name}/{name}"
        if "same_filing_as" in want:
            assert result["filing"] == filings[want["same_filing_as"]], f"{name} did not join"
        elif want.get("new_filing"):
            assert result["filing"] not in filings.values(), f"{name} joined an earlier filing"
        if "filing_type" in want:
            assert result["filing_type"] == want["filing_type"]
        if want["status"] in ("ignored", "question", "uncertain"):
            assert result["filing"] is None
        filings[name] = result["filing"]
