"""A labelled corpus of mails of our own, for measuring what kind of mail the classifier sees.

Deterministic: the same seed gives the same mails, byte for byte. Labels:

* ``ordinary`` — mail people send each other: notices (学术报告, 会议 with a 报名登记表),
  newsletters with logos and PDFs, list mail, replies quoting filing words in every common
  style (``>``, BBS ``: ``, 【 在 … 的大作中提到: 】, Outlook/Foxmail/QQ/163 headers), negations
  (不要以附件形式发送), other registries (婚姻登记, 建筑材料), calendar invites, vCards,
  winmail.dat, Chinese auto-replies without auto-reply headers, a colleague's note to an office.
* ``spam`` — invoices with bank details (开户行及帐号), ICP 备案号 footers, job adverts asking
  for 身份证复印件, follower-selling for 抖音/公众号, forged senders (Received chain), bulk
  headers, spam with office attachments.
* ``question`` — real questions about new-media account filing, in many phrasings, some
  with a quoted mail or a signature under them.
* ``filing`` — a registration form (xlsx), sometimes with an ID photo, with and without a
  body text, with and without a subject.

Questions and filings are addressed to an office mailbox; ordinary mail and spam to a mix of
office mailboxes and other addresses. `corpus(seed, n_ordinary, n_spam, n_question,
n_filing)` returns the mails; ``python samples/mail_corpus/generate.py OUT`` writes them as
``<label>-<n>.eml`` files.
"""

from __future__ import annotations

import io
import random
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[1]))
sys.path.insert(0, str(HERE.parents[1] / "samples" / "documents"))

from vocabulary.offices import OFFICES  # noqa: E402

CST = timezone(timedelta(hours=8))
OFFICE_MAILBOXES = tuple(o.mailbox for o in OFFICES)
PEOPLE = ("zhangwei", "li.na", "wangfang", "liuyang", "chenjing", "yangli", "zhaolei", "huangmin")
DOMAINS = ("163.com", "126.com", "qq.com", "sina.com", "sohu.com", "gmail.com", "xtu.edu.cn")
PLATFORMS = (
    "抖音号",
    "快手号",
    "微信公众号",
    "今日头条号",
    "新浪微博",
    "百家号",
    "企鹅号",
    "网易号",
)


@dataclass(frozen=True)
class LabelledMail:
    """One mail of the corpus: its label, a short note of what trap it sets, and its bytes."""

    label: str
    trap: str
    raw: bytes


class _Maker:
    """Random but repeatable pieces of mail."""

    def __init__(self, seed: int) -> None:
        self.rng = random.Random(seed)
        self.count = 0

    def pick(self, items: tuple[str, ...] | list[str]) -> str:
        return self.rng.choice(list(items))

    def pick_att(
        self, items: tuple[tuple[str, bytes, str, bool], ...]
    ) -> tuple[str, bytes, str, bool]:
        return items[self.rng.randrange(len(items))]

    def person(self) -> str:
        return f"{self.pick(PEOPLE)}{self.rng.randint(1, 999)}@{self.pick(DOMAINS)}"

    def when(self) -> datetime:
        return datetime(2020, 5, 8, 8, tzinfo=CST) + timedelta(minutes=self.rng.randint(0, 40000))

    def recipient(self, office_share: float) -> str:
        if self.rng.random() < office_share:
            return self.pick(OFFICE_MAILBOXES)
        return self.person()

    def mail(
        self,
        *,
        sender: str,
        to: str,
        subject: str,
        body: str,
        attachments: tuple[tuple[str, bytes, str, bool], ...] = (),
        headers: dict[str, str] | None = None,
        charset: str = "utf-8",
    ) -> bytes:
        self.count += 1
        mail = EmailMessage()
        mail["From"] = sender
        mail["To"] = to
        mail["Subject"] = subject
        mail["Date"] = format_datetime(self.when())
        mail["Message-ID"] = f"<corpus-{self.count}@{sender.rpartition('@')[2] or 'x'}>"
        for key, value in (headers or {}).items():
            mail[key] = value
        mail.set_content(body, charset=charset)
        for name, data, mime, inline in attachments:
            maintype, subtype = mime.split("/", 1)
            mail.add_attachment(
                data,
                maintype=maintype,
                subtype=subtype,
                filename=name,
                disposition="inline" if inline else "attachment",
            )
        if mail.is_multipart():
            mail.set_boundary(f"=_corpus_{self.count}")
        return mail.as_bytes()


