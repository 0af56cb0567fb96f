"""The combined decision, the mail's nature, and the vocabulary helpers."""

from __future__ import annotations

from datetime import date

import pytest

from parsers.model import DocumentKind as ParsedKind
from routing.characters import name_key
from routing.completeness import DocumentFacts
from routing.credit_code import org_code_check_character, uscc_check_character
from routing.decision import EVERYTHING_NEEDED, FilingFacts, decide
from routing.form_choices import filing_type_from_text, subject_type_from_text
from routing.jurisdiction import JurisdictionBasis
from routing.not_a_filing import IgnoreReason, MailKind, MailNature, classify_mail, own_text
from tests.factories import id_number
from vocabulary import (
    DocumentKind,
    FilingStatus,
    FilingType,
    ReplyKind,
    SubjectType,
    invalid_field,
    missing_field,
)

PERSON_ID = id_number()
FORM = DocumentFacts("registration_form")
FRONT = DocumentFacts("id_card_front", id_number=PERSON_ID, name="张三")
BACK = DocumentFacts("id_card_back")
ACCOUNT = {"platform": "抖音", "account_name": "美食日记", "account_id": "food1"}
FIELDS = {
    "subject_type": "个人",
    "subject_name": "张三",
    "id_number": PERSON_ID,
    "county": "沙河市",
    "phone": "13812345678",
}


def _facts(**changes: object) -> FilingFacts:
    base: dict[str, object] = {
        "received_by": "130582",
        "received": date(2020, 5, 12),
        "fields": FIELDS,
        "accounts": (ACCOUNT,),
        "documents": (FORM, FRONT, BACK),
    }
    base.update(changes)
    return FilingFacts(**base)  # type: ignore[arg-type]


def test_complete_filing_at_its_own_office_is_acknowledged() -> None:
    decision = decide(_facts())
    assert decision.office == "130582"
    assert decision.status is FilingStatus.COMPLETE
    assert decision.reply is ReplyKind.ACK
    assert decision.missing == ()
    assert decision.problems == ()
    assert not decision.transferred
    assert decision.subject_type is SubjectType.INDIVIDUAL
    assert decision.jurisdiction is not None
    assert decision.jurisdiction.basis is JurisdictionBasis.COUNTY


def test_complete_filing_sent_to_the_wrong_office_is_transferred() -> None:
    decision = decide(_facts(received_by="130500"))
    assert decision.office == "130582"
    assert decision.transferred
    assert decision.reply is ReplyKind.TRANSFERRED


def test_incomplete_filing_asks_for_what_is_missing_even_when_moved() -> None:
    decision = decide(_facts(received_by="130500", documents=(FORM,)))
    assert decision.office == "130582"
    assert decision.status is FilingStatus.INCOMPLETE
    assert decision.missing == ("id_card",)
    assert decision.reply is ReplyKind.REQUEST_MISSING
    assert decision.transferred


def test_uncertain_county_stays_with_the_receiving_office() -> None:
    decision = decide(_facts(received_by="130500", fields={**FIELDS, "county": "清河"}))
    assert decision.office == "130500"
    assert decision.suggested_office == "130534"
    assert "uncertain:county" in decision.problems
    assert decision.status is FilingStatus.COMPLETE
    assert decision.reply is ReplyKind.ACK


def test_invalid_county_blocks() -> None:
    decision = decide(_facts(fields={**FIELDS, "county": "北京市朝阳区"}))
    assert "invalid:county" in decision.problems
    assert decision.status is FilingStatus.INCOMPLETE
    assert decision.office == "130582"  # the mailbox decides meanwhile


def test_out_of_scope_is_flagged_but_not_blocking() -> None:
    fields = {k: v for k, v in FIELDS.items() if k != "county"}
    decision = decide(_facts(fields={**fields, "county": "", "address": "北京市海淀区"}))
    assert "out_of_scope" in decision.problems
    assert "field:county" in decision.missing
    local = decide(_facts(accounts=({**ACCOUNT, "account_name": "邢台美食"},)))
    assert "out_of_scope" not in local.problems


def test_no_scope_judgement_without_a_form() -> None:
    decision = decide(_facts(documents=(FRONT, BACK), fields={}))
    assert "out_of_scope" not in decision.problems
    assert decision.missing == ("registration_form",)


