"""The registration form's field keys, which are required for whom, and their Chinese labels.

Field keys are the canonical keys of the registration-form spec: the parsers report them,
routing checks them, the replies name them. Missing fields are ``field:<key>`` and fields that
fail their check ``invalid:<key>``; `missing_field` and `invalid_field` build those codes.
"""

from __future__ import annotations

from vocabulary.subjects import SubjectType

ACCOUNT_FIELDS: tuple[str, ...] = (
    "platform",
    "account_name",
    "account_id",
    "opened_on",
    "followers",
    "content",
)
"""Fields of one account line of the form."""

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
"""Fields about who operates the accounts, in the form's order."""

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

FIELD_LABELS: dict[str, str] = {
    "platform": "平台",
    "account_name": "账号名称",
    "account_id": "账号ID",
    "opened_on": "开通时间",
    "followers": "粉丝数",
    "content": "主要发布内容",
    "subject_type": "主体类型",
    "subject_name": "主体名称",
    "credit_code": "统一社会信用代码",
    "registration_number": "注册号",
    "id_number": "身份证号码",
    "county": "所属县（市、区）",
    "address": "联系地址",
    "manager_name": "运维负责人",
    "manager_id_number": "运维负责人身份证号码",
    "phone": "联系电话",
    "email": "电子邮箱",
    "filing_type": "备案类型",
    "filled_on": "填表日期",
    "changed_on": "变更日期",
}
"""The form's Chinese label for every canonical field key."""

MISSING_FIELD_PREFIX = "field:"
INVALID_FIELD_PREFIX = "invalid:"


def missing_field(key: str) -> str:
    """The missing-item code for an empty required field, e.g. ``field:phone``."""
    return f"{MISSING_FIELD_PREFIX}{key}"


def invalid_field(key: str) -> str:
    """The problem code for a field that fails its check, e.g. ``invalid:id_number``."""
    return f"{INVALID_FIELD_PREFIX}{key}"