def _png(size: int, rng: random.Random) -> bytes:
    """A PNG-signed blob of about `size` bytes (a logo or a photo, as far as sniffing goes)."""
    return b"\x89PNG\r\n\x1a\n" + rng.randbytes(size)


_PHOTOS: dict[int, bytes] = {}


def _jpeg_photo(rng: random.Random) -> bytes:
    """One of eight noisy photos (made once each: noise keeps them from compressing away)."""
    from PIL import Image

    shade = rng.randrange(8)
    if shade not in _PHOTOS:
        image = Image.new("RGB", (400, 250), (shade * 32, 180, 200))
        pixels = random.Random(shade).randbytes(400 * 250)
        noise = Image.frombytes("L", (400, 250), pixels).convert("RGB")
        out = io.BytesIO()
        Image.blend(image, noise, 0.5).save(out, "JPEG", quality=85)
        _PHOTOS[shade] = out.getvalue()
    return _PHOTOS[shade]


def _pdf(text: str) -> bytes:
    """A one-page PDF with a text layer (a newsletter, an invoice)."""
    body = f"BT /F1 12 Tf 50 750 Td ({text}) Tj ET".encode("latin-1", "replace")
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length " + str(len(body)).encode() + b" >>\nstream\n" + body + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, content in enumerate(objects, start=1):
        offsets.append(out.tell())
        out.write(f"{number} 0 obj\n".encode() + content + b"\nendobj\n")
    start = out.tell()
    out.write(f"xref\n0 {len(objects) + 1}\n0000000000 65535 f \n".encode())
    for offset in offsets:
        out.write(f"{offset:010d} 00000 n \n".encode())
    out.write(
        f"trailer\n<< /Size {len(objects) + 1} /Root 1 0 R >>\nstartxref\n{start}\n%%EOF\n".encode()
    )
    return out.getvalue()


def _xlsx(rows: list[list[str]]) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    from samples.documents import generate

    with tempfile.TemporaryDirectory() as work:
        path = Path(work) / "book.xlsx"
        book.save(path)
        generate.normalise_office_zip(path)  # fixed times inside: the same bytes every run
        return path.read_bytes()


XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

