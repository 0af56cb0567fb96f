"""Completeness: documents needed per subject type, required fields, checks and cross-checks."""

from __future__ import annotations

from datetime import date

from routing.completeness import (
    DocumentFacts,
    check_completeness,
    infer_subject_type,
    is_blocking,
)
from routing.credit_code import org_code_check_character, uscc_check_character
from routing.identity import id_check_character
from vocabulary.subjects import FilingType, SubjectType


def _id(region: str = "130582", born: str = "19900101", sequence: str = "001") -> str:
    first17 = region + born + sequence
    return first17 + id_check_character(first17)


def _uscc(body: str = "MA0XQ0E3") -> str:
    first17 = "91130582" + body + org_code_check_character(body)
    return first17 + uscc_check_character(first17)


PERSON_ID = _id()
MANAGER_ID = _id(sequence="003")
CREDIT_CODE = _uscc()
RECEIVED = date(2020, 5, 12)

ACCOUNT = {"platform": "抖音号", "account_name": "沙河生活", "account_id": "shahe123"}
INDIVIDUAL = {
    "subject_type": "个人",
    "subject_name": "张三",
    "id_number": PERSON_ID,
    "county": "沙河市",
    "phone": "13812345678",
}
ORGANIZATION = {
    "subject_type": "企业",
    "subject_name": "沙河市某某文化传媒有限公司（分公司）",
    "credit_code": CREDIT_CODE,
    "county": "沙河市",
    "manager_name": "李四",
    "manager_id_number": MANAGER_ID,
    "phone": "0319-8921750",
}
FORM = DocumentFacts("registration_form")
FRONT = DocumentFacts("id_card_front", id_number=PERSON_ID, name="张三")
BACK = DocumentFacts("id_card_back")
LICENCE = DocumentFacts(
    "business_licence", credit_code=CREDIT_CODE, name="沙河市某某文化传媒有限公司(分公司)"
)


def test_complete_individual() -> None:
    result = check_completeness(
        None, INDIVIDUAL, [FORM, FRONT, BACK], accounts=[ACCOUNT], received=RECEIVED
    )
    assert result.subject_type is SubjectType.INDIVIDUAL
    assert result.filing_type is FilingType.NEW
    assert result.missing == ()
    assert result.problems == ()
    assert not result.blocking
    assert result.readable


def test_complete_organization_with_tolerant_name_comparison() -> None:
    manager_front = DocumentFacts("id_card_front", id_number=MANAGER_ID, name="李四")
    result = check_completeness(
        None,
        ORGANIZATION,
        [FORM, LICENCE, manager_front, BACK],
        accounts=[ACCOUNT],
        received=RECEIVED,
    )
    assert result.subject_type is SubjectType.ORGANIZATION
    assert result.missing == ()
    assert result.problems == ()


def test_org_code_certificate_stands_in_for_the_licence() -> None:
    certificate = DocumentFacts(
        "org_code_certificate", credit_code="MA0XQ0E3-" + CREDIT_CODE[16], name=None
    )
    manager = DocumentFacts("id_card_front", id_number=MANAGER_ID)
    result = check_completeness(
        None, ORGANIZATION, [FORM, certificate, manager, BACK], accounts=[ACCOUNT]
    )
    assert result.missing == ()
    assert "mismatch:credit_code" not in result.problems


def test_individual_without_documents_lacks_the_form_and_the_id_card_only() -> None:
    result = check_completeness("个人", {}, [])
    assert result.missing == ("registration_form", "id_card")
    assert result.problems == ()
    assert not result.readable


def test_organization_lacks_licence_and_id_card() -> None:
    result = check_completeness(None, ORGANIZATION, [FORM], accounts=[ACCOUNT])
    assert result.missing == ("business_licence", "id_card")


def test_both_sides_on_one_page_count_as_both() -> None:
    both = DocumentFacts("id_card_front", id_number=PERSON_ID, both_sides=True)
    result = check_completeness(None, INDIVIDUAL, [FORM, both], accounts=[ACCOUNT])
    assert result.missing == ()
    assert "id_card_back_missing" not in result.problems


def test_front_without_back_is_a_soft_note() -> None:
    result = check_completeness(None, INDIVIDUAL, [FORM, FRONT], accounts=[ACCOUNT])
    assert result.missing == ()
    assert result.problems == ("id_card_back_missing",)
    assert not result.blocking


def test_back_alone_does_not_satisfy_id_card() -> None:
    result = check_completeness(None, INDIVIDUAL, [FORM, BACK], accounts=[ACCOUNT])
    assert result.missing == ("id_card",)


