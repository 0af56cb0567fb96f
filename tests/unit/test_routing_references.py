"""Reference numbers and the threading rules."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from routing.references import Reference, find_references, format_reference, parse_reference
from routing.threading_rules import (
    CandidateFiling,
    IncomingMail,
    ThreadNote,
    ThreadRule,
    choose_filing,
    message_ids,
)

NOW = datetime(2020, 5, 12, 9, 0, tzinfo=UTC)
REGISTRANT = "someone@qq.com"


def test_format_and_parse_round_trip() -> None:
    text = format_reference("130582", date(2020, 5, 10), 3)
    assert text == "XT130582-20200510-0003"
    assert parse_reference(text) == Reference("130582", date(2020, 5, 10), 3)
    assert str(parse_reference(text)) == text


@pytest.mark.parametrize(
    "written",
    [
        "xt130582-20200510-0003",
        "ＸＴ１３０５８２－２０２００５１０－０００３",
        " XT130582 - 20200510 - 0003 ",
    ],
)
def test_parse_tolerates_case_width_and_spaces(written: str) -> None:
    assert parse_reference(written) == Reference("130582", date(2020, 5, 10), 3)


@pytest.mark.parametrize(
    "written",
    [
        "XT130582-20200230-0003",
        "XT130582-20200510-0000",
        "XT13058-20200510-0003",
        "",
        None,
        "XT130582-20200510-00031",
    ],
)
def test_parse_refuses_malformed(written: str | None) -> None:
    assert parse_reference(written) is None


@pytest.mark.parametrize(("office", "sequence"), [("13058", 1), ("130582", 0), ("130582", 10000)])
def test_format_refuses_bad_parts(office: str, sequence: int) -> None:
    with pytest.raises(ValueError):
        format_reference(office, date(2020, 5, 10), sequence)


def test_find_references_in_a_subject() -> None:
    subject = "Re: [备案 XT130582-20200510-0003] 材料已收齐 (XT130500-20200511-0012, XT130582-20200510-0003)"
    assert [str(r) for r in find_references(subject)] == [
        "XT130582-20200510-0003",
        "XT130500-20200511-0012",
    ]
    assert find_references(None) == ()


def test_message_ids() -> None:
    assert message_ids("<a@x> <b@y>\r\n <c@z>") == ("a@x", "b@y", "c@z")
    assert message_ids("a@x") == ("a@x",)
    assert message_ids(None) == ()


def _filing(
    reference: str = "XT130582-20200510-0003",
    sender: str = REGISTRANT,
    incomplete: bool = True,
    age_days: int = 2,
    replies: tuple[str, ...] = ("<r1@intake.local>",),
) -> CandidateFiling:
    return CandidateFiling(
        reference, "130582", sender, incomplete, NOW - timedelta(days=age_days), replies
    )


def _mail(
    subject: str = "补充材料",
    sender: str = REGISTRANT,
    in_reply_to: str | None = None,
    references: str | None = None,
    documents: bool = True,
) -> IncomingMail:
    return IncomingMail(subject, sender, NOW, in_reply_to, references, documents)


def test_reference_in_subject_from_the_same_sender_joins() -> None:
    match = choose_filing(
        _mail("Re: [备案 XT130582-20200510-0003] 请补充", "Someone <SOMEONE@qq.com>"),
        [_filing(incomplete=False, age_days=60)],
    )
    assert (match.reference, match.rule) == ("XT130582-20200510-0003", ThreadRule.REFERENCE)


def test_reference_quoted_by_another_sender_does_not_join() -> None:
    match = choose_filing(
        _mail("XT130582-20200510-0003", "other@163.com", documents=False), [_filing()]
    )
    assert (match.reference, match.rule) == (None, ThreadRule.NEW)
    assert ThreadNote.REFERENCE_FROM_OTHER_SENDER in match.notes


def test_unknown_reference_is_noted() -> None:
    match = choose_filing(_mail("XT130582-20200101-0001", documents=False), [_filing()])
    assert match.rule is ThreadRule.NEW
    assert ThreadNote.UNKNOWN_REFERENCE in match.notes


def test_reply_header_naming_our_reply_joins_whoever_sends() -> None:
    for header in ("in_reply_to", "references"):
        mail = _mail(
            "Re: 你好", "colleague@163.com", documents=False, **{header: "<x@y> <r1@intake.local>"}
        )
        match = choose_filing(mail, [_filing(replies=("r1@intake.local",))])
        assert (match.reference, match.rule) == ("XT130582-20200510-0003", ThreadRule.REPLY_HEADER)


def test_same_sender_one_open_incomplete_filing_joins_when_documents_come() -> None:
    match = choose_filing(_mail(), [_filing(), _filing("XT130582-20200401-0001", incomplete=False)])
    assert (match.reference, match.rule) == ("XT130582-20200510-0003", ThreadRule.SAME_SENDER)


def test_same_sender_rule_needs_documents_recency_and_exactly_one() -> None:
    assert choose_filing(_mail(documents=False), [_filing()]).rule is ThreadRule.NEW
    assert choose_filing(_mail(), [_filing(age_days=31)]).rule is ThreadRule.NEW
    assert choose_filing(_mail(), [_filing(sender="other@qq.com")]).rule is ThreadRule.NEW
    assert choose_filing(_mail(), [_filing(incomplete=False)]).rule is ThreadRule.NEW
    two = [_filing(), _filing("XT130582-20200511-0001")]
    match = choose_filing(_mail(), two)
    assert match.rule is ThreadRule.NEW
    assert ThreadNote.SEVERAL_OPEN_FILINGS in match.notes


def test_backlog_mail_read_after_its_filing_was_made_still_joins() -> None:
    later = CandidateFiling(
        "XT130582-20200510-0003", "130582", REGISTRANT, True, NOW + timedelta(hours=5)
    )
    assert choose_filing(_mail(), [later]).rule is ThreadRule.SAME_SENDER


def test_naive_and_aware_times_compare() -> None:
    naive = CandidateFiling(
        "XT130582-20200510-0003", "130582", REGISTRANT, True, datetime(2020, 5, 11)
    )
    assert choose_filing(_mail(), [naive]).rule is ThreadRule.SAME_SENDER


def test_no_candidates_means_new() -> None:
    assert choose_filing(_mail(), []) == choose_filing(_mail(documents=False), [])
    assert choose_filing(_mail(), []).reference is None
