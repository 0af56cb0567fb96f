"""The printed labels of the registration form and the canonical field key each one stands for.

Labels are compared after `label_form` has removed spaces (姓  名), colons, asterisks and
brackets' width, so 所属县(市、区): and 所属县（市、区）： are the same label.
"""

from __future__ import annotations

import re
import unicodedata

from vocabulary.fields import ACCOUNT_FIELDS, OPERATOR_FIELDS

ACCOUNT_KEYS = ACCOUNT_FIELDS
OPERATOR_KEYS = OPERATOR_FIELDS

LABELS: dict[str, tuple[str, ...]] = {
    "platform": ("平台", "所属平台", "账号类型", "账号平台", "平台名称", "注册平台", "发布平台"),
    "account_name": ("账号名称", "名称", "账号名", "账户名称", "昵称", "账号昵称"),
    "account_id": (
        "账号ID",
        "账号",
        "微信号",
        "原始ID",
        "主页链接",
        "链接",
        "账号链接",
        "账号id",
        "ID",
        "账号ID/链接",
        "账号ID(链接)",
        "账号主页链接",
    ),
    "opened_on": ("开通时间", "注册时间", "开通日期", "注册日期"),
    "followers": ("粉丝数", "关注数", "粉丝量", "粉丝数量", "关注人数", "粉丝"),
    "content": ("主要发布内容", "内容定位", "主要内容", "发布内容", "内容"),
    "subject_type": ("主体类型", "注册主体", "账号主体性质", "主体性质", "注册主体类型"),
    "subject_name": (
        "主体名称",
        "单位名称",
        "姓名",
        "个人姓名",
        "运营主体",
        "注册主体名称",
        "运营主体名称",
        "企业名称",
    ),
    "credit_code": ("统一社会信用代码", "组织机构代码", "信用代码", "社会信用代码"),
    "id_number": ("身份证号码", "身份证号", "证件号码", "公民身份号码", "身份证"),
    "county": (
        "所属县(市、区)",
        "所属县(市,区)",
        "所属县市区",
        "所属区县",
        "所在县区",
        "属地",
        "所属县区",
        "所在县(市、区)",
        "所属地区",
        "县(市、区)",
        "所在地",
    ),
    "address": ("联系地址", "通讯地址", "地址", "住址", "办公地址"),
    "manager_name": ("运维负责人", "运维负责人姓名", "负责人", "负责人姓名"),
    "manager_id_number": (
        "运维负责人身份证号码",
        "负责人身份证号",
        "负责人身份证号码",
        "运维负责人身份证号",
        "运维负责人身份证",
    ),
    "phone": ("联系电话", "手机", "手机号码", "电话", "手机号", "联系方式", "联系人电话"),
    "email": ("电子邮箱", "邮箱", "E-mail", "Email", "电子邮件", "邮箱地址"),
    "filing_type": ("备案类型",),
    "filled_on": ("填表日期", "日期", "填报日期", "填表时间"),
}

# Within a block headed 运维负责人, these keys belong to the manager.
MANAGER_SECTION_KEYS = {"subject_name": "manager_name", "id_number": "manager_id_number"}
MANAGER_SECTION_WORDS = ("运维负责人", "负责人信息", "运维人员")

_STRIP = re.compile(r"[\s\u3000:*＊★※\"“”‘’|｜]+")


def label_form(text: str) -> str:
    """The comparison form of a label: half-width, no spaces, colons or asterisks."""
    value = unicodedata.normalize("NFKC", text)
    value = _STRIP.sub("", value)
    return value.upper()


_BY_FORM: dict[str, str] = {
    label_form(label): key for key, labels in LABELS.items() for label in labels
}
_PAREN = re.compile(r"\([^)]*\)$")


def key_for_label(text: str) -> str | None:
    """The canonical key a cell's text names when the whole cell is a label, else None."""
    form = label_form(text)
    if not form or len(form) > 20:
        return None
    if form in _BY_FORM:
        return _BY_FORM[form]
    # a hint in brackets after the label: 粉丝数(万), 账号名称(必填)
    bare = _PAREN.sub("", form)
    if bare != form and bare in _BY_FORM:
        return _BY_FORM[bare]
    # numbered labels: 账号1名称 is rare; 1.平台 / ①平台 are common in lists
    unnumbered = re.sub(r"^[\d①-⑩]+[.、)]?", "", form)
    if unnumbered != form and unnumbered in _BY_FORM:
        return _BY_FORM[unnumbered]
    return None


def label_pattern() -> re.Pattern[str]:
    """A regex matching any label (spaces allowed between characters) followed by a colon."""
    variants = sorted(
        {label for labels in LABELS.values() for label in labels}, key=len, reverse=True
    )
    spaced = [r"[\s\u3000]*".join(_char_class(ch) for ch in variant) for variant in variants]
    return re.compile(r"(" + "|".join(spaced) + r")[\s\u3000]*[:：]", re.IGNORECASE)


_WIDTH_VARIANTS = {"(": "[(（]", ")": "[)）]", ",": "[,，]", "-": "[-－—]", "/": "[/／]"}


def _char_class(ch: str) -> str:
    """A regex for one label character that accepts its full-width form too."""
    if ch in _WIDTH_VARIANTS:
        return _WIDTH_VARIANTS[ch]
    if ch.isascii() and ch.isalnum():
        return f"[{ch}{chr(ord(ch) + 0xFEE0)}]"
    return re.escape(ch)


def is_manager_section(text: str) -> bool:
    """True for a section header such as 运维负责人信息 (not a label with a value of its own)."""
    form = label_form(text)
    return any(word in form for word in MANAGER_SECTION_WORDS)
