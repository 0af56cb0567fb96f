"""Resident ID numbers: every vector of domain-facts.md, normalisation, and single-character
substitutions (hypothesis)."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from routing.identity import (
    ID_CHECK_CHARACTERS,
    IdNumberProblem,
    check_id_number,
    id_check_character,
)

VALID = [
    "11010519491231002X",
    "440524188001010014",
    "360426199101010071",
    "44011320141005001X",
    "412723199010050012",
    "110102199101010078",
    "120110198012010073",
]


@pytest.mark.parametrize("number", VALID)
def test_valid_vectors_pass(number: str) -> None:
    check = check_id_number(number)
    assert check.valid
    assert check.value == number
    assert check.region_code == number[:6]
    assert check.birth_date == date(int(number[6:10]), int(number[10:12]), int(number[12:14]))


@pytest.mark.parametrize(
    ("number", "reason"),
    [
        ("36042619910102009X", IdNumberProblem.BAD_CHECK),
        ("360426199113010079", IdNumberProblem.BAD_BIRTH_DATE),
        ("T60426199101010078", IdNumberProblem.BAD_CHARACTER),
    ],
)
def test_invalid_vectors_fail_with_their_reason(number: str, reason: IdNumberProblem) -> None:
    check = check_id_number(number)
    assert not check.valid
    assert check.value is None
    assert check.reason is reason


@pytest.mark.parametrize(
    "written",
    [
        "11010519491231002x",
        "１１０１０５１９４９１２３１００２Ｘ",
        "110105 1949 1231 002X",
        "\u3000110105194912310 02x ",
    ],
)
def test_normalises_full_width_lower_x_and_spaces(written: str) -> None:
    assert check_id_number(written).value == "11010519491231002X"


def test_empty_and_none_are_empty() -> None:
    assert check_id_number("").reason is IdNumberProblem.EMPTY
    assert check_id_number(None).reason is IdNumberProblem.EMPTY
    assert check_id_number("   ").reason is IdNumberProblem.EMPTY


@pytest.mark.parametrize("number", ["1101051949123100", "11010519491231002X1", "12345"])
def test_wrong_length(number: str) -> None:
    assert check_id_number(number).reason is IdNumberProblem.BAD_LENGTH


def test_x_only_allowed_last() -> None:
    assert check_id_number("1101051949123100X2").reason is IdNumberProblem.BAD_CHARACTER


def test_impossible_day_is_bad_birth_date() -> None:
    first17 = "11010519490230002"
    number = first17 + id_check_character(first17)
    assert check_id_number(number).reason is IdNumberProblem.BAD_BIRTH_DATE


def test_future_birth_date_needs_today() -> None:
    first17 = "13058220300101001"
    number = first17 + id_check_character(first17)
    assert check_id_number(number).valid
    check = check_id_number(number, today=date(2020, 5, 8))
    assert check.reason is IdNumberProblem.FUTURE_BIRTH_DATE
    assert check.birth_date == date(2030, 1, 1)


def test_fifteen_digit_number_is_expired_with_its_eighteen_digit_form() -> None:
    check = check_id_number("110105491231002")
    assert not check.valid
    assert check.reason is IdNumberProblem.EXPIRED_15_DIGIT
    assert check.birth_date == date(1949, 12, 31)
    assert check.region_code == "110105"
    assert check.eighteen_digit_form == "11010519491231002X"


def test_fifteen_digit_with_bad_date_is_bad_birth_date() -> None:
    assert check_id_number("110105491331002").reason is IdNumberProblem.BAD_BIRTH_DATE


@st.composite
def valid_id_numbers(draw: st.DrawFn) -> str:
    region = draw(st.from_regex(r"[1-6][0-9]{5}", fullmatch=True))
    born = draw(st.dates(min_value=date(1900, 1, 1), max_value=date(2020, 5, 1)))
    sequence = draw(st.integers(min_value=0, max_value=999))
    first17 = f"{region}{born:%Y%m%d}{sequence:03d}"
    return first17 + id_check_character(first17)


@settings(max_examples=80, deadline=None)
@given(valid_id_numbers())
def test_every_single_character_substitution_is_caught(number: str) -> None:
    assert check_id_number(number).valid
    for position in range(18):
        for replacement in "0123456789XAT":
            if replacement == number[position]:
                continue
            changed = number[:position] + replacement + number[position + 1 :]
            assert not check_id_number(changed).valid, (number, changed)


def test_check_character_table_has_eleven_distinct_characters() -> None:
    assert sorted(ID_CHECK_CHARACTERS) == sorted("0123456789X")
