"""The outcome vocabulary of the registration-form spec as stable codes.

Statuses, reply kinds, missing items, problems, subject and filing types, document kinds and
the form's field keys. JSON output, storage and templates all use these strings, so they
never change spelling. Missing items and problems are plain strings in results because two of
them are families (``field:<key>``, ``invalid:<key>``); the helpers below build them.
"""

from __future__ import annotations

from enum import StrEnum


class FilingStatus(StrEnum):
    """Where a filing stands."""

    COMPLETE = "complete"
    INCOMPLETE = "incomplete"
    UNREADABLE = "unreadable"
    IGNORED = "ignored"


class ReplyKind(StrEnum):
    """Which reply a decision calls for."""

    ACK = "ack"
    REQUEST_MISSING = "request_missing"
    TRANSFERRED = "transferred"
    NONE = "none"


class MissingDocument(StrEnum):
    """Documents a filing may lack (fields missing are ``field:<key>``)."""

    REGISTRATION_FORM = "registration_form"
    ID_CARD = "id_card"
    BUSINESS_LICENCE = "business_licence"


class Problem(StrEnum):
    """Problems with fixed names (field problems are ``invalid:<key>``)."""

    MISMATCH_ID_NUMBER = "mismatch:id_number"
    MISMATCH_CREDIT_CODE = "mismatch:credit_code"
    MISMATCH_SUBJECT_NAME = "mismatch:subject_name"
    LATE = "late"
    OUT_OF_SCOPE = "out_of_scope"
    LINK_ONLY_ATTACHMENT = "link_only_attachment"
    UNCERTAIN_COUNTY = "uncertain:county"
    ID_CARD_BACK_MISSING = "id_card_back_missing"


class SubjectType(StrEnum):
    """Who operates the account."""

    INDIVIDUAL = "individual"
    ORGANIZATION = "organization"


class FilingType(StrEnum):
    """A first filing or a change to an earlier one."""

    NEW = "new"
    CHANGE = "change"


class DocumentKind(StrEnum):
    """Document kinds as the parsers report them (same strings as ``parsers.model``)."""

    REGISTRATION_FORM = "registration_form"
    ID_CARD_FRONT = "id_card_front"
    ID_CARD_BACK = "id_card_back"
    BUSINESS_LICENCE = "business_licence"
    ORG_CODE_CERTIFICATE = "org_code_certificate"
    OTHER = "other"


class AttachmentProblem(StrEnum):
    """Problems the mail reader notes on an attachment that decisions act on (the reader's
    other problems are passed on as it words them)."""

    TINY_IMAGE = "tiny_image"


ACCOUNT_FIELDS: tuple[str, ...] = (
    "platform",
    "account_name",
    "account_id",
    "opened_on",
    "followers",
    "content",
)
REQUIRED_ACCOUNT_FIELDS: tuple[str, ...] = ("platform", "account_name", "account_id")

OPERATOR_FIELDS: tuple[str, ...] = (
    "subject_type",
    "subject_name",
    "credit_code",
    "id_number",
    "county",
    "address",
    "manager_name",
    "manager_id_number",
    "phone",
    "email",
    "filing_type",
    "filled_on",
)
REQUIRED_OPERATOR_FIELDS: dict[SubjectType, tuple[str, ...]] = {
    SubjectType.INDIVIDUAL: ("subject_type", "subject_name", "id_number", "county", "phone"),
    SubjectType.ORGANIZATION: (
        "subject_type",
        "subject_name",
        "credit_code",
        "county",
        "manager_name",
        "manager_id_number",
        "phone",
    ),
}
"""Required operator fields per subject type, in the order the form lists them."""


def missing_field(key: str) -> str:
    """The missing-item code for an empty required field, e.g. ``field:phone``."""
    return f"field:{key}"


def invalid_field(key: str) -> str:
    """The problem code for a field that fails its check, e.g. ``invalid:id_number``."""
    return f"invalid:{key}"


_INDIVIDUAL_WORDS = ("个人", "自然人", "individual", "person")
_ORGANIZATION_WORDS = (
    "企业",
    "单位",
    "公司",
    "事业单位",
    "社会组织",
    "机关",
    "组织",
    "团体",
    "个体工商户",
    "媒体",
    "政府",
    "organization",
    "organisation",
    "company",
)


def subject_type_from_text(text: str | None) -> SubjectType | None:
    """``individual`` for 个人, ``organization`` for 企业/单位/公司/…; None when unrecognised.

    A ticked box often arrives as ``☑个人 □企业``: a word preceded by a ticked mark wins.
    """
    if not text:
        return None
    lowered = text.strip().lower()
    for mark in ("☑", "√", "■", "✓", "✔", "☒"):
        at = lowered.find(mark)
        if at >= 0:
            ticked = subject_type_from_text(lowered[at + 1 : at + 6].lstrip("□☐ "))
            if ticked is not None:
                return ticked
    if any(word in lowered for word in _ORGANIZATION_WORDS):
        return SubjectType.ORGANIZATION
    if any(word in lowered for word in _INDIVIDUAL_WORDS):
        return SubjectType.INDIVIDUAL
    return None


def filing_type_from_text(text: str | None) -> FilingType | None:
    """``change`` for 变更, ``new`` for 首次备案/新开通/新增/空; None when unrecognised."""
    if text is None or not text.strip():
        return FilingType.NEW
    lowered = text.strip().lower()
    if "变更" in lowered or "更新" in lowered or lowered == "change":
        return FilingType.CHANGE
    if any(word in lowered for word in ("首次", "新开通", "新增", "新备案", "新", "new")):
        return FilingType.NEW
    return None
