"""The generated sample documents (samples/documents/out) read against their ground truth.

Every digital form (xlsx, xls, docx, text PDF) must be read exactly. The list is taken at
collection time from ``index.json``: when the samples have not been generated, there is nothing
to compare and pytest reports an empty set. One .doc (through LibreOffice) and one clean scan
(through real OCR) are read in tests/integration/test_parsers_samples_engines.py.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from parsers import read_document

OUT = Path(__file__).resolve().parents[2] / "samples" / "documents" / "out"
EXACT_FORMATS = ("xlsx", "xls", "docx", "pdf_text")


def _index() -> list[dict[str, Any]]:
    try:
        data = json.loads((OUT / "index.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    files = data.get("files", []) if isinstance(data, dict) else []
    return [entry for entry in files if (OUT / entry["file"]).exists()]


INDEX = _index()
DIGITAL = [e["file"] for e in INDEX if e["format"] in EXACT_FORMATS]


def _reading(name: str) -> list[dict[str, Any]]:
    documents = read_document(name, (OUT / name).read_bytes())
    return [
        {
            "file": d.file,
            "kind": d.kind.value,
            "fields": {k: v.value for k, v in d.fields.items() if not k.endswith("_written")},
            "accounts": [{k: v.value for k, v in a.items()} for a in d.accounts],
        }
        for d in documents
    ]


def _truth(name: str) -> list[dict[str, Any]]:
    truth = json.loads((OUT / f"{name}.truth.json").read_text(encoding="utf-8"))
    return [{k: t[k] for k in ("file", "kind", "fields", "accounts")} for t in truth]


@pytest.mark.parametrize("name", DIGITAL)
def test_digital_sample_is_read_exactly(name: str) -> None:
    assert _reading(name) == _truth(name)
