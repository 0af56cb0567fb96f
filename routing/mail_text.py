"""The sender's own words in a mail, and which of them really speak of filing.

`own_text` cuts what the sender quoted or forwarded: ``>`` and BBS ``: `` quoted lines, and
everything after a quote header in the common styles (Outlook and Foxmail ``发件人:`` blocks,
QQ's ``------------------ 原始邮件 ------------------``, 163's ``在 … 写道：``, ``On … wrote:``,
BBS ``【 在 … 的大作中提到: 】``, ``-----Original Message-----``, forwarded-message lines and
a ``-- `` signature).

`masked_text` blanks the phrases in which a filing word means something else: ICP and public
security 备案号 footers, bank details (开户行及帐号), 婚姻登记, 建筑材料 and the like, and a
clause that says *not* to do something (不要以附件形式发送). What is left is searched for topic
words by `routing.mail_classifier`.
"""

from __future__ import annotations

import re

from routing.characters import fold_width

_QUOTE_HEADER = re.compile(
    r"^\s*(?:"
    r"-{2,}\s*(?:原始邮件|原始郵件|Original Message|Forwarded message|转发邮件信息|转发的邮件|邮件原文)\s*-{2,}"
    r"|_{10,}\s*$"
    r"|={3,}\s*(?:原文|原始邮件)\s*={3,}"
    r"|On\s.{1,200}\swrote:\s*$"
    r"|在\s?.{1,120}(?:写道|wrote)\s*[:：]"
    r"|.{0,80}于\s?.{1,80}写道\s*[:：]"
    r"|【\s*在\s.{0,120}的大作中提到\s*[:：]?\s*】"
    r"|(?:发件人|寄件者|From)\s*[:：].{0,200}$"
    r"|(?:Sent|发送时间|日期|Date)\s*[:：].{0,80}\n\s*(?:To|收件人)\s*[:：]"
    r"|--\s*$"
    r")",
    re.IGNORECASE | re.MULTILINE,
)
_QUOTED_LINE = re.compile(r"^\s*(?:>|：\s|:\s|\|\s)")


def own_text(body_text: str) -> str:
    """The sender's own words: quoted lines dropped and everything after a quote header cut."""
    start = _QUOTE_HEADER.search(body_text or "")
    text = (body_text or "")[: start.start()] if start else body_text or ""
    return "\n".join(line for line in text.splitlines() if not _QUOTED_LINE.match(line))


_PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
_MASKS: tuple[re.Pattern[str], ...] = tuple(
    re.compile(pattern, re.IGNORECASE)
    for pattern in (
        # Website and public-security filing numbers in footers.
        rf"[{_PROVINCES}]?\s*ICP\s*[备证]?\s*(?:案|号)?\s*[:：]?\s*\d*\s*号?(?:-\d+)?",
        r"(?:ICP|网站|域名|工信部|公安|公网安|网安|网络安全)\s*(?:联网)?备案(?:号|编号|信息|系统)?"
        r"(?:\s*[:：]\s*\S*)?",
        rf"[{_PROVINCES}]公网安备\s*\d*\s*号?",
        r"备案(?:号|编号|序号)\s*[:：]?\s*[\w\-]*",
        r"beian\.\S+|miibeian\S*",
        # Bank details in invoices and adverts.
        r"(?:开户|银行)\s*(?:行|银行|名称)?\s*(?:及|和|与|、)?\s*[帐账]\s*号[^\n]*",
        r"(?:收款|汇款|对公|银行)\s*[帐账]\s*(?:户|号)[^\n]*",
        r"[帐账]\s*号\s*[:：]\s*[\d\s\-]{8,}",
        r"户\s*名\s*[:：][^\n]*",
        # Other registries and materials.
        r"(?:婚姻|户口|户籍|工商|税务|车辆|房产|不动产|产权|土地|商标|专利|著作权|版权|软件著作权)\s*登记\S{0,4}",
        r"登记(?:处|所|费|证明|结婚|离婚)",
        r"(?:建筑|装修|装饰|建材|包装|新型|复合|金属|化工|教学|学习|培训|宣传|会议|申报|参考|考试|实验)\s*材料",
        r"材料(?:费|科学|学院|工程|系|专业|物理|化学|厂|公司)",
        r"(?:游戏|QQ|qq|银行|支付宝|淘宝|网银|邮箱|论坛|bbs|BBS)\s*[帐账]\s*号",
    )
)
_NEGATED = re.compile(
    r"(?:不要|请勿|勿|无需|无须|不需要|不需|不必|不用|禁止|切勿|不得|不能|不可|不接受|不再)"
    r"[^，,。.；;！!？?\n]{0,16}"
)


_TRADITIONAL = str.maketrans(
    "備帳賬號眾體頭條請問諮詢麼記證營業執復掃網絡銀開戶聯繫運維負責資須嗎這個們稅點優費價廣貸單種時間應職歷簡訂閱郵發動謝辦區縣圖書紅視頻鵝魚風與錄審該內蓋傳實機關轉給將從後還沒來確認為讓據為說話務擔嗎採購產額達際專門讀",
    "备帐账号众体头条请问咨询么记证营业执复扫网络银开户联系运维负责资须吗这个们税点优费价广贷单种时间应职历简订阅邮发动谢办区县图书红视频鹅鱼风与录审该内盖传实机关转给将从后还没来确认为让据为说话务担吗采购产额达际专门读",
)
"""Traditional characters of the words the classifier looks for, to their simplified forms
(mail from Big5 clients asks the same questions)."""


def fold_text(text: str) -> str:
    """`text` width-folded, with the traditional characters the classifier's words use
    simplified."""
    return fold_width(text).translate(_TRADITIONAL)


def masked_text(text: str) -> str:
    """`text` (folded, see `fold_text`) with every phrase blanked in which a filing word means
    something else, and every negated clause blanked."""
    folded = fold_text(text)
    for pattern in _MASKS:
        folded = pattern.sub(" ", folded)
    return _NEGATED.sub(" ", folded)


def negated_phrases(text: str) -> tuple[str, ...]:
    """The negated clauses of `text` (for the record of why a word did not count)."""
    return tuple(m.group(0).strip() for m in _NEGATED.finditer(fold_text(text)))
