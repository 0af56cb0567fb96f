"""The decide step: a read and parsed mail joins its filing, and the filing is decided again.

This is the adapter between the store and `routing`: it gathers plain values (the envelope, the
documents of the filing, the candidate filings of the sender), asks `routing` what they mean, and
writes the answer back — the filing's status, office, missing items, problems and reply kind,
its reference on first decision, and a history entry saying what changed and which mail caused it.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from intake.runtime.clock import SHANGHAI
from intake.store.tables import (
    Attachment,
    Document,
    Filing,
    FilingEvent,
    Message,
    OutboxMail,
    Suppression,
)
from routing import (
    CandidateFiling,
    Decision,
    DocumentFacts,
    FilingFacts,
    FilingStatus,
    IncomingMail,
    MailKind,
    MailNature,
    ThreadRule,
    choose_filing,
    classify_mail,
    decide,
    find_references,
    format_reference,
)
from vocabulary.offices import CITY_OFFICE

OPEN_STATUSES = (FilingStatus.INCOMPLETE.value, FilingStatus.UNREADABLE.value)
SINGLE_KINDS = frozenset(
    {
        "registration_form",
        "id_card_front",
        "id_card_back",
        "business_licence",
        "org_code_certificate",
    }
)
CLOCK_SKEW = timedelta(days=1)


@dataclass(frozen=True)
class DecideOutcome:
    """What the decide step did with one mail."""

    nature: MailKind
    filing_id: int | None
    thread_rule: ThreadRule | None


def received_time(message: Message) -> datetime:
    """When the registrant sent the mail: its Date header unless that lies in our future."""
    if message.sent_at is not None and message.sent_at <= message.stored_at + CLOCK_SKEW:
        return message.sent_at
    return message.stored_at


def _documents_of_message(db: Session, message: Message) -> list[Document]:
    return list(
        db.execute(
            select(Document)
            .join(Attachment, Document.attachment_pk == Attachment.id)
            .where(Attachment.message_pk == message.id)
            .order_by(Attachment.ordinal, Document.id)
        ).scalars()
    )


def _attachment_count(db: Session, message: Message) -> int:
    """Attachments that could be documents (not decoration such as signature logos)."""
    return int(
        db.execute(
            select(func.count())
            .select_from(Attachment)
            .where(Attachment.message_pk == message.id)
            .where(or_(Attachment.problem.is_(None), Attachment.problem != "tiny_image"))
        ).scalar_one()
    )


def _candidates(db: Session, message: Message, sender: str) -> list[CandidateFiling]:
    references = [str(r) for r in find_references(message.subject or "")]
    named = [message.in_reply_to or "", *(message.references or [])]
    replied = select(OutboxMail.filing_id).where(
        OutboxMail.message_id.in_([n.strip("<>") for n in named if n])
    )
    rows = db.execute(
        select(Filing).where(
            or_(
                Filing.sender == sender,
                Filing.reference.in_(references),
                Filing.id.in_(replied),
            )
        )
    ).scalars()
    candidates = []
    for filing in rows:
        if filing.reference is None:
            continue
        reply_ids = tuple(
            db.execute(
                select(OutboxMail.message_id).where(OutboxMail.filing_id == filing.id)
            ).scalars()
        )
        candidates.append(
            CandidateFiling(
                reference=filing.reference,
                office=filing.office,
                sender=filing.sender,
                incomplete=filing.status in OPEN_STATUSES,
                created_at=_filing_received(db, filing),
                reply_message_ids=reply_ids,
            )
        )
    return candidates


def _filing_received(db: Session, filing: Filing) -> datetime:
    """When the filing's first mail was sent: the threading window counts in the registrant's
    time, so a backlog read late still joins the filing it completes."""
    first = db.execute(
        select(Message).where(Message.filing_id == filing.id).order_by(Message.id).limit(1)
    ).scalar_one_or_none()
    return received_time(first) if first is not None else filing.created_at


def _nature(db: Session, message: Message, own_addresses: Sequence[str]) -> MailNature:
    return classify_mail(
        auto_reply_marker=message.auto_reply is not None,
        is_bounce=message.is_bounce,
        subject=message.subject or "",
        body_text=message.body_text or "",
        attachment_count=_attachment_count(db, message),
        large_link_count=len(message.large_links or []),
        sender=message.from_addr or "",
        own_addresses=own_addresses,
        own_message=message.message_id is not None
        and db.execute(
            select(OutboxMail.id).where(OutboxMail.message_id == message.message_id)
        ).first()
        is not None,
    )


def _record_bounces(db: Session, message: Message, now: datetime) -> None:
    for address in message.bounced_recipients or []:
        address = address.strip().lower()
        if (
            address
            and db.execute(select(Suppression.id).where(Suppression.address == address)).first()
            is None
        ):
            db.add(
                Suppression(address=address, reason="hard_bounce", since=now, message_pk=message.id)
            )


def _filing_documents(db: Session, filing: Filing) -> list[Document]:
    return list(
        db.execute(
            select(Document)
            .where(Document.filing_id == filing.id, Document.superseded.is_(False))
            .order_by(Document.id)
        ).scalars()
    )


def _attach_documents(db: Session, filing: Filing, documents: Iterable[Document]) -> None:
    """Join the mail's documents to the filing; a newer copy of a kind replaces the older."""
    new = list(documents)
    new_kinds = {d.kind for d in new if d.kind in SINGLE_KINDS and d.unreadable is None}
    for older in _filing_documents(db, filing):
        if older.kind in new_kinds:
            older.superseded = True
    for document in new:
        document.filing_id = filing.id


