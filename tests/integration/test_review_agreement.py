"""Agreement between a filing's documents weighs in where a reply's hold and the staff queue ask
which fields were read too poorly (`intake.replying.review.low_fields`,
`intake.staff.queue.open_work`), on a real SQLite store: a card name read at 0.6 that the form
repeats is trusted, and one the form contradicts stays low."""

from __future__ import annotations

from datetime import UTC, datetime

from intake.replying.review import low_fields
from intake.staff.queue import open_work
from intake.store.database import Store
from intake.store.tables import Attachment, Document, Filing, Message

AT = datetime(2026, 5, 12, 1, 0, tzinfo=UTC)
OFFICE = "130582"
THRESHOLD = 0.85


def a_filing(
    store: Store, number: int, card_name: str, card_confidence: float, form_name: str
) -> int:
    """An individual's filing: a typed form (names read at 1.0) and an ID card photo."""
    with store.session() as db:
        mail = Message(
            sha256=f"{number:064x}",
            body_sha256=f"{number:064x}",
            size=1,
            office=OFFICE,
            folder="INBOX",
            stored_at=AT,
            from_addr=f"u{number}@qq.com",
            state="decided",
        )
        filing = Filing(
            reference=f"XT-{number}",
            office=OFFICE,
            received_by=OFFICE,
            sender=f"u{number}@qq.com",
            status="complete",
            subject_type="individual",
            created_at=AT,
            updated_at=AT,
        )
        db.add_all([mail, filing])
        db.flush()
        for ordinal, (kind, fields, confidence) in enumerate(
            [
                (
                    "registration_form",
                    {"subject_name": form_name, "manager_name": form_name},
                    {"subject_name": 1.0, "manager_name": 1.0},
                ),
                ("id_card_front", {"name": card_name}, {"name": card_confidence}),
            ]
        ):
            attachment = Attachment(
                message_pk=mail.id,
                ordinal=ordinal,
                name=f"{kind}.jpg",
                declared_type="image/jpeg",
                sniffed_type="jpeg",
                size=1,
                sha256=f"{number:063x}{ordinal}",
                origin="attachment",
            )
            db.add(attachment)
            db.flush()
            db.add(
                Document(
                    attachment_pk=attachment.id,
                    filing_id=filing.id,
                    part=f"{kind}.jpg",
                    kind=kind,
                    fields=fields,
                    confidence=confidence,
                )
            )
        db.commit()
        return filing.id


def test_a_low_name_the_form_repeats_is_trusted(sqlite_store: Store) -> None:
    store = sqlite_store
    agreed = a_filing(store, 1, "裴文杰", 0.6, "裴文杰")
    alone = a_filing(store, 2, "裴文杰", 0.6, "")
    with store.session() as db:
        assert low_fields(db, agreed, THRESHOLD) == ()
        assert low_fields(db, alone, THRESHOLD) == ("name",)
        queued = {
            item.filing_id for item in open_work(db, [OFFICE], AT, review_confidence=THRESHOLD)
        }
    assert alone in queued and agreed not in queued


def test_a_low_name_the_form_contradicts_stays_low(sqlite_store: Store) -> None:
    store = sqlite_store
    contradicted = a_filing(store, 3, "装文杰", 0.6, "裴文杰")
    with store.session() as db:
        assert low_fields(db, contradicted, THRESHOLD) == ("name",)
