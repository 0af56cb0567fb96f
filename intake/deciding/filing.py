"""The decide step's adapter: read what the store knows of a mail, let `routing` decide, write.

`decide_message` gathers a frozen `FilingSnapshot` (the mail's envelope and documents, the
sender's candidate filings with their documents and recorded state), calls
`routing.filing_decision.decide_filing` once, and writes its `FilingOutcome` back: the mail's
nature, suppressed bounce addresses, a new filing when one is started, which documents join or
are superseded, the filing's status, office, missing items, problems and reply kind, its
reference on first decision, and a history entry. Every rule lives in `routing`; only SQL here.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from intake.runtime.clock import SHANGHAI
from intake.store.tables import (
    Attachment,
    Document,
    FieldCorrection,
    Filing,
    FilingEvent,
    Message,
    OutboxMail,
    Suppression,
)
from routing import MailKind, ThreadRule, find_references, format_reference
from routing.filing_decision import (
    OPEN_STATUSES,
    FilingOutcome,
    Placement,
    decide_again,
    decide_filing,
)
from routing.filing_snapshot import (
    CandidateSnapshot,
    DocumentSnapshot,
    FilingSnapshot,
    MailEnvelope,
    MailTimes,
    RecordedState,
    document_kind,
)
from routing.mail_classifier import AttachmentEvidence, SenderHistory
from vocabulary import DocumentKind, FilingStatus
from vocabulary.offices import XINGTAI, OfficeDirectory

BOUNCE_REASON = "hard_bounce"


@dataclass(frozen=True)
class DecideOutcome:
    """What the decide step did with one mail."""

    nature: MailKind
    filing_id: int | None
    thread_rule: ThreadRule | None


def current_form(db: Session, filing: Filing) -> Document | None:
    """The filing's newest readable registration form, or None."""
    return db.execute(
        select(Document)
        .where(
            Document.filing_id == filing.id,
            Document.kind == DocumentKind.REGISTRATION_FORM.value,
            Document.superseded.is_(False),
            Document.unreadable.is_(None),
        )
        .order_by(Document.id.desc())
        .limit(1)
    ).scalar_one_or_none()


def _document(row: Document, corrected: dict[str, str] | None = None) -> DocumentSnapshot:
    return DocumentSnapshot(
        key=row.id,
        kind=document_kind(row.kind),
        fields=with_corrections(dict(row.fields or {}), corrected or {}),
        accounts=tuple(dict(a) for a in (row.accounts or [])),
        unreadable=row.unreadable,
    )


def with_corrections(fields: dict[str, str], corrected: dict[str, str]) -> dict[str, str]:
    """A document's fields with a person's corrections of the filing laid over them: each
    corrected field the document carries takes the corrected value (a corrected county also
    replaces the county as written, which the decision prefers)."""
    out = dict(fields)
    for key, value in corrected.items():
        if key in out:
            out[key] = value
        if key == "county" and "county_written" in out:
            out["county_written"] = value
    return out


def corrections_of(db: Session, filing_ids: set[int]) -> dict[int, dict[str, str]]:
    """The fields people corrected, by filing."""
    found: dict[int, dict[str, str]] = defaultdict(dict)
    if filing_ids:
        for row in db.execute(
            select(FieldCorrection)
            .where(FieldCorrection.filing_id.in_(filing_ids))
            .order_by(FieldCorrection.id)
        ).scalars():
            found[row.filing_id][row.field] = row.value
    return found


def _recorded(filing: Filing) -> RecordedState:
    return RecordedState(
        status=filing.status,
        office=filing.office,
        missing=None if filing.missing is None else tuple(filing.missing),
        problems=None if filing.problems is None else tuple(filing.problems),
        reply=filing.reply_kind,
        subject_type=filing.subject_type,
    )


def _times(message: Message) -> MailTimes:
    return MailTimes(message.id, message.sent_at, message.stored_at)


def _message_documents(db: Session, message: Message) -> list[Document]:
    return list(
        db.execute(
            select(Document)
            .join(Attachment, Document.attachment_pk == Attachment.id)
            .where(Attachment.message_pk == message.id)
            .order_by(Attachment.ordinal, Document.id)
        ).scalars()
    )


