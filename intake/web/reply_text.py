"""The text of a reply waiting in the outbox, for the console's edit form: the plain-text part
of the stored mail. Only for replies of a filing the person has just been shown (the caller got
their ids from `staff.views.filing_view`, which checked the office and wrote the audit row)."""

from __future__ import annotations

import email
from email.message import EmailMessage
from email.policy import default

from sqlalchemy.orm import Session

from intake.errors import IntakeError
from intake.sending.outbox import OUTBOX_KIND
from intake.store.files_interface import Files
from intake.store.tables import OutboxMail

EDITABLE_STATES = frozenset({"held", "queued"})


def plain_text(raw: bytes) -> str:
    """The text/plain body of a mail (empty when it has none)."""
    message = email.message_from_bytes(raw, policy=default)
    if not isinstance(message, EmailMessage):
        return ""
    part = message.get_body(preferencelist=("plain",))
    if part is None or not isinstance(part, EmailMessage):
        return ""
    text = part.get_content()
    return text if isinstance(text, str) else ""


def reply_texts(db: Session, files: Files, filing_id: int, outbox_ids: list[int]) -> dict[int, str]:
    """outbox id → the plain text of each editable reply among `outbox_ids` of the filing."""
    out = {}
    for outbox_id in outbox_ids:
        row = db.get(OutboxMail, outbox_id)
        if row is None or row.filing_id != filing_id or row.state not in EDITABLE_STATES:
            continue
        try:
            out[outbox_id] = plain_text(files.read(OUTBOX_KIND, row.raw_sha256, ".eml"))
        except (IntakeError, OSError, ValueError):
            continue  # the text is not there (purged): the form starts empty
    return out
