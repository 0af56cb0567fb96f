"""The whole decision on a filing: office, status, what is missing, problems and the reply.

`decide` combines the other modules: the mail's nature (`not_a_filing`), completeness and
cross-checks (`completeness`), jurisdiction (`jurisdiction`) and scope (`scope`). It is the one
function the pipeline calls after merging a filing's documents.

Holding office. A certain jurisdiction decides which office holds the filing. An uncertain
one (a weak short form like 清河 alone) leaves the filing with the office whose mailbox got it,
with the best guess in `suggested_office` and ``uncertain:county`` among the problems, so a
person there decides; moving it on a guess would send it where nobody expects it.

Reply. Incomplete and unreadable filings get ``request_missing`` (a reply that also says who
now holds the filing when it moved); a complete filing that moved gets ``transferred``; a
complete filing that stayed gets ``ack``; ignored mail gets nothing. The pipeline no longer
brings questions here (they open no filing: `routing.mail_classifier`, and the information
reply); a question given to `decide` still gets ``request_missing`` with everything needed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime

from routing.completeness import DocumentFacts, check_completeness, is_blocking
from routing.jurisdiction import JurisdictionDecision, county_to_office, decide_office
from routing.lateness import Lateness
from routing.not_a_filing import IgnoreReason, MailKind, MailNature
from routing.scope import in_scope
from vocabulary import (
    DocumentKind,
    FilingStatus,
    FilingType,
    MissingDocument,
    Problem,
    ReplyKind,
    SubjectType,
)
from vocabulary.offices import OFFICE_CODES, XINGTAI, OfficeDirectory

EVERYTHING_NEEDED: tuple[str, ...] = (
    MissingDocument.REGISTRATION_FORM.value,
    MissingDocument.ID_CARD.value,
    MissingDocument.BUSINESS_LICENCE.value,
)
"""What a question is told to send (the licence only for organisations, as templates say)."""

A_FILING = MailNature(MailKind.FILING)
"""The nature of a mail that brings documents (the default)."""


@dataclass(frozen=True)
class FilingFacts:
    """Everything known about a filing after its documents were merged.

    `received_by` is the code of the office whose mailbox got the (first) mail; `received` the
    time it arrived; `fields` the form's operator fields and `accounts` its account rows (keys
    of the registration-form spec); `documents` what the parsers found; `directory` the
    offices the deployment serves (the notice's 21 unless the config lists others).
    """

    received_by: str
    received: datetime | date | None = None
    fields: Mapping[str, str] = field(default_factory=dict)
    accounts: tuple[Mapping[str, str], ...] = ()
    documents: tuple[DocumentFacts, ...] = ()
    subject_type: str | None = None
    link_only_attachment: bool = False
    nature: MailNature = A_FILING
    directory: OfficeDirectory = XINGTAI


@dataclass(frozen=True)
class Decision:
    """The outcome for a filing, in the spec's vocabulary."""

    office: str
    status: FilingStatus
    reply: ReplyKind
    missing: tuple[str, ...] = ()
    problems: tuple[str, ...] = ()
    subject_type: SubjectType | None = None
    filing_type: FilingType = FilingType.NEW
    transferred: bool = False
    suggested_office: str | None = None
    jurisdiction: JurisdictionDecision | None = None
    lateness: Lateness | None = None
    field_reasons: tuple[tuple[str, str], ...] = ()
    ignored_reason: IgnoreReason | None = None


def _id_hint(facts: FilingFacts) -> str | None:
    for key in ("id_number", "manager_id_number"):
        if (facts.fields.get(key) or "").strip():
            return facts.fields[key]
    return next((d.id_number for d in facts.documents if d.id_number), None)


def _status(facts: FilingFacts, blocking: bool, readable: bool) -> FilingStatus:
    if not readable and (facts.documents or facts.link_only_attachment):
        return FilingStatus.UNREADABLE
    return FilingStatus.INCOMPLETE if blocking else FilingStatus.COMPLETE


def _reply(status: FilingStatus, transferred: bool) -> ReplyKind:
    if status in (FilingStatus.INCOMPLETE, FilingStatus.UNREADABLE):
        return ReplyKind.REQUEST_MISSING
    if status is FilingStatus.COMPLETE:
        return ReplyKind.TRANSFERRED if transferred else ReplyKind.ACK
    return ReplyKind.NONE


def decide(facts: FilingFacts) -> Decision:
    """Decide a filing (or a mail that is none); see the module's rules."""
    home = facts.directory.home_of(facts.received_by)
    if facts.nature.kind is MailKind.IGNORED:
        reason = facts.nature.reason or IgnoreReason.NO_FILING_SIGNS
        return Decision(home, FilingStatus.IGNORED, ReplyKind.NONE, ignored_reason=reason)
    if facts.nature.kind is MailKind.QUESTION:
        return Decision(
            home, FilingStatus.INCOMPLETE, ReplyKind.REQUEST_MISSING, missing=EVERYTHING_NEEDED
        )
    completeness = check_completeness(
        facts.subject_type,
        facts.fields,
        facts.documents,
        accounts=facts.accounts,
        received=facts.received,
        link_only_attachment=facts.link_only_attachment,
    )
    county = facts.fields.get("county")
    address = facts.fields.get("address")
    jurisdiction = decide_office(
        county, address, _id_hint(facts), facts.received_by, facts.directory
    )
    problems = [*completeness.problems, *jurisdiction.problems]
    has_form = any(
        d.kind == DocumentKind.REGISTRATION_FORM.value and d.unreadable is None
        for d in facts.documents
    )
    account_names = [row.get("account_name") or "" for row in facts.accounts]
    county_office = county_to_office(county).office
    notice_applies = home in OFFICE_CODES  # the notice's scope is Xingtai's, not another place's
    if has_form and notice_applies and not in_scope(account_names, county_office, address):
        problems.append(Problem.OUT_OF_SCOPE.value)
    problems = list(dict.fromkeys(problems))
    office = home if jurisdiction.uncertain else jurisdiction.office
    suggested = jurisdiction.office if jurisdiction.uncertain else None
    blocking = bool(completeness.missing) or any(
        is_blocking(problem, completeness.subject_type) for problem in problems
    )
    status = _status(facts, blocking, completeness.readable)
    transferred = office != home
    return Decision(
        office=office,
        status=status,
        reply=_reply(status, transferred),
        missing=completeness.missing,
        problems=tuple(problems),
        subject_type=completeness.subject_type,
        filing_type=completeness.filing_type,
        transferred=transferred,
        suggested_office=suggested,
        jurisdiction=jurisdiction,
        lateness=completeness.lateness,
        field_reasons=completeness.field_reasons,
    )
