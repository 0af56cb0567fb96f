"""Builds the decision scenarios: sequences of mails and the expected state after each.

Each scenario is a folder `samples/scenarios/<name>/` holding numbered mails (`01-….eml`, …) and
`expected.json`: one object per mail with the fields of `intake check --json` that the rules fix
(status, office, received_by, reply, missing, problems, filing type, and which earlier mail's
filing it belongs to). Mails are written as real clients write them (QQ Mail's gb18030 names,
forwarded mail, zip archives with GBK member names, NetEase large-attachment links, bounces …).
The documents come from the sample-document generator (`samples/documents/`), so every ID number
and credit code is checksum-valid unless a scenario breaks it on purpose.

    .venv/bin/python samples/scenarios/build.py          # rewrites samples/scenarios/*/

The same mails, put in the mailboxes of the offices they are addressed to, are the day that
`intake demo` runs (`samples/demo/build.py`).
"""

from __future__ import annotations

import base64
import dataclasses
import io
import json
import random
import shutil
import sys
import zipfile
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from email.message import EmailMessage
from email.utils import format_datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[1]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "samples" / "documents"))

from samples.documents import fake_data, generate, render_cards, render_form  # noqa: E402
from vocabulary.offices import OFFICES  # noqa: E402

CST = timezone(timedelta(hours=8))
SEED = 20200510
MAILBOX = {office.code: office.mailbox for office in OFFICES}
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


@dataclass
class Mail:
    """One mail of a scenario and what the state of its filing must be after it."""

    name: str
    raw: bytes
    expect: dict[str, object]


@dataclass
class Scenario:
    """A named sequence of mails, and what it shows."""

    name: str
    shows: str
    mails: list[Mail] = field(default_factory=list)


def at(day: int, hour: int, minute: int = 0, month: int = 5) -> datetime:
    return datetime(2020, month, day, hour, minute, tzinfo=CST)


def message(
    *,
    sender: str,
    to: str,
    subject: str,
    when: datetime,
    body: str,
    msgid: str,
    attachments: tuple[tuple[str, bytes, str], ...] = (),
    headers: dict[str, str] | None = None,
) -> bytes:
    """A mail as a modern client writes it (UTF-8, RFC 2231 names)."""
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = to
    mail["Subject"] = subject
    mail["Date"] = format_datetime(when)
    mail["Message-ID"] = f"<{msgid}>"
    for key, value in (headers or {}).items():
        mail[key] = value
    mail.set_content(body)
    for name, data, mime in attachments:
        maintype, subtype = mime.split("/", 1)
        mail.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    if mail.is_multipart():
        mail.set_boundary(f"=_part_{msgid}")
    return mail.as_bytes()


def qq_message(
    *,
    sender: str,
    to: str,
    subject: str,
    when: datetime,
    body: str,
    msgid: str,
    attachments: tuple[tuple[str, bytes, str], ...],
) -> bytes:
    """A mail as QQ Mail writes it: gb18030 encoded words inside quoted names, GBK body."""

    def word(text: str) -> str:
        return f"=?gb18030?B?{base64.b64encode(text.encode('gb18030')).decode()}?="

    parts = [
        f"From: {word('张喆')} <{sender}>",
        f"To: <{to}>",
        f"Subject: =?gb2312?B?{base64.b64encode(subject.encode('gb18030')).decode()}?=",
        f"Date: {format_datetime(when)}",
        f"Message-ID: <{msgid}>",
        "X-Mailer: QQMail 2.x",
        "MIME-Version: 1.0",
        'Content-Type: multipart/mixed; boundary="----=_NextPart_QQ"',
        "",
        "------=_NextPart_QQ",
        'Content-Type: text/plain; charset="gb2312"',
        "Content-Transfer-Encoding: base64",
        "",
        base64.encodebytes(body.encode("gb18030")).decode().strip(),
    ]
    for name, data, mime in attachments:
        parts += [
            "------=_NextPart_QQ",
            f'Content-Type: {mime}; name="{word(name)}"',
            f'Content-Disposition: attachment; filename="{word(name)}"',
            "Content-Transfer-Encoding: base64",
            "",
            base64.encodebytes(data).decode().strip(),
        ]
    parts += ["------=_NextPart_QQ--", ""]
    return "\r\n".join(parts).encode("ascii")


