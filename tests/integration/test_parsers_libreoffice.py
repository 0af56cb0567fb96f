"""Legacy and converted office files: LibreOffice writes the test forms as .xls, .doc and
(encrypted) PDF, and the readers get the same fields and accounts back from each.

LibreOffice takes seconds per conversion; the forms and their expected readings are those of
tests/unit/test_parsers_office.py.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from parsers import read_document
from tests.unit.test_parsers_office import (
    ACCOUNTS,
    INDIVIDUAL,
    ORG_ACCOUNTS,
    ORGANIZATION,
    docx_form,
    plain,
    xlsx_form,
)

SOFFICE = shutil.which("soffice")
needs_soffice = pytest.mark.skipif(SOFFICE is None, reason="LibreOffice (soffice) not installed")


def _soffice(tmp: Path, sources: dict[str, bytes], target: str) -> dict[str, bytes]:
    assert SOFFICE is not None
    tmp.mkdir(parents=True)
    for name, data in sources.items():
        (tmp / name).write_bytes(data)
    subprocess.run(
        [
            SOFFICE,
            f"-env:UserInstallation=file://{tmp}/profile",
            "--headless",
            "--convert-to",
            target,
            "--outdir",
            str(tmp / "out"),
            *[str(tmp / name) for name in sources],
        ],
        capture_output=True,
        timeout=120,
        check=False,
    )
    return {p.name: p.read_bytes() for p in (tmp / "out").iterdir()}


@needs_soffice
def test_legacy_xls_and_doc(tmp_path: Path) -> None:
    xls = _soffice(tmp_path / "xls", {"form.xlsx": xlsx_form()}, "xls")["form.xls"]
    [document] = read_document("form.xls", xls)
    assert plain(document) == (INDIVIDUAL, ACCOUNTS)
    doc = _soffice(tmp_path / "doc", {"form.docx": docx_form()}, "doc")["form.doc"]
    [document] = read_document("form.doc", doc)
    fields, accounts = plain(document)
    assert fields == ORGANIZATION
    assert accounts == ORG_ACCOUNTS


@needs_soffice
def test_pdf_text_layer_and_encrypted_pdf(tmp_path: Path) -> None:
    pdf = _soffice(tmp_path / "pdf", {"form.docx": docx_form()}, "pdf")["form.pdf"]
    [document] = read_document("form.pdf", pdf)
    assert document.file == "form.pdf"
    assert plain(document) == (ORGANIZATION, ORG_ACCOUNTS)
    secret = _soffice(
        tmp_path / "secret",
        {"form.docx": docx_form()},
        'pdf:writer_pdf_Export:{"EncryptFile":{"type":"boolean","value":"true"},'
        '"DocumentOpenPassword":{"type":"string","value":"x"}}',
    )["form.pdf"]
    [document] = read_document("form.pdf", secret)
    assert document.unreadable == "encrypted"
