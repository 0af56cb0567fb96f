"""The real-world corpus from imap-tools' test suite reads without a crash and as expected.

`expected/*.json` holds imap-tools' own readings. Where ours differs on purpose, the case is
listed below with the reason; everything else must match: subject, sender, and per attachment
the name, size and SHA-256 of the decoded bytes.

General differences, applied to every message:
- imap-tools lists `message/rfc822` parts as attachments; we treat a forwarded message as a
  container (the raw mail is stored whole) and list the files inside it with origin
  ``forwarded``.
- imap-tools lists nameless text parts that carry a Content-ID; we read them as body text.
- imap-tools leaves nameless parts unnamed; we name them ``inline-1.jpg`` and so on.
- We strip leading and trailing white space of subjects, and lower-case address domains.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from intake.reading import MailReading, read_message

CORPUS = Path(__file__).resolve().parents[1] / "data" / "imap_tools"
MESSAGES = sorted((CORPUS / "messages").rglob("*.eml"))

# message -> (our subject, reason)
SUBJECT_DIFFERENCES: dict[str, tuple[str, str]] = {
    "error_emails/invalid_subject_characters.eml": (
        "Forma玢o FrenetikPolis: Mega Campanha Final Ver鉶 | Cursos de Setembro",
        "raw 8-bit bytes in the header: we try UTF-8, then GB18030 as Chinese clients need; "
        "imap-tools silently drops the bytes (its reading loses two letters outright)",
    ),
    "plain_emails/raw_email_incorrect_header.eml": (
        "Stop adware/spyware once and for all.",
        "a junk line ('quite Delivered-To: …') inside the header block, followed by well-known "
        "headers: we join it to the header before it and read on; imap-tools ends the header "
        "block there and loses the Subject and the From",
    ),
    "rfc2822/example13.eml": (
        "Saying Hello",
        "a line '__' inside the header block, followed by well-known headers: joined to the To "
        "header before it; imap-tools ends the header block there and loses the Subject",
    ),
    "rfc2822/example14.eml": (
        "Re: TEST テストテスト",
        "RFC 2047 §6.2 drops only white space between two encoded words; the space between "
        "'TEST' and the first word is ordinary text and stays",
    ),
}

# message -> (our sender, reason)
SENDER_DIFFERENCES: dict[str, tuple[str, str]] = {
    "plain_emails/raw_email_incorrect_header.eml": (
        "xxx@xxx.xxx",
        "the From after the junk header line is read (see SUBJECT_DIFFERENCES)",
    ),
}

# message -> (our attachment names, reason)
NAME_DIFFERENCES: dict[str, tuple[list[str], str]] = {
    "attachment_emails/attachment_with_encoded_name.eml": (
        ["01 Quien Te Dij奱t. Pitbull.mp3"],
        "RFC 2231 value labelled iso-2022-jp holds the 8-bit byte 0x8A, invalid in that "
        "charset; we fall back to UTF-8 then GB18030 (our policy for Chinese mail) where "
        "imap-tools puts U+FFFD",
    ),
    "plain_emails/raw_email8.eml": (
        ["01 Quien Te Dij奱t. Pitbull.mp3"],
        "same mislabelled RFC 2231 value as attachment_with_encoded_name.eml",
    ),
}

# message -> (our extra attachments, reason)
EXTRA_ATTACHMENTS: dict[str, tuple[list[str], str]] = {
    "error_emails/missing_content_disposition.eml": (
        ["inline-1.txt"],
        "a nameless part labelled image/jpg with no Content-ID: imap-tools skips it, we list "
        "every non-body part so nothing sent is lost (its bytes are text, hence .txt)",
    ),
}


def _expected(message: Path) -> dict[str, Any]:
    relative = message.relative_to(CORPUS / "messages").with_suffix(".json")
    loaded: dict[str, Any] = json.loads((CORPUS / "expected" / relative).read_text("utf-8"))
    return loaded


def _key(message: Path) -> str:
    return message.relative_to(CORPUS / "messages").as_posix()


def _comparable(expected: dict[str, Any]) -> list[dict[str, Any]]:
    kept = []
    for item in expected["attachments"]:
        if item["content_type"] == "message/rfc822":
            continue
        if not item["filename"] and item["content_type"].startswith("text/"):
            continue
        kept.append(item)
    return kept


def _top_level(reading: MailReading) -> list[Any]:
    return [a for a in reading.attachments if a.origin.value != "archive_member"]


def test_corpus_is_present() -> None:
    assert len(MESSAGES) > 100, f"corpus not found at {CORPUS}"


@pytest.mark.parametrize("message", MESSAGES, ids=[_key(m) for m in MESSAGES])
def test_message_reads_as_imap_tools_or_better(message: Path) -> None:
    key = _key(message)
    expected = _expected(message)
    reading = read_message(message.read_bytes())

    wanted_subject = SUBJECT_DIFFERENCES.get(key, (expected["subject"].strip(), ""))[0]
    assert reading.envelope.subject == wanted_subject

    sender = reading.envelope.from_.addr if reading.envelope.from_ else ""
    wanted_sender = SENDER_DIFFERENCES.get(key, (expected["from"], ""))[0]
    assert sender.lower() == wanted_sender.lower()

    wanted = _comparable(expected)
    ours = _top_level(reading)
    extra = EXTRA_ATTACHMENTS.get(key, ([], ""))[0]
    assert [a.name for a in ours if a.name in extra] == extra
    ours = [a for a in ours if a.name not in extra]
    assert len(ours) == len(wanted)
    names = NAME_DIFFERENCES.get(key, (None, ""))[0]
    for index, (attachment, item) in enumerate(zip(ours, wanted, strict=True)):
        if names is not None:
            assert attachment.name == names[index]
        elif item["filename"]:
            assert attachment.name == item["filename"]
        else:
            assert attachment.name.startswith(("inline-", "attachment-"))
        assert attachment.size == item["size"]
        assert attachment.sha256 == item["sha256"]


def test_forwarded_messages_contribute_their_files() -> None:
    message = CORPUS / "messages" / "attachment_emails" / "attachment_message_rfc822.eml"
    reading = read_message(message.read_bytes())
    (pdf,) = reading.attachments
    assert (pdf.name, pdf.origin.value, pdf.sniffed_type) == (
        "broken.pdf",
        "forwarded",
        "application/pdf",
    )
    assert pdf.container == "ForwardedMessage.eml"


def test_bounces_in_the_corpus_are_recognised() -> None:
    folder = CORPUS / "messages" / "multipart_report_emails"
    for message in sorted(folder.glob("*.eml")):
        assert read_message(message.read_bytes()).envelope.is_bounce, message.name
    bounce = read_message((folder / "multi_address_bounce1.eml").read_bytes()).envelope
    assert len(bounce.bounced_recipients) == 5
    assert all(address.endswith("@gmail.com") for address in bounce.bounced_recipients)
