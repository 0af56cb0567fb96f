"""What a filing lacks and what is wrong with it, as a careful clerk would see it.

Inputs are plain values: the operator fields of the form, its account rows, and the
documents found (kind, plus the number and name read from an ID copy or a licence). Output is
the spec's vocabulary: missing items (``registration_form``, ``id_card``,
``business_licence``, ``field:<key>``) and problems (``invalid:<key>``, ``mismatch:…``,
``late``, ``link_only_attachment``, ``id_card_back_missing``).

Rules. An individual needs the form and an ID copy; an organisation needs the form, its
business licence (or the older organisation code certificate) and the operations manager's
ID copy. The front of an ID card satisfies ``id_card`` (it carries the number); a missing back
is only noted. A page showing both sides counts as both. Required fields are only asked for
when a form was sent (without one, ``registration_form`` says it all). An empty subject type
is inferred from a credit code or licence (organisation) or an ID number (individual).

Blocking. A filing is incomplete when an item is missing, a required field fails its check, or
an ID number or credit code on the form differs from the one on the document. Numbers are
compared only when both pass their checksums, so an OCR misreading never reads as a
mismatch. A name mismatch, lateness, a missing ID back and bad optional fields are problems a
person sees but that do not hold the filing up (OCR misreads names too often to ask on that
alone).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

from routing.characters import name_key
from routing.credit_code import check_credit_code, same_organisation
from routing.dates import parse_date
from routing.form_choices import filing_type_from_text, subject_type_from_text
from routing.identity import check_id_number
from routing.lateness import Lateness, check_lateness, shanghai_date
from routing.phones import check_phone
from routing.registration_number import (
    check_registration_number,
    looks_like_registration_number,
)
from routing.values import check_email, parse_followers
from vocabulary import (
    REQUIRED_ACCOUNT_FIELDS,
    REQUIRED_OPERATOR_FIELDS,
    DocumentKind,
    FilingType,
    MissingDocument,
    Problem,
    SubjectType,
    invalid_field,
    missing_field,
)

BLOCKING_PROBLEMS: frozenset[str] = frozenset(
    {Problem.MISMATCH_ID_NUMBER.value, Problem.MISMATCH_CREDIT_CODE.value}
)
BLOCKING_INVALID_KEYS: frozenset[str] = frozenset(
    {
        "subject_type",
        "id_number",
        "credit_code",
        "manager_id_number",
        "phone",
        "county",
    }
)
"""Fields whose failed check holds a filing up (when the field is required for its subject)."""

COMMON_REQUIRED_FIELDS: tuple[str, ...] = ("subject_type", "subject_name", "county", "phone")
"""Required fields when the subject type is not known."""


@dataclass(frozen=True)
class DocumentFacts:
    """One document of a filing as the parsers reported it.

    `kind` is a parsers document kind; `id_number`, `credit_code` and `name` are what was read
    from an ID copy or a licence (None when not read); `both_sides` marks an ID copy showing
    front and back on one page; `unreadable` holds the parsers' reason when nothing was read.
    """

    kind: str
    id_number: str | None = None
    credit_code: str | None = None
    name: str | None = None
    both_sides: bool = False
    registration_number: str | None = None
    unreadable: str | None = None


@dataclass(frozen=True)
class Completeness:
    """What a filing lacks and what is wrong with it.

    `field_reasons` pairs each ``invalid:<key>`` with the check's own reason (e.g.
    ``("id_number", "expired_15_digit")``) so a reply can be specific. `readable` is False when
    no document could be read at all.
    """

    subject_type: SubjectType | None
    filing_type: FilingType
    missing: tuple[str, ...]
    problems: tuple[str, ...]
    field_reasons: tuple[tuple[str, str], ...]
    lateness: Lateness | None
    readable: bool

    @property
    def blocking(self) -> bool:
        """True when the filing cannot be accepted as it stands."""
        return bool(self.missing) or any(is_blocking(p, self.subject_type) for p in self.problems)


def is_blocking(problem: str, subject_type: SubjectType | None) -> bool:
    """Whether a problem holds a filing up (see the module's rules)."""
    if problem in BLOCKING_PROBLEMS:
        return True
    key = problem.removeprefix("invalid:")
    if key == problem or key not in BLOCKING_INVALID_KEYS:
        return False
    if key in ("subject_type", "phone", "county"):
        return True
    required = REQUIRED_OPERATOR_FIELDS.get(subject_type) if subject_type else None
    return required is None or key in required


def _value(fields: Mapping[str, str], key: str) -> str:
    return (fields.get(key) or "").strip()


def infer_subject_type(
    written: str | None, fields: Mapping[str, str], documents: Sequence[DocumentFacts]
) -> SubjectType | None:
    """The subject type as written, else inferred from a credit code, licence or ID number."""
    explicit = subject_type_from_text(written or _value(fields, "subject_type"))
    if explicit is not None:
        return explicit
    kinds = {document.kind for document in documents}
    if _value(fields, "credit_code") or kinds & {
        DocumentKind.BUSINESS_LICENCE.value,
        DocumentKind.ORG_CODE_CERTIFICATE.value,
    }:
        return SubjectType.ORGANIZATION
    if _value(fields, "id_number"):
        return SubjectType.INDIVIDUAL
    return None


def missing_documents(
    subject_type: SubjectType | None, documents: Sequence[DocumentFacts]
) -> tuple[list[str], list[str]]:
    """Missing document items and document notes (a missing ID back)."""
    readable = [d for d in documents if d.unreadable is None]
    kinds = {d.kind for d in readable}
    both_sides = any(d.both_sides for d in readable)
    has_front = both_sides or DocumentKind.ID_CARD_FRONT.value in kinds
    has_back = both_sides or DocumentKind.ID_CARD_BACK.value in kinds
    missing: list[str] = []
    notes: list[str] = []
    if DocumentKind.REGISTRATION_FORM.value not in kinds:
        missing.append(MissingDocument.REGISTRATION_FORM.value)
    if subject_type is SubjectType.ORGANIZATION and not kinds & {
        DocumentKind.BUSINESS_LICENCE.value,
        DocumentKind.ORG_CODE_CERTIFICATE.value,
    }:
        missing.append(MissingDocument.BUSINESS_LICENCE.value)
    if not has_front:
        missing.append(MissingDocument.ID_CARD.value)
    elif not has_back:
        notes.append(Problem.ID_CARD_BACK_MISSING.value)
    return missing, notes


def missing_fields(
    subject_type: SubjectType | None,
    fields: Mapping[str, str],
    accounts: Sequence[Mapping[str, str]],
) -> list[str]:
    """``field:<key>`` for every required field left empty (accounts: any row lacking it)."""
    required = REQUIRED_OPERATOR_FIELDS[subject_type] if subject_type else COMMON_REQUIRED_FIELDS
    missing = [
        missing_field(key)
        for key in required
        if not _value(fields, key) and not (key == "subject_type" and subject_type)
    ]
    rows = list(accounts) or [{}]
    for key in REQUIRED_ACCOUNT_FIELDS:
        if any(not _value(row, key) for row in rows):
            missing.append(missing_field(key))
    return missing


def _reason_of(key: str, text: str, today: date | None) -> str | None:
    """The failing check's reason for one operator field's value, or None when it passes."""
    if key == "subject_type":
        return None if subject_type_from_text(text) else "unrecognised"
    if key == "filing_type":
        return None if filing_type_from_text(text) else "unrecognised"
    reason: StrEnum | None = None
    if key in ("id_number", "manager_id_number"):
        reason = check_id_number(text, today=today).reason
    elif key == "credit_code" and looks_like_registration_number(text):
        # a pre-2015 licence's 15-digit 注册号 written where the credit code goes: its own check
        reason = check_registration_number(text).reason
    elif key == "credit_code":
        reason = check_credit_code(text).reason
    elif key == "phone":
        reason = check_phone(text).reason
    elif key == "email":
        reason = check_email(text).reason
    return reason.value if reason is not None else None


CHECKED_FIELDS: tuple[str, ...] = (
    "subject_type",
    "credit_code",
    "id_number",
    "manager_id_number",
    "phone",
    "email",
    "filing_type",
)
"""Operator fields with a value check (dates are checked separately)."""


def _field_checks(
    fields: Mapping[str, str], accounts: Sequence[Mapping[str, str]], today: date | None
) -> list[tuple[str, str]]:
    """(key, reason) for every filled field that fails its check."""
    failures: list[tuple[str, str]] = []
    for key in CHECKED_FIELDS:
        text = _value(fields, key)
        if text and (reason := _reason_of(key, text, today)) is not None:
            failures.append((key, reason))
    rows: list[Mapping[str, str]] = [fields, *accounts]
    for key in ("opened_on", "filled_on"):
        failures.extend(_date_failures(key, rows, today))
    for row in accounts:
        followers = parse_followers(_value(row, "followers"))
        if _value(row, "followers") and followers.reason is not None:
            failures.append(("followers", followers.reason.value))
    return list(dict.fromkeys(failures))


def _date_failures(
    key: str, rows: Sequence[Mapping[str, str]], today: date | None
) -> list[tuple[str, str]]:
    failures: list[tuple[str, str]] = []
    for row in rows:
        if not _value(row, key):
            continue
        reading = parse_date(row[key])
        if reading.reason is not None:
            failures.append((key, reading.reason.value))
        elif today is not None and reading.value is not None and reading.value > today:
            failures.append((key, "after_received"))
    return failures


def cross_check(
    subject_type: SubjectType | None,
    fields: Mapping[str, str],
    documents: Sequence[DocumentFacts],
) -> list[str]:
    """Mismatches between the form and the documents (only between checksum-valid numbers)."""
    problems: list[str] = []
    id_key = "manager_id_number" if subject_type is SubjectType.ORGANIZATION else "id_number"
    expected = check_id_number(_value(fields, id_key))
    fronts = [d for d in documents if d.kind == DocumentKind.ID_CARD_FRONT.value or d.both_sides]
    read = [check_id_number(d.id_number) for d in fronts if d.id_number]
    read_valid = [r.value for r in read if r.valid]
    if expected.valid and read_valid and expected.value not in read_valid:
        problems.append(Problem.MISMATCH_ID_NUMBER.value)
    papers = [
        d
        for d in documents
        if d.kind in (DocumentKind.BUSINESS_LICENCE.value, DocumentKind.ORG_CODE_CERTIFICATE.value)
    ]
    verdicts = [_same_registrant(_value(fields, "credit_code"), d) for d in papers]
    known = [verdict for verdict in verdicts if verdict is not None]
    if known and not any(known):
        problems.append(Problem.MISMATCH_CREDIT_CODE.value)
    name_sources = papers if subject_type is SubjectType.ORGANIZATION else fronts
    if subject_type is not None and _names_differ(_value(fields, "subject_name"), name_sources):
        problems.append(Problem.MISMATCH_SUBJECT_NAME.value)
    return problems


def _same_registrant(written: str, paper: DocumentFacts) -> bool | None:
    """Whether the form's code names the licence's organisation: credit codes by
    `same_organisation`, a 15-digit 注册号 against the licence's own (None when unknown)."""
    if looks_like_registration_number(written):
        mine = check_registration_number(written)
        theirs = check_registration_number(paper.registration_number)
        if mine.valid and theirs.valid:
            return mine.value == theirs.value
        return None
    return same_organisation(written, paper.credit_code)


def _names_differ(subject_name: str, documents: Sequence[DocumentFacts]) -> bool:
    names = [name_key(d.name) for d in documents if d.name and d.name.strip()]
    return bool(subject_name and names) and name_key(subject_name) not in names


def _lateness(
    fields: Mapping[str, str],
    accounts: Sequence[Mapping[str, str]],
    filing_type: FilingType,
    received: datetime | date | None,
) -> Lateness | None:
    if received is None:
        return None
    changed_on = parse_date(_value(fields, "changed_on")).value
    opened = [parse_date(_value(row, "opened_on")).value for row in (fields, *accounts)]
    judged = [check_lateness(filing_type, received, day, changed_on) for day in opened if day]
    if not judged:
        return check_lateness(filing_type, received, None, changed_on)
    return max(judged, key=lambda lateness: lateness.days_late)


def check_completeness(
    subject_type: str | None,
    fields: Mapping[str, str],
    documents: Sequence[DocumentFacts],
    *,
    accounts: Sequence[Mapping[str, str]] = (),
    received: datetime | date | None = None,
    link_only_attachment: bool = False,
) -> Completeness:
    """Judge a filing's documents and fields; `received` (Asia/Shanghai) enables date checks."""
    kind = infer_subject_type(subject_type, fields, documents)
    filing_type = filing_type_from_text(_value(fields, "filing_type")) or FilingType.NEW
    today = shanghai_date(received) if received is not None else None
    missing, notes = missing_documents(kind, documents)
    has_form = MissingDocument.REGISTRATION_FORM.value not in missing
    failures = _field_checks(fields, accounts, today) if has_form else []
    if has_form:
        missing.extend(missing_fields(kind, fields, accounts))
    if kind is not None:
        failures = [failure for failure in failures if failure[0] != "subject_type"]
    problems = [invalid_field(key) for key, _ in failures]
    problems.extend(cross_check(kind, fields, documents))
    lateness = _lateness(fields, accounts, filing_type, received) if has_form else None
    if lateness is not None and lateness.late:
        problems.append(Problem.LATE.value)
    if link_only_attachment:
        problems.append(Problem.LINK_ONLY_ATTACHMENT.value)
    problems.extend(notes)
    readable = any(d.unreadable is None for d in documents)
    return Completeness(
        subject_type=kind,
        filing_type=filing_type,
        missing=tuple(dict.fromkeys(missing)),
        problems=tuple(dict.fromkeys(problems)),
        field_reasons=tuple(failures),
        lateness=lateness,
        readable=readable,
    )