QUOTE_STYLES: tuple[Callable[[str], str], ...] = (
    lambda q: "\n".join(f"> {line}" for line in q.splitlines()),
    lambda q: (
        "【 在 bbsuser (小明) 的大作中提到: 】\n"
        + "\n".join(f": {line}" for line in q.splitlines())
    ),
    lambda q: "\n".join(f": {line}" for line in q.splitlines()),
    lambda q: (
        "-----原始邮件-----\n发件人: 王芳 <wf@163.com>\n发送时间: 2020年5月9日 10:00\n"
        "收件人: 李娜\n主题: 通知\n\n" + q
    ),
    lambda q: (
        '------------------ 原始邮件 ------------------\n发件人: "张伟"<12345@qq.com>;\n'
        '发送时间: 2020年5月9日(星期六) 上午10:00\n收件人: "李娜";\n主题: 通知\n\n' + q
    ),
    lambda q: '在 2020-05-09 10:00:00，"王芳" <wf@163.com> 写道：\n' + q,
    lambda q: "On Sat, May 9, 2020 at 10:00 AM Wang Fang <wf@gmail.com> wrote:\n" + q,
    lambda q: (
        "________________________________\nFrom: Wang Fang\nSent: Saturday\nTo: Li Na\n"
        "Subject: notice\n\n" + q
    ),
    lambda q: "发件人：王芳\n发送时间：2020-05-09 10:00\n收件人：李娜\n主题：通知\n\n" + q,
)
QUOTED_FILING_TEXT = (
    "请问新媒体账号备案需要哪些材料？我的抖音号要不要备案？",
    "附件是我们公众号的备案表和身份证复印件，请查收。",
    "关于在全市开展新媒体账号登记备案工作的通知：请于5月22日前报送备案材料。",
    "请把营业执照和运维负责人身份证复印件发到邮箱。",
)
OWN_REPLIES = (
    "同意楼上。",
    "收到，谢谢！",
    "好的，我下午再看。",
    "这个我不清楚，你问问老张吧。",
    "哈哈，说得对",
    "已阅。",
    "周五的会改到下周一了吗？",
    "谢谢分享！",
)
ORDINARY_SUBJECTS = (
    "二则学术报告通知",
    "关于召开2005年度教学工作会议的通知",
    "周末聚餐",
    "Re: 论文修改意见",
    "本周组会安排",
    "图书馆新书通报",
    "关于婚姻登记处搬迁的通知",
    "建筑材料检测报告",
    "会议回执",
    "照片",
    "",
)
ORDINARY_BODIES = (
    "各位老师：本周五下午2点在行政楼302召开会议，请准时参加。",
    "附件是上次聚会的照片，大家看看。",
    "婚姻登记处自6月1日起迁至新址办公，请相互转告。",
    "建筑材料送检报告已出，请到办公室领取。材料费已结清。",
    "请各位填写报名登记表，于周三前交到办公室。登记表见附件。",
    "欢迎订阅本刊。本期要目：如何写好论文？青年教师如何申请基金？",
    "我在微博上看到了你们学院的新闻，真不错。",
    "下学期的课表出来了吗？我还没收到。",
    "请不要以附件形式发送简历，直接写在正文里即可。",
    "不要把身份证复印件发到公共邮箱。",
    "游戏帐号被盗了，怎么办啊？",
    "您好，请问明天的讲座在几楼？",
    "我们公司的营业执照年检已经办完了。",
    "这是我的名片，请惠存。",
    "附件是会议日程，请查收。",
    "老同学好！好久不见，最近怎么样？",
)
AUTO_REPLY_BODIES = (
    "您好，我这周出差，邮件已收到，回来后尽快回复。",
    "此邮件为自动回复：我现在休假，5月20日返回。",
    "您的来信已收到，我们会尽快处理，谢谢！",
    "I am currently out of the office and will reply on my return.",
)


