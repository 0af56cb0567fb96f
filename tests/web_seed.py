"""Filings written straight into a store for the web console's tests, screenshots and bench:
two documents (an ID card photo and a one-page PDF form) whose ID numbers disagree, a mail
thread, a held reply, so every page of the console has something to show. No pipeline, no OCR.
"""

from __future__ import annotations

import hashlib
import io
from datetime import datetime, timedelta

from PIL import Image, ImageDraw
from sqlalchemy.orm import Session

from intake.store.files import FileStore
from intake.store.tables import (
    Attachment,
    Document,
    Filing,
    Message,
    MessageState,
    OutboxMail,
    OutboxState,
)


def _valid(first17: str) -> str:
    from routing.identity import id_check_character

    return first17 + id_check_character(first17)


FORM_ID = _valid("13058219900101123")
CARD_ID = _valid("13058219900110123")  # another valid number: the mismatch a person settles
ATTACHMENT_KIND = "att"


def card_png() -> bytes:
    """A plain picture of an ID card front (no real person's data)."""
    image = Image.new("RGB", (640, 400), (236, 232, 220))
    draw = ImageDraw.Draw(image)
    draw.rectangle((20, 20, 620, 380), outline=(120, 110, 90), width=3)
    draw.rectangle((40, 300, 600, 340), fill=(210, 205, 190))
    draw.rectangle((40, 60, 300, 100), fill=(210, 205, 190))
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def form_pdf() -> bytes:
    """A one-page PDF standing in for the registration form."""
    image = Image.new("RGB", (595, 842), (255, 255, 255))
    draw = ImageDraw.Draw(image)
    for y in range(80, 800, 60):
        draw.line((40, y, 555, y), fill=(40, 40, 40), width=2)
    out = io.BytesIO()
    image.save(out, format="PDF")
    return out.getvalue()


def seed_filing(
    db: Session,
    files: FileStore,
    office: str,
    number: int,
    now: datetime,
    *,
    sender: str = "zhang@qq.com",
    with_files: bool = True,
    card: bytes | None = None,
    form: bytes | None = None,
    settled: bool = False,
) -> int:
    """One incomplete filing of `office` with a mismatch between its form and its ID card, a
    held reply; returns its id. `number` makes its reference and hashes unique. `settled`: a
    complete filing whose acknowledgement was sent instead (nothing left for a person)."""
    at = now - timedelta(hours=number % 240 + 1)
    raw = f"mail {office} {number}".encode()
    message = Message(
        sha256=hashlib.sha256(raw).hexdigest(),
        body_sha256=hashlib.sha256(raw + b"body").hexdigest(),
        message_id=f"<m{number}.{office}@test.example>",
        size=len(raw),
        office=office,
        folder="INBOX",
        stored_at=at,
        state=MessageState.DECIDED.value,
        from_addr=sender,
        subject=f"新媒体账号登记备案 {number}",
        sent_at=at,
        body_text="您好，附件是备案表和身份证复印件。",
    )
    db.add(message)
    filing = Filing(
        reference=f"XT{office}-20200510-{number:04d}",
        office=office,
        received_by=office,
        sender=sender,
        status="complete" if settled else "incomplete",
        subject_type="individual",
        fields={
            "subject_type": "个人",
            "subject_name": f"张三{number}",
            "id_number": FORM_ID,
            "county": "沙河市",
            "phone": "13931912345",
        },
        accounts=[
            {"platform": "抖音", "account_name": f"沙河生活{number}", "account_id": f"sh{number}"}
        ],
        missing=[],
        problems=[] if settled else ["mismatch:id_number"],
        reply_kind="ack" if settled else "request_missing",
        created_at=at,
        updated_at=at,
    )
    db.add(filing)
    db.flush()
    message.filing_id = filing.id
    documents = (
        [
            (
                "身份证正面.png",
                "image/png",
                card or card_png(),
                "id_card_front",
                {"subject_name": f"张三{number}", "id_number": CARD_ID},
                {"subject_name": 0.97, "id_number": 0.62},
            ),
            (
                "备案表.pdf",
                "application/pdf",
                form or form_pdf(),
                "registration_form",
                {"subject_name": f"张三{number}", "id_number": FORM_ID, "county": "沙河市"},
                {"subject_name": 0.99, "id_number": 0.98, "county": 0.99},
            ),
        ]
        if with_files
        else []
    )
    for ordinal, (name, kind, data, doc_kind, fields, confidence) in enumerate(documents):
        digest, _path = files.put(ATTACHMENT_KIND, data)
        attachment = Attachment(
            message_pk=message.id,
            ordinal=ordinal,
            name=name,
            declared_type=kind,
            sniffed_type=kind,
            size=len(data),
            sha256=digest,
            origin="attachment",
        )
        db.add(attachment)
        db.flush()
        document = Document(
            attachment_pk=attachment.id,
            filing_id=filing.id,
            part=name,
            kind=doc_kind,
            engine="rapidocr",
            fields=fields,
            accounts=list(filing.accounts or []) if doc_kind == "registration_form" else None,
            confidence=confidence,
        )
        if hasattr(Document, "boxes"):
            document.boxes = {  # type: ignore[attr-defined]
                "id_number": [0, 0.06, 0.75, 0.94, 0.85],
                "subject_name": [0, 0.06, 0.15, 0.47, 0.25],
            }
        db.add(document)
    db.add(
        OutboxMail(
            office=office,
            filing_id=filing.id,
            message_pk=message.id,
            kind="ack" if settled else "request_missing",
            recipient=sender,
            message_id=f"<r{number}.{office}@intake.example>",
            raw_sha256=hashlib.sha256(raw + b"reply").hexdigest(),
            state=(OutboxState.SENT if settled else OutboxState.HELD).value,
            created_at=at,
            sent_at=at if settled else None,
            subject=f"回复：新媒体账号登记备案 {filing.reference}",
        )
    )
    db.flush()
    return filing.id
