"""Chinese wording for the outcome vocabulary, as registrants and office staff read it.

Every missing-item, problem and unreadable-attachment code the pipeline reports is turned into a
phrase here, naming documents the way the notice does (本人身份证复印件, 运维负责人身份证复印件,
组织机构代码证或工商执照复印件, 《邢台市新媒体账号登记备案表》). A code nobody foresaw still gets
a generic Chinese phrase, never the raw code. Words of the domain shared with other packages
(field labels, status and reply-kind words, office and area names) are `vocabulary`'s; this
module keeps the phrasing of replies and digests, and `clean_text`, which makes a registrant's
value safe to show in a line of text.
"""

from __future__ import annotations

import re
import unicodedata

from vocabulary.areas import AREA_LABELS
from vocabulary.documents import MissingDocument
from vocabulary.fields import FIELD_LABELS
from vocabulary.offices import OFFICE_NAMES
from vocabulary.outcomes import REPLY_KIND_WORDS, STATUS_WORDS

REGISTRATION_FORM = "《邢台市新媒体账号登记备案表》"

_INVALID_PHRASES: dict[str, str] = {
    "credit_code": "统一社会信用代码校验不通过，请核对后重新填写",
    "id_number": "身份证号码校验不通过，请核对后重新填写",
    "manager_id_number": "运维负责人身份证号码校验不通过，请核对后重新填写",
    "phone": "联系电话格式不正确，请填写手机号码或0319开头的固定电话",
    "email": "电子邮箱格式不正确",
    "opened_on": "开通时间不是有效日期（或晚于来信日期）",
    "filled_on": "填表日期不是有效日期（或晚于来信日期）",
    "changed_on": "变更日期不是有效日期",
    "followers": "粉丝数不是有效数字",
    "subject_type": "主体类型无法识别，请注明“个人”或“企业/单位”",
    "filing_type": "备案类型无法识别，请注明“首次备案”或“变更”",
    "county": "所属县（市、区）无法识别，请填写邢台市所辖县（市、区）名称",
    "platform": "平台名称无法识别",
}

_PROBLEM_PHRASES: dict[str, str] = {
    "mismatch:id_number": "身份证复印件上的号码与备案表不一致，请核对",
    "mismatch:credit_code": "营业执照（或组织机构代码证）上的统一社会信用代码与备案表不一致，请核对",
    "mismatch:subject_name": "营业执照（或组织机构代码证）上的名称与备案表中填写的单位名称不一致，请核对",
    "late": "本次备案已超过规定的备案期限",
    "out_of_scope": "所报账号可能不属于本次登记备案范围，工作人员将进一步核实",
    "link_only_attachment": "邮件中的超大附件只是一个下载链接，本办无法打开，请将文件本身作为附件发送",
    "uncertain:county": "暂时无法确定账号所属县（市、区），请在备案表中写明",
    "id_card_back_missing": "身份证复印件缺少国徽面，请一并提供正反两面",
}

_UNREADABLE_PHRASES: dict[str, str] = {
    "encrypted": "文件设有密码（已加密），请去除密码后重新发送",
    "damaged": "文件已损坏，无法打开，请重新生成后发送",
    "empty": "文件内容为空",
    "too_large": "文件过大，请压缩或分开发送",
    "link_only": "只是一个下载链接，本办无法打开，请将文件本身作为附件发送",
    "unsupported": "文件格式无法识别，请使用 Word、Excel、PDF 或 JPG/PNG 图片",
    "rar_unsupported": "RAR 压缩包无法解压，请改用 ZIP 格式或直接发送文件",
    "timeout": "文件处理超时，请发送更清晰、更小的扫描件或照片",
    "too_much_memory": "文件处理所需内存超出上限，请发送更小的扫描件或照片",
    "reader_died": "文件读取时出错中断，请另存为 PDF 或图片后重新发送",
    "too_many_pixels": "图片尺寸过大，请缩小后重新发送",
    "too_many_pages": "文件页数过多，请只发送备案所需的页面",
    "too_many_members": "压缩包内文件过多，请只放入备案所需的材料",
    "nested_too_deep": "压缩包层层嵌套，请直接发送文件",
    "ratio_exceeded": "压缩包解压后过大，请直接发送文件",
    "too_many_attachments": "附件数量过多，超出的部分未读取，请只发送备案所需的材料",
    "mime_too_deep": "邮件层层转发、嵌套过深，深处的内容未读取，请将材料直接作为附件发送",
    "message_too_large": "邮件过大，其中的附件未读取，请压缩图片或分几封邮件发送",
    "tiny_image": "图片过小，看不清内容",
    "converter_missing": "文件格式暂时无法读取，请另存为 PDF 或 Excel 后发送",
}
_UNREADABLE_FALLBACK = "文件无法读取，请检查后重新发送"