def forwarded(
    *, sender: str, to: str, subject: str, when: datetime, msgid: str, inner: bytes
) -> bytes:
    """A mail forwarding another as a message/rfc822 part (Outlook, Foxmail)."""
    mail = EmailMessage()
    mail["From"] = sender
    mail["To"] = to
    mail["Subject"] = subject
    mail["Date"] = format_datetime(when)
    mail["Message-ID"] = f"<{msgid}>"
    mail.set_content("转发一份备案材料，请查收。")
    mail.add_attachment(inner, maintype="message", subtype="rfc822", filename="原邮件.eml")
    mail.set_boundary(f"=_part_{msgid}")
    return mail.as_bytes()


def jpeg(image: object, quality: int = 88) -> bytes:
    out = io.BytesIO()
    image.convert("RGB").save(out, "JPEG", quality=quality)  # type: ignore[attr-defined]
    return out.getvalue()


def form_file(reg: fake_data.Registration, kind: str) -> bytes:
    """The registration form as an xlsx or docx file, canonical labels."""
    rng = random.Random(reg.case)
    layout = render_form.Layout.TABLE
    look = render_form.choose_look(rng, reg, layout, canonical=True)
    work = HERE / ".work"
    work.mkdir(exist_ok=True)
    path = work / f"{reg.case}.{kind}"
    (render_form.write_xlsx if kind == "xlsx" else render_form.write_docx)(path, reg, look)
    generate.normalise_office_zip(path)  # fixed timestamps inside: the same bytes every run
    data = path.read_bytes()
    path.unlink()
    return data


def front(person: fake_data.Person) -> bytes:
    return jpeg(render_cards.render_id_front(person))


def back(person: fake_data.Person) -> bytes:
    return jpeg(render_cards.render_id_back(person))


def licence(org: fake_data.Organization) -> bytes:
    return jpeg(render_cards.render_business_licence(org, "邢台市市场监督管理局"), quality=85)


def encrypted_7z(files: dict[str, bytes]) -> bytes:
    """A password-protected 7z archive (names encrypted too), as registrants sometimes send.

    7-Zip encryption salts every archive, so the archive is made once and kept in `_fixtures/`
    to keep the scenario mails byte-identical from run to run.
    """
    import py7zr

    kept = HERE / "_fixtures" / "encrypted.7z"
    if kept.exists():
        return kept.read_bytes()
    out = io.BytesIO()
    with py7zr.SevenZipFile(out, "w", password="secret-1234", header_encryption=True) as archive:
        for name, data in files.items():
            archive.writef(io.BytesIO(data), name)
    kept.parent.mkdir(exist_ok=True)
    kept.write_bytes(out.getvalue())
    return out.getvalue()


def with_county(reg: fake_data.Registration, printed: str, code: str) -> fake_data.Registration:
    """The registration filed in another county, filled in on 8 May (before any mail here)."""
    return dataclasses.replace(
        reg,
        county=fake_data.Written(printed, code),
        filled_on=fake_data.Written("2020年5月8日", "2020-05-08"),
    )


def with_check_char_broken(code: str) -> str:
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    return code[:-1] + alphabet[(alphabet.index(code[-1]) + 1) % len(alphabet)]


NO_FILING = ("ignored", "question", "uncertain")
"""Statuses of a mail that opens no filing."""


def expect(
    status: str,
    office: str,
    received_by: str,
    reply: str,
    *,
    missing: tuple[str, ...] = (),
    problems: tuple[str, ...] = (),
    same_filing_as: str | None = None,
    new_filing: bool = True,
    filing_type: str | None = None,
) -> dict[str, object]:
    out: dict[str, object] = {
        "status": status,
        "office": office,
        "received_by": received_by,
        "reply": reply,
        "missing": list(missing),
        "problems": list(problems),
    }
    if same_filing_as is not None:
        out["same_filing_as"] = same_filing_as
    elif status not in NO_FILING:
        out["new_filing"] = new_filing
    if filing_type:
        out["filing_type"] = filing_type
    return out


