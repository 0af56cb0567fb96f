"""What kind of mail it is, from all the evidence together, with the signals that said so.

`classify` answers filing, question, not a filing (with a reason) or uncertain, and lists every
signal it used, so a person (and `intake check --json`) can see why. Rules, in order:

1. Generated mail is never a filing: our own mail, mailer-daemons, bounces, auto-replies (by
   header, subject, sender or a Chinese auto-reply sentence in the body).
2. A document read as a registration form, an ID card side, a business licence or an
   organisation code certificate makes a filing: the parsers saw it.
3. Decoration is no evidence: tiny inline images, signature logos, calendar invites (.ics),
   vCards, winmail.dat, signatures (.p7s/.asc), HTML and text parts.
4. Other attachments that could hold a document (images, PDFs, office files, archives, files
   that could not be opened, large-attachment links) make a filing only together with
   something more: a filing topic in the subject or the sender's own text, the sender's
   history (an open filing, an earlier question), our reference in the subject, or a reader
   limit hit (too many attachments, too deep, too large) in a mail to an office. Without it
   they make the mail uncertain (a person looks) when it was sent to an office mailbox or
   speaks of filing at all; otherwise, or when it shows spam signs, it is not a filing.
5. Mail without documents is a question when the sender's own text (quotes cut, ICP numbers,
   bank details, other registries and negated clauses blanked) or the subject speaks of the
   filing topic (新媒体, 公众号, 抖音号 …, 备案表, 登记备案) and asks or means to do something
   (请问, 如何, ？, 想, 需要 …), with no sign of spam, a job advertisement or bulk mail. With
   only weak words (备案, 登记, 账号, 材料 …) and a question it is uncertain. A text-only mail
   that answers one of our replies (our reference, or a reply header) is uncertain too: a
   person answers it. Anything else is not a filing.

Spam signs: list and bulk headers, an unsubscribe text, a missing or mismatched From (the
sender's mail provider absent from a Received chain that exists), many recipients, advertising,
invoice and job-advert words, bank details.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

from routing.mail_text import fold_text, masked_text, negated_phrases, own_text
from routing.not_a_filing import (
    AUTO_REPLY_SUBJECTS,
    BOUNCE_SUBJECTS,
    NO_REPLY_SENDERS,
    SYSTEM_SENDERS,
    IgnoreReason,
    MailKind,
    MailNature,
)
from routing.references import find_references
from vocabulary import DocumentKind

STRONG_KINDS: frozenset[str] = frozenset(
    {
        DocumentKind.REGISTRATION_FORM.value,
        DocumentKind.ID_CARD_FRONT.value,
        DocumentKind.ID_CARD_BACK.value,
        DocumentKind.BUSINESS_LICENCE.value,
        DocumentKind.ORG_CODE_CERTIFICATE.value,
    }
)
"""Document kinds that are a filing by themselves."""

DECORATION_NAMES = re.compile(
    r"(?:\.(?:ics|ical|vcs|vcf|p7s|p7m|asc|sig|gpg|htm|html|txt|eml|url|css|js)$"
    r"|^winmail\.dat$|^att\d+\.(?:htm|txt|dat)$|^image\d{3}\.(?:png|gif|jpe?g)$)",
    re.IGNORECASE,
)
DECORATION_TYPES: tuple[str, ...] = (
    "text/calendar",
    "text/vcard",
    "text/x-vcard",
    "text/directory",
    "text/html",
    "text/plain",
    "application/ms-tnef",
    "application/vnd.ms-tnef",
    "application/pkcs7-signature",
    "application/x-pkcs7-signature",
    "application/pgp-signature",
    "message/delivery-status",
)
LIMIT_PROBLEMS: frozenset[str] = frozenset(
    {"too_many_attachments", "mime_too_deep", "message_too_large"}
)
"""Reader limits a mail hit: so much was sent that a person surely meant to send files."""
SMALL_IMAGE_BYTES = 12 * 1024
"""An image smaller than this cannot hold a readable document page: a logo or an icon."""

STRONG_TOPIC = re.compile(
    r"新媒体|自媒体|公众号|公众账号|公众帐号|订阅号|服务号|视频号|抖音|快手|头条号|今日头条|微博"
    r"|百家号|企鹅号|网易号|搜狐号|一点号|大鱼号|大风号|小红书|哔哩哔哩|B站|西瓜视频"
    r"|备案表|备案材料|登记材料|登记备案|备案登记|账号备案|帐号备案|账号登记|帐号登记|运维负责人",
    re.IGNORECASE,
)
WEAK_TOPIC = re.compile(
    r"备案|登记表|登记|[账帐]号|材料|身份证|营业执照|附件|信用代码|复印件|扫描件"
)
CORE_WORDS = re.compile(r"备案|身份证|营业执照|信用代码|[账帐]号")
"""Weak words that still belong to filing (not 附件, 材料, 登记 or 复印件, which any mail uses)."""
QUESTION = re.compile(
    r"[?？]|请问|咨询|问一下|问下|想问|如何|怎么|怎样|咋|哪些|什么|是否|能否|可否|可不可以|能不能"
    r"|要不要|需不需要|吗|呢|多久|在哪|哪里|哪儿|是不是|有没有|流程|步骤|须知|需要.{0,8}(?:材料|提交|提供)"
    r"|想要?(?:备案|登记|办理|申请|了解)|要(?:备案|登记|办理)|申请|办理|了解一下|请告知|请指教|请回复",
)
SUBMISSION = re.compile(
    r"见附件|附件(?:是|为|中|里|内)|请查收|请查阅|请审核|请审阅|现报送|报送|提交|发送.{0,6}材料"
    r"|材料.{0,6}(?:已|请)|备案表|登记表|扫描件|复印件|照片"
)
AUTO_REPLY_TEXT = re.compile(
    r"(?:这是|此为|此邮件为|本邮件为|该邮件为).{0,6}自动(?:回复|答复)|自动回复[:：]|"
    r"(?:您的|你的)?(?:来信|邮件)已(?:经)?收到.{0,12}(?:尽快|及时|稍后)(?:回复|处理|答复)|"
    r"我(?:现在|目前|正在)?(?:休假|出差|外出|不在办公室)|"
    r"(?:I am|I'm) (?:currently )?out of (?:the )?office|away from (?:the|my) office",
    re.IGNORECASE,
)
JOB_AD = re.compile(
    r"招聘|岗位|职位|薪资|薪酬|待遇|月薪|年薪|简历|应聘|任职要求|五险一金|求职|诚聘|急聘"
)
ADVERT = re.compile(
    r"优惠|特价|促销|折扣|打折|免费(?:试用|领取|送)|代开|发票|税点|点数|涨粉|刷粉|代运营|推广|广告"
    r"|营销|群发|赚钱|兼职|中奖|领奖|奖品|领取|贷款|借款|信用卡|低价|批发|供应|厂家直销|代理|加盟|咨询热线|热线"
    r"|欢迎(?:选购|来电|订购|惠顾)|诚信合作|合作愉快|详情请|联系QQ|加微信|微信号|V信|加v",
    re.IGNORECASE,
)
UNSUBSCRIBE = re.compile(
    r"退订|取消订阅|unsubscribe|回复\s*(?:TD|T)\s*退|不想再收到|opt[\s-]?out|邮件列表|mailing list",
    re.IGNORECASE,
)
BANK = re.compile(r"开户(?:行|银行)|[帐账]\s*号\s*[:：]\s*[\d\s\-]{8,}|户\s*名\s*[:：]")
SUBJECT_PREFIX = re.compile(
    r"^\s*(?:(?:re|fw|fwd|aw|sv|答复|回复|转发|回覆|轉寄)\s*[:：]\s*)+", re.I
)
MANY_RECIPIENTS = 8

HEADER_SPAM_SIGNS: frozenset[str] = frozenset(
    {
        "list_id",
        "list_unsubscribe",
        "bulk_mailer",
        "missing_from",
        "received_mismatch",
        "many_recipients",
        "undisclosed_recipients",
    }
)
"""Header signs (from the reader) that count against a mail being a person's filing."""