def _envelope(db: Session, message: Message) -> MailEnvelope:
    problems = tuple(
        db.execute(
            select(Attachment.problem)
            .where(Attachment.message_pk == message.id)
            .order_by(Attachment.ordinal, Attachment.id)
        ).scalars()
    )
    own = message.message_id is not None and (
        db.execute(select(OutboxMail.id).where(OutboxMail.message_id == message.message_id)).first()
        is not None
    )
    named = [n.strip("<>") for n in (message.in_reply_to or "", *(message.references or [])) if n]
    replies_to_us = bool(named) and (
        db.execute(select(OutboxMail.id).where(OutboxMail.message_id.in_(named))).first()
        is not None
    )
    return MailEnvelope(
        key=message.id,
        office=message.office,
        sender=message.from_addr or "",
        stored_at=message.stored_at,
        subject=message.subject or "",
        body_text=message.body_text or "",
        sent_at=message.sent_at,
        in_reply_to=message.in_reply_to,
        references=tuple(message.references or ()),
        auto_reply=message.auto_reply is not None,
        is_bounce=message.is_bounce,
        bounced_recipients=tuple(message.bounced_recipients or ()),
        large_link_count=len(message.large_links or []),
        attachment_problems=problems,
        own_message=own,
        attachments=_attachment_evidence(db, message),
        recipients=tuple(message.recipients or ()),
        header_signs=tuple(message.mail_signs or ()),
        history=_history(db, message),
        replies_to_us=replies_to_us,
    )


def _attachment_evidence(db: Session, message: Message) -> tuple[AttachmentEvidence, ...]:
    """The mail's attachments as the classifier sees them, with the kinds read from each."""
    kinds: dict[int, list[str]] = defaultdict(list)
    for attachment_pk, kind, unreadable in db.execute(
        select(Document.attachment_pk, Document.kind, Document.unreadable)
        .join(Attachment, Document.attachment_pk == Attachment.id)
        .where(Attachment.message_pk == message.id)
    ):
        if unreadable is None:
            kinds[attachment_pk].append(kind)
    rows = db.execute(
        select(Attachment).where(Attachment.message_pk == message.id).order_by(Attachment.ordinal)
    ).scalars()
    return tuple(
        AttachmentEvidence(
            name=row.name,
            sniffed_type=row.sniffed_type,
            size=row.size,
            problem=row.problem,
            kinds=tuple(kinds[row.id]),
            inline=row.origin == "inline",
        )
        for row in rows
    )


def _history(db: Session, message: Message) -> SenderHistory:
    """What the store knows of the sender before this mail: open filings, filings, questions."""
    sender = (message.from_addr or "").lower()
    if not sender:
        return SenderHistory()
    statuses = list(db.execute(select(Filing.status).where(Filing.sender == sender)).scalars())
    questions = db.execute(
        select(func.count())
        .select_from(Message)
        .where(
            func.lower(Message.from_addr) == sender,
            Message.nature == "question",
            Message.id != message.id,
        )
    ).scalar_one()
    return SenderHistory(
        open_filings=sum(1 for s in statuses if s in OPEN_STATUSES),
        filings=len(statuses),
        questions=int(questions),
    )


def _candidate_filings(db: Session, message: Message, sender: str) -> list[Filing]:
    """The sender's filings, those the subject quotes and those our replies it answers belong
    to; a filing not yet decided (no reference) is nobody's candidate."""
    references = [str(r) for r in find_references(message.subject or "")]
    named = [message.in_reply_to or "", *(message.references or [])]
    replied = select(OutboxMail.filing_id).where(
        OutboxMail.message_id.in_([n.strip("<>") for n in named if n])
    )
    rows = db.execute(
        select(Filing).where(
            (Filing.sender == sender) | Filing.reference.in_(references) | Filing.id.in_(replied)
        )
    ).scalars()
    return [filing for filing in rows if filing.reference is not None]


