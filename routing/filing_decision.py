"""The decide step as one pure function: from what the store knows to what it must now record.

`decide_filing` takes a `FilingSnapshot` (see `routing.filing_snapshot`) and returns a
`FilingOutcome`; the adapter `intake.deciding.filing` only reads the snapshot and writes the
outcome back. Rules, in the order they apply:

1. Nature. `routing.mail_classifier` says whether the mail is a filing, a question, uncertain
   or not a filing, and which signals said so; only a filing is placed (a question gets the
   information reply and no filing, an uncertain mail waits for a person). A bounce's failed
   recipients are suppressed whatever its nature.
2. Placing. The mail joins the filing `threading_rules` chooses, or starts a new one.
3. Change filing. A mail that joins an accepted filing with a form that differs from the
   filing's current one starts a change filing of it. A mail that joins nothing but whose form
   names the same registrant as one of the sender's accepted filings (the newest such) and
   differs from that filing's form starts a change filing of that one (a change sent as a fresh
   mail). See `filing_documents`.
4. New filing. It is received by the office whose mailbox got the mail (the city's office when
   that is unknown); a change filing starts with the office of the filing it changes.
5. Attaching. The mail's documents join the filing; newer copies supersede older ones.
6. Facts. The filing is decided on its documents (a change filing borrows the identity
   documents of the filing it changes), its mails' unreadable attachments, its newest readable
   form — where the county the registrant wrote wins over the office code the reader snapped it
   to, so a weak short form like 新河 stays weak — and the time its first mail was sent. A mail
   that brings large-attachment links and no readable document is ``link_only``.
7. Recording. A change filing stays of type ``change`` whatever its form says; the history
   entry lists each recorded value that changed (all of them on a filing's first decision).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from routing.completeness import DocumentFacts
from routing.decision import Decision, FilingFacts, decide
from routing.filing_documents import (
    after_attaching,
    current_form,
    form_changed,
    last_form_identity,
    registrant_identity,
    superseded_by,
    unreadable_attachments,
    with_borrowed_identity,
)
from routing.filing_snapshot import (
    CandidateSnapshot,
    DocumentSnapshot,
    FilingSnapshot,
    MailTimes,
    RecordedState,
)
from routing.mail_classifier import AttachmentEvidence, Classification, MailEvidence, classify
from routing.not_a_filing import MailKind, MailNature
from routing.threading_rules import CandidateFiling, IncomingMail, ThreadMatch, choose_filing
from vocabulary import DocumentKind, FilingStatus, FilingType
from vocabulary.offices import XINGTAI, OfficeDirectory

OPEN_STATUSES: frozenset[str] = frozenset(
    {FilingStatus.INCOMPLETE.value, FilingStatus.UNREADABLE.value}
)
"""Statuses of a filing still waiting for documents (a mail may join it by sender alone)."""


@dataclass(frozen=True)
class NewFiling:
    """A filing the mail starts: who received it, its first office, and the filing it changes
    (the candidate's key; None for a first filing)."""

    received_by: str
    office: str
    change_of: int | None = None

    @property
    def filing_type(self) -> FilingType:
        """What the filing starts as: a change when it changes another."""
        return FilingType.CHANGE if self.change_of is not None else FilingType.NEW


@dataclass(frozen=True)
class Placement:
    """Where the mail went and what the filing now is.

    `filing` is the key of the candidate joined (None when `new_filing` says what to create);
    `attach` the keys of the mail's documents, all joining the filing; `supersede` the keys of
    the filing's older documents they replace; `recorded` the values the filing now records and
    `changed` those that differ from before, as its history stores them.
    """

    thread: ThreadMatch
    filing: int | None
    new_filing: NewFiling | None
    attach: tuple[int, ...]
    supersede: tuple[int, ...]
    change_filing: bool
    decision: Decision
    recorded: RecordedState
    filing_type: str
    changed: Mapping[str, Mapping[str, object]]

    @property
    def first_decision(self) -> bool:
        """True when the filing is new, so it gets its reference now."""
        return self.new_filing is not None


@dataclass(frozen=True)
class FilingOutcome:
    """The answer for one mail: its nature, the addresses to suppress, and (unless the mail is
    ignored) where it went and what its filing now is."""

    nature: MailNature
    suppress: tuple[str, ...] = ()
    placement: Placement | None = None
    signals: tuple[str, ...] = ()

    def history(self, mail_key: int) -> dict[str, object] | None:
        """The content of the filing's history entry for this mail (None when ignored)."""
        if self.placement is None:
            return None
        return {
            "mail": mail_key,
            "thread": self.placement.thread.rule.value,
            "changed": {k: dict(v) for k, v in self.placement.changed.items()},
        }


def classification(snapshot: FilingSnapshot) -> Classification:
    """What the mail is, with the signals that said so (rule 1, `routing.mail_classifier`)."""
    mail = snapshot.mail
    attachments = mail.attachments or tuple(
        AttachmentEvidence("", "application/octet-stream", 0, problem)
        for problem in mail.attachment_problems
    )
    return classify(
        MailEvidence(
            sender=mail.sender,
            subject=mail.subject,
            body_text=mail.body_text,
            attachments=attachments,
            document_kinds=tuple(d.kind.value for d in snapshot.documents if d.readable),
            large_link_count=mail.large_link_count,
            auto_reply_marker=mail.auto_reply,
            is_bounce=mail.is_bounce,
            own_message=mail.own_message,
            header_signs=mail.header_signs,
            recipients=mail.recipients,
            office_mailboxes=snapshot.own_addresses,
            replies_to_us=mail.replies_to_us,
            history=mail.history,
        )
    )


def mail_nature(snapshot: FilingSnapshot) -> MailNature:
    """Whether the mail is a filing, a question, uncertain or to be ignored (rule 1)."""
    return classification(snapshot).nature


def addresses_to_suppress(snapshot: FilingSnapshot) -> tuple[str, ...]:
    """A bounce's failed recipients, trimmed, lowercased and each once (rule 1)."""
    mail = snapshot.mail
    if not (mail.is_bounce or mail.bounced_recipients):
        return ()
    cleaned = (address.strip().lower() for address in mail.bounced_recipients)
    return tuple(dict.fromkeys(address for address in cleaned if address))


def sender_of(snapshot: FilingSnapshot) -> str:
    """The sender's address as filings record it (lowercase)."""
    return snapshot.mail.sender.lower()


def candidate_filing(candidate: CandidateSnapshot) -> CandidateFiling:
    """A candidate as `threading_rules` sees it: created when its first mail was sent."""
    first = candidate.first_mail
    return CandidateFiling(
        reference=candidate.reference,
        office=candidate.recorded.office or "",
        sender=candidate.sender,
        incomplete=candidate.recorded.status in OPEN_STATUSES,
        created_at=first.registrant_time if first is not None else candidate.created_at,
        reply_message_ids=candidate.reply_message_ids,
    )


def place_mail(snapshot: FilingSnapshot) -> ThreadMatch:
    """The filing the mail joins by the threading rules (rule 2)."""
    mail = snapshot.mail
    return choose_filing(
        IncomingMail(
            subject=mail.subject,
            sender=sender_of(snapshot),
            received_at=mail.times.registrant_time,
            in_reply_to=mail.in_reply_to,
            references=" ".join(f"<{r}>" for r in mail.references),
            brings_documents=bool(snapshot.documents) or mail.large_link_count > 0,
        ),
        [candidate_filing(c) for c in snapshot.candidates],
    )


def accepted_filing_of_same_registrant(snapshot: FilingSnapshot) -> CandidateSnapshot | None:
    """The sender's newest accepted filing whose form names the registrant of the mail's form
    (rule 3, for a mail that quotes nothing we know)."""
    form = current_form(snapshot.documents)
    wanted = registrant_identity(form.fields) if form is not None else None
    if wanted is None:
        return None
    sender = sender_of(snapshot)
    accepted = sorted(
        (
            c
            for c in snapshot.candidates
            if c.sender == sender and c.recorded.status == FilingStatus.COMPLETE.value
        ),
        key=lambda c: c.key,
        reverse=True,
    )
    return next((c for c in accepted if last_form_identity(c.documents) == wanted), None)


def _is_changed_by(candidate: CandidateSnapshot, documents: tuple[DocumentSnapshot, ...]) -> bool:
    return candidate.recorded.status == FilingStatus.COMPLETE.value and form_changed(
        candidate.documents, documents
    )


@dataclass(frozen=True)
class _Target:
    """The filing the mail ends on, before the decision."""

    joined: CandidateSnapshot | None
    new_filing: NewFiling | None
    changes: bool
    received_by: str
    current: tuple[DocumentSnapshot, ...]
    original: tuple[DocumentSnapshot, ...]
    attachment_problems: tuple[str, ...]
    first_mail: MailTimes | None
    before: RecordedState


def _target(snapshot: FilingSnapshot, match: ThreadMatch) -> _Target:
    """Rules 3 and 4: the joined filing, or the new filing (a change or a first filing)."""
    documents = snapshot.documents
    joined = next((c for c in snapshot.candidates if c.reference == match.reference), None)
    if joined is not None and not _is_changed_by(joined, documents):
        return _Target(
            joined=joined,
            new_filing=None,
            changes=joined.changes,
            received_by=joined.received_by,
            current=joined.documents,
            original=joined.original_documents,
            attachment_problems=joined.attachment_problems,
            first_mail=joined.first_mail,
            before=joined.recorded,
        )
    changed = joined
    if changed is None:
        accepted = accepted_filing_of_same_registrant(snapshot)
        if accepted is not None and form_changed(accepted.documents, documents):
            changed = accepted
    received_by = snapshot.mail.office or snapshot.directory.home
    new_filing = NewFiling(
        received_by=received_by,
        office=(changed.recorded.office or received_by) if changed else received_by,
        change_of=changed.key if changed else None,
    )
    return _Target(
        joined=None,
        new_filing=new_filing,
        changes=changed is not None,
        received_by=received_by,
        current=(),
        original=changed.documents if changed else (),
        attachment_problems=(),
        first_mail=None,
        before=RecordedState(),
    )


def filing_facts(
    *,
    received_by: str,
    documents: tuple[DocumentSnapshot, ...],
    unreadable_attachments: tuple[str, ...],
    first_mail: MailTimes,
    link_count: int,
    nature: MailNature,
    directory: OfficeDirectory = XINGTAI,
) -> FilingFacts:
    """What `decide` reads of a filing (rule 6)."""
    form = current_form(documents)
    fields = dict(form.fields) if form else {}
    if fields.get("county_written"):
        fields["county"] = fields["county_written"]
    accounts = tuple(dict(a) for a in form.accounts) if form else ()
    broken = tuple(unreadable_attachment_facts(problem) for problem in unreadable_attachments)
    return FilingFacts(
        received_by=received_by,
        received=first_mail.registrant_time,
        fields=fields,
        accounts=accounts,
        documents=broken + tuple(document_facts(d) for d in documents),
        subject_type=fields.get("subject_type"),
        link_only_attachment=link_count > 0 and not any(d.readable for d in documents),
        nature=nature,
        directory=directory,
    )


def document_facts(document: DocumentSnapshot) -> DocumentFacts:
    """A document as `completeness` sees it: its kind and the numbers and name read from it."""
    values = document.fields
    return DocumentFacts(
        kind=document.kind.value,
        id_number=values.get("id_number"),
        credit_code=values.get("credit_code"),
        name=values.get("name") or values.get("subject_name"),
        unreadable=document.unreadable,
        registration_number=values.get("registration_number"),
    )


def unreadable_attachment_facts(problem: str) -> DocumentFacts:
    """An attachment nothing could be read from, as an unreadable document."""
    return DocumentFacts(kind=DocumentKind.OTHER.value, unreadable=problem)


def recorded_after(decision: Decision) -> RecordedState:
    """The values a filing records of a decision."""
    return RecordedState(
        status=decision.status.value,
        office=decision.office,
        missing=tuple(decision.missing),
        problems=tuple(decision.problems),
        reply=decision.reply.value,
        subject_type=decision.subject_type.value if decision.subject_type else None,
    )


def changed_values(before: RecordedState, after: RecordedState) -> dict[str, dict[str, object]]:
    """Each recorded value that differs, as ``{"from": …, "to": …}`` (rule 7)."""
    old, new = before.as_record(), after.as_record()
    return {k: {"from": old[k], "to": new[k]} for k in new if old[k] != new[k]}


def decide_filing(snapshot: FilingSnapshot) -> FilingOutcome:
    """Decide what one incoming mail does to the filings (see the module's rules)."""
    classified = classification(snapshot)
    nature = classified.nature
    suppress = addresses_to_suppress(snapshot)
    if nature.kind is not MailKind.FILING:
        return FilingOutcome(nature, suppress, signals=classified.signals)
    match = place_mail(snapshot)
    target = _target(snapshot, match)
    own = after_attaching(target.current, snapshot.documents)
    documents = with_borrowed_identity(own, target.original) if target.changes else own
    mail_times = snapshot.mail.times
    first = mail_times
    if target.first_mail is not None and target.first_mail.key < mail_times.key:
        first = target.first_mail
    decision = decide(
        filing_facts(
            received_by=target.received_by,
            documents=documents,
            unreadable_attachments=unreadable_attachments(
                (*target.attachment_problems, *snapshot.mail.attachment_problems)
            ),
            first_mail=first,
            link_count=snapshot.mail.large_link_count,
            nature=nature,
            directory=snapshot.directory,
        )
    )
    after = recorded_after(decision)
    return FilingOutcome(
        nature,
        suppress,
        Placement(
            thread=match,
            filing=target.joined.key if target.joined else None,
            new_filing=target.new_filing,
            attach=tuple(d.key for d in snapshot.documents),
            supersede=tuple(d.key for d in superseded_by(target.current, snapshot.documents)),
            change_filing=target.changes,
            decision=decision,
            recorded=after,
            filing_type=FilingType.CHANGE.value if target.changes else decision.filing_type.value,
            changed=changed_values(target.before, after),
        ),
        classified.signals,
    )


def decide_again(
    candidate: CandidateSnapshot, *, link_count: int = 0
) -> tuple[Decision, RecordedState, dict[str, dict[str, object]]]:
    """Decide a filing again on the documents it holds now, no mail arriving (a person
    corrected a field): rules 5-7 as for a mail, with nothing attached. Returns the decision,
    the values the filing now records and those that changed."""
    own = candidate.documents
    documents = (
        with_borrowed_identity(own, candidate.original_documents) if candidate.changes else own
    )
    first = candidate.first_mail or MailTimes(0, None, candidate.created_at)
    decision = decide(
        filing_facts(
            received_by=candidate.received_by,
            documents=documents,
            unreadable_attachments=unreadable_attachments(candidate.attachment_problems),
            first_mail=first,
            link_count=link_count,
            nature=MailNature(MailKind.FILING),
        )
    )
    after = recorded_after(decision)
    return decision, after, changed_values(candidate.recorded, after)