@dataclass(frozen=True)
class AttachmentEvidence:
    """One attachment as read: its name, sniffed type, size, the reader's problem (or None),
    and the kinds of the documents the parsers read from it (empty when none were read)."""

    name: str
    sniffed_type: str
    size: int
    problem: str | None = None
    kinds: tuple[str, ...] = ()
    inline: bool = False


@dataclass(frozen=True)
class SenderHistory:
    """What the store knows of the sender: open filings, any filings, earlier questions."""

    open_filings: int = 0
    filings: int = 0
    questions: int = 0


@dataclass(frozen=True)
class MailEvidence:
    """Everything the classifier reads of one mail.

    `header_signs` are the reader's header signs (``list_id``, ``received_mismatch`` …);
    `recipients` the To/Cc/Delivered-To addresses; `office_mailboxes` ours; `replies_to_us` is
    True when In-Reply-To/References name one of our replies.
    """

    sender: str
    subject: str = ""
    body_text: str = ""
    attachments: tuple[AttachmentEvidence, ...] = ()
    large_link_count: int = 0
    auto_reply_marker: bool = False
    is_bounce: bool = False
    own_message: bool = False
    header_signs: tuple[str, ...] = ()
    recipients: tuple[str, ...] = ()
    office_mailboxes: tuple[str, ...] = ()
    replies_to_us: bool = False
    history: SenderHistory = field(default_factory=SenderHistory)
    document_kinds: tuple[str, ...] = ()
    """Kinds of the readable documents read from the mail (with or without their attachment)."""