def current_form(db: Session, filing: Filing) -> Document | None:
    """The filing's newest readable registration form, or None."""
    return db.execute(
        select(Document)
        .where(
            Document.filing_id == filing.id,
            Document.kind == "registration_form",
            Document.superseded.is_(False),
            Document.unreadable.is_(None),
        )
        .order_by(Document.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def _form_changed(old: Sequence[Document], new: Sequence[Document]) -> bool:
    old_forms = [d for d in old if d.kind == "registration_form" and d.unreadable is None]
    new_forms = [d for d in new if d.kind == "registration_form" and d.unreadable is None]
    if not old_forms or not new_forms:
        return False
    before, after = old_forms[-1], new_forms[-1]
    return (before.fields or {}) != (after.fields or {}) or (before.accounts or []) != (
        after.accounts or []
    )


def _facts(db: Session, filing: Filing, message: Message, nature: MailNature) -> FilingFacts:
    documents = _filing_documents(db, filing)
    if filing.change_of is not None:
        # A change filing brings a new form; the identity documents of the filing it changes
        # still stand unless the change brings newer ones.
        original = db.get(Filing, filing.change_of)
        own_kinds = {d.kind for d in documents}
        if original is not None:
            documents = [
                d
                for d in _filing_documents(db, original)
                if d.kind != "registration_form" and d.kind not in own_kinds
            ] + documents
    forms = [d for d in documents if d.kind == "registration_form" and d.unreadable is None]
    form = forms[-1] if forms else None
    fields = dict(form.fields or {}) if form else {}
    if fields.get("county_written"):
        # Decide on what the registrant wrote (a weak short form like 新河 must stay weak),
        # not on the office code the reader snapped it to.
        fields["county"] = fields["county_written"]
    accounts = tuple(dict(a) for a in (form.accounts or [])) if form else ()
    broken = tuple(
        DocumentFacts(kind="other", unreadable=problem)
        for (problem,) in db.execute(
            select(Attachment.problem)
            .join(Message, Attachment.message_pk == Message.id)
            .where(
                Message.filing_id == filing.id,
                Attachment.problem.is_not(None),
                Attachment.problem != "tiny_image",
            )
        )
    )
    facts = broken + tuple(
        DocumentFacts(
            kind=d.kind,
            id_number=(d.fields or {}).get("id_number"),
            credit_code=(d.fields or {}).get("credit_code"),
            name=(d.fields or {}).get("name") or (d.fields or {}).get("subject_name"),
            unreadable=d.unreadable,
        )
        for d in documents
    )
    first = db.execute(
        select(Message).where(Message.filing_id == filing.id).order_by(Message.id).limit(1)
    ).scalar_one_or_none()
    received = received_time(first or message)
    link_only = bool(message.large_links) and not any(d.unreadable is None for d in documents)
    return FilingFacts(
        received_by=filing.received_by,
        received=received,
        fields=fields,
        accounts=accounts,
        documents=facts,
        subject_type=fields.get("subject_type"),
        link_only_attachment=link_only,
        nature=nature,
    )


def _next_reference(db: Session, office: str, now: datetime) -> str:
    day = now.astimezone(SHANGHAI).date()
    prefix = format_reference(office, day, 1)[: -len("0001")]
    used = db.execute(
        select(func.count()).select_from(Filing).where(Filing.reference.like(f"{prefix}%"))
    ).scalar_one()
    return format_reference(office, day, int(used) + 1)


def _recorded(filing: Filing) -> dict[str, object]:
    """What a filing's history records of each decision: the values compared before and after."""
    return {
        "status": filing.status,
        "office": filing.office,
        "missing": filing.missing,
        "problems": filing.problems,
        "reply": filing.reply_kind,
        "subject_type": filing.subject_type,
    }


def _apply(
    db: Session,
    filing: Filing,
    decision: Decision,
    message: Message,
    rule: ThreadRule | None,
    now: datetime,
) -> None:
    first_decision = filing.reference is None
    before = _recorded(filing)
    if first_decision:
        before = dict.fromkeys(before)  # the first entry records the filing coming into being
    filing.status = decision.status.value
    filing.office = decision.office
    filing.missing = list(decision.missing)
    filing.problems = list(decision.problems)
    filing.reply_kind = decision.reply.value
    filing.subject_type = decision.subject_type.value if decision.subject_type else None
    filing.filing_type = decision.filing_type.value if filing.change_of is None else "change"
    filing.updated_at = now
    if filing.reference is None:
        filing.reference = _next_reference(db, decision.office, now)
    after = _recorded(filing)
    changed = {k: {"from": before[k], "to": after[k]} for k in after if before[k] != after[k]}
    db.add(
        FilingEvent(
            filing_id=filing.id,
            message_pk=message.id,
            at=now,
            change={"mail": message.id, "thread": rule.value if rule else None, "changed": changed},
        )
    )


def decide_message(
    db: Session, message: Message, own_addresses: Sequence[str], now: datetime
) -> DecideOutcome:
    """Place the mail on its filing (new or existing) and decide that filing again."""
    nature = _nature(db, message, own_addresses)
    message.nature = nature.kind.value
    if message.is_bounce or message.bounced_recipients:
        _record_bounces(db, message, now)
    if nature.kind is MailKind.IGNORED:
        message.ignored_reason = nature.reason.value if nature.reason else None
        return DecideOutcome(nature.kind, None, None)
    sender = (message.from_addr or "").lower()
    documents = _documents_of_message(db, message)
    match = choose_filing(
        IncomingMail(
            subject=message.subject or "",
            sender=sender,
            received_at=received_time(message),
            in_reply_to=message.in_reply_to,
            references=" ".join(f"<{r}>" for r in (message.references or [])),
            brings_documents=bool(documents) or bool(message.large_links),
        ),
        _candidates(db, message, sender),
    )
    filing = None
    if match.reference is not None:
        filing = db.execute(select(Filing).where(Filing.reference == match.reference)).scalar_one()
        if filing.status == FilingStatus.COMPLETE.value and _form_changed(
            _filing_documents(db, filing), documents
        ):
            filing = _new_filing(db, message, sender, now, change_of=filing)
    if filing is None:
        accepted = _accepted_filing_of_same_registrant(db, sender, documents)
        if accepted is not None and _form_changed(_filing_documents(db, accepted), documents):
            filing = _new_filing(db, message, sender, now, change_of=accepted)
    if filing is None:
        filing = _new_filing(db, message, sender, now)
    _attach_documents(db, filing, documents)
    message.filing_id = filing.id
    message.thread_rule = match.rule.value
    db.flush()
    decision = decide(_facts(db, filing, message, nature))
    _apply(db, filing, decision, message, match.rule, now)
    return DecideOutcome(nature.kind, filing.id, match.rule)


def _identity(fields: dict[str, str] | None) -> str | None:
    """The number that names a registrant on a form: credit code, else ID number."""
    values = fields or {}
    return values.get("credit_code") or values.get("id_number") or None


def _accepted_filing_of_same_registrant(
    db: Session, sender: str, documents: Sequence[Document]
) -> Filing | None:
    """The sender's accepted filing whose form names the same registrant as the new form, when
    the new mail quotes no reference we know (a change sent as a fresh mail)."""
    forms = [d for d in documents if d.kind == "registration_form" and d.unreadable is None]
    wanted = _identity(forms[-1].fields) if forms else None
    if wanted is None:
        return None
    for filing in db.execute(
        select(Filing)
        .where(Filing.sender == sender, Filing.status == FilingStatus.COMPLETE.value)
        .order_by(Filing.id.desc())
    ).scalars():
        old_forms = [d for d in _filing_documents(db, filing) if d.kind == "registration_form"]
        if old_forms and _identity(old_forms[-1].fields) == wanted:
            return filing
    return None


def _new_filing(
    db: Session, message: Message, sender: str, now: datetime, change_of: Filing | None = None
) -> Filing:
    received_by = message.office or CITY_OFFICE
    filing = Filing(
        office=change_of.office if change_of else received_by,
        received_by=received_by,
        sender=sender,
        status=FilingStatus.INCOMPLETE.value,
        filing_type="change" if change_of else "new",
        change_of=change_of.id if change_of else None,
        created_at=now,
        updated_at=now,
    )
    db.add(filing)
    db.flush()
    return filing