def test_unreadable_documents_do_not_count() -> None:
    broken = DocumentFacts("other", unreadable="encrypted")
    result = check_completeness(None, INDIVIDUAL, [broken], accounts=[ACCOUNT])
    assert result.missing == ("registration_form", "id_card")
    assert not result.readable


def test_empty_required_fields_are_missing_when_a_form_came() -> None:
    result = check_completeness(None, {"subject_type": "个人"}, [FORM, FRONT, BACK])
    assert result.missing == (
        "field:subject_name",
        "field:id_number",
        "field:county",
        "field:phone",
        "field:platform",
        "field:account_name",
        "field:account_id",
    )
    assert result.blocking


def test_organization_required_fields() -> None:
    fields = {
        "subject_type": "公司",
        "subject_name": "某公司",
        "county": "沙河市",
        "phone": "3699072",
    }
    result = check_completeness(None, fields, [FORM, LICENCE], accounts=[ACCOUNT])
    assert result.missing == (
        "id_card",
        "field:credit_code",
        "field:manager_name",
        "field:manager_id_number",
    )


def test_unknown_subject_type_asks_for_it_and_the_common_fields() -> None:
    result = check_completeness(None, {}, [FORM], accounts=[ACCOUNT])
    assert result.subject_type is None
    assert result.missing == (
        "id_card",
        "field:subject_type",
        "field:subject_name",
        "field:county",
        "field:phone",
    )


def test_every_account_row_needs_its_required_fields() -> None:
    rows = [ACCOUNT, {"platform": "快手", "account_name": "沙河2"}]
    result = check_completeness(None, INDIVIDUAL, [FORM, FRONT, BACK], accounts=rows)
    assert result.missing == ("field:account_id",)


def test_subject_type_inference() -> None:
    assert infer_subject_type(None, {"credit_code": "x"}, []) is SubjectType.ORGANIZATION
    assert infer_subject_type(None, {}, [LICENCE]) is SubjectType.ORGANIZATION
    assert infer_subject_type(None, {"id_number": "x"}, []) is SubjectType.INDIVIDUAL
    assert infer_subject_type("☑个人 □企业", {"credit_code": "x"}, []) is SubjectType.INDIVIDUAL
    assert infer_subject_type(None, {}, []) is None


def test_unrecognised_subject_type_is_invalid_only_when_not_inferable() -> None:
    fields = {**INDIVIDUAL, "subject_type": "其它"}
    result = check_completeness(None, fields, [FORM, FRONT, BACK], accounts=[ACCOUNT])
    assert "invalid:subject_type" not in result.problems  # inferred from the ID number
    bare = check_completeness(None, {"subject_type": "其它"}, [FORM], accounts=[ACCOUNT])
    assert "invalid:subject_type" in bare.problems
    assert bare.blocking


def test_invalid_fields_with_their_reasons() -> None:
    fields = {
        **INDIVIDUAL,
        "id_number": "110105491231002",
        "phone": "12345",
        "email": "not-an-address",
        "filled_on": "2020年13月1日",
    }
    rows = [{**ACCOUNT, "opened_on": "2020-06-01", "followers": "很多"}]
    result = check_completeness(None, fields, [FORM, FRONT, BACK], accounts=rows, received=RECEIVED)
    assert set(result.problems) == {
        "invalid:id_number",
        "invalid:phone",
        "invalid:email",
        "invalid:filled_on",
        "invalid:opened_on",
        "invalid:followers",
    }
    reasons = dict(result.field_reasons)
    assert reasons["id_number"] == "expired_15_digit"
    assert reasons["phone"] == "not_a_phone_number"
    assert reasons["opened_on"] == "after_received"
    assert reasons["filled_on"] == "impossible"
    assert result.blocking


def test_bad_optional_fields_do_not_block() -> None:
    fields = {**INDIVIDUAL, "email": "nope"}
    result = check_completeness(None, fields, [FORM, FRONT, BACK], accounts=[ACCOUNT])
    assert result.problems == ("invalid:email",)
    assert not result.blocking


def test_invalid_credit_code_blocks_an_organization() -> None:
    fields = {**ORGANIZATION, "credit_code": "91110000600037341N"}
    manager = DocumentFacts("id_card_front", id_number=MANAGER_ID)
    result = check_completeness(None, fields, [FORM, LICENCE, manager, BACK], accounts=[ACCOUNT])
    assert "invalid:credit_code" in result.problems
    assert "mismatch:credit_code" not in result.problems  # an invalid code is not compared
    assert result.blocking


