"""The mail classifier: filing words in their context, quotes in every common style, spam signs,
decoration, documents as read, the sender's history; every decision names its signals."""

from __future__ import annotations

import pytest

from routing.mail_classifier import (
    AttachmentEvidence,
    MailEvidence,
    SenderHistory,
    classify,
    is_decoration,
)
from routing.mail_text import masked_text, own_text
from routing.not_a_filing import IgnoreReason, MailKind

OFFICE = "shhlwxxb@163.com"


def _mail(subject: str = "", body: str = "", **changes: object) -> MailEvidence:
    base: dict[str, object] = {
        "sender": "wu@qq.com",
        "subject": subject,
        "body_text": body,
        "recipients": (OFFICE,),
        "office_mailboxes": (OFFICE,),
    }
    base.update(changes)
    return MailEvidence(**base)  # type: ignore[arg-type]


PHOTO = AttachmentEvidence("scan.jpg", "image/jpeg", 250_000)


@pytest.mark.parametrize(
    "body",
    [
        "请问个人抖音号备案需要提交哪些材料？",
        "您好，我们公司有一个微信公众号，想问一下怎么备案",
        "我想给我的快手号登记备案，去哪里办",
        "你好，我的今日头条号需要备案吗",
        "请问备案表在哪里下载？",
        "老师好，公众账号备案可以只发电子版扫描件吗？\n\n--\n张伟\n电话 13800000000",
    ],
)
def test_real_questions_are_questions(body: str) -> None:
    result = classify(_mail("咨询", body))
    assert result.kind is MailKind.QUESTION, result.signals
    assert "recipient:office_mailbox" in result.signals


@pytest.mark.parametrize(
    ("subject", "body", "reason"),
    [
        ("发票", "代开发票，税点优惠。开户行及帐号：工商银行 6222 0202 0000 1234", "spam"),
        ("特价", "本店今日特价，欢迎选购！京ICP备12345678号 京公网安备11010502030000号", None),
        ("招聘", "诚聘网络编辑，月薪8000，五险一金。请将简历及身份证复印件发至本邮箱。", "spam"),
        ("抖音涨粉", "专业抖音涨粉、公众号代运营，价格优惠，联系QQ：123", "spam"),
        ("通知", "婚姻登记处自6月1日起迁至新址办公，请相互转告。", None),
        ("报告", "建筑材料送检报告已出，请到办公室领取。材料费已结清。", None),
        ("投稿须知", "请不要以附件形式发送稿件；不需要提供身份证复印件。", None),
        (
            "Re: 通知",
            "同意楼上。\n【 在 bbs (小明) 的大作中提到: 】\n: 请问抖音号备案需要什么？",
            None,
        ),
        ("Re: 通知", "好的\n: 请问公众号备案需要什么材料？\n: 谢谢", None),
    ],
)
def test_filing_words_in_another_sense_make_no_question(
    subject: str, body: str, reason: str | None
) -> None:
    result = classify(_mail(subject, body))
    assert result.kind is MailKind.IGNORED, result.signals
    if reason:
        assert result.nature.reason is IgnoreReason(reason)


@pytest.mark.parametrize(
    "quote",
    [
        "-----原始邮件-----\n发件人: 王芳 <wf@163.com>\n发送时间: 2020年5月9日\n\n请问抖音号备案？",
        '------------------ 原始邮件 ------------------\n发件人: "张"<1@qq.com>;\n请问抖音号备案？',
        '在 2020-05-09 10:00:00，"王芳" <wf@163.com> 写道：\n请问抖音号备案？',
        "On Sat, May 9, 2020 at 10:00 AM Wang <w@gmail.com> wrote:\n请问抖音号备案？",
        "________________________________\nFrom: Wang\nSent: Saturday\n请问抖音号备案？",
        "发件人：王芳\n发送时间：2020-05-09 10:00\n收件人：李娜\n\n请问抖音号备案？",
        "> 请问抖音号备案？",
    ],
)
def test_quoted_text_in_every_style_is_not_the_senders(quote: str) -> None:
    assert "抖音" not in own_text(f"收到，谢谢！\n\n{quote}")
    assert classify(_mail("Re: 你好", f"收到，谢谢！\n\n{quote}")).kind is MailKind.IGNORED