LIMIT_WORDS: dict[str, str] = {
    "message_too_large": "邮件超过大小上限，附件未读取",
    "too_many_attachments": "附件数量超过上限，其余未读取",
    "mime_too_deep": "邮件嵌套层数超过上限，深处内容未读取",
    "too_many_members": "压缩包内文件数超过上限，其余未读取",
    "ratio_exceeded": "压缩包压缩比异常（疑似压缩炸弹），未解压",
    "nested_too_deep": "压缩包嵌套层数超过上限，未解压",
    "too_large": "文件超过大小上限，未读取",
    "too_many_pages": "文件页数超过上限，其余页未读取",
    "too_many_pixels": "图片像素超过上限（疑似解压炸弹），未读取",
    "timeout": "文件处理超时，未读完",
    "too_much_memory": "文件处理所需内存超出上限，未读完",
    "reader_died": "读取文件的进程异常退出，未读完",
}
"""Each limit code in words for office staff (the digest's 超出处理上限 lines)."""

ATTENTION_WORDS: dict[str, str] = {
    "quarantined": "邮件处理失败，已隔离",
    "uncertain_mail": "来信待人工判断",
    "uncertain_county": "属地不确定",
    "mismatch": "证件与备案表不一致",
    "out_of_scope": "可能不属于备案范围",
    "failed_send": "回复发送失败",
    "unreadable": "附件无法读取",
    "login_broken": "邮箱登录失败",
    "stopped_today": "今日发信已达上限",
    "limit": "超出处理上限",
}

IGNORED_WORDS: dict[str, str] = {
    "auto_reply": "自动回复",
    "bounce": "退信",
    "own_reply": "本办发出的邮件",
    "mailer_daemon": "系统退信通知",
    "no_filing_signs": "与备案无关",
}
"""Why a mail was set aside, in words for office staff (the ignore reasons of routing)."""

OUTBOX_STATE_WORDS: dict[str, str] = {
    "queued": "待发送",
    "sending": "发送中",
    "sent": "已发出",
    "failed": "发送失败",
    "suppressed": "未发送（已达限额或地址退信）",
    "held": "待审核后发出",
}
"""Where a reply is on its way out, in words for office staff."""

REPLY_SENT_WORDS: dict[str, str] = {
    "ack": "材料已收齐",
    "request_missing": "请补充材料",
    "transferred": "已转交",
    "question": "答复咨询",
    "information": "告知所需材料",
}
"""Which reply went out, in words for office staff."""


def ignored_words(reason: str | None) -> str:
    """``忽略（自动回复）`` and the like; an unknown or absent reason says 非备案邮件."""
    return f"忽略（{IGNORED_WORDS.get(reason or '', '非备案邮件')}）"


def reply_state_words(kind: str, state: str) -> str:
    """A reply and where it is, e.g. ``ack``/``sent`` → ``回复“材料已收齐”已发出``."""
    what = REPLY_SENT_WORDS.get(kind, "回复")
    where = OUTBOX_STATE_WORDS.get(state, "状态未知")
    return f"回复“{what}”{where}" if kind in REPLY_SENT_WORDS else f"回复{where}"