def test_id_number_mismatch() -> None:
    other = DocumentFacts("id_card_front", id_number=_id(sequence="005"), name="张三")
    result = check_completeness(None, INDIVIDUAL, [FORM, other, BACK], accounts=[ACCOUNT])
    assert result.problems == ("mismatch:id_number",)
    assert result.blocking


def test_misread_id_number_on_the_copy_is_not_a_mismatch() -> None:
    misread = DocumentFacts("id_card_front", id_number=PERSON_ID[:-2] + "77", name="张三")
    result = check_completeness(None, INDIVIDUAL, [FORM, misread, BACK], accounts=[ACCOUNT])
    assert result.problems == ()


def test_organization_compares_the_managers_id() -> None:
    wrong = DocumentFacts("id_card_front", id_number=PERSON_ID)
    result = check_completeness(
        None, ORGANIZATION, [FORM, LICENCE, wrong, BACK], accounts=[ACCOUNT]
    )
    assert "mismatch:id_number" in result.problems


def test_one_matching_id_copy_among_several_is_enough() -> None:
    legal_rep = DocumentFacts("id_card_front", id_number=PERSON_ID)
    manager = DocumentFacts("id_card_front", id_number=MANAGER_ID)
    docs = [FORM, LICENCE, legal_rep, manager, BACK]
    result = check_completeness(None, ORGANIZATION, docs, accounts=[ACCOUNT])
    assert "mismatch:id_number" not in result.problems


def test_credit_code_and_name_mismatch() -> None:
    licence = DocumentFacts("business_licence", credit_code=_uscc("MA0XQ0F5"), name="别的公司")
    manager = DocumentFacts("id_card_front", id_number=MANAGER_ID)
    result = check_completeness(
        None, ORGANIZATION, [FORM, licence, manager, BACK], accounts=[ACCOUNT]
    )
    assert result.problems == ("mismatch:credit_code", "mismatch:subject_name")
    assert is_blocking("mismatch:credit_code", SubjectType.ORGANIZATION)
    assert not is_blocking("mismatch:subject_name", SubjectType.ORGANIZATION)


def test_individual_name_compared_with_the_id_card() -> None:
    other_name = DocumentFacts("id_card_front", id_number=PERSON_ID, name="王 五")
    result = check_completeness(None, INDIVIDUAL, [FORM, other_name, BACK], accounts=[ACCOUNT])
    assert result.problems == ("mismatch:subject_name",)
    assert not result.blocking


def test_late_filing_is_marked_not_blocking() -> None:
    rows = [{**ACCOUNT, "opened_on": "2020年6月1日"}]
    result = check_completeness(
        None, INDIVIDUAL, [FORM, FRONT, BACK], accounts=rows, received=date(2020, 6, 30)
    )
    assert result.problems == ("late",)
    assert result.lateness is not None
    assert result.lateness.days_late == 14
    assert not result.blocking


def test_change_filing_uses_its_change_date() -> None:
    fields = {**INDIVIDUAL, "filing_type": "变更", "changed_on": "2020-07-01"}
    rows = [{**ACCOUNT, "opened_on": "2019-01-01"}]
    on_time = check_completeness(
        None, fields, [FORM, FRONT, BACK], accounts=rows, received=date(2020, 7, 20)
    )
    assert on_time.filing_type is FilingType.CHANGE
    assert "late" not in on_time.problems
    late = check_completeness(
        None, fields, [FORM, FRONT, BACK], accounts=rows, received=date(2020, 8, 20)
    )
    assert "late" in late.problems


def test_link_only_attachment_is_a_problem() -> None:
    result = check_completeness(None, INDIVIDUAL, [FRONT, BACK], link_only_attachment=True)
    assert result.missing == ("registration_form",)
    assert result.problems == ("link_only_attachment",)


def test_blocking_rules() -> None:
    assert is_blocking("invalid:id_number", SubjectType.INDIVIDUAL)
    assert not is_blocking("invalid:id_number", SubjectType.ORGANIZATION)
    assert is_blocking("invalid:manager_id_number", SubjectType.ORGANIZATION)
    assert is_blocking("invalid:phone", SubjectType.INDIVIDUAL)
    assert is_blocking("invalid:county", None)
    assert not is_blocking("invalid:email", SubjectType.INDIVIDUAL)
    assert not is_blocking("late", SubjectType.INDIVIDUAL)
    assert not is_blocking("uncertain:county", SubjectType.INDIVIDUAL)
    assert not is_blocking("id_card_back_missing", None)