def test_unreadable_when_nothing_could_be_read() -> None:
    broken = DocumentFacts("other", unreadable="encrypted")
    decision = decide(_facts(documents=(broken,), fields={}, accounts=()))
    assert decision.status is FilingStatus.UNREADABLE
    assert decision.reply is ReplyKind.REQUEST_MISSING
    link_only = decide(_facts(documents=(), fields={}, accounts=(), link_only_attachment=True))
    assert link_only.status is FilingStatus.UNREADABLE
    assert "link_only_attachment" in link_only.problems


def test_link_only_beside_readable_documents_is_incomplete() -> None:
    decision = decide(_facts(documents=(FRONT, BACK), fields={}, link_only_attachment=True))
    assert decision.status is FilingStatus.INCOMPLETE
    assert decision.problems == ("link_only_attachment",)


def test_late_complete_filing_is_still_acknowledged() -> None:
    rows = ({**ACCOUNT, "opened_on": "2019-01-01"},)
    decision = decide(_facts(accounts=rows, received=date(2020, 6, 1)))
    assert decision.status is FilingStatus.COMPLETE
    assert decision.problems == ("late",)
    assert decision.reply is ReplyKind.ACK
    assert decision.lateness is not None
    assert decision.lateness.late


def test_ignored_mail_gets_no_reply() -> None:
    nature = MailNature(MailKind.IGNORED, IgnoreReason.BOUNCE)
    decision = decide(_facts(nature=nature, received_by="130534"))
    assert decision.status is FilingStatus.IGNORED
    assert decision.reply is ReplyKind.NONE
    assert decision.ignored_reason is IgnoreReason.BOUNCE
    assert decision.office == "130534"
    assert decision.missing == ()


def test_question_gets_the_list_of_everything_needed() -> None:
    decision = decide(_facts(nature=MailNature(MailKind.QUESTION), documents=()))
    assert decision.status is FilingStatus.INCOMPLETE
    assert decision.reply is ReplyKind.REQUEST_MISSING
    assert decision.missing == EVERYTHING_NEEDED
    assert decision.missing == ("registration_form", "id_card", "business_licence")


def test_malformed_values_give_problems_not_exceptions() -> None:
    fields = {key: "???" for key in FIELDS} | {"opened_on": "x", "filled_on": "??", "email": "@"}
    rows = ({"platform": "", "account_name": "", "account_id": "", "followers": "?"},)
    decision = decide(_facts(fields=fields, accounts=rows, received_by="bogus"))
    assert decision.status is FilingStatus.INCOMPLETE
    assert decision.office == "130500"


_SENDER = "someone@qq.com"


def _classify(**changes: object) -> MailNature:
    base: dict[str, object] = {
        "auto_reply_marker": False,
        "is_bounce": False,
        "subject": "新媒体账号备案",
        "body_text": "",
        "attachment_count": 2,
        "large_link_count": 0,
        "sender": _SENDER,
        "own_addresses": ("shhlwxxb@163.com",),
    }
    base.update(changes)
    return classify_mail(**base)  # type: ignore[arg-type]


def test_mail_with_attachments_or_links_is_a_filing() -> None:
    assert _classify() == MailNature(MailKind.FILING)
    assert _classify(attachment_count=0, large_link_count=1).kind is MailKind.FILING


@pytest.mark.parametrize(
    ("changes", "reason"),
    [
        ({"auto_reply_marker": True}, IgnoreReason.AUTO_REPLY),
        ({"subject": "自动回复: 新媒体账号备案"}, IgnoreReason.AUTO_REPLY),
        ({"subject": "Out of Office: 备案"}, IgnoreReason.AUTO_REPLY),
        ({"sender": "noreply@example.com"}, IgnoreReason.AUTO_REPLY),
        ({"is_bounce": True}, IgnoreReason.BOUNCE),
        ({"subject": "系统退信"}, IgnoreReason.BOUNCE),
        ({"subject": "Undelivered Mail Returned to Sender"}, IgnoreReason.BOUNCE),
        ({"sender": "MAILER-DAEMON@163.com"}, IgnoreReason.MAILER_DAEMON),
        ({"sender": "Mail System <postmaster@qq.com>"}, IgnoreReason.MAILER_DAEMON),
        ({"sender": ""}, IgnoreReason.MAILER_DAEMON),
        ({"sender": "SHHLWXXB@163.com", "auto_reply_marker": True}, IgnoreReason.OWN_REPLY),
        ({"own_message": True}, IgnoreReason.OWN_REPLY),
        (
            {"attachment_count": 0, "subject": "你好", "body_text": "周末愉快"},
            IgnoreReason.NO_FILING_SIGNS,
        ),
    ],
)
def test_ignored_mail(changes: dict[str, object], reason: IgnoreReason) -> None:
    assert _classify(**changes) == MailNature(MailKind.IGNORED, reason)


