"""Our reading is never worse than Python's `email` on the same mail: over the imap-tools
corpus (tests/data) and our own samples, the subject, the sender and a plain-text body read by
us carry no more replacement characters, C1 controls or undone Chinese mojibake than Python's
reading, and we find the sender whenever Python does."""

from __future__ import annotations

import email
import email.policy
from email.message import EmailMessage
from pathlib import Path

import pytest

from intake.reading import read_message
from intake.reading.charsets import repair_mojibake

REPO = Path(__file__).resolve().parents[2]
MAILS = sorted(
    [
        *(REPO / "tests" / "data" / "imap_tools" / "messages").rglob("*.eml"),
        *(REPO / "samples" / "mail" / "quirks").glob("*.eml"),
        *(REPO / "samples" / "scenarios").rglob("*.eml"),
    ]
)


def badness(text: str) -> int:
    """Characters that show a decoding went wrong: U+FFFD, C1 controls, and the characters of
    Chinese text left as latin-1 mojibake."""
    bad = text.count("\ufffd") + sum(1 for ch in text if "\x80" <= ch <= "\x9f")
    repaired, changed = repair_mojibake(text)
    return bad + (sum(1 for ch in repaired if ord(ch) > 0x2FFF) if changed else 0)


def _python(raw: bytes) -> EmailMessage:
    message = email.message_from_bytes(raw, policy=email.policy.default)
    assert isinstance(message, EmailMessage)
    return message


def _python_header(message: EmailMessage, name: str) -> str | None:
    try:
        value = message[name]
    except Exception:  # Python's own parser raises on some hostile headers: nothing to beat
        return None
    return None if value is None else str(value)


def _python_sender(message: EmailMessage) -> str | None:
    try:
        header = message["from"]
        addresses = getattr(header, "addresses", ())
    except Exception:
        return None
    found = [a.addr_spec for a in addresses if "@" in a.addr_spec]
    return found[0] if len(found) == 1 else None


def _python_plain_body(message: EmailMessage) -> str | None:
    if message.is_multipart() or message.get_content_type() != "text/plain":
        return None
    try:
        content = message.get_content()
    except Exception:
        return None
    return content if isinstance(content, str) else None


def test_the_corpus_is_there() -> None:
    assert len(MAILS) > 150


@pytest.mark.parametrize("path", MAILS, ids=[str(p.relative_to(REPO)) for p in MAILS])
def test_never_worse_than_python_email(path: Path) -> None:
    raw = path.read_bytes()
    ours = read_message(raw)
    python = _python(raw)
    subject = _python_header(python, "subject")
    if subject is not None:
        assert badness(ours.envelope.subject) <= badness(subject), (
            ours.envelope.subject,
            subject,
        )
    sender = _python_sender(python)
    if sender is not None:
        assert ours.envelope.from_ is not None
        # Python keeps a quoted local part's quotes and leaves 8-bit bytes as surrogates.
        plain = sender.encode("utf-8", "surrogateescape").decode("utf-8", "replace")
        assert ours.envelope.from_.addr.lower() == plain.replace('"', "").lower()
    body = _python_plain_body(python)
    if body is not None and body.strip():
        assert badness(ours.text) <= badness(body)


def test_python_email_loses_what_we_repair() -> None:
    quirks = REPO / "samples" / "mail" / "quirks"
    for name, subject in (
        ("latin1_label_gbk_bytes", "二则学术报告通知"),
        ("utf8_encoded_twice", "2005年招收研究生简章"),
    ):
        raw = (quirks / f"{name}.eml").read_bytes()
        assert read_message(raw).envelope.subject == subject
        assert _python_header(_python(raw), "subject") != subject
    folded = (quirks / "fold_without_whitespace.eml").read_bytes()
    assert _python_sender(_python(folded)) is None
    ours = read_message(folded).envelope.from_
    assert ours is not None and ours.addr == "wangfang@163.com"
    stale = (quirks / "stale_base64_label.eml").read_bytes()
    assert "全院大会" in read_message(stale).text