def ordinary(m: _Maker, index: int) -> LabelledMail:
    """One ordinary mail; `index` chooses the trap, so every kind is well represented."""
    rng = m.rng
    kind = index % 12
    sender, to = m.person(), m.recipient(0.25)
    if kind == 0:
        quote = m.pick(QUOTE_STYLES)(m.pick(QUOTED_FILING_TEXT))
        body = f"{m.pick(OWN_REPLIES)}\n\n{quote}"
        return LabelledMail(
            "ordinary",
            "quoted",
            m.mail(
                sender=sender,
                to=to,
                subject="Re: " + m.pick(("通知", "备案的事", "新媒体", "")),
                body=body,
            ),
        )
    if kind == 1:
        logo = ("logo.png", _png(rng.randint(1500, 9000), rng), "image/png", True)
        pdf = (
            "newsletter.pdf",
            _pdf("Newsletter May 2020 - campus news and events"),
            "application/pdf",
            False,
        )
        headers = {"List-Unsubscribe": "<mailto:leave@news.example>", "List-Id": "news.example"}
        body = m.pick(ORDINARY_BODIES) + "\n如不想再收到本刊，请点击退订。"
        return LabelledMail(
            "ordinary",
            "newsletter",
            m.mail(
                sender="news@news.example",
                to=to,
                subject="校园通讯 第" + str(index) + "期",
                body=body,
                attachments=(logo, pdf) if rng.random() < 0.6 else (logo,),
                headers=headers,
            ),
        )
    if kind == 2:
        ics = (
            "invite.ics",
            b"BEGIN:VCALENDAR\r\nBEGIN:VEVENT\r\nSUMMARY:meeting\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n",
            "text/calendar",
            False,
        )
        vcf = ("zhang.vcf", b"BEGIN:VCARD\r\nFN:Zhang\r\nEND:VCARD\r\n", "text/vcard", False)
        tnef = (
            "winmail.dat",
            b"\x78\x9f\x3e\x22" + rng.randbytes(3000),
            "application/ms-tnef",
            False,
        )
        return LabelledMail(
            "ordinary",
            "decoration",
            m.mail(
                sender=sender,
                to=to,
                subject=m.pick(("会议邀请", "名片", "通知", "备案相关会议")),
                body=m.pick(ORDINARY_BODIES),
                attachments=(m.pick_att((ics, vcf, tnef)),),
            ),
        )
    if kind == 3:
        sig = ("image001.png", _png(rng.randint(2000, 8000), rng), "image/png", True)
        return LabelledMail(
            "ordinary",
            "signature_logo",
            m.mail(
                sender=sender,
                to=to,
                subject=m.pick(ORDINARY_SUBJECTS),
                body=m.pick(ORDINARY_BODIES) + "\n\n--\n张伟\n某某科技有限公司\n京ICP备10012345号",
                attachments=(sig,),
            ),
        )
    if kind == 4:
        return LabelledMail(
            "ordinary",
            "auto_reply_text",
            m.mail(
                sender=sender,
                to=m.recipient(0.6),
                subject="Re: " + m.pick(("新媒体账号备案", "通知", "备案材料")),
                body=m.pick(AUTO_REPLY_BODIES),
            ),
        )
    if kind == 5:
        form = _xlsx(
            [["会议报名登记表"], ["姓名", "单位", "职称", "电话", "E-mail"], ["", "", "", "", ""]]
        )
        return LabelledMail(
            "ordinary",
            "conference_form",
            m.mail(
                sender=sender,
                to=to,
                subject="关于召开学术会议的通知",
                body="请填写报名登记表，于周三前交到办公室。登记表见附件。",
                attachments=(("报名登记表.xlsx", form, XLSX, False),),
            ),
        )
    if kind == 6:
        headers = (
            {"List-Id": "<teachers.xtu.edu.cn>", "Precedence": "list"}
            if rng.random() < 0.5
            else {"List-Id": "<teachers.xtu.edu.cn>"}
        )
        return LabelledMail(
            "ordinary",
            "list_mail",
            m.mail(
                sender=sender,
                to="teachers@xtu.edu.cn",
                subject="[teachers] " + m.pick(("抖音上的课程视频", "公众号推送", "讨论")),
                body="大家觉得学院的公众号怎么样？要不要做个抖音号？",
                headers=headers,
            ),
        )
    if kind == 7:
        photo = ("聚会.jpg", _jpeg_photo(rng), "image/jpeg", False)
        return LabelledMail(
            "ordinary",
            "photo",
            m.mail(
                sender=sender,
                to=to,
                subject=m.pick(("照片", "聚会照片", "")),
                body=m.pick(("照片见附件。", "", "给你看看")),
                attachments=(photo,),
            ),
        )
    if kind == 8:
        return LabelledMail(
            "ordinary",
            "office_colleague",
            m.mail(
                sender=m.pick(OFFICE_MAILBOXES),
                to=m.pick(OFFICE_MAILBOXES),
                subject=m.pick(("明天开会", "周报", "工作安排")),
                body="明天上午九点开会，讨论本周备案工作的进度。",
            ),
        )
    if kind == 9:
        return LabelledMail(
            "ordinary",
            "negation",
            m.mail(
                sender=sender,
                to=to,
                subject=m.pick(("招生简章", "投稿须知")),
                body="投稿请直接写在正文里，不要以附件形式发送；不需要提供身份证复印件。",
            ),
        )
    body = m.pick(ORDINARY_BODIES)
    return LabelledMail(
        "ordinary",
        "plain",
        m.mail(
            sender=sender,
            to=to,
            subject=m.pick(ORDINARY_SUBJECTS),
            body=body,
            charset=m.pick(("utf-8", "gb18030")),
        ),
    )


