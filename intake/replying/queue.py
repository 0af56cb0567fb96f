"""The reply step's half inside the decision transaction: render, compose and queue the reply.

The reply implied by a decision is written to the outbox in the same transaction as the
decision, so a crash leaves either both or neither (architecture: outbox). Sending is a separate
step (`intake.sending.outbox`). The reply comes from the mailbox that received the mail (NetEase refuses
any other sender) and threads with the registrant's mail.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from intake.deciding.filing import current_form
from intake.reading.envelope import SEVERAL_SENDERS
from intake.runtime.clock import SHANGHAI
from intake.sending.outbox import enqueue
from intake.settings import EMAIL_RE, OfficeSettings
from intake.store.files_interface import Files
from intake.store.tables import Attachment, Document, Filing, Message, OutboxMail
from notifications.compose import compose_reply, is_message_id, make_message_id
from notifications.model import Reading
from notifications.replies import FORM_SOURCE, AccountLine, ReplyContext, ReplyRenderer
from routing.filing_documents import is_decoration
from routing.review import DEFAULT_REVIEW_CONFIDENCE
from vocabulary.offices import Office, office_by_code

REPLY_WITHIN = timedelta(days=15)
LINK_REASON = "link_only"


@dataclass(frozen=True)
class ReplyAdapters:
    """What queuing a reply needs: the offices, the renderer and the files folder."""

    offices: Mapping[str, OfficeSettings]
    renderer: ReplyRenderer
    files: Files
    review_confidence: float = DEFAULT_REVIEW_CONFIDENCE


def holder_info(offices: Mapping[str, OfficeSettings], code: str) -> Office | None:
    """The office that holds a filing: from the config, or, for an office the config leaves
    out, from the notice's own list (a registrant told where the filing went must be told how to
    reach that office)."""
    configured = offices.get(code)
    if configured is not None:
        return configured
    return office_by_code(code)


SENT_AT_TRUSTED = timedelta(days=2)
"""A mail's own Date within this much before it was stored is taken as when it came in; an
older or later one (a wrong clock, a mail resent from an old folder) is not."""

_ID_CARD_KINDS = ("id_card_front",)
_PAPER_KINDS = ("business_licence", "org_code_certificate")
_SOURCE_WORDS = {
    "id_card_front": "身份证复印件",
    "business_licence": "营业执照复印件",
    "org_code_certificate": "组织机构代码证复印件",
}


def received_moment(message: Message) -> datetime:
    """When the office received the mail: its Date header when plausible, else when stored."""
    sent = message.sent_at
    stored = message.stored_at
    if sent is not None and stored - SENT_AT_TRUSTED <= sent <= stored:
        return sent
    return stored


def mismatch_readings(db: Session, filing: Filing, form: Document | None) -> tuple[Reading, ...]:
    """For each mismatch of the filing, what the form and each document show (unmasked here;
    the reply masks ID numbers)."""
    problems = [p for p in (filing.problems or []) if p.startswith("mismatch:")]
    if not problems:
        return ()
    fields = dict(form.fields or {}) if form else {}
    organisation = filing.subject_type == "organization"
    documents = db.execute(
        select(Document, Attachment.name)
        .join(Attachment, Document.attachment_pk == Attachment.id)
        .where(
            Document.filing_id == filing.id,
            Document.superseded.is_(False),
            Document.unreadable.is_(None),
            Document.kind.in_(_ID_CARD_KINDS + _PAPER_KINDS),
        )
        .order_by(Document.id)
    ).all()
    readings: list[Reading] = []
    form_key: str
    kinds: tuple[str, ...]
    doc_keys: tuple[str, ...]
    for problem in problems:
        if problem == "mismatch:id_number":
            form_key, kinds, doc_keys = (
                ("manager_id_number" if organisation else "id_number"),
                _ID_CARD_KINDS,
                ("id_number",),
            )
        elif problem == "mismatch:credit_code":
            form_key, kinds, doc_keys = "credit_code", _PAPER_KINDS, ("credit_code",)
        elif problem == "mismatch:subject_name":
            kinds = _PAPER_KINDS if organisation else _ID_CARD_KINDS
            form_key, doc_keys = "subject_name", ("name", "subject_name")
        else:
            continue
        if fields.get(form_key):
            readings.append(Reading(problem, FORM_SOURCE, fields[form_key]))
        for document, name in documents:
            values = dict(document.fields or {})
            value = next((values[k] for k in doc_keys if values.get(k)), None)
            if document.kind in kinds and value:
                source = _SOURCE_WORDS.get(document.kind, "证件")
                label = f"{source}（{name}）" if name else source
                readings.append(Reading(problem, label, value))
    return tuple(dict.fromkeys(readings))


def chinese_date(moment: datetime) -> str:
    """A moment as a person in Xingtai writes the date, e.g. 2026年12月5日."""
    local = moment.astimezone(SHANGHAI)
    return f"{local.year}年{local.month}月{local.day}日"


def _unreadable(db: Session, filing: Filing, message: Message) -> tuple[tuple[str, str], ...]:
    items: list[tuple[str, str]] = []
    rows = db.execute(
        select(Attachment.name, Attachment.problem)
        .where(Attachment.message_pk == message.id, Attachment.problem.is_not(None))
        .order_by(Attachment.ordinal)
    )
    items += [(name, problem) for name, problem in rows if problem and not is_decoration(problem)]
    docs = db.execute(
        select(Document.part, Document.unreadable)
        .join(Attachment, Document.attachment_pk == Attachment.id)
        .where(Attachment.message_pk == message.id, Document.unreadable.is_not(None))
    )
    items += [(part, reason) for part, reason in docs if reason]
    for link in message.large_links or []:
        name = link.get("file_name")
        items.append((f"超大附件 {name}" if name else "超大附件", LINK_REASON))
    return tuple(dict.fromkeys(items))


def _accounts(form: Document | None) -> tuple[AccountLine, ...]:
    return tuple(
        AccountLine(a.get("platform", ""), a.get("account_name", ""), a.get("account_id", ""))
        for a in ((form.accounts or []) if form else [])
    )


def queue_reply(
    db: Session, adapters: ReplyAdapters, message: Message, filing: Filing, now: datetime
) -> OutboxMail | None:
    """Render and queue the reply of the filing's current decision; None when there is none."""
    kind = filing.reply_kind or "none"
    recipient = (message.from_addr or "").strip().lower()
    if kind == "none" or not recipient or not EMAIL_RE.match(recipient):
        return None
    if any(defect.startswith(SEVERAL_SENDERS) for defect in message.defects or ()):
        return None
    replying = adapters.offices.get(message.office) or adapters.offices.get(filing.received_by)
    if replying is None:
        return None
    holder = holder_info(adapters.offices, filing.office)
    form = current_form(db, filing)
    assert filing.reference is not None
    context = ReplyContext(
        kind=kind,
        reference=filing.reference,
        office=replying,
        holder=holder if holder and holder.code != replying.code else None,
        subject_type=filing.subject_type,
        registrant=((form.fields or {}).get("subject_name") or None) if form else None,
        accounts=_accounts(form),
        missing=tuple(filing.missing or ()),
        problems=tuple(filing.problems or ()),
        unreadable=_unreadable(db, filing, message),
        question=message.nature == "question",
        received_on=chinese_date(received_moment(message)),
        reply_by=chinese_date(now + REPLY_WITHIN) if kind == "request_missing" else None,
        late="late" in (filing.problems or ()),
        written_on=chinese_date(now),
        readings=mismatch_readings(db, filing, form),
    )
    return render_and_enqueue(
        db, adapters, replying, message, recipient, context, kind, filing.id, now
    )


