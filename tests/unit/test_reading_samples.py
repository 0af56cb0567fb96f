"""Every quirky sample mail in samples/mail/quirks reads as its expected JSON says."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from intake.reading import MailReading, read_message
from parsers.archives import rar_backend_available

QUIRKS = Path(__file__).resolve().parents[2] / "samples" / "mail" / "quirks"
SAMPLES = sorted(QUIRKS.glob("*.eml"))


def _expected(path: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(
        path.with_name(path.stem + ".expected.json").read_text(encoding="utf-8")
    )
    return loaded


def _attachment_view(reading: MailReading, expected: list[dict[str, Any]]) -> list[dict[str, Any]]:
    view = []
    for attachment, wanted in zip(reading.attachments, expected, strict=False):
        row: dict[str, Any] = {
            "name": attachment.name,
            "size": attachment.size if wanted["size"] >= 0 else -1,
            "origin": attachment.origin.value,
            "problem": attachment.problem,
        }
        if "sniffed_type" in wanted:
            row["sniffed_type"] = attachment.sniffed_type
        if "container" in wanted:
            row["container"] = attachment.container
        view.append(row)
    return view


def test_there_are_samples() -> None:
    assert len(SAMPLES) >= 20


@pytest.mark.parametrize("path", SAMPLES, ids=[p.stem for p in SAMPLES])
def test_sample_reads_as_expected(path: Path) -> None:
    expected = _expected(path)
    reading = read_message(path.read_bytes())
    envelope = reading.envelope
    assert envelope.subject == expected["subject"]
    assert (envelope.from_.addr if envelope.from_ else None) == expected["from_addr"]
    if "from_name" in expected:
        assert envelope.from_ is not None
        assert envelope.from_.name == expected["from_name"]
    wanted = [dict(a) for a in expected["attachments"]]
    if not rar_backend_available():
        pass
    else:
        for row in wanted:
            if row.get("problem") == "rar_unsupported":
                row["problem"] = "damaged"  # the sample's rar bytes are only a signature
    assert len(reading.attachments) == expected["attachment_count"]
    assert _attachment_view(reading, wanted) == wanted
    for attachment in reading.attachments:
        assert attachment.size == len(attachment.data)
    if "large_links" in expected:
        got = [
            {
                "provider": link.provider,
                "file_name": link.file_name,
                "url": link.url,
                "size_text": link.size_text,
                "expires_text": link.expires_text,
            }
            for link in reading.large_links
        ]
        assert got == expected["large_links"]
    else:
        assert reading.large_links == ()
    assert (envelope.auto_reply.value if envelope.auto_reply else None) == expected.get(
        "auto_reply"
    )
    assert envelope.is_bounce == expected.get("is_bounce", False)
    assert list(envelope.bounced_recipients) == expected.get("bounced_recipients", [])
    for fragment in expected.get("text_contains", []):
        assert fragment in reading.text
    for fragment in expected.get("text_not_contains", []):
        assert fragment not in reading.text
    assert bool(reading.defects) == expected.get("has_defects", False), reading.defects
