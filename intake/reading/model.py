"""Values produced by the mail reader: the envelope, the attachments and the reading as a whole.

Everything here is a frozen dataclass or a `StrEnum`, so a reading can be compared, hashed and
passed to pure decision code without fear of it changing underneath.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


@dataclass(frozen=True)
class ReadLimits:
    """Bounds on how much work one message may cause."""

    max_attachments: int = 500
    max_depth: int = 10
    max_archive_total_bytes: int = 200 * 1024 * 1024
    max_archive_members: int = 500
    max_archive_depth: int = 3
    max_compression_ratio: int = 200
    tiny_image_bytes: int = 2048


class LimitCode(StrEnum):
    """A limit of `ReadLimits` (or of the pipeline) that a message hit; also an attachment
    problem code, so the registrant's reply and the office's digest name it."""

    TOO_MANY_ATTACHMENTS = "too_many_attachments"
    MIME_TOO_DEEP = "mime_too_deep"
    MESSAGE_TOO_LARGE = "message_too_large"


@dataclass(frozen=True)
class LimitHit:
    """One limit a message hit: which, its value, and a short display name for what was not
    read (shown to the registrant in place of a file name)."""

    code: LimitCode
    limit: int
    label: str


class AutoMarker(StrEnum):
    """Why a message counts as automatically generated (never to be answered)."""

    AUTO_SUBMITTED = "auto_submitted"
    PRECEDENCE = "precedence"
    X_AUTOREPLY = "x_autoreply"
    X_AUTORESPOND = "x_autorespond"
    OUT_OF_OFFICE_SUBJECT = "out_of_office_subject"


class AttachmentOrigin(StrEnum):
    """Where in the message an attachment was found."""

    ATTACHMENT = "attachment"
    INLINE = "inline"
    FORWARDED = "forwarded"
    ARCHIVE_MEMBER = "archive_member"


@dataclass(frozen=True)
class Address:
    """One mailbox: display name (decoded) and address (domain lower-cased)."""

    name: str
    addr: str


@dataclass(frozen=True)
class Envelope:
    """The header facts of a message that the pipeline decides on.

    `delivered_to` holds the Delivered-To and X-Original-To addresses (lower-cased), which name
    the mailbox that really received the message. `bounced_recipients` lists only recipients
    whose delivery failed (a delayed report names none).
    """

    from_: Address | None
    reply_to: tuple[Address, ...]
    to: tuple[Address, ...]
    cc: tuple[Address, ...]
    delivered_to: tuple[str, ...]
    subject: str
    date: datetime | None
    message_id: str | None
    in_reply_to: str | None
    references: tuple[str, ...]
    auto_reply: AutoMarker | None
    is_bounce: bool
    bounced_recipients: tuple[str, ...]
    header_signs: tuple[str, ...] = ()
    """Bulk and forgery signs of the headers (`intake.reading.bulk_signs`)."""


@dataclass(frozen=True)
class Attachment:
    """One file carried by a message, decoded, with where it came from.

    `name` is a safe display name (never a path to trust); archive members are named
    ``files.zip/id.jpg``. `container` names the archive or forwarded message holding the file.
    `problem` is a short code (``encrypted``, ``damaged``, ``too_large``, ``rar_unsupported``,
    ``too_many_members``, ``nested_too_deep``, ``ratio_exceeded``, ``too_many_attachments``,
    ``tiny_image``) when the file could not be fully read or is probably decoration.
    """

    name: str
    declared_type: str
    sniffed_type: str
    size: int
    sha256: str
    data: bytes
    origin: AttachmentOrigin
    container: str | None = None
    problem: str | None = None


@dataclass(frozen=True)
class LargeAttachmentLink:
    """A web-mail "large attachment" (超大附件): a link in the body instead of a MIME part."""

    provider: str
    file_name: str | None
    url: str | None
    size_text: str | None
    expires_text: str | None


@dataclass(frozen=True)
class MailReading:
    """Everything read from one raw message."""

    envelope: Envelope
    text: str
    attachments: tuple[Attachment, ...]
    large_links: tuple[LargeAttachmentLink, ...]
    defects: tuple[str, ...]
    limits_hit: tuple[LimitHit, ...] = ()
