"""Plain values that the pipeline hands to the notifications package and gets back.

Account lines and the reply context for the reply templates, and the rendered reply. They are
frozen dataclasses holding only strings and tuples (offices are `vocabulary.Office`), so the
package needs nothing of the store or of routing.
"""

from __future__ import annotations

from dataclasses import dataclass

from vocabulary.offices import Office
from vocabulary.outcomes import ReplyKind

REPLY_KINDS: tuple[ReplyKind, ...] = tuple(kind for kind in ReplyKind if kind is not ReplyKind.NONE)
"""The reply kinds that have templates (``none`` means no reply and has none)."""


@dataclass(frozen=True)
class AccountLine:
    """One account of a filing as read from the form."""

    platform: str
    account_name: str
    account_id: str


@dataclass(frozen=True)
class Reading:
    """What one source shows for a value that disagrees between the form and a document.

    `problem` is the mismatch code (``mismatch:id_number`` …), `source` says where it was read
    (``备案表`` or ``身份证复印件（身份证.jpg）``) and `value` is the value as read: ID numbers
    are masked when shown, as the digest masks them."""

    problem: str
    source: str
    value: str


@dataclass(frozen=True)
class ReplyContext:
    """Everything a reply says.

    `office` is the office replying; `holder` the office now holding the filing (for
    ``transferred``, or ``request_missing`` after a move). `missing` and `problems` are codes of
    the outcome vocabulary; `unreadable` pairs a file name with a reason code. `question` marks
    a mail that sent nothing yet (the reply lists everything needed). `received_on` and
    `reply_by` are date texts such as ``2020年5月10日``; `written_on` is the date under the
    signature (the received date when not given). `readings` says, for each mismatch, what
    the form and each document show, so the registrant can tell which one is wrong.
    """

    kind: str
    reference: str
    office: Office
    holder: Office | None
    subject_type: str | None
    registrant: str | None
    accounts: tuple[AccountLine, ...]
    missing: tuple[str, ...]
    problems: tuple[str, ...]
    unreadable: tuple[tuple[str, str], ...]
    question: bool
    received_on: str
    reply_by: str | None
    late: bool
    written_on: str | None = None
    readings: tuple[Reading, ...] = ()


@dataclass(frozen=True)
class RenderedReply:
    """A reply ready for composition: subject, plain-text part and HTML part."""

    subject: str
    text: str
    html: str