def render_and_enqueue(
    db: Session,
    adapters: ReplyAdapters,
    replying: OfficeSettings,
    message: Message,
    recipient: str,
    context: ReplyContext,
    kind: str,
    filing_id: int | None,
    now: datetime,
) -> OutboxMail:
    """Render the reply of `context`, compose it from the replying office's mailbox as an answer
    to `message` and queue it in the outbox (same transaction)."""
    rendered = adapters.renderer.render(context)
    domain = replying.mailbox.rpartition("@")[2] or "localhost"
    message_id = make_message_id(domain)
    # Threading headers echo the registrant's Message-IDs: only well-formed ones are written,
    # and a malformed one costs the threading, never the reply.
    parent = message.message_id if is_message_id(message.message_id) else None
    references = tuple(r for r in (*(message.references or []), parent) if r and is_message_id(r))
    raw = compose_reply(
        from_name=replying.name,
        from_addr=replying.mailbox,
        to_addr=recipient,
        rendered=rendered,
        message_id=message_id,
        in_reply_to=parent,
        references=references,
        date=now,
    )
    return enqueue(
        db,
        adapters.files,
        office=replying.code,
        kind=kind,
        recipient=recipient,
        message_id=message_id,
        raw=raw,
        subject=rendered.subject,
        now=now,
        filing_id=filing_id,
        message_pk=message.id,
    )


def template_dir(config_path: Path) -> Path:
    """Where admins put template overrides: `templates/` beside the config file."""
    return config_path.parent / "templates"
