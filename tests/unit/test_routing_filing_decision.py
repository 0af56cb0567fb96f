"""The decide step's rules on snapshots, with no database: each test builds what the store would
know and checks what `decide_filing` says to record."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from routing.filing_decision import (
    NewFiling,
    Placement,
    candidate_filing,
    decide_filing,
    filing_facts,
)
from routing.filing_documents import (
    after_attaching,
    counted_attachments,
    form_changed,
    last_form_identity,
    superseded_by,
    unreadable_attachments,
    with_borrowed_identity,
)
from routing.filing_snapshot import (
    CandidateSnapshot,
    DocumentSnapshot,
    FilingSnapshot,
    MailEnvelope,
    MailTimes,
    RecordedState,
    document_kind,
    registrant_time,
)
from routing.not_a_filing import IgnoreReason, MailKind, MailNature
from routing.threading_rules import ThreadRule
from tests.factories import id_number
from vocabulary import (
    AttachmentProblem,
    DocumentKind,
    FilingStatus,
    FilingType,
    MissingDocument,
    Problem,
    ReplyKind,
)
from vocabulary.offices import CITY_OFFICE

PERSON_ID = id_number()
OTHER_ID = id_number("130521")
SENDER = "zhang@example.com"
NOW = datetime(2020, 5, 12, 2, 0, tzinfo=UTC)
FIELDS = {
    "subject_type": "个人",
    "subject_name": "张三",
    "id_number": PERSON_ID,
    "county": "沙河市",
    "phone": "13812345678",
}
ACCOUNT = {"platform": "抖音", "account_name": "美食日记", "account_id": "food1"}
COMPLETE = RecordedState(
    status=FilingStatus.COMPLETE.value,
    office="130582",
    missing=(),
    problems=(),
    reply=ReplyKind.ACK.value,
    subject_type="individual",
)
INCOMPLETE = RecordedState(
    status=FilingStatus.INCOMPLETE.value,
    office="130582",
    missing=(MissingDocument.ID_CARD.value,),
    problems=(),
    reply=ReplyKind.REQUEST_MISSING.value,
    subject_type="individual",
)


def _form(key: int, fields: dict[str, str] | None = None, **changes: object) -> DocumentSnapshot:
    return DocumentSnapshot(
        key=key,
        kind=DocumentKind.REGISTRATION_FORM,
        fields=FIELDS if fields is None else fields,
        accounts=(ACCOUNT,),
        **changes,  # type: ignore[arg-type]
    )


def _front(key: int, id_number: str = PERSON_ID) -> DocumentSnapshot:
    return DocumentSnapshot(
        key=key, kind=DocumentKind.ID_CARD_FRONT, fields={"id_number": id_number, "name": "张三"}
    )


def _back(key: int) -> DocumentSnapshot:
    return DocumentSnapshot(key=key, kind=DocumentKind.ID_CARD_BACK)


def _mail(key: int = 50, **changes: object) -> MailEnvelope:
    base: dict[str, object] = {
        "key": key,
        "office": "130582",
        "sender": SENDER,
        "stored_at": NOW,
        "subject": "账号备案",
        "sent_at": NOW - timedelta(hours=1),
        "attachment_problems": (None,),
    }
    base.update(changes)
    return MailEnvelope(**base)  # type: ignore[arg-type]


def _candidate(key: int = 7, **changes: object) -> CandidateSnapshot:
    base: dict[str, object] = {
        "key": key,
        "reference": f"XT130582-20200511-000{key}",
        "sender": SENDER,
        "received_by": "130582",
        "recorded": INCOMPLETE,
        "created_at": NOW - timedelta(days=1),
        "first_mail": MailTimes(key * 2, NOW - timedelta(days=1), NOW - timedelta(days=1)),
    }
    base.update(changes)
    return CandidateSnapshot(**base)  # type: ignore[arg-type]


def _placement(snapshot: FilingSnapshot) -> Placement:
    placement = decide_filing(snapshot).placement
    assert placement is not None
    return placement


# --- times and kinds ---------------------------------------------------------------------


def test_the_date_header_counts_unless_it_lies_in_our_future() -> None:
    sent = NOW - timedelta(days=3)
    assert registrant_time(sent, NOW) == sent
    assert registrant_time(NOW + timedelta(hours=23), NOW) == NOW + timedelta(hours=23)
    assert registrant_time(NOW + timedelta(days=2), NOW) == NOW
    assert registrant_time(None, NOW) == NOW


def test_a_kind_no_parser_reports_is_other() -> None:
    assert document_kind("id_card_back") is DocumentKind.ID_CARD_BACK
    assert document_kind("selfie") is DocumentKind.OTHER


def test_a_candidate_was_created_when_its_first_mail_was_sent() -> None:
    sent = NOW - timedelta(days=40)
    late_read = _candidate(first_mail=MailTimes(3, sent, NOW))
    assert candidate_filing(late_read).created_at == sent
    assert candidate_filing(late_read).incomplete
    no_mail = _candidate(first_mail=None, recorded=COMPLETE)
    assert candidate_filing(no_mail).created_at == no_mail.created_at
    assert not candidate_filing(no_mail).incomplete


# --- nature and bounces ------------------------------------------------------------------


def test_decoration_is_no_attachment() -> None:
    tiny = AttachmentProblem.TINY_IMAGE.value
    assert counted_attachments((tiny, None, "encrypted")) == 2
    assert unreadable_attachments((tiny, None, "encrypted")) == ("encrypted",)
    logo_only = decide_filing(
        FilingSnapshot(_mail(subject="hello", body_text="谢谢", attachment_problems=(tiny,)))
    )
    assert logo_only.nature == MailNature(MailKind.IGNORED, IgnoreReason.NO_FILING_SIGNS)
    assert logo_only.placement is None
    assert logo_only.history(50) is None


def test_an_attachment_about_filing_is_a_filing() -> None:
    outcome = decide_filing(FilingSnapshot(_mail(attachment_problems=(None,))))
    assert outcome.nature.kind is MailKind.FILING
    assert outcome.placement is not None


def test_an_unread_attachment_with_nothing_about_filing_waits_for_a_person() -> None:
    office = "shhlwxxb@163.com"
    mail = _mail(subject="hello", attachment_problems=(None,), recipients=(office,))
    outcome = decide_filing(FilingSnapshot(mail, own_addresses=(office,)))
    assert outcome.nature.kind is MailKind.UNCERTAIN
    assert outcome.placement is None
    assert outcome.signals == ("attachments:1", "recipient:office_mailbox")
    elsewhere = decide_filing(FilingSnapshot(_mail(subject="hello", attachment_problems=(None,))))
    assert elsewhere.nature.kind is MailKind.IGNORED


def test_a_bounce_suppresses_its_failed_recipients_once_each() -> None:
    bounce = _mail(
        sender="MAILER-DAEMON@example.com",
        is_bounce=True,
        bounced_recipients=(" Zhang@Example.com ", "zhang@example.com", "  ", "li@example.com"),
    )
    outcome = decide_filing(FilingSnapshot(bounce))
    assert outcome.suppress == ("zhang@example.com", "li@example.com")
    assert outcome.nature.kind is MailKind.IGNORED
    assert outcome.placement is None


def test_an_ordinary_mail_suppresses_nobody() -> None:
    outcome = decide_filing(FilingSnapshot(_mail(), (_form(1),)))
    assert outcome.suppress == ()


# --- new filings -------------------------------------------------------------------------


def test_a_first_mail_starts_a_filing_at_the_office_that_received_it() -> None:
    placement = _placement(FilingSnapshot(_mail(), (_form(1), _front(2), _back(3))))
    assert placement.thread.rule is ThreadRule.NEW
    assert placement.filing is None
    assert placement.new_filing == NewFiling(received_by="130582", office="130582")
    assert placement.first_decision
    assert placement.attach == (1, 2, 3)
    assert placement.supersede == ()
    assert not placement.change_filing
    assert placement.filing_type == FilingType.NEW.value
    assert placement.decision.status is FilingStatus.COMPLETE
    assert placement.recorded.reply == ReplyKind.ACK.value


def test_a_mail_from_an_unknown_mailbox_is_received_by_the_city() -> None:
    placement = _placement(FilingSnapshot(_mail(office=""), (_form(1),)))
    assert placement.new_filing == NewFiling(received_by=CITY_OFFICE, office=CITY_OFFICE)


def test_the_first_decision_records_every_value_as_changed() -> None:
    outcome = decide_filing(FilingSnapshot(_mail(), (_form(1),)))
    history = outcome.history(50)
    assert history is not None
    assert history["mail"] == 50
    assert history["thread"] == ThreadRule.NEW.value
    assert history["changed"] == {
        "status": {"from": None, "to": "incomplete"},
        "office": {"from": None, "to": "130582"},
        "missing": {"from": None, "to": ["id_card"]},
        "problems": {"from": None, "to": []},
        "reply": {"from": None, "to": "request_missing"},
        "subject_type": {"from": None, "to": "individual"},
    }


# --- joining and attaching ---------------------------------------------------------------


def test_a_follow_up_joins_the_open_filing_and_records_only_what_changed() -> None:
    open_filing = _candidate(documents=(_form(1),))
    placement = _placement(FilingSnapshot(_mail(), (_front(5), _back(6)), (open_filing,)))
    assert placement.thread.rule is ThreadRule.SAME_SENDER
    assert placement.filing == open_filing.key
    assert placement.new_filing is None
    assert not placement.first_decision
    assert placement.attach == (5, 6)
    assert placement.decision.status is FilingStatus.COMPLETE
    assert placement.changed == {
        "status": {"from": "incomplete", "to": "complete"},
        "missing": {"from": ["id_card"], "to": []},
        "reply": {"from": "request_missing", "to": "ack"},
    }


def test_a_readable_newer_copy_supersedes_the_older() -> None:
    old_form, old_front, photo = _form(1), _front(2), DocumentSnapshot(3, DocumentKind.OTHER)
    current = (old_form, old_front, photo)
    new_form, new_photo = _form(8), DocumentSnapshot(9, DocumentKind.OTHER)
    assert superseded_by(current, (new_form, new_photo)) == (old_form,)
    assert after_attaching(current, (new_form, new_photo)) == (
        old_front,
        photo,
        new_form,
        new_photo,
    )


def test_an_unreadable_newer_copy_supersedes_nothing() -> None:
    current = (_form(1), _front(2))
    blurred = DocumentSnapshot(8, DocumentKind.ID_CARD_FRONT, unreadable="blurred")
    assert superseded_by(current, (blurred,)) == ()
    assert after_attaching(current, (blurred,)) == (*current, blurred)


def test_joining_names_the_documents_superseded() -> None:
    open_filing = _candidate(documents=(_form(1), _front(2, OTHER_ID)))
    placement = _placement(FilingSnapshot(_mail(), (_front(5),), (open_filing,)))
    assert placement.supersede == (2,)
    assert Problem.MISMATCH_ID_NUMBER.value not in placement.decision.problems


def test_the_filing_is_decided_on_the_time_its_first_mail_was_sent() -> None:
    opened = {**ACCOUNT, "opened_on": "2020-01-01"}
    form = DocumentSnapshot(1, DocumentKind.REGISTRATION_FORM, FIELDS, (opened,))
    in_campaign = datetime(2020, 5, 12, 2, tzinfo=UTC)
    after_campaign = datetime(2020, 7, 1, 2, tzinfo=UTC)
    first_then = _candidate(documents=(form,), first_mail=MailTimes(3, in_campaign, in_campaign))
    mail = _mail(
        subject=f"补充 {first_then.reference}", sent_at=after_campaign, stored_at=after_campaign
    )
    on_time = _placement(FilingSnapshot(mail, (_front(5),), (first_then,)))
    assert on_time.thread.rule is ThreadRule.REFERENCE
    assert Problem.LATE.value not in on_time.decision.problems
    stored_later = replace(first_then, first_mail=MailTimes(99, in_campaign, in_campaign))
    late = _placement(FilingSnapshot(mail, (_front(5),), (stored_later,)))
    assert Problem.LATE.value in late.decision.problems


# --- change filings ----------------------------------------------------------------------


def test_a_different_form_for_an_accepted_filing_starts_a_change_filing() -> None:
    accepted = _candidate(
        recorded=COMPLETE, documents=(_form(1), _front(2), _back(3)), reply_message_ids=("r1@x",)
    )
    changed_form = _form(8, {**FIELDS, "phone": "13900000000"})
    placement = _placement(FilingSnapshot(_mail(in_reply_to="r1@x"), (changed_form,), (accepted,)))
    assert placement.thread.rule is ThreadRule.REPLY_HEADER
    assert placement.new_filing == NewFiling(
        received_by="130582", office="130582", change_of=accepted.key
    )
    assert placement.filing is None
    assert placement.change_filing
    assert placement.filing_type == FilingType.CHANGE.value
    assert placement.supersede == ()
    # the identity documents of the accepted filing still stand
    assert placement.decision.status is FilingStatus.COMPLETE
    assert placement.decision.missing == ()


def test_a_change_filing_starts_with_the_office_of_the_filing_it_changes() -> None:
    accepted = _candidate(
        recorded=replace(COMPLETE, office="130534"),
        documents=(_form(1),),
        reply_message_ids=("r1@x",),
    )
    placement = _placement(
        FilingSnapshot(
            _mail(office="130500", in_reply_to="r1@x"),
            (_form(8, {**FIELDS, "phone": "13900000000"}),),
            (accepted,),
        )
    )
    assert placement.new_filing == NewFiling("130500", "130534", change_of=accepted.key)


def test_the_same_form_again_joins_the_accepted_filing() -> None:
    accepted = _candidate(recorded=COMPLETE, documents=(_form(1),), reply_message_ids=("r1@x",))
    placement = _placement(FilingSnapshot(_mail(in_reply_to="r1@x"), (_form(8),), (accepted,)))
    assert placement.filing == accepted.key
    assert placement.new_filing is None
    assert placement.supersede == (1,)


def test_a_form_changes_a_filing_only_when_both_can_be_read() -> None:
    assert not form_changed((), (_form(8),))
    assert not form_changed((_form(1),), (_form(8, unreadable="damaged"),))
    assert form_changed((_form(1),), (_form(8, {**FIELDS, "phone": "13900000000"}),))
    other_accounts = DocumentSnapshot(
        8, DocumentKind.REGISTRATION_FORM, FIELDS, ({**ACCOUNT, "account_id": "food2"},)
    )
    assert form_changed((_form(1),), (other_accounts,))
    assert not form_changed((_form(1),), (_form(8),))


def test_a_fresh_mail_naming_an_accepted_registrant_changes_the_newest_such_filing() -> None:
    older = _candidate(3, recorded=COMPLETE, documents=(_form(1),))
    newer = _candidate(7, recorded=COMPLETE, documents=(_form(4),))
    other_registrant = _candidate(
        9, recorded=COMPLETE, documents=(_form(6, {**FIELDS, "id_number": OTHER_ID}),)
    )
    changed = _form(8, {**FIELDS, "phone": "13900000000"})
    mail = _mail(sent_at=NOW + timedelta(days=60), stored_at=NOW + timedelta(days=60))
    placement = _placement(FilingSnapshot(mail, (changed,), (older, other_registrant, newer)))
    assert placement.thread.rule is ThreadRule.NEW
    assert placement.new_filing is not None
    assert placement.new_filing.change_of == newer.key
    assert placement.filing_type == FilingType.CHANGE.value


def test_a_fresh_mail_for_another_registrant_or_sender_starts_a_first_filing() -> None:
    theirs = _candidate(7, sender="li@example.com", recorded=COMPLETE, documents=(_form(4),))
    open_one = _candidate(9, recorded=INCOMPLETE, documents=(_form(6),))
    changed = _form(8, {**FIELDS, "phone": "13900000000"})
    mail = _mail(sent_at=NOW + timedelta(days=60), stored_at=NOW + timedelta(days=60))
    placement = _placement(FilingSnapshot(mail, (changed,), (theirs, open_one)))
    assert placement.new_filing == NewFiling("130582", "130582")
    assert not placement.change_filing


def test_the_registrant_of_a_form_is_its_credit_code_else_its_id_number() -> None:
    both = _form(1, {"credit_code": "91130500MA0ABCDE1X", "id_number": PERSON_ID})
    assert last_form_identity((both,)) == "91130500MA0ABCDE1X"
    assert last_form_identity((_form(1),)) == PERSON_ID
    assert last_form_identity((_front(1),)) is None
    unread = _form(2, {}, unreadable="damaged")
    assert last_form_identity((_form(1), unread)) is None


def test_a_change_filing_borrows_identity_documents_it_does_not_bring() -> None:
    original = (_form(1), _front(2), _back(3))
    own = (_form(8), _front(9))
    assert with_borrowed_identity(own, original) == (_back(3), *own)


def test_a_change_filing_stays_a_change_whatever_its_form_says() -> None:
    change = _candidate(
        changes=True,
        documents=(_form(8, {**FIELDS, "filing_type": "首次备案"}),),
        original_documents=(_form(1), _front(2), _back(3)),
    )
    placement = _placement(FilingSnapshot(_mail(), (_back(12),), (change,)))
    assert placement.filing == change.key
    assert placement.change_filing
    assert placement.filing_type == FilingType.CHANGE.value
    assert placement.decision.filing_type is FilingType.NEW
    assert placement.decision.status is FilingStatus.COMPLETE


# --- the facts the decision reads --------------------------------------------------------


def test_the_county_the_registrant_wrote_wins() -> None:
    form = _form(1, {**FIELDS, "county": "130530", "county_written": "新河"})
    facts = filing_facts(
        received_by="130500",
        documents=(form, _front(2)),
        unreadable_attachments=(),
        first_mail=MailTimes(1, NOW, NOW),
        link_count=0,
        nature=MailNature(MailKind.FILING),
    )
    assert facts.fields["county"] == "新河"
    placement = _placement(FilingSnapshot(_mail(office="130500"), (form, _front(2), _back(3))))
    assert Problem.UNCERTAIN_COUNTY.value in placement.decision.problems
    assert placement.decision.office == "130500"
    snapped = _form(1, {**FIELDS, "county": "130530"})
    certain = _placement(FilingSnapshot(_mail(office="130500"), (snapped, _front(2), _back(3))))
    assert Problem.UNCERTAIN_COUNTY.value not in certain.decision.problems


def test_unreadable_attachments_count_as_unreadable_documents() -> None:
    facts = filing_facts(
        received_by="130582",
        documents=(_form(1),),
        unreadable_attachments=("encrypted",),
        first_mail=MailTimes(1, NOW, NOW),
        link_count=0,
        nature=MailNature(MailKind.FILING),
    )
    assert [(d.kind, d.unreadable) for d in facts.documents] == [
        ("other", "encrypted"),
        ("registration_form", None),
    ]


def test_the_filing_reads_unreadable_attachments_of_all_its_mails_but_not_decoration() -> None:
    open_filing = _candidate(attachment_problems=("damaged",))
    tiny = AttachmentProblem.TINY_IMAGE.value
    mail = _mail(attachment_problems=("encrypted", tiny))
    placement = _placement(FilingSnapshot(mail, (), (open_filing,)))
    assert placement.decision.status is FilingStatus.UNREADABLE


def test_links_without_a_readable_document_are_link_only() -> None:
    links_only = _placement(FilingSnapshot(_mail(attachment_problems=(), large_link_count=1)))
    assert Problem.LINK_ONLY_ATTACHMENT.value in links_only.decision.problems
    assert links_only.decision.status is FilingStatus.UNREADABLE
    with_form = _placement(FilingSnapshot(_mail(large_link_count=1), (_form(1),)))
    assert Problem.LINK_ONLY_ATTACHMENT.value not in with_form.decision.problems
    unreadable_only = _placement(FilingSnapshot(_mail(attachment_problems=("encrypted",))))
    assert Problem.LINK_ONLY_ATTACHMENT.value not in unreadable_only.decision.problems


def test_a_new_filing_starts_as_a_change_only_when_it_changes_another() -> None:
    assert NewFiling("130582", "130582").filing_type is FilingType.NEW
    assert NewFiling("130582", "130582", change_of=7).filing_type is FilingType.CHANGE


# --- deciding again after a person's correction ----------------------------------------


def test_deciding_again_uses_the_documents_as_they_now_read() -> None:
    from routing.filing_decision import decide_again

    held = _candidate(documents=(_form(1), _front(2, OTHER_ID), _back(3)))
    decision, recorded, changed = decide_again(held)
    assert Problem.MISMATCH_ID_NUMBER.value in decision.problems
    assert recorded.status == FilingStatus.INCOMPLETE.value
    corrected = _candidate(
        documents=(_form(1), _front(2, PERSON_ID), _back(3)),
        recorded=recorded,
    )
    decision, after, changed = decide_again(corrected)
    assert Problem.MISMATCH_ID_NUMBER.value not in decision.problems
    assert after.status == FilingStatus.COMPLETE.value and after.reply == ReplyKind.ACK.value
    assert changed["status"] == {"from": "incomplete", "to": "complete"}
    # The same decision as a mail bringing nothing new would get.
    by_mail = _placement(
        FilingSnapshot(_mail(subject=f"回复：{corrected.reference}"), (), (corrected,))
    )
    assert by_mail.decision == decision