def scenarios() -> list[Scenario]:
    regs = fake_data.make_registrations(SEED, 16)
    people = [r for r in regs if r.organization is None]
    orgs = [r for r in regs if r.organization is not None and not r.organization.uses_old_code]
    out: list[Scenario] = []

    # 1. An individual sends everything at once, to the right office.
    r = with_county(people[0], "沙河市", "130582")
    s = Scenario("individual_complete", "form (xlsx) and both ID sides in one mail: complete, ack")
    s.mails.append(
        Mail(
            "01-complete.eml",
            message(
                sender="liu.fang@qq.com",
                to=MAILBOX["130582"],
                subject="新媒体账号登记备案",
                when=at(10, 9, 12),
                body="您好，附件是备案表和身份证照片。",
                msgid="s01-1@qq.com",
                attachments=(
                    ("备案表.xlsx", form_file(r, "xlsx"), XLSX),
                    ("身份证正面.jpg", front(r.operator), "image/jpeg"),
                    ("身份证反面.jpg", back(r.operator), "image/jpeg"),
                ),
            ),
            expect("complete", "130582", "130582", "ack"),
        )
    )
    out.append(s)

    # 2. The ID copy comes later, in a reply without the reference: the same sender's one open filing.
    r = with_county(people[1], "桥东区", "130502")
    s = Scenario(
        "individual_follow_up", "form first, ID later from the same sender: joins, then ack"
    )
    s.mails.append(
        Mail(
            "01-form-only.eml",
            message(
                sender="wang.lei@163.com",
                to=MAILBOX["130502"],
                subject="账号备案",
                when=at(11, 10),
                body="备案表见附件。",
                msgid="s02-1@163.com",
                attachments=(("登记备案表.docx", form_file(r, "docx"), DOCX),),
            ),
            expect("incomplete", "130502", "130502", "request_missing", missing=("id_card",)),
        )
    )
    s.mails.append(
        Mail(
            "02-id-later.eml",
            message(
                sender="wang.lei@163.com",
                to=MAILBOX["130502"],
                subject="补充身份证",
                when=at(11, 15),
                body="补充身份证。",
                msgid="s02-2@163.com",
                attachments=(
                    ("sfz1.jpg", front(r.operator), "image/jpeg"),
                    ("sfz2.jpg", back(r.operator), "image/jpeg"),
                ),
            ),
            expect("complete", "130502", "130502", "ack", same_filing_as="01-form-only.eml"),
        )
    )
    out.append(s)

    # 3. An organisation without the manager's ID; the follow-up quotes the reference.
    r = with_county(orgs[0], "宁晋县", "130528")
    assert r.organization is not None
    s = Scenario(
        "organization_follow_up_by_reference",
        "licence but no manager ID; follow-up quotes the reference",
    )
    s.mails.append(
        Mail(
            "01-no-manager-id.eml",
            message(
                sender="office@ningjin-media.cn",
                to=MAILBOX["130528"],
                subject="公司新媒体账号备案",
                when=at(12, 9),
                body="附件为备案表及营业执照。",
                msgid="s03-1@ningjin-media.cn",
                attachments=(
                    ("备案表.xlsx", form_file(r, "xlsx"), XLSX),
                    ("营业执照.jpg", licence(r.organization), "image/jpeg"),
                ),
            ),
            expect("incomplete", "130528", "130528", "request_missing", missing=("id_card",)),
        )
    )
    s.mails.append(
        Mail(
            "02-manager-id.eml",
            message(
                sender="office@ningjin-media.cn",
                to=MAILBOX["130528"],
                subject="Re: [备案 XT130528-20200512-0001] 请补充材料",
                when=at(12, 14),
                body="运维负责人身份证见附件。",
                msgid="s03-2@ningjin-media.cn",
                attachments=(("负责人身份证.jpg", front(r.operator), "image/jpeg"),),
            ),
            expect(
                "complete",
                "130528",
                "130528",
                "ack",
                problems=("id_card_back_missing",),
                same_filing_as="01-no-manager-id.eml",
            ),
        )
    )
    out.append(s)

    # 4. Sent to the city office, but the form names 清河县: moved there.
    r = with_county(people[2], "清河县", "130534")
    s = Scenario(
        "misdirected_to_city", "a 清河县 filing sent to the city office: transferred to 130534"
    )
    s.mails.append(
        Mail(
            "01-to-city.eml",
            message(
                sender="zhao.min@126.com",
                to=MAILBOX["130500"],
                subject="新媒体备案材料",
                when=at(13, 8, 30),
                body="请查收。",
                msgid="s04-1@126.com",
                attachments=(
                    ("备案表.xlsx", form_file(r, "xlsx"), XLSX),
                    ("身份证.jpg", front(r.operator), "image/jpeg"),
                    ("身份证背面.jpg", back(r.operator), "image/jpeg"),
                ),
            ),
            expect("complete", "130534", "130500", "transferred"),
        )
    )
    out.append(s)

    # 5. A form that writes only 新河 (a short form that names other places too), no address, and
    #    an ID number issued elsewhere: nothing confirms it, so a person decides.
    elsewhere = next(p for p in people if p.operator.county_code not in ("130530",))
    r = dataclasses.replace(with_county(elsewhere, "新河", "130530"), address="")
    s = Scenario(
        "weak_county_name", "county written only as 新河 and sent to the city: left for a person"
    )
    s.mails.append(
        Mail(
            "01-weak.eml",
            message(
                sender="sun.yu@qq.com",
                to=MAILBOX["130500"],
                subject="备案",
                when=at(13, 11),
                body="备案材料。",
                msgid="s05-1@qq.com",
                attachments=(
                    ("备案表.xlsx", form_file(r, "xlsx"), XLSX),
                    ("正面.jpg", front(r.operator), "image/jpeg"),
                    ("反面.jpg", back(r.operator), "image/jpeg"),
                ),
            ),
            expect("complete", "130500", "130500", "ack", problems=("uncertain:county",)),
        )
    )
    out.append(s)

    # 6. A credit code whose check character is wrong.
    org = orgs[1]
    assert org.organization is not None
    broken = dataclasses.replace(
        org.organization, credit_code=with_check_char_broken(org.organization.credit_code)
    )
    r = with_county(dataclasses.replace(org, organization=broken), "威县", "130533")
    s = Scenario(
        "invalid_credit_code", "credit code fails its check: incomplete, asked to correct it"
    )
    s.mails.append(
        Mail(
            "01-bad-code.eml",
            message(
                sender="hr@weixian-news.com",
                to=MAILBOX["130533"],
                subject="新媒体账号登记备案",
                when=at(14, 9),
                body="请审核。",
                msgid="s06-1@weixian-news.com",
                attachments=(
                    ("备案表.docx", form_file(r, "docx"), DOCX),
                    ("营业执照.jpg", licence(org.organization), "image/jpeg"),
                    ("负责人身份证.jpg", front(r.operator), "image/jpeg"),
                    ("负责人身份证反面.jpg", back(r.operator), "image/jpeg"),
                ),
            ),
            expect(
                "incomplete",
                "130533",
                "130533",
                "request_missing",
                problems=("invalid:credit_code",),
            ),
        )
    )
    out.append(s)

    # 7. The ID copy is someone else's.
    r = with_county(people[4], "任泽区", "130526")
    other = people[5].operator
    s = Scenario(
        "id_number_mismatch", "the ID copy carries another number than the form: incomplete"
    )
    s.mails.append(
        Mail(
            "01-mismatch.eml",
            message(
                sender="li.na@sina.com",
                to=MAILBOX["130526"],
                subject="备案申请",
                when=at(14, 16),
                body="见附件。",
                msgid="s07-1@sina.com",
                attachments=(
                    ("form.xlsx", form_file(r, "xlsx"), XLSX),
                    ("id.jpg", front(other), "image/jpeg"),
                    ("id2.jpg", back(other), "image/jpeg"),
                ),
            ),
            expect(
                "incomplete",
                "130526",
                "130526",
                "request_missing",
                problems=("mismatch:id_number", "mismatch:subject_name"),
            ),
        )
    )
    out.append(s)

    # 8. Mail that is no filing, and a question.
    s = Scenario(
        "not_a_filing",
        "auto-reply, out-of-office, bounce and spam ignored; a question answered without a filing",
    )
    s.mails.append(
        Mail(
            "01-auto-reply.eml",
            message(
                sender="service@company.cn",
                to=MAILBOX["130581"],
                subject="自动回复: 新媒体备案",
                when=at(15, 9),
                body="您好，您的邮件已收到。",
                msgid="s08-1@company.cn",
                headers={"Auto-Submitted": "auto-replied"},
            ),
            expect("ignored", "130581", "130581", "none"),
        )
    )
    s.mails.append(
        Mail(
            "02-out-of-office.eml",
            message(
                sender="chen@xt.gov.cn",
                to=MAILBOX["130581"],
                subject="休假自动回复：备案材料",
                when=at(15, 9, 5),
                body="本人休假中，5月20日返回。",
                msgid="s08-2@xt.gov.cn",
                headers={"X-Autoreply": "yes"},
            ),
            expect("ignored", "130581", "130581", "none"),
        )
    )
    bounce = EmailMessage()
    bounce["From"] = "MAILER-DAEMON@163.com"
    bounce["To"] = MAILBOX["130581"]
    bounce["Subject"] = "系统退信"
    bounce["Date"] = format_datetime(at(15, 9, 10))
    bounce["Message-ID"] = "<s08-3@163.com>"
    bounce.set_content(
        "Final-Recipient: rfc822; nobody@example.com\nAction: failed\nStatus: 5.1.1\n"
    )
    s.mails.append(
        Mail("03-bounce.eml", bounce.as_bytes(), expect("ignored", "130581", "130581", "none"))
    )
    s.mails.append(
        Mail(
            "04-spam.eml",
            message(
                sender="promo@deals.example",
                to=MAILBOX["130581"],
                subject="优惠活动",
                when=at(15, 10),
                body="本店今日特价，欢迎选购。",
                msgid="s08-4@deals.example",
            ),
            expect("ignored", "130581", "130581", "none"),
        )
    )
    s.mails.append(
        Mail(
            "05-question.eml",
            message(
                sender="xiao.wu@qq.com",
                to=MAILBOX["130581"],
                subject="咨询新媒体账号备案",
                when=at(15, 11),
                body="请问个人抖音号备案需要提交哪些材料？",
                msgid="s08-5@qq.com",
            ),
            expect("question", "130581", "130581", "information"),
        )
    )
    out.append(s)

    # 9. A reference copied by someone else does not join that filing.
    r1 = with_county(people[6], "隆尧县", "130525")
    r2 = with_county(people[7], "隆尧县", "130525")
    s = Scenario(
        "reference_from_other_sender", "another sender quotes a reference: a new filing, not a join"
    )
    s.mails.append(
        Mail(
            "01-first.eml",
            message(
                sender="first@qq.com",
                to=MAILBOX["130525"],
                subject="备案",
                when=at(16, 9),
                body="备案表。",
                msgid="s09-1@qq.com",
                attachments=(("备案表.xlsx", form_file(r1, "xlsx"), XLSX),),
            ),
            expect("incomplete", "130525", "130525", "request_missing", missing=("id_card",)),
        )
    )
    s.mails.append(
        Mail(
            "02-other-sender.eml",
            message(
                sender="second@qq.com",
                to=MAILBOX["130525"],
                subject="[备案 XT130525-20200516-0001] 材料",
                when=at(16, 10),
                body="我的材料。",
                msgid="s09-2@qq.com",
                attachments=(
                    ("备案表.xlsx", form_file(r2, "xlsx"), XLSX),
                    ("身份证.jpg", front(r2.operator), "image/jpeg"),
                    ("背面.jpg", back(r2.operator), "image/jpeg"),
                ),
            ),
            expect("complete", "130525", "130525", "ack", new_filing=True),
        )
    )
    out.append(s)

    # 10. A newer copy of the form replaces the older one.
    r = with_county(people[0], "内丘县", "130523")
    no_phone = dataclasses.replace(r, phone=fake_data.Written("", ""))
    s = Scenario(
        "newer_form_replaces_older", "the first form lacks the phone; the corrected one replaces it"
    )
    s.mails.append(
        Mail(
            "01-no-phone.eml",
            message(
                sender="he.jing@126.com",
                to=MAILBOX["130523"],
                subject="备案表",
                when=at(17, 9),
                body="备案表和身份证。",
                msgid="s10-1@126.com",
                attachments=(
                    ("备案表.xlsx", form_file(no_phone, "xlsx"), XLSX),
                    ("身份证.jpg", front(r.operator), "image/jpeg"),
                    ("身份证反面.jpg", back(r.operator), "image/jpeg"),
                ),
            ),
            expect("incomplete", "130523", "130523", "request_missing", missing=("field:phone",)),
        )
    )
    s.mails.append(
        Mail(
            "02-corrected.eml",
            message(
                sender="he.jing@126.com",
                to=MAILBOX["130523"],
                subject="Re: [备案 XT130523-20200517-0001] 请补充材料",
                when=at(17, 12),
                body="已补充电话。",
                msgid="s10-2@126.com",
                attachments=(("备案表（修改）.xlsx", form_file(r, "xlsx"), XLSX),),
            ),
            expect("complete", "130523", "130523", "ack", same_filing_as="01-no-phone.eml"),
        )
    )
    out.append(s)

    # 11. A changed form after acceptance opens a change filing linked to the first.
    r = with_county(people[1], "临西县", "130535")
    account = dataclasses.replace(r.accounts[0], account_name=r.accounts[0].account_name + "新")
    changed = dataclasses.replace(
        r, accounts=(account, *r.accounts[1:]), filing_type=fake_data.Written("变更", "change")
    )
    s = Scenario("change_after_acceptance", "accepted, then a changed form: a change filing")
    s.mails.append(
        Mail(
            "01-accepted.eml",
            message(
                sender="ma.chao@163.com",
                to=MAILBOX["130535"],
                subject="备案",
                when=at(18, 9),
                body="备案材料。",
                msgid="s11-1@163.com",
                attachments=(
                    ("备案表.xlsx", form_file(r, "xlsx"), XLSX),
                    ("身份证正面.jpg", front(r.operator), "image/jpeg"),
                    ("身份证反面.jpg", back(r.operator), "image/jpeg"),
                ),
            ),
            expect("complete", "130535", "130535", "ack"),
        )
    )
    s.mails.append(
        Mail(
            "02-changed.eml",
            message(
                sender="ma.chao@163.com",
                to=MAILBOX["130535"],
                subject="Re: [备案 XT130535-20200518-0001] 材料已收齐",
                when=at(25, 9),
                body="账号名称变更，附新备案表。",
                msgid="s11-2@163.com",
                attachments=(("备案表-变更.xlsx", form_file(changed, "xlsx"), XLSX),),
            ),
            expect("complete", "130535", "130535", "ack", filing_type="change", new_filing=True),
        )
    )
    out.append(s)

    # 12. How Chinese mail arrives: QQ Mail's encodings, a forwarded mail, a zip with GBK names.
    r = with_county(people[2], "柏乡县", "130524")
    s = Scenario(
        "encodings_forwarded_archive", "QQ Mail gb18030 names; forwarded mail; zip with GBK names"
    )
    s.mails.append(
        Mail(
            "01-qq-mail.eml",
            qq_message(
                sender="12345678@qq.com",
                to=MAILBOX["130524"],
                subject="喆的新媒体账号备案",
                when=at(19, 9),
                body="您好，附件为备案材料。",
                msgid="s12-1@qq.com",
                attachments=(
                    ("邢台市新媒体账号登记备案表.xlsx", form_file(r, "xlsx"), XLSX),
                    ("身份证人像面.jpg", front(r.operator), "image/jpeg"),
                    ("身份证国徽面.jpg", back(r.operator), "image/jpeg"),
                ),
            ),
            expect("complete", "130524", "130524", "ack"),
        )
    )
    r2 = with_county(people[3], "巨鹿县", "130529")
    inner = message(
        sender="user@qq.com",
        to="staff@jl.gov.cn",
        subject="备案材料",
        when=at(19, 8),
        body="材料见附件",
        msgid="s12-inner@qq.com",
        attachments=(
            ("备案表.xlsx", form_file(r2, "xlsx"), XLSX),
            ("正面.jpg", front(r2.operator), "image/jpeg"),
            ("反面.jpg", back(r2.operator), "image/jpeg"),
        ),
    )
    s.mails.append(
        Mail(
            "02-forwarded.eml",
            forwarded(
                sender="staff@jl.gov.cn",
                to=MAILBOX["130529"],
                subject="转发: 备案材料",
                when=at(19, 10),
                msgid="s12-2@jl.gov.cn",
                inner=inner,
            ),
            expect("complete", "130529", "130529", "ack"),
        )
    )
    r3 = with_county(people[4], "平乡县", "130532")
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zf:
        for name, data in (
            ("备案表.xlsx", form_file(r3, "xlsx")),
            ("身份证正面.jpg", front(r3.operator)),
            ("身份证反面.jpg", back(r3.operator)),
        ):
            info = zipfile.ZipInfo(
                name.encode("gbk").decode("cp437"), date_time=(2020, 5, 19, 10, 0, 0)
            )
            info.flag_bits &= ~0x800
            zf.writestr(info, data)
    s.mails.append(
        Mail(
            "03-zip-gbk-names.eml",
            message(
                sender="pingxiang.user@126.com",
                to=MAILBOX["130532"],
                subject="备案材料压缩包",
                when=at(19, 11),
                body="材料打包发送。",
                msgid="s12-3@126.com",
                attachments=(("备案材料.zip", archive.getvalue(), "application/zip"),),
            ),
            expect("complete", "130532", "130532", "ack"),
        )
    )
    out.append(s)

    # 13. Filed long after the account was opened: accepted, marked late.
    r = with_county(people[5], "广宗县", "130531")
    opened = dataclasses.replace(
        r.accounts[0], opened_on=fake_data.Written("2020年6月1日", "2020-06-01")
    )
    late = dataclasses.replace(
        r, accounts=(opened,), filing_type=fake_data.Written("首次备案", "new")
    )
    s = Scenario("late_filing", "opened 1 June, filed 20 July: accepted, marked late")
    s.mails.append(
        Mail(
            "01-late.eml",
            message(
                sender="guo.qiang@163.com",
                to=MAILBOX["130531"],
                subject="补办备案",
                when=at(20, 9, month=7),
                body="补办备案。",
                msgid="s13-1@163.com",
                attachments=(
                    ("备案表.xlsx", form_file(late, "xlsx"), XLSX),
                    ("身份证.jpg", front(r.operator), "image/jpeg"),
                    ("身份证反面.jpg", back(r.operator), "image/jpeg"),
                ),
            ),
            expect("complete", "130531", "130531", "ack", problems=("late",)),
        )
    )
    out.append(s)

    # 14. Unreadable: a large-attachment link, and an encrypted archive.
    s = Scenario(
        "unreadable", "a NetEase large-attachment link and an encrypted 7z: asked for files"
    )
    html = (
        '<div id="divNeteaseBigAttach"><div>从网易163邮箱发来的超大附件</div>'
        '<a href="https://mail.163.com/large-attachment-download/index.html?p=X&amp;file=Y">备案材料.zip</a>'
        "<span>(80.96M, 2020年6月1日 0:49 到期)</span></div>"
    )
    link_mail = EmailMessage()
    link_mail["From"] = "big.file@163.com"
    link_mail["To"] = MAILBOX["130522"]
    link_mail["Subject"] = "备案材料（超大附件）"
    link_mail["Date"] = format_datetime(at(20, 9))
    link_mail["Message-ID"] = "<s14-1@163.com>"
    link_mail.set_content("从网易163邮箱发来的超大附件")
    link_mail.add_alternative(html, subtype="html")
    link_mail.set_boundary("=_part_s14-1")
    s.mails.append(
        Mail(
            "01-large-link.eml",
            link_mail.as_bytes(),
            expect(
                "unreadable",
                "130522",
                "130522",
                "request_missing",
                missing=("registration_form", "id_card"),
                problems=("link_only_attachment",),
            ),
        )
    )
    encrypted = encrypted_7z({"备案表.xlsx": form_file(people[6], "xlsx")})
    s.mails.append(
        Mail(
            "02-encrypted-7z.eml",
            message(
                sender="secret@qq.com",
                to=MAILBOX["130522"],
                subject="备案材料（加密）",
                when=at(20, 10),
                body="压缩包密码另行告知。",
                msgid="s14-2@qq.com",
                attachments=(("材料.7z", encrypted, "application/x-7z-compressed"),),
            ),
            expect(
                "unreadable",
                "130522",
                "130522",
                "request_missing",
                missing=("registration_form", "id_card"),
            ),
        )
    )
    out.append(s)
    return out


def write(target: Path = HERE) -> list[Scenario]:
    """Write every scenario folder (old ones removed first)."""
    built = scenarios()
    for old in target.iterdir():
        if old.is_dir() and not old.name.startswith((".", "_")):
            shutil.rmtree(old)
    for scenario in built:
        folder = target / scenario.name
        folder.mkdir()
        for mail in scenario.mails:
            (folder / mail.name).write_bytes(mail.raw)
        (folder / "expected.json").write_text(
            json.dumps(
                {"shows": scenario.shows, "mails": {m.name: m.expect for m in scenario.mails}},
                ensure_ascii=False,
                indent=1,
            )
            + "\n",
            encoding="utf-8",
        )
    shutil.rmtree(target / ".work", ignore_errors=True)
    return built


if __name__ == "__main__":
    made = write()
    print(f"{len(made)} scenarios, {sum(len(s.mails) for s in made)} mails in {HERE}")