def _current_documents(db: Session, filing_ids: set[int]) -> dict[int, list[DocumentSnapshot]]:
    found: dict[int, list[DocumentSnapshot]] = defaultdict(list)
    corrected = corrections_of(db, filing_ids)
    if filing_ids:
        rows = list(
            db.execute(
                select(Document)
                .where(Document.filing_id.in_(filing_ids), Document.superseded.is_(False))
                .order_by(Document.id)
            ).scalars()
        )
        for row in rows:
            assert row.filing_id is not None
            found[row.filing_id].append(_document(row, corrected.get(row.filing_id)))
        _place_uncarried(found, corrected)
    return found


def _place_uncarried(
    found: dict[int, list[DocumentSnapshot]], corrected: dict[int, dict[str, str]]
) -> None:
    """A corrected field that none of a filing's documents carries goes on its current form
    (a person filled in what the reader missed)."""
    for filing_id, values in corrected.items():
        documents = found.get(filing_id, [])
        forms = [i for i, d in enumerate(documents) if d.is_readable_form]
        if not forms:
            continue
        carried = {k for d in documents for k in d.fields}
        missing = {k: v for k, v in values.items() if k not in carried}
        if missing:
            form = documents[forms[-1]]
            documents[forms[-1]] = replace(form, fields={**form.fields, **missing})


def _candidates(db: Session, filings: Sequence[Filing]) -> tuple[CandidateSnapshot, ...]:
    ids = {f.id for f in filings}
    originals = {f.change_of for f in filings if f.change_of is not None}
    documents = _current_documents(db, ids | originals)
    replies: dict[int, list[str]] = defaultdict(list)
    problems: dict[int, list[str]] = defaultdict(list)
    first: dict[int, MailTimes] = {}
    if ids:
        for filing_id, message_id in db.execute(
            select(OutboxMail.filing_id, OutboxMail.message_id)
            .where(OutboxMail.filing_id.in_(ids))
            .order_by(OutboxMail.id)
        ):
            if filing_id is not None:
                replies[filing_id].append(message_id)
        for filing_id, problem in db.execute(
            select(Message.filing_id, Attachment.problem)
            .select_from(Attachment)
            .join(Message, Attachment.message_pk == Message.id)
            .where(Message.filing_id.in_(ids), Attachment.problem.is_not(None))
            .order_by(Message.id, Attachment.ordinal, Attachment.id)
        ):
            if filing_id is not None and problem is not None:
                problems[filing_id].append(problem)
        earliest = (
            select(func.min(Message.id))
            .where(Message.filing_id.in_(ids))
            .group_by(Message.filing_id)
        )
        for row in db.execute(select(Message).where(Message.id.in_(earliest))).scalars():
            assert row.filing_id is not None
            first[row.filing_id] = _times(row)
    return tuple(
        CandidateSnapshot(
            key=f.id,
            reference=f.reference or "",
            sender=f.sender,
            received_by=f.received_by,
            recorded=_recorded(f),
            created_at=f.created_at,
            first_mail=first.get(f.id),
            reply_message_ids=tuple(replies[f.id]),
            documents=tuple(documents[f.id]),
            changes=f.change_of is not None,
            original_documents=tuple(documents[f.change_of]) if f.change_of else (),
            attachment_problems=tuple(problems[f.id]),
        )
        for f in filings
    )


def _record_bounces(db: Session, message: Message, addresses: Sequence[str], now: datetime) -> None:
    for address in addresses:
        if db.execute(select(Suppression.id).where(Suppression.address == address)).first() is None:
            db.add(
                Suppression(address=address, reason=BOUNCE_REASON, since=now, message_pk=message.id)
            )


def _next_reference(db: Session, office: str, now: datetime) -> str:
    day = now.astimezone(SHANGHAI).date()
    prefix = format_reference(office, day, 1)[: -len("0001")]
    used = db.execute(
        select(func.count()).select_from(Filing).where(Filing.reference.like(f"{prefix}%"))
    ).scalar_one()
    return format_reference(office, day, int(used) + 1)


