"""Licences as people send them: the pre-2015 style with a 15-digit 注册号 and no credit code,
the old label 法定代表人姓名, and labels printed spread out (名 称) read as separate boxes."""

from __future__ import annotations

import pytest

from parsers.cards import Line, read_licence, registration_number_valid
from parsers.classify import classify_text
from parsers.layout import column_lines, rows_of
from parsers.model import DocumentKind, TextBox
from routing.completeness import DocumentFacts, _field_checks, cross_check
from routing.registration_number import (
    RegistrationNumberProblem,
    check_registration_number,
    registration_check_digit,
)
from vocabulary.subjects import SubjectType

NUMBER = "13053000000" + "123"
VALID = NUMBER + registration_check_digit(NUMBER)

OLD_LICENCE = [
    "营业执照",
    f"注册号 {VALID}",
    "名称 邢台市某某文化传媒有限公司",
    "类型 有限责任公司",
    "住所 河北省邢台市桥东区顺德路201号",
    "法定代表人姓名 依海亮",
    "注册资本 壹佰万元整",
    "成立日期 2012年03月05日",
]


def test_the_check_digit_catches_every_single_digit_change() -> None:
    assert check_registration_number(VALID).valid
    assert registration_number_valid(VALID)
    for position in range(15):
        for digit in "0123456789":
            if digit == VALID[position]:
                continue
            changed = VALID[:position] + digit + VALID[position + 1 :]
            assert check_registration_number(changed).reason is RegistrationNumberProblem.BAD_CHECK
            assert not registration_number_valid(changed)
    assert check_registration_number(VALID[:14]).reason is RegistrationNumberProblem.BAD_LENGTH


def test_an_old_licence_is_read_with_its_registration_number() -> None:
    assert classify_text("\n".join(OLD_LICENCE)) == [DocumentKind.BUSINESS_LICENCE]
    fields = read_licence([Line(text, 0.95) for text in OLD_LICENCE])
    assert fields["registration_number"].value == VALID
    assert fields["registration_number"].confidence >= 0.97
    assert "credit_code" not in fields
    assert fields["legal_representative"].value == "依海亮"
    assert fields["subject_name"].value == "邢台市某某文化传媒有限公司"


def test_a_misread_registration_number_is_flagged_by_low_confidence() -> None:
    wrong = VALID[:3] + str((int(VALID[3]) + 1) % 10) + VALID[4:]
    fields = read_licence([Line(f"注册号 {wrong}", 0.99), Line("名称 某公司", 0.99)])
    assert fields["registration_number"].confidence < 0.5


def test_the_decision_treats_a_registration_number_as_what_it_is() -> None:
    form = {"credit_code": VALID, "subject_name": "邢台市某某文化传媒有限公司"}
    assert not [f for f in _field_checks(form, [], None) if f[0] == "credit_code"]
    wrong = VALID[:14] + str((int(VALID[14]) + 1) % 10)
    assert ("credit_code", "bad_registration_number_check") in _field_checks(
        {"credit_code": wrong}, [], None
    )
    licence = DocumentFacts(
        "business_licence", name="邢台市某某文化传媒有限公司", registration_number=VALID
    )
    assert "mismatch:credit_code" not in cross_check(SubjectType.ORGANIZATION, form, [licence])
    other = NUMBER[:-1] + "9"
    other_licence = DocumentFacts(
        "business_licence",
        name="邢台市某某文化传媒有限公司",
        registration_number=other + registration_check_digit(other),
    )
    assert "mismatch:credit_code" in cross_check(SubjectType.ORGANIZATION, form, [other_licence])


@pytest.mark.parametrize("drift", [0.0, 6.0, -6.0, 12.0])
def test_a_label_printed_spread_out_stays_on_its_row(drift: float) -> None:
    boxes = [
        TextBox("名", 100, 100 + drift, 130, 130 + drift),
        TextBox("称", 220, 100, 250, 130),
        TextBox("邢台市某某文化传媒有限公司", 300, 100, 800, 130),
        TextBox("类", 100, 118 + 20, 130, 148 + 20),
        TextBox("型", 220, 138, 250, 168),
        TextBox("有限责任公司", 300, 138, 600, 168),
    ]
    rows = rows_of(boxes)
    assert ["".join(b.text for b in row) for row in rows] == [
        "名称邢台市某某文化传媒有限公司",
        "类型有限责任公司",
    ]
    fields = read_licence(column_lines(boxes))
    assert fields["subject_name"].value == "邢台市某某文化传媒有限公司"
