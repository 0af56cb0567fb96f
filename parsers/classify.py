"""Which kinds of document a page's text shows: form, ID card sides, licence, code certificate.

A page that shows both sides of an ID card is two documents, so `classify_text` returns a list.
"""

from __future__ import annotations

import re
import unicodedata

from vocabulary.documents import DocumentKind

_SPACES = re.compile(r"[\s\u3000]+")


def _plain(text: str) -> str:
    return _SPACES.sub("", unicodedata.normalize("NFKC", text))


def classify_text(text: str) -> list[DocumentKind]:
    """The document kinds the text shows, most specific first; [OTHER] when none."""
    plain = _plain(text)
    if _is_form(plain):
        return [DocumentKind.REGISTRATION_FORM]
    kinds: list[DocumentKind] = []
    if _is_licence(plain):
        kinds.append(DocumentKind.BUSINESS_LICENCE)
    elif _is_org_code_certificate(plain):
        kinds.append(DocumentKind.ORG_CODE_CERTIFICATE)
    if _is_id_front(plain):
        kinds.append(DocumentKind.ID_CARD_FRONT)
    if _is_id_back(plain):
        kinds.append(DocumentKind.ID_CARD_BACK)
    return kinds or [DocumentKind.OTHER]


FORM_LABEL_WORDS = (
    "账号名称",
    "主体类型",
    "注册主体",
    "账号主体性质",
    "主体名称",
    "单位名称",
    "身份证号",
    "证件号码",
    "联系电话",
    "手机号码",
    "所属区县",
    "所在县区",
    "所属县(市、区)",
    "统一社会信用代码",
    "组织机构代码",
    "开通时间",
    "注册时间",
    "开通日期",
    "粉丝数",
    "关注数",
    "粉丝量",
    "主要发布内容",
    "内容定位",
    "主要内容",
    "备案类型",
    "填表日期",
    "运维负责人",
    "电子邮箱",
    "联系地址",
    "通讯地址",
    "账号ID",
    "原始ID",
    "所属平台",
    "账号平台",
    "账号类型",
)


def _is_form(plain: str) -> bool:
    """A titled form with several of the form's labels, or an untitled one with many.

    The notice itself names the form (备案表) and a few of its fields, so the title alone or a
    couple of label words are not enough.
    """
    labels = sum(1 for word in FORM_LABEL_WORDS if word in plain.upper())
    titled = "备案表" in plain or "登记表" in plain
    return labels >= 5 if titled else labels >= 7


LICENCE_ANCHORS = (
    "统一社会信用代码",
    "注册号",
    "法定代表人",
    "注册资本",
    "成立日期",
    "营业期限",
    "经营范围",
    "住所",
)
ORG_CODE_ANCHORS = ("机构名称", "机构类型", "颁发单位", "登记号", "有效期", "法定代表人", "地址")


def _is_licence(plain: str) -> bool:
    """营业执照 with at least two of its printed anchors (a letter that only names it is not)."""
    anchors = sum(1 for word in LICENCE_ANCHORS if word in plain)
    return anchors >= 2 and ("营业执照" in plain or "统一社会信用代码" in plain)


def _is_org_code_certificate(plain: str) -> bool:
    """组织机构代码证 with at least two of its printed anchors."""
    anchors = sum(1 for word in ORG_CODE_ANCHORS if word in plain)
    return anchors >= 2 and ("代码证" in plain or "机构代码" in plain)


def _is_id_front(plain: str) -> bool:
    if "公民身份号码" in plain or "公民身份证号码" in plain:
        return True
    return "姓名" in plain and "出生" in plain and ("民族" in plain or "住址" in plain)


def _is_id_back(plain: str) -> bool:
    return "签发机关" in plain or "有效期限" in plain or "居民身份证" in plain