SPAM_BODIES = (
    "本公司长期代开各地增值税发票，税点低，可验证后付款。开户行及帐号：中国工商银行 6222 0202 0000 1234 567，户名：某某商贸。",
    "专业抖音涨粉、公众号代运营，价格优惠，欢迎来电咨询！联系QQ：12345678。",
    "诚聘网络编辑3名，月薪5000-8000，五险一金。请将简历及身份证复印件发送至本邮箱。",
    "本店今日特价，欢迎选购！京ICP备12345678号 京公网安备11010502030000号",
    "您的邮箱已中奖，请回复领取奖品并提供身份证号和银行帐号：",
    "低价批发建筑材料，厂家直销，质量保证，欢迎订购。咨询热线：400-800-1234",
    "网站备案、ICP备案代办，3天下证，价格优惠，详情请加微信。",
    "快手刷粉、抖音点赞，需要的老板请加微信号 abc123，回复TD退订。",
)
SPAM_SUBJECTS = (
    "发票",
    "优惠活动",
    "招聘",
    "恭喜中奖",
    "抖音涨粉",
    "公众号代运营",
    "ICP备案代办",
    "合作",
    "",
)


def spam(m: _Maker, index: int) -> LabelledMail:
    """One spam mail; `index` chooses which signs it carries."""
    rng = m.rng
    kind = index % 5
    to = m.recipient(0.5)
    body = m.pick(SPAM_BODIES)
    subject = m.pick(SPAM_SUBJECTS)
    sender = f"{m.pick(('sales', 'info', 'service', 'hr', 'boss'))}{rng.randint(1, 99)}@{m.pick(('qq.com', '163.com', 'biz.example', 'sina.com'))}"
    headers: dict[str, str] = {}
    atts: tuple[tuple[str, bytes, str, bool], ...] = ()
    if kind == 1:
        headers["Received"] = "from unknown (HELO mail.biz.example) (10.1.2.3) by mx.xtu.edu.cn"
    if kind == 2:
        headers["X-Mailer"] = m.pick(("GroupMail 5.0", "邮件群发大师", "Atomic Mail Sender"))
        to = "undisclosed-recipients:;"
    if kind == 3:
        atts = (
            (
                "报价单.xlsx",
                _xlsx([["产品", "单价"], ["发票代开", "2%"], ["开户行", "工商银行"]]),
                XLSX,
                False,
            ),
        )
    if kind == 4:
        atts = (("promo.jpg", _jpeg_photo(rng), "image/jpeg", False),)
    return LabelledMail(
        "spam",
        f"spam_{kind}",
        m.mail(sender=sender, to=to, subject=subject, body=body, attachments=atts, headers=headers),
    )


QUESTION_BODIES = (
    "请问个人抖音号备案需要提交哪些材料？",
    "您好，我们公司有一个微信公众号，想问一下怎么备案？",
    "我想给我的快手号登记备案，需要带什么材料去哪里办？",
    "请问新媒体账号备案的截止时间是什么时候？",
    "你好，我的今日头条号需要备案吗？",
    "咨询一下：单位的公众号备案，运维负责人身份证复印件要正反面吗？",
    "想了解一下新媒体账号登记备案的流程。",
    "请问备案表在哪里下载？",
    "我是个人开的抖音号，粉丝不多，是不是也要备案？",
    "老师好，公众账号备案可以只发电子版扫描件吗？",
    "请问百家号和企鹅号可以填在一张备案表里吗？",
    "您好！请问备案材料可以直接发到这个邮箱吗？",
)
TRADITIONAL_QUESTIONS = (
    "請問個人抖音號需要備案嗎？",
    "您好，我們公司的微信公眾號要怎麼登記備案？",
    "想問一下新媒體帳號備案需要哪些材料。",
)
QUESTION_SUBJECTS = (
    "咨询新媒体账号备案",
    "请问",
    "备案咨询",
    "关于公众号备案",
    "抖音号备案",
    "",
    "你好",
    "问题",
)