@dataclass(frozen=True)
class Classification:
    """The mail's nature and the signals that decided it, in the order they were found."""

    nature: MailNature
    signals: tuple[str, ...]

    @property
    def kind(self) -> MailKind:
        """Filing, question, ignored (not a filing) or uncertain."""
        return self.nature.kind


def _address(sender: str) -> str:
    match = re.search(r"<([^<>]*)>", sender)
    return (match.group(1) if match else sender).strip().lower()


def generated_reason(mail: MailEvidence, own_text_: str) -> tuple[IgnoreReason, str] | None:
    """Rule 1: why the mail was generated by a machine (and the signal), or None."""
    ours = {address.strip().lower() for address in mail.office_mailboxes}
    address = _address(mail.sender)
    local = address.partition("@")[0]
    if mail.own_message or (address in ours and mail.auto_reply_marker):
        return IgnoreReason.OWN_REPLY, "generated:own_mail"
    if not local or local in SYSTEM_SENDERS:
        return IgnoreReason.MAILER_DAEMON, "generated:mailer_daemon"
    if mail.is_bounce or BOUNCE_SUBJECTS.search(mail.subject or ""):
        return IgnoreReason.BOUNCE, "generated:bounce"
    if mail.auto_reply_marker:
        return IgnoreReason.AUTO_REPLY, "generated:auto_reply_header"
    if AUTO_REPLY_SUBJECTS.search(mail.subject or ""):
        return IgnoreReason.AUTO_REPLY, "generated:auto_reply_subject"
    if local in NO_REPLY_SENDERS:
        return IgnoreReason.AUTO_REPLY, "generated:no_reply_sender"
    if AUTO_REPLY_TEXT.search(fold_text(own_text_)[:600]):
        return IgnoreReason.AUTO_REPLY, "generated:auto_reply_text"
    return None


def is_decoration(attachment: AttachmentEvidence) -> bool:
    """Rule 3: an attachment that cannot be a document."""
    kind = attachment.sniffed_type.lower()
    if attachment.problem == "tiny_image":
        return True
    if DECORATION_NAMES.search(attachment.name.rsplit("/", 1)[-1].strip()):
        return True
    if kind.startswith(DECORATION_TYPES):
        return True
    return kind.startswith("image/") and 0 < attachment.size < SMALL_IMAGE_BYTES


