"""Which documents a filing stands on, and when a new form makes a change filing.

Rules.

- Newer copy wins. A filing keeps one registration form, one ID front, one ID back, one
  business licence and one organisation code certificate: a readable newer copy of one of
  these kinds supersedes the filing's older copies. Other documents add up.
- Current form. A filing's form is its newest readable registration form.
- Change filing. A form whose operator fields or account rows differ from those of an accepted
  filing's current form is a change to that filing, not a correction of it.
- Same registrant. A form names its registrant by the credit code, else the ID number.
- Borrowed identity. A change filing brings a new form; the identity documents of the filing it
  changes still stand unless the change brings newer ones of the same kind.
- Decoration. An inline image too small to hold a document (``tiny_image``) is no attachment:
  it neither makes a mail a filing nor counts as an unreadable document.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from routing.filing_snapshot import DocumentSnapshot
from vocabulary import AttachmentProblem, DocumentKind

SINGLE_KINDS: frozenset[DocumentKind] = frozenset(
    {
        DocumentKind.REGISTRATION_FORM,
        DocumentKind.ID_CARD_FRONT,
        DocumentKind.ID_CARD_BACK,
        DocumentKind.BUSINESS_LICENCE,
        DocumentKind.ORG_CODE_CERTIFICATE,
    }
)
"""Kinds a filing holds one of: a newer readable copy replaces the older."""


def is_decoration(problem: str | None) -> bool:
    """True for an attachment the reader judged decoration (a signature logo, say)."""
    return problem == AttachmentProblem.TINY_IMAGE


def counted_attachments(problems: Iterable[str | None]) -> int:
    """How many attachments could be documents, given each one's reader problem (or None)."""
    return sum(1 for problem in problems if not is_decoration(problem))


def unreadable_attachments(problems: Iterable[str | None]) -> tuple[str, ...]:
    """The problems of attachments that could not be read, decoration left out."""
    return tuple(p for p in problems if p is not None and not is_decoration(p))


def current_form(documents: Sequence[DocumentSnapshot]) -> DocumentSnapshot | None:
    """The last readable registration form among the documents, or None."""
    forms = [d for d in documents if d.is_readable_form]
    return forms[-1] if forms else None


def form_changed(old: Sequence[DocumentSnapshot], new: Sequence[DocumentSnapshot]) -> bool:
    """True when both sides hold a readable form and the new one differs in fields or accounts."""
    before, after = current_form(old), current_form(new)
    if before is None or after is None:
        return False
    return dict(before.fields) != dict(after.fields) or list(before.accounts) != list(
        after.accounts
    )


def registrant_identity(fields: Mapping[str, str]) -> str | None:
    """The number that names a registrant on a form: credit code, else ID number."""
    return fields.get("credit_code") or fields.get("id_number") or None


def last_form_identity(documents: Sequence[DocumentSnapshot]) -> str | None:
    """The registrant named by the last registration form, read or not (None without one)."""
    forms = [d for d in documents if d.kind is DocumentKind.REGISTRATION_FORM]
    return registrant_identity(forms[-1].fields) if forms else None


def superseded_by(
    current: Sequence[DocumentSnapshot], arriving: Sequence[DocumentSnapshot]
) -> tuple[DocumentSnapshot, ...]:
    """The filing's current documents that the arriving ones replace (newer copy wins)."""
    replaced = {d.kind for d in arriving if d.kind in SINGLE_KINDS and d.readable}
    return tuple(d for d in current if d.kind in replaced)


def after_attaching(
    current: Sequence[DocumentSnapshot], arriving: Sequence[DocumentSnapshot]
) -> tuple[DocumentSnapshot, ...]:
    """The filing's documents once the arriving ones joined it, in stored order."""
    gone = {d.key for d in superseded_by(current, arriving)}
    kept = {d.key: d for d in current if d.key not in gone}
    kept.update((d.key, d) for d in arriving if d.key not in gone)
    return tuple(kept[key] for key in sorted(kept))


def with_borrowed_identity(
    own: Sequence[DocumentSnapshot], original: Sequence[DocumentSnapshot]
) -> tuple[DocumentSnapshot, ...]:
    """A change filing's documents: the original's non-form documents of kinds the change does
    not bring, then the change's own."""
    own_kinds = {d.kind for d in own}
    borrowed = [
        d
        for d in original
        if d.kind is not DocumentKind.REGISTRATION_FORM and d.kind not in own_kinds
    ]
    return (*borrowed, *own)
