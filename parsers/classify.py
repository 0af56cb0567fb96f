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
    """The document kinds the text shows, most specific first; [OTHER] when none.

    A kind needs several of its printed anchors, not one word that other papers print too
    (有效期限 is on a social security card, 姓名 出生 民族 on any personal form), and the papers
    people attach by mistake (`look_alike`) are `other` whatever ID words they carry.
    """
    plain = _plain(text)
    if _is_form(plain):
        return [DocumentKind.REGISTRATION_FORM]
    if look_alike(text) is not None:
        return [DocumentKind.OTHER]
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


LOOK_ALIKES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "social_security_card": (
        ("社会保障卡", "社保卡"),
        ("社会保障号码", "社会保障卡号", "发卡日期"),
    ),
    "bank_card": (
        ("银联", "UNIONPAY", "借记卡", "信用卡", "储蓄卡"),
        ("银行", "卡号", "VALIDTHRU"),
    ),
    "driving_licence": (("驾驶证", "准驾车型", "行驶证"), ("初次领证", "证号", "档案编号")),
    "household_register": (
        ("常住人口登记卡", "居民户口簿", "户口簿"),
        ("户主或与户主关系", "户口登记机关", "出生地", "户号"),
    ),
    "passport": (("护照", "PASSPORT"), ("PASSPORTNO", "DATEOFEXPIRY", "国家移民管理局")),
    "train_ticket": (
        ("限乘当日当次车", "二等座", "一等座", "硬座", "硬卧"),
        ("检票", "车次", "开"),
    ),
    "personal_information_form": (
        ("个人信息登记表", "个人简历", "信息采集表", "入职登记表"),
        ("政治面貌", "籍贯", "学历", "工作单位", "毕业院校", "婚姻状况"),
    ),
}
"""Papers people attach instead of an ID card or licence: for each, words that name it and
words printed on it. One naming word, or two printed words, make the paper that kind."""


def look_alike(text: str) -> str | None:
    """Which paper attached by mistake the text shows (``social_security_card`` …), if any."""
    plain = _plain(text).upper()
    for name, (titles, printed) in LOOK_ALIKES.items():
        if any(word in plain for word in titles):
            return name
        if sum(1 for word in printed if len(word) > 1 and word in plain) >= 2:
            return name
    return None


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


ID_FRONT_ANCHORS = ("姓名", "性别", "民族", "出生", "住址")
_ID_NUMBER = re.compile(r"(?<![0-9])[1-9][0-9]{16}[0-9Xx](?![0-9])")


def _has_id_number(plain: str) -> bool:
    from parsers.values import id_number_valid

    return any(id_number_valid(m.group(0).upper()) for m in _ID_NUMBER.finditer(plain))


def _is_id_front(plain: str) -> bool:
    """The number's label with another anchor, four of the printed anchors, or a valid ID
    number in a short text (a small or blurred card photo, where the labels are lost first)."""
    anchors = sum(1 for word in ID_FRONT_ANCHORS if word in plain)
    labelled = "公民身份号码" in plain or "公民身份证号码" in plain
    if labelled and (anchors >= 1 or _has_id_number(plain)):
        return True
    if anchors >= 4 and "住址" in plain:
        return True
    return len(plain) < 160 and _has_id_number(plain)


def _is_id_back(plain: str) -> bool:
    """签发机关 or 居民身份证, or the validity period with the republic's name."""
    if "签发机关" in plain or "居民身份证" in plain:
        return True
    return "有效期限" in plain and "中华人民共和国" in plain