def test_masking_keeps_the_words_that_do_speak_of_filing() -> None:
    text = masked_text("京ICP备12345678号。我的抖音号想备案，不要以附件形式发送。开户行及帐号：1")
    assert "ICP" not in text and "开户行" not in text and "附件" not in text
    assert "抖音号想备案" in text


def test_a_question_not_addressed_to_an_office_waits_for_a_person() -> None:
    result = classify(_mail("咨询", "请问抖音号要备案吗？", recipients=("list@xtu.edu.cn",)))
    assert result.kind is MailKind.UNCERTAIN


def test_weak_words_and_a_question_wait_for_a_person() -> None:
    assert classify(_mail("请问", "请问备案需要什么？")).kind is MailKind.UNCERTAIN


def test_a_chinese_auto_reply_without_headers_is_generated() -> None:
    result = classify(_mail("Re: 新媒体账号备案", "您的来信已收到，我们会尽快处理，谢谢！"))
    assert result.nature.reason is IgnoreReason.AUTO_REPLY
    assert result.signals == ("generated:auto_reply_text",)


def test_a_document_read_as_a_form_makes_a_filing_whatever_else() -> None:
    form = AttachmentEvidence("1.xlsx", "application/zip", 9000, kinds=("registration_form",))
    result = classify(_mail("", "", attachments=(form,)))
    assert result.kind is MailKind.FILING
    assert result.signals == ("document:registration_form",)


@pytest.mark.parametrize(
    "attachment",
    [
        AttachmentEvidence("logo.png", "image/png", 3000, inline=True),
        AttachmentEvidence("invite.ics", "text/calendar", 400),
        AttachmentEvidence("zhang.vcf", "text/vcard", 200),
        AttachmentEvidence("winmail.dat", "application/ms-tnef", 5000),
        AttachmentEvidence("smime.p7s", "application/pkcs7-signature", 4000),
        AttachmentEvidence("x.png", "image/png", 900, problem="tiny_image"),
    ],
)
def test_decoration_is_no_evidence(attachment: AttachmentEvidence) -> None:
    assert is_decoration(attachment)
    result = classify(_mail("你好", "周末一起吃饭吧", attachments=(attachment,)))
    assert result.kind is MailKind.IGNORED


def test_an_unread_attachment_needs_something_more() -> None:
    assert classify(_mail("备案", "", attachments=(PHOTO,))).kind is MailKind.FILING
    assert classify(_mail("hello", "", attachments=(PHOTO,))).kind is MailKind.UNCERTAIN
    elsewhere = _mail("hello", "", attachments=(PHOTO,), recipients=("a@b.cn",))
    assert classify(elsewhere).kind is MailKind.IGNORED
    asked = _mail("hello", "", attachments=(PHOTO,), history=SenderHistory(questions=1))
    result = classify(asked)
    assert result.kind is MailKind.FILING and "history:asked_before" in result.signals
    spam = _mail("抖音涨粉", "涨粉推广，优惠", attachments=(PHOTO,))
    assert classify(spam).nature.reason is IgnoreReason.SPAM


def test_a_newsletter_pdf_with_list_headers_is_not_a_filing() -> None:
    pdf = AttachmentEvidence("newsletter.pdf", "application/pdf", 80_000, kinds=("other",))
    result = classify(
        _mail("本期通讯", "公众号新文章", attachments=(pdf,), header_signs=("list_unsubscribe",))
    )
    assert result.kind is MailKind.IGNORED and "spam:list_unsubscribe" in result.signals


def test_a_text_only_answer_to_our_reply_waits_for_a_person() -> None:
    result = classify(_mail("Re: [备案 XT130582-20200510-0003] 请补充材料", "还缺什么材料？"))
    assert result.kind is MailKind.UNCERTAIN and "thread:our_reference" in result.signals
    thanks = classify(_mail("Re: [备案 XT130582-20200510-0003] 材料已收齐", "好的"))
    assert thanks.kind is MailKind.IGNORED


def test_forged_or_bulk_headers_count_against() -> None:
    result = classify(_mail("咨询", "请问抖音号备案？", header_signs=("received_mismatch",)))
    assert result.nature.reason is IgnoreReason.SPAM
    assert "spam:received_mismatch" in result.signals


def test_a_question_in_traditional_characters_is_a_question() -> None:
    result = classify(_mail("諮詢", "您好，我們公司的微信公眾號要怎麼登記備案？"))
    assert result.kind is MailKind.QUESTION, result.signals
