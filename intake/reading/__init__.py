"""The mail reader: raw RFC 5322 bytes to an envelope, best text, attachments and links.

`read_message` is the entry point; the values it returns are defined in `model`.
"""

from intake.reading.charsets import codec_for, decode_bytes, decode_header_bytes
from intake.reading.message import read_message
from intake.reading.model import (
    Address,
    Attachment,
    AttachmentOrigin,
    AutoMarker,
    Envelope,
    LargeAttachmentLink,
    LimitCode,
    LimitHit,
    MailReading,
    ReadLimits,
)

__all__ = [
    "Address",
    "Attachment",
    "AttachmentOrigin",
    "AutoMarker",
    "Envelope",
    "LargeAttachmentLink",
    "LimitCode",
    "LimitHit",
    "MailReading",
    "ReadLimits",
    "codec_for",
    "decode_bytes",
    "decode_header_bytes",
    "read_message",
]