def test_person_forwarding_from_our_mailbox_is_judged_on_merits() -> None:
    assert _classify(sender="shhlwxxb@163.com").kind is MailKind.FILING


def test_text_only_mail_about_filing_is_a_question() -> None:
    nature = _classify(attachment_count=0, subject="请问", body_text="抖音账号怎么登记？")
    assert nature == MailNature(MailKind.QUESTION)


def test_quoted_text_and_our_reference_do_not_make_a_question() -> None:
    body = "谢谢\n\n------------------ 原始邮件 ------------------\n请补充身份证复印件"
    nature = _classify(
        attachment_count=0, subject="Re: [备案 XT130582-20200510-0003] 请补充材料", body_text=body
    )
    assert nature == MailNature(MailKind.IGNORED, IgnoreReason.NO_FILING_SIGNS)
    assert own_text("好的\n> 请补充附件\n") == "好的"


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("个人", SubjectType.INDIVIDUAL),
        ("individual", SubjectType.INDIVIDUAL),
        ("企业", SubjectType.ORGANIZATION),
        ("事业单位", SubjectType.ORGANIZATION),
        ("社会组织", SubjectType.ORGANIZATION),
        ("机关", SubjectType.ORGANIZATION),
        ("公司", SubjectType.ORGANIZATION),
        ("□个人 ☑企业", SubjectType.ORGANIZATION),
        ("☑个人 □企业", SubjectType.INDIVIDUAL),
        ("√个人", SubjectType.INDIVIDUAL),
        ("其它", None),
        ("", None),
        (None, None),
    ],
)
def test_subject_types(written: str | None, expected: SubjectType | None) -> None:
    assert subject_type_from_text(written) is expected


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        ("首次备案", FilingType.NEW),
        ("新开通", FilingType.NEW),
        ("", FilingType.NEW),
        (None, FilingType.NEW),
        ("变更", FilingType.CHANGE),
        ("信息变更", FilingType.CHANGE),
        ("change", FilingType.CHANGE),
        ("注销", None),
    ],
)
def test_filing_types(written: str | None, expected: FilingType | None) -> None:
    assert filing_type_from_text(written) is expected


def test_code_builders_and_name_key() -> None:
    assert missing_field("phone") == "field:phone"
    assert invalid_field("id_number") == "invalid:id_number"
    assert name_key("某某公司（分公司）") == name_key("某某 公司 (分公司)")
    assert name_key("某某公司【分公司】") == name_key("某某公司[分公司]")
    assert name_key("阿卜杜·热合曼") == name_key("阿卜杜热合曼")
    assert name_key("甲公司") != name_key("乙公司")


def test_complete_organization_in_the_development_zone_moves_there() -> None:
    body = "MA0XQ0E3"
    first17 = "91130571" + body + org_code_check_character(body)
    credit_code = first17 + uscc_check_character(first17)
    manager_id = id_number("130502")
    fields = {
        "subject_type": "企业",
        "subject_name": "邢台某某科技有限公司",
        "credit_code": credit_code,
        "county": "邢台经开区",
        "manager_name": "李四",
        "manager_id_number": manager_id,
        "phone": "(0319)3636317",
    }
    documents = (
        FORM,
        DocumentFacts("business_licence", credit_code=credit_code, name="邢台某某科技有限公司"),
        DocumentFacts("id_card_front", id_number=manager_id, both_sides=True),
    )
    decision = decide(_facts(fields=fields, documents=documents, received_by="130502"))
    assert decision.subject_type is SubjectType.ORGANIZATION
    assert decision.office == "130571"
    assert decision.status is FilingStatus.COMPLETE
    assert decision.problems == ()
    assert decision.reply is ReplyKind.TRANSFERRED


def test_document_kinds_are_the_parsers_kinds() -> None:
    assert {kind.value for kind in DocumentKind} == {kind.value for kind in ParsedKind}
