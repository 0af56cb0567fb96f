"""What a document is, and which documents a filing may lack, as stable codes.

The parsers report every document as a `DocumentKind`; routing counts them; JSON output and
storage keep the strings, so they never change spelling.
"""

from __future__ import annotations

from enum import StrEnum


class DocumentKind(StrEnum):
    """What a document is, in the outcome vocabulary of the spec."""

    REGISTRATION_FORM = "registration_form"
    ID_CARD_FRONT = "id_card_front"
    ID_CARD_BACK = "id_card_back"
    BUSINESS_LICENCE = "business_licence"
    ORG_CODE_CERTIFICATE = "org_code_certificate"
    OTHER = "other"


class MissingDocument(StrEnum):
    """Documents a filing may lack (fields missing are ``field:<key>``)."""

    REGISTRATION_FORM = "registration_form"
    ID_CARD = "id_card"
    BUSINESS_LICENCE = "business_licence"


class AttachmentProblem(StrEnum):
    """Problems the mail reader notes on an attachment that decisions act on (the reader's
    other problems are passed on as it words them)."""

    TINY_IMAGE = "tiny_image"