def spam_signs(mail: MailEvidence, text: str) -> list[str]:
    """The spam and bulk signs of the mail (header signs and text signs)."""
    signs = [f"spam:{s}" for s in mail.header_signs if s in HEADER_SPAM_SIGNS]
    if len(mail.recipients) >= MANY_RECIPIENTS:
        signs.append("spam:many_recipients")
    whole = fold_text(f"{mail.subject}\n{text}")
    if UNSUBSCRIBE.search(whole):
        signs.append("spam:unsubscribe_text")
    if len({m.lower() for m in ADVERT.findall(whole)}) >= 2:
        signs.append("spam:advertising")
    if BANK.search(whole):
        signs.append("spam:bank_details")
    if len(set(JOB_AD.findall(whole))) >= 2:
        signs.append("spam:job_advert")
    return list(dict.fromkeys(signs))


def _subject_words(mail: MailEvidence) -> str:
    """The subject as the sender's words: empty when it carries our reference (our own
    subject words would count), prefixes such as Re:/回复: cut."""
    if find_references(mail.subject):
        return ""
    return SUBJECT_PREFIX.sub("", mail.subject or "")


def topic_signals(mail: MailEvidence, own: str) -> tuple[list[str], bool, bool, bool]:
    """Topic signals of the subject and the sender's own text: (signals, strong topic,
    weak topic, asks or means to act)."""
    signals: list[str] = []
    subject = masked_text(_subject_words(mail))
    text = masked_text(own)
    strong = False
    weak = False
    replying = bool(SUBJECT_PREFIX.match(mail.subject or ""))
    for where, words in (("subject", subject), ("text", text)):
        found = STRONG_TOPIC.search(words)
        if found and where == "subject" and replying:
            # A reply's or a forward's subject is the earlier mail's words, not the sender's.
            weak = True
            signals.append(f"weak_topic:reply_subject:{found.group(0)}")
        elif found:
            strong = True
            signals.append(f"topic:{where}:{found.group(0)}")
        else:
            weak_found = WEAK_TOPIC.search(words)
            if weak_found:
                weak = True
                signals.append(f"weak_topic:{where}:{weak_found.group(0)}")
    for phrase in negated_phrases(f"{_subject_words(mail)}\n{own}")[:2]:
        if WEAK_TOPIC.search(phrase) or STRONG_TOPIC.search(phrase):
            signals.append(f"negated:{phrase[:20]}")
    asks = QUESTION.search(f"{subject}\n{text}")
    if asks:
        signals.append(f"asks:{asks.group(0)[:8]}")
    return signals, strong, weak, asks is not None


def classify(mail: MailEvidence) -> Classification:
    """Decide what the mail is (see the module's rules) and say which signals decided it."""
    own = own_text(mail.body_text or "")
    signals: list[str] = []
    generated = generated_reason(mail, own)
    if generated is not None:
        reason, signal = generated
        return Classification(MailNature(MailKind.IGNORED, reason), (signal,))
    kinds = {k for a in mail.attachments for k in a.kinds} | set(mail.document_kinds)
    strong_docs = sorted(kinds & STRONG_KINDS)
    if strong_docs:
        return Classification(
            MailNature(MailKind.FILING), tuple(f"document:{k}" for k in strong_docs)
        )
    decoration = [a for a in mail.attachments if is_decoration(a)]
    candidates = [a for a in mail.attachments if not is_decoration(a)]
    if decoration:
        signals.append(f"decoration:{len(decoration)}")
    if candidates:
        signals.append(f"attachments:{len(candidates)}")
    if mail.large_link_count:
        signals.append(f"large_links:{mail.large_link_count}")
    ours = {m.strip().lower() for m in mail.office_mailboxes}
    if any(r.strip().lower() in ours for r in mail.recipients):
        signals.append("recipient:office_mailbox")
    spam = spam_signs(mail, own)
    signals.extend(spam)
    topic, strong, weak, asks = topic_signals(mail, own)
    signals.extend(topic)
    history = mail.history
    if history.open_filings:
        signals.append("history:open_filing")
    if history.questions:
        signals.append("history:asked_before")
    referenced = bool(find_references(mail.subject))
    if referenced:
        signals.append("thread:our_reference")
    if mail.replies_to_us:
        signals.append("thread:reply_to_us")
    if candidates or mail.large_link_count:
        return _with_documents(mail, signals, spam, strong, weak, referenced)
    to_office = "recipient:office_mailbox" in signals
    in_thread = referenced or mail.replies_to_us
    submits = bool(strong and SUBMISSION.search(masked_text(own)))
    if submits:
        signals.append("submits_without_files")
    return _without_documents(signals, spam, strong, weak, asks or submits, in_thread, to_office)