def _filing_of(
    db: Session, placement: Placement, filings: Sequence[Filing], sender: str, now: datetime
) -> Filing:
    """The filing the mail joins, or the one it starts."""
    by_id = {f.id: f for f in filings}
    if placement.new_filing is None:
        assert placement.filing is not None
        return by_id[placement.filing]
    start = placement.new_filing
    filing = Filing(
        office=start.office,
        received_by=start.received_by,
        sender=sender,
        status=FilingStatus.INCOMPLETE.value,
        filing_type=start.filing_type.value,
        change_of=start.change_of,
        created_at=now,
        updated_at=now,
    )
    db.add(filing)
    db.flush()
    return filing


def _write(
    db: Session,
    message: Message,
    outcome: FilingOutcome,
    placement: Placement,
    filings: Sequence[Filing],
    documents: Sequence[Document],
    now: datetime,
) -> Filing:
    filing = _filing_of(db, placement, filings, (message.from_addr or "").lower(), now)
    if placement.supersede:
        older = select(Document).where(Document.id.in_(placement.supersede))
        for document in db.execute(older).scalars():
            document.superseded = True
    attach = set(placement.attach)
    for document in documents:
        if document.id in attach:
            document.filing_id = filing.id
    message.filing_id = filing.id
    message.thread_rule = placement.thread.rule.value
    db.flush()
    decision, recorded = placement.decision, placement.recorded
    filing.status = decision.status.value
    filing.office = filing.office if filing.office_by_hand else decision.office
    filing.missing = list(decision.missing)
    filing.problems = list(decision.problems)
    filing.reply_kind = recorded.reply
    filing.subject_type = recorded.subject_type
    filing.filing_type = placement.filing_type
    filing.updated_at = now
    if filing.reference is None:
        filing.reference = _next_reference(db, decision.office, now)
    history = outcome.history(message.id)
    assert history is not None
    db.add(FilingEvent(filing_id=filing.id, message_pk=message.id, at=now, change=history))
    return filing


def decide_message(
    db: Session,
    message: Message,
    own_addresses: Sequence[str],
    now: datetime,
    directory: OfficeDirectory = XINGTAI,
) -> DecideOutcome:
    """Place the mail on its filing (new or existing) and decide that filing again."""
    sender = (message.from_addr or "").lower()
    documents = _message_documents(db, message)
    filings = _candidate_filings(db, message, sender)
    snapshot = FilingSnapshot(
        mail=_envelope(db, message),
        documents=tuple(_document(d) for d in documents),
        candidates=_candidates(db, filings),
        own_addresses=tuple(own_addresses),
        directory=directory,
    )
    outcome = decide_filing(snapshot)
    message.nature = outcome.nature.kind.value
    message.signals = list(outcome.signals)
    _record_bounces(db, message, outcome.suppress, now)
    placement = outcome.placement
    if placement is None:
        reason = outcome.nature.reason
        message.ignored_reason = reason.value if reason else None
        return DecideOutcome(outcome.nature.kind, None, None)
    filing = _write(db, message, outcome, placement, filings, documents, now)
    return DecideOutcome(outcome.nature.kind, filing.id, placement.thread.rule)


def redecide_filing(db: Session, filing: Filing, now: datetime) -> dict[str, object]:
    """Decide `filing` again on what it holds now (after a person corrected a field), with the
    rules the pipeline uses (`routing.filing_decision.decide_again`), and record the change in
    its history; returns the history entry written."""
    candidate = _candidates(db, [filing])[0]
    latest = db.execute(
        select(Message).where(Message.filing_id == filing.id).order_by(Message.id.desc()).limit(1)
    ).scalar_one_or_none()
    links = len(latest.large_links or []) if latest is not None else 0
    decision, recorded, changed = decide_again(candidate, link_count=links)
    filing.status = decision.status.value
    filing.office = filing.office if filing.office_by_hand else decision.office
    filing.missing = list(decision.missing)
    filing.problems = list(decision.problems)
    filing.reply_kind = recorded.reply
    filing.subject_type = recorded.subject_type
    filing.updated_at = now
    history: dict[str, object] = {"mail": None, "thread": "staff", "changed": changed}
    db.add(FilingEvent(filing_id=filing.id, message_pk=None, at=now, change=history))
    return history
