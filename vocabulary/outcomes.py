"""Where a filing stands, which reply it gets and what is wrong with it, as stable codes.

JSON output, storage and templates all use these strings, so they never change spelling.
Problems are plain strings in results because one of them is a family (``invalid:<key>``,
see `vocabulary.fields`). The Chinese words are those the digests and status lines show.
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
    INFORMATION = "information"
    """The answer to a question: what to send and where, with no reference and no filing."""
    NONE = "none"


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


STATUS_WORDS: dict[str, str] = {
    "complete": "材料齐全",
    "incomplete": "待补充材料",
    "unreadable": "附件无法读取",
    "ignored": "非备案邮件",
    "transferred": "已转交",
    "quarantined": "待人工处理",
}
"""A filing's (or a mail's) status in Chinese, including the stored ``transferred`` and
``quarantined``."""

REPLY_KIND_WORDS: dict[str, str] = {
    "ack": "已回复（材料已收齐）",
    "request_missing": "已回复（请补充材料）",
    "transferred": "已回复（已转交）",
    "none": "未回复",
}
"""What was replied, in Chinese."""