POLL_FAILURE_WORDS: tuple[tuple[tuple[str, ...], str], ...] = (
    (
        ("authentication", "login", "password", "auth"),
        "邮箱登录失败：请核对授权码（客户端密码）是否正确、是否已过期",
    ),
    (
        ("unreachable", "errno -2", "name or service", "resolve", "dns"),
        "连不上邮件服务器：请检查服务器地址和网络连接",
    ),
    (("timed out", "timeout"), "连接邮件服务器超时：请检查网络连接"),
    (("certificate", "ssl", "tls"), "与邮件服务器的加密连接失败：请检查服务器地址、端口和证书设置"),
    (("no space", "disk full", "errno 28"), "服务器磁盘已满，邮件无法保存：请清理磁盘空间"),
    (("refused",), "邮件服务器拒绝连接：请检查服务器地址和端口"),
)
"""A failed poll's error, matched by words in it, as the admin reads it."""


def poll_failure_words(error: str | None) -> str:
    """A failed poll in plain Chinese for the admin (never shown to a clerk's digest)."""
    text = (error or "").lower()
    for needles, words in POLL_FAILURE_WORDS:
        if any(needle in text for needle in needles):
            return words
    return "收信失败：请查看服务日志中的详细原因"


_AREA_CODE = "0319"
_LOCAL_NUMBER = re.compile(r"^\d{7,8}$")


def dialable_phone(phone: str | None) -> str:
    """An office phone with its area code: the notice writes ``3699072``; a caller outside the
    city needs ``0319-3699072``. Numbers that already carry a code, or mobiles, are kept."""
    text = clean_text(phone, 60)
    if _LOCAL_NUMBER.match(text):
        return f"{_AREA_CODE}-{text}"
    return text


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


def mask_id(value: str | None) -> str:
    """First 6 and last 4 characters shown, the rest ``*``; shorter values fully masked."""
    text = "".join((value or "").split())
    if not text:
        return ""
    if len(text) <= 10:
        return "*" * len(text)
    return text[:6] + "*" * (len(text) - 10) + text[-4:]


def shown_reading(problem: str, value: str) -> str:
    """A value read for a mismatch, as a person may see it: ID numbers masked like the digest
    masks them, other values (credit codes, names) cleaned."""
    if problem == "mismatch:id_number":
        return mask_id(value) or "（未识别）"
    return clean_text(value, 60) or "（未识别）"


