"""Place names and card values checked: division names corrected or flagged, birth dates and
genders against the ID number, names that cannot be names."""

from __future__ import annotations

import datetime as dt

import pytest

from parsers.cards import Line, read_card
from parsers.model import DocumentKind, FieldReading
from parsers.places import check_divisions
from parsers.plausible import DOUBTFUL, checked_card_fields
from vocabulary.divisions import DIVISIONS


@pytest.mark.parametrize(
    ("read", "right"),
    [
        ("安徽省宿州市埔桥区朱仙庄镇", "安徽省宿州市埇桥区朱仙庄镇"),
        ("安徽省淮北市滩溪县百善镇", "安徽省淮北市濉溪县百善镇"),
        ("宿州市公安局埔桥分局", "宿州市公安局埇桥分局"),
    ],
)
def test_a_one_character_miss_is_corrected_when_exactly_one_division_fits(
    read: str, right: str
) -> None:
    check = check_divisions(read)
    assert (check.value, check.corrected, check.fits) == (right, True, True)


@pytest.mark.parametrize(
    "text", ["河北省邢台市桥东区顺德路201号", "河北省邢台市信都区", "北京市朝阳区", "沙河市公安局"]
)
def test_right_names_are_left_alone(text: str) -> None:
    check = check_divisions(text)
    assert (check.value, check.corrected, check.fits) == (text, False, True)


@pytest.mark.parametrize("text", ["河比省邢台市桥东区", "滩溪县公安局", "安徽省宿州市埔桥县某村"])
def test_what_fits_no_division_is_flagged(text: str) -> None:
    check = check_divisions(text)
    assert not check.fits and check.value == text


def test_the_table_holds_every_level_with_the_2020_renames() -> None:
    assert DIVISIONS["341302"] == ("埇桥区",) and DIVISIONS["340621"] == ("濉溪县",)
    assert "信都区" in DIVISIONS["130503"]
    assert len(DIVISIONS) > 3000


def test_card_values_are_checked_against_the_id_number_and_what_they_can_be() -> None:
    number = "110102199101010078"  # valid check character; 1991-01-01, odd 17th digit: male
    fields = {
        "name": FieldReading("1", 0.9),
        "gender": FieldReading("女", 0.99),
        "birth_date": FieldReading("1654-12-20", 0.95),
        "id_number": FieldReading(number, 0.99),
        "address": FieldReading("安徽省宿州市埔桥区朱仙庄镇", 0.998),
    }
    out = checked_card_fields(fields, dt.date(2026, 12, 4))
    assert "name" not in out
    assert out["gender"].value == "男"
    assert out["birth_date"].value == "1991-01-01"
    assert out["address"].value == "安徽省宿州市埇桥区朱仙庄镇"
    alone = checked_card_fields({"birth_date": FieldReading("1654-12-20", 0.95)})
    assert alone["birth_date"].confidence <= DOUBTFUL
    flagged = checked_card_fields({"issuer": FieldReading("滩溪县公安局", 0.99)})
    assert flagged["issuer"].confidence <= DOUBTFUL


def test_an_id_back_issuer_is_corrected_when_read() -> None:
    lines = [Line("签发机关 宿州市公安局埔桥分局", 0.998), Line("有效期限 2015.05.08-2035.05.08")]
    fields = read_card(DocumentKind.ID_CARD_BACK, lines)
    assert fields["issuer"].value == "宿州市公安局埇桥分局"
