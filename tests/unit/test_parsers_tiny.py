"""A card photo too small for its labels: the name found by its place (below review), the
birth date and gender from the valid number, nothing guessed without a valid number."""

from __future__ import annotations

from parsers.cards import UNLABELLED, Line, read_card, unlabelled_name
from parsers.model import DocumentKind
from routing.review import DEFAULT_REVIEW_CONFIDENCE

TINY = [
    Line("本郑梓斌", 0.77),
    Line("议", 0.56),
    Line("1972=9月22日", 0.88),
    Line("阿北省成晶泥州铺李家庄", 0.76),
    Line("村90号", 0.68),
    Line("132233197209229107", 1.0),
    Line("公民非开付间", 0.62),
]


def test_a_tiny_card_gives_its_name_by_place_below_review_and_dates_from_its_number() -> None:
    fields = read_card(DocumentKind.ID_CARD_FRONT, TINY)
    assert fields["name"].value == "郑梓斌"
    assert fields["name"].confidence == UNLABELLED < DEFAULT_REVIEW_CONFIDENCE
    assert (fields["birth_date"].value, fields["gender"].value) == ("1972-09-22", "女")


def test_no_name_by_place_without_a_valid_number_or_from_a_long_first_line() -> None:
    invalid = [*TINY[:5], Line("132233197209229100", 1.0)]
    assert "name" not in read_card(DocumentKind.ID_CARD_FRONT, invalid)
    assert unlabelled_name([Line("河北省邢台市桥东区"), Line("郑梓斌")]) is None
    assert unlabelled_name([Line("议论")]) is None  # no known family name
    labelled = read_card(DocumentKind.ID_CARD_FRONT, [Line("姓名王芳", 0.99), *TINY[2:]])
    assert labelled["name"].value == "王芳" and labelled["name"].confidence == 0.99