def clean_text(value: str | None, limit: int = 120) -> str:
    """A registrant's value as one safe line: controls and bidi marks become spaces, cut to
    `limit` characters (with …). HTML escaping is the template's job, not this one."""
    if not value:
        return ""
    text = unicodedata.normalize("NFC", value)
    text = " ".join(_CONTROL.sub(" ", text).split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def id_card_phrase(subject_type: str | None) -> str:
    """The ID copy the notice asks for: the operator's own, or the operations manager's."""
    if subject_type == "organization":
        return "运维负责人身份证复印件"
    if subject_type == "individual":
        return "本人身份证复印件"
    return "身份证复印件（个人为本人身份证，企业/单位为运维负责人身份证）"


def missing_phrase(code: str, subject_type: str | None) -> str:
    """A missing item in the notice's words, e.g. ``field:phone`` → 备案表中“联系电话”一项未填写."""
    if code == MissingDocument.REGISTRATION_FORM:
        return REGISTRATION_FORM
    if code == MissingDocument.ID_CARD:
        return id_card_phrase(subject_type)
    if code == MissingDocument.BUSINESS_LICENCE:
        return "营业执照（或组织机构代码证）复印件"
    if code.startswith("field:"):
        label = _field_label(code.removeprefix("field:"), subject_type)
        if label is None:
            return "备案表中有必填项未填写"
        return f"备案表中“{label}”一项未填写"
    if code == "link_only_attachment" or code in _PROBLEM_PHRASES:
        return problem_phrase(code, subject_type)
    return "其他备案材料"


def subject_name_label(subject_type: str | None) -> str:
    """What the form's name field is to this registrant: 姓名 for a person, 单位名称 for an
    organisation (主体名称 is the office's word, not the registrant's)."""
    if subject_type == "individual":
        return "姓名"
    if subject_type == "organization":
        return "单位名称"
    return "姓名（单位为单位名称）"


def _field_label(key: str, subject_type: str | None) -> str | None:
    if key == "subject_name":
        return subject_name_label(subject_type)
    return FIELD_LABELS.get(key)


def problem_phrase(code: str, subject_type: str | None = None) -> str:
    """A problem in plain words, e.g. ``invalid:credit_code`` → 统一社会信用代码校验不通过…"""
    if code == "mismatch:subject_name" and subject_type != "organization":
        return "身份证复印件上的姓名与备案表中填写的姓名不一致，请核对"
    if code == "mismatch:id_number" and subject_type == "organization":
        return "运维负责人身份证复印件上的号码与备案表不一致，请核对"
    if code in _PROBLEM_PHRASES:
        return _PROBLEM_PHRASES[code]
    if code.startswith("invalid:"):
        key = code.removeprefix("invalid:")
        if key in _INVALID_PHRASES:
            return _INVALID_PHRASES[key]
        label = _field_label(key, subject_type)
        return f"备案表中“{label}”一项填写有误" if label else "备案表中有一项内容填写有误"
    if code.startswith("mismatch:"):
        return "证件上的信息与备案表不一致，请核对"
    return "有一项内容需要核对"


def unreadable_phrase(reason: str) -> str:
    """Why an attachment could not be read, e.g. ``encrypted`` → 文件设有密码…"""
    return _UNREADABLE_PHRASES.get(reason, _UNREADABLE_FALLBACK)


def is_known_code(code: str) -> bool:
    """True when `code` has its own phrase (not the generic fallback)."""
    if code in tuple(MissingDocument) or code in _PROBLEM_PHRASES:
        return True
    if code.startswith("field:"):
        return code.removeprefix("field:") in FIELD_LABELS
    if code.startswith("invalid:"):
        key = code.removeprefix("invalid:")
        return key in _INVALID_PHRASES or key in FIELD_LABELS
    return False


def known_unreadable_reasons() -> tuple[str, ...]:
    """Every unreadable-attachment reason with its own phrase."""
    return tuple(_UNREADABLE_PHRASES)


def status_word(status: str) -> str:
    """A filing status in Chinese (an unknown status is shown as written)."""
    return STATUS_WORDS.get(status, clean_text(status))


def office_name(code: str | None) -> str:
    """An office's name for its code; an unknown code is shown as written."""
    if not code:
        return ""
    return OFFICE_NAMES.get(code, clean_text(code))


def county_name(code: str | None) -> str:
    """A county's name for its office code; an unknown code is shown as written."""
    if not code:
        return ""
    return AREA_LABELS.get(code, clean_text(code))


def translate_tokens(text: str) -> str:
    """Reply kinds and office codes inside a short activity line put into words.

    ``已回复 ack`` → ``已回复（材料已收齐）``; ``转交 130582`` → ``转交 沙河市互联网信息办公室``.
    """
    words: list[str] = []
    for token in clean_text(text, 300).split(" "):
        if token in REPLY_KIND_WORDS:
            replaced = REPLY_KIND_WORDS[token]
            if words and words[-1] == "已回复":
                words[-1] = replaced
                continue
            words.append(replaced)
        elif token in OFFICE_NAMES:
            words.append(OFFICE_NAMES[token])
        else:
            words.append(token)
    return " ".join(words)
