"""Malformed input never raises: every public check and decision on arbitrary text."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from routing.credit_code import check_credit_code, check_org_code, check_uscc, same_organisation
from routing.dates import parse_date
from routing.form_choices import filing_type_from_text, subject_type_from_text
from routing.identity import check_id_number
from routing.jurisdiction import address_to_office, county_to_office, decide_office
from routing.not_a_filing import classify_mail
from routing.phones import check_phone
from routing.platforms import normalise_platform
from routing.references import find_references, parse_reference
from routing.scope import in_scope
from routing.values import check_email, parse_followers

_TEXT = st.text(
    alphabet=st.sampled_from(
        "0123456789xX-+.,/ 年月日号万千wk十二〇一()（）＠@邢台县桥东沙河市区镇XT"
    ),
    max_size=30,
) | st.text(max_size=30)


@settings(max_examples=150, deadline=None)
@given(_TEXT, _TEXT)
def test_checks_never_raise(text: str, other: str) -> None:
    check_id_number(text)
    check_credit_code(text)
    check_org_code(text)
    check_uscc(text)
    same_organisation(text, other)
    check_phone(text)
    check_email(text)
    parse_date(text)
    parse_followers(text)
    normalise_platform(text)
    county_to_office(text)
    address_to_office(text)
    decide_office(text, other, text, other)
    in_scope([text], other, text)
    parse_reference(text)
    find_references(text)
    subject_type_from_text(text)
    filing_type_from_text(text)
    classify_mail(
        auto_reply_marker=False,
        is_bounce=False,
        subject=text,
        body_text=other,
        attachment_count=0,
        large_link_count=0,
        sender=other,
    )


def test_chinese_numerals_that_are_no_date() -> None:
    assert parse_date("十十年").value is None
    assert parse_followers("十十").value is None
