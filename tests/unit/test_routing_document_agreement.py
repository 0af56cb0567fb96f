"""Agreement between a filing's documents raises both values' confidence; disagreement puts
both below the review threshold with its reason."""

from __future__ import annotations

from routing.document_agreement import (
    AGREED,
    DISAGREED,
    ReadDocument,
    cross_document_confidence,
)
from routing.review import DEFAULT_REVIEW_CONFIDENCE
from vocabulary import SubjectType

FORM = "registration_form"
CARD = "id_card_front"


def test_the_name_on_the_form_and_on_the_card_vouch_for_each_other() -> None:
    form = ReadDocument(FORM, {"subject_name": "徐勇赟", "phone": "13800000000"}, {})
    card = ReadDocument(
        CARD, {"name": "徐勇赟", "address": "河北省"}, {"name": 0.6, "address": 0.9}
    )
    agreement = cross_document_confidence([form, card], SubjectType.INDIVIDUAL)
    assert agreement.reasons == ()
    form_conf, card_conf = agreement.confidences
    assert form_conf == {"subject_name": 1.0}  # a typed value keeps its 1.0
    assert card_conf == {"name": AGREED, "address": 0.9}  # no counterpart: unchanged


def test_names_that_differ_both_go_to_review_with_the_reason() -> None:
    form = ReadDocument(FORM, {"subject_name": "裴晓东"}, {"subject_name": 1.0})
    card = ReadDocument(CARD, {"name": "装晓东"}, {"name": 0.99})
    agreement = cross_document_confidence([form, card], SubjectType.INDIVIDUAL)
    assert agreement.reasons == ("disagree:subject_name", "disagree:name")
    assert all(
        c[k] == DISAGREED < DEFAULT_REVIEW_CONFIDENCE
        for c, k in zip(agreement.confidences, ("subject_name", "name"), strict=True)
    )


def test_an_organisation_compares_its_licence_name_and_its_manager_s_card() -> None:
    form = ReadDocument(
        FORM,
        {"subject_name": "邢台市某某科技有限公司（分公司）", "manager_name": "王芳"},
        {"subject_name": 1.0, "manager_name": 1.0},
    )
    licence = ReadDocument(
        "business_licence",
        {"subject_name": "邢台市某某科技有限公司(分公司)"},
        {"subject_name": 0.7},
    )
    card = ReadDocument(CARD, {"name": "王芳"}, {"name": 0.8})
    agreement = cross_document_confidence([form, licence, card], SubjectType.ORGANIZATION)
    assert agreement.reasons == ()
    assert agreement.confidences[1]["subject_name"] == AGREED
    assert agreement.confidences[2]["name"] == AGREED
    # the organisation's name is not a person's: the card's name is not compared with it
    alone = cross_document_confidence([form, card], SubjectType.ORGANIZATION)
    assert alone.confidences[1]["name"] == AGREED


def test_one_matching_card_among_two_is_agreement_and_unknown_subject_types_compare_managers() -> (
    None
):
    form = ReadDocument(FORM, {"manager_name": "王芳"}, {"manager_name": 1.0})
    cards = [
        ReadDocument(CARD, {"name": "李强"}, {"name": 0.99}),
        ReadDocument(CARD, {"name": "王芳"}, {"name": 0.9}),
    ]
    agreement = cross_document_confidence([form, *cards], None)
    assert agreement.confidences[0]["manager_name"] == 1.0
    assert agreement.confidences[1]["name"] == DISAGREED
    assert agreement.confidences[2]["name"] == AGREED
    assert agreement.reasons == ("disagree:name",)


def test_the_fields_to_review_are_those_left_low_after_agreement() -> None:
    from routing.document_agreement import low_fields_after_agreement

    form = ReadDocument(FORM, {"subject_name": "徐勇赟"}, {"subject_name": 1.0})
    confirmed = ReadDocument(
        CARD, {"name": "徐勇赟", "address": "某地"}, {"name": 0.6, "address": 0.5}
    )
    assert low_fields_after_agreement([form, confirmed], SubjectType.INDIVIDUAL, 0.85) == (
        "address",
    )
    other = ReadDocument(CARD, {"name": "徐勇赞"}, {"name": 0.99})
    assert low_fields_after_agreement([form, other], SubjectType.INDIVIDUAL, 0.85) == (
        "subject_name",
        "name",
    )
