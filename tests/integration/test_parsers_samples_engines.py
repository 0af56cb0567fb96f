"""Generated samples that need an outside engine, read against their ground truth: the first
.doc through LibreOffice and one clean scanned form through real OCR.

The list is taken at collection time from ``index.json``, as in
tests/unit/test_parsers_samples.py, which reads every born-digital sample.
"""

from __future__ import annotations

import shutil

import pytest

from parsers.ocr_worker import stop_worker
from tests.unit.test_parsers_samples import INDEX, _reading, _truth

DOCS = [e["file"] for e in INDEX if e["format"] == "doc"][:1]
CLEAN_SCANS = [
    e["file"]
    for e in INDEX
    if e["format"] == "image" and e["damage"] == "clean" and e["kinds"] == ["registration_form"]
][:1]


@pytest.mark.parametrize("name", DOCS)
def test_digital_sample_is_read_exactly(name: str) -> None:
    if shutil.which("soffice") is None:
        pytest.skip("LibreOffice (soffice) not installed")
    assert _reading(name) == _truth(name)


@pytest.mark.parametrize("name", CLEAN_SCANS)
def test_clean_scan_sample_is_read_exactly(name: str) -> None:
    try:
        assert _reading(name) == _truth(name)
    finally:
        stop_worker()
