"""Credit codes and organisation codes: every vector of domain-facts.md and property tests."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from routing.credit_code import (
    ORG_CODE_CHARACTERS,
    USCC_ALPHABET,
    CreditCodeKind,
    CreditCodeProblem,
    check_credit_code,
    check_org_code,
    check_uscc,
    org_code_check_character,
    printed_org_code,
    same_organisation,
    uscc_check_character,
)

VALID_USCC = [
    "91110000600037341L",
    "9144030071526726XG",
    "91310115MA1K3BTP2B",
    "121200004013590816",
    "92340603MA2PBMCG0U",
    "91320621MA1MRHG205",
]
VALID_ORG = ["60003734-1", "71526726-X", "40135908-1", "MA1MRHG2-0"]


@pytest.mark.parametrize("code", VALID_USCC)
def test_valid_credit_codes(code: str) -> None:
    check = check_uscc(code)
    assert check.valid
    assert check.value == code
    assert check.kind is CreditCodeKind.USCC
    assert check.org_code == code[8:17]
    assert check_credit_code(code) == check


@pytest.mark.parametrize("code", ["91110000600037341N", "91320621MA1MRHG207"])
def test_invalid_credit_codes(code: str) -> None:
    check = check_uscc(code)
    assert not check.valid
    assert check.reason is CreditCodeProblem.BAD_CHECK


@pytest.mark.parametrize("printed", VALID_ORG)
def test_valid_org_codes_with_and_without_hyphen(printed: str) -> None:
    bare = printed.replace("-", "")
    for written in (printed, bare, printed.lower(), f" {printed[:4]} {printed[4:]}"):
        check = check_org_code(written)
        assert check.valid, written
        assert check.value == bare
        assert check_credit_code(written).kind is CreditCodeKind.ORG_CODE
    assert printed_org_code(bare) == printed


@pytest.mark.parametrize(
    ("uscc", "org"),
    [
        ("91110000600037341L", "60003734-1"),
        ("9144030071526726XG", "71526726-X"),
        ("121200004013590816", "40135908-1"),
        ("91320621MA1MRHG205", "MA1MRHG2-0"),
    ],
)
def test_org_code_vectors_are_embedded_in_credit_codes(uscc: str, org: str) -> None:
    assert check_uscc(uscc).org_code == org.replace("-", "")
    assert same_organisation(uscc, org) is True


def test_letter_led_categories_are_accepted() -> None:
    for prefix in ("N2", "A1", "G1", "J1", "Q1", "Y1"):
        body = f"{prefix}130582MA0XQ0E3"
        org = body[8:16]
        first17 = body + org_code_check_character(org)
        code = first17 + uscc_check_character(first17)
        assert check_uscc(code).valid, code


@pytest.mark.parametrize(
    ("code", "reason"),
    [
        ("", CreditCodeProblem.EMPTY),
        ("9111000060003734", CreditCodeProblem.BAD_LENGTH),
        ("91110000600037341I", CreditCodeProblem.BAD_CHARACTER),
        ("9111A000600037341L", CreditCodeProblem.BAD_CHARACTER),
        ("O1110000600037341L", CreditCodeProblem.BAD_CHARACTER),
    ],
)
def test_shape_failures(code: str, reason: CreditCodeProblem) -> None:
    assert check_uscc(code).reason is reason


def test_embedded_org_code_check_is_tested() -> None:
    first17 = "91130582600037342"  # org code 600037342: its own check should be 1
    code = first17 + uscc_check_character(first17)
    check = check_uscc(code)
    assert check.reason is CreditCodeProblem.BAD_ORG_CODE_CHECK
    assert check.org_code == "600037342"


def test_full_width_credit_code_is_normalised() -> None:
    assert check_credit_code("９１１１００００６０００３７３４１ｌ").value == "91110000600037341L"


def test_org_code_failures() -> None:
    assert check_org_code("60003734-2").reason is CreditCodeProblem.BAD_CHECK
    assert check_org_code("6000373-41").reason is CreditCodeProblem.BAD_LENGTH
    assert check_org_code("6000373?-1").reason is CreditCodeProblem.BAD_CHARACTER
    assert check_org_code("600037").reason is CreditCodeProblem.BAD_LENGTH
    assert check_org_code(None).reason is CreditCodeProblem.EMPTY


def test_same_organisation() -> None:
    assert same_organisation("91110000600037341L", "91110000600037341L") is True
    assert same_organisation("91110000600037341L", "9144030071526726XG") is False
    assert same_organisation("9144030071526726XG", "60003734-1") is False
    assert same_organisation("91110000600037341N", "91110000600037341L") is None
    assert same_organisation(None, "91110000600037341L") is None


_BODY = st.text(alphabet=USCC_ALPHABET, min_size=8, max_size=8)


@st.composite
def valid_credit_codes(draw: st.DrawFn) -> str:
    head = draw(st.text(alphabet=USCC_ALPHABET, min_size=2, max_size=2))
    region = draw(st.from_regex(r"[0-9]{6}", fullmatch=True))
    body = draw(_BODY)
    first17 = head + region + body + org_code_check_character(body)
    return first17 + uscc_check_character(first17)


@settings(max_examples=80, deadline=None)
@given(valid_credit_codes())
def test_every_single_character_substitution_of_a_credit_code_is_caught(code: str) -> None:
    assert check_uscc(code).valid
    for position in range(18):
        for replacement in USCC_ALPHABET + "IOSVZ":
            if replacement == code[position]:
                continue
            changed = code[:position] + replacement + code[position + 1 :]
            assert not check_uscc(changed).valid, (code, changed)


@settings(max_examples=80, deadline=None)
@given(st.text(alphabet=ORG_CODE_CHARACTERS, min_size=8, max_size=8))
def test_org_code_substitutions_are_caught_unless_values_differ_by_eleven(body: str) -> None:
    """The documented blind spot: body values 0-35 under a mod-11 check."""
    code = body + org_code_check_character(body)
    assert check_org_code(code).valid
    for position in range(9):
        for replacement in ORG_CODE_CHARACTERS:
            if replacement == code[position]:
                continue
            changed = code[:position] + replacement + code[position + 1 :]
            caught = not check_org_code(changed).valid
            if position == 8 or (replacement.isdigit() and code[position].isdigit()):
                assert caught, (code, changed)
            else:
                difference = ORG_CODE_CHARACTERS.index(replacement) - ORG_CODE_CHARACTERS.index(
                    code[position]
                )
                assert caught == (difference % 11 != 0), (code, changed)


def test_org_code_blind_spot_example() -> None:
    assert check_org_code("60003734-1").valid
    assert check_org_code("H0003734-1").valid  # 6 -> H (value 17): undetectable