def question(m: _Maker, index: int) -> LabelledMail:
    """One real question, to an office mailbox."""
    body = m.pick(QUESTION_BODIES)
    if index % 4 == 1:
        body += "\n\n--\n张伟\n某某传媒有限公司\n电话：13800000000"
    if index % 4 == 2:
        body += "\n\n" + m.pick(QUOTE_STYLES)("本店今日特价，欢迎选购！")
    if index % 4 == 3:
        body = "您好！\n" + body + "\n谢谢！"
    charset = m.pick(("utf-8", "gb18030"))
    subject = m.pick(QUESTION_SUBJECTS)
    if index % 6 == 5:
        body, subject, charset = m.pick(TRADITIONAL_QUESTIONS), "諮詢", "big5"
    return LabelledMail(
        "question",
        "question" if charset != "big5" else "question_big5",
        m.mail(
            sender=m.person(),
            to=m.pick(OFFICE_MAILBOXES),
            subject=subject,
            body=body,
            charset=charset,
        ),
    )


def filing(m: _Maker, index: int, forms: list[bytes]) -> LabelledMail:
    """One filing: a form (xlsx) and sometimes an ID photo, with or without words."""
    rng = m.rng
    atts: list[tuple[str, bytes, str, bool]] = [
        (
            m.pick(("备案表.xlsx", "登记表.xlsx", "新媒体账号登记备案表.xlsx", "1.xlsx")),
            forms[index % len(forms)],
            XLSX,
            False,
        )
    ]
    if index % 2:
        atts.append(("身份证.jpg", _jpeg_photo(rng), "image/jpeg", False))
    subject = m.pick(("备案", "新媒体账号备案材料", "", "抖音号备案", "公众号登记备案", "材料"))
    body = m.pick(("", "备案材料见附件，请查收。", "您好，附件是我的备案表。", "请审核，谢谢。"))
    return LabelledMail(
        "filing",
        "filing",
        m.mail(
            sender=m.person(),
            to=m.pick(OFFICE_MAILBOXES),
            subject=subject,
            body=body,
            attachments=tuple(atts),
        ),
    )


def _forms(count: int) -> list[bytes]:
    from samples.documents import fake_data, generate, render_form

    out: list[bytes] = []
    with tempfile.TemporaryDirectory() as work:
        for reg in fake_data.make_registrations(2020, count):
            rng = random.Random(reg.case)
            look = render_form.choose_look(rng, reg, render_form.Layout.TABLE, canonical=True)
            path = Path(work) / f"{reg.case}.xlsx"
            render_form.write_xlsx(path, reg, look)
            generate.normalise_office_zip(path)
            out.append(path.read_bytes())
    return out


def corpus(
    seed: int = 14,
    n_ordinary: int = 2000,
    n_spam: int = 2000,
    n_question: int = 240,
    n_filing: int = 120,
) -> list[LabelledMail]:
    """The labelled mails, in a fixed order."""
    m = _Maker(seed)
    forms = _forms(min(8, n_filing)) if n_filing else []
    mails = [ordinary(m, i) for i in range(n_ordinary)]
    mails += [spam(m, i) for i in range(n_spam)]
    mails += [question(m, i) for i in range(n_question)]
    mails += [filing(m, i, forms) for i in range(n_filing)]
    return mails


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: generate.py OUT", file=sys.stderr)
        return 2
    out = Path(argv[0])
    out.mkdir(parents=True, exist_ok=True)
    for number, mail in enumerate(corpus()):
        (out / f"{mail.label}-{number:05d}.eml").write_bytes(mail.raw)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