def _with_documents(
    mail: MailEvidence,
    signals: list[str],
    spam: list[str],
    strong: bool,
    weak: bool,
    referenced: bool,
) -> Classification:
    """Rule 4: attachments that might be documents, none read as one."""
    history = mail.history
    backed = strong or referenced or mail.replies_to_us or history.open_filings or history.questions
    if spam and not (history.open_filings or referenced or mail.replies_to_us):
        return Classification(MailNature(MailKind.IGNORED, IgnoreReason.SPAM), tuple(signals))
    if backed:
        return Classification(MailNature(MailKind.FILING), tuple(signals))
    to_office = "recipient:office_mailbox" in signals
    limits = sorted({a.problem for a in mail.attachments if a.problem in LIMIT_PROBLEMS})
    if limits and to_office:
        signals.extend(f"limit_hit:{code}" for code in limits)
        return Classification(MailNature(MailKind.FILING), tuple(signals))
    subject = masked_text(_subject_words(mail))
    text = masked_text(f"{subject}\n{own_text(mail.body_text or '')}")
    core = CORE_WORDS.search(text)
    if weak and core and SUBMISSION.search(text):
        signals.append(f"submits:{core.group(0)}")
        return Classification(MailNature(MailKind.FILING), tuple(signals))
    if "recipient:office_mailbox" in signals and CORE_WORDS.search(subject):
        signals.append("office_mailbox_subject")
        return Classification(MailNature(MailKind.FILING), tuple(signals))
    if not to_office and not CORE_WORDS.search(text):
        return Classification(
            MailNature(MailKind.IGNORED, IgnoreReason.NO_FILING_SIGNS), tuple(signals)
        )
    return Classification(MailNature(MailKind.UNCERTAIN), tuple(signals))


def _without_documents(
    signals: list[str],
    spam: list[str],
    strong: bool,
    weak: bool,
    asks: bool,
    in_thread: bool,
    to_office: bool,
) -> Classification:
    """Rule 5: a mail with nothing that could be a document. A question must be addressed
    to an office mailbox; one that is not (a list, a Bcc) waits for a person."""
    if spam:
        return Classification(MailNature(MailKind.IGNORED, IgnoreReason.SPAM), tuple(signals))
    if in_thread and (strong or weak or asks):
        return Classification(MailNature(MailKind.UNCERTAIN), tuple(signals))
    if in_thread:
        return Classification(
            MailNature(MailKind.IGNORED, IgnoreReason.NO_FILING_SIGNS), tuple(signals)
        )
    if strong and asks and to_office:
        return Classification(MailNature(MailKind.QUESTION), tuple(signals))
    if (strong or weak) and asks:
        return Classification(MailNature(MailKind.UNCERTAIN), tuple(signals))
    return Classification(
        MailNature(MailKind.IGNORED, IgnoreReason.NO_FILING_SIGNS), tuple(signals)
    )


def evidence_attachments(
    rows: Sequence[tuple[str, str, int, str | None, tuple[str, ...], bool]],
) -> tuple[AttachmentEvidence, ...]:
    """Attachments from plain rows ``(name, sniffed type, size, problem, kinds, inline)``."""
    return tuple(AttachmentEvidence(n, t, s, p, k, i) for n, t, s, p, k, i in rows)
