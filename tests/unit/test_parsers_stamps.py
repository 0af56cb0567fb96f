"""A stamp over the ID number: coloured ink taken away from the number's line, the number found
where it stands, an address that a broken-off piece of the number line does not lengthen, and
the birth date and gender a valid number encodes when their rows were not read."""

from __future__ import annotations

import numpy as np

from parsers.cards import Line, read_card
from parsers.model import DocumentKind, FieldReading, TextBox
from parsers.plausible import CORRECTED, checked_card_fields, from_id_number
from parsers.stamps import (
    number_label,
    number_region,
    valid_number_in,
    without_coloured_ink,
)

VALID = "130502199405125486"


def test_coloured_ink_goes_and_black_print_stays_even_under_the_stamp() -> None:
    page = np.full((40, 120, 3), 245, dtype=np.uint8)
    page[10:30, 0:40] = (83, 84, 124)  # navy stamp over paper
    page[10:30, 40:60] = (31, 31, 70)  # navy stamp over black print
    page[10:30, 60:80] = (0, 0, 0)  # black print alone
    page[10:30, 80:120] = (230, 60, 60)  # a red seal
    clean = without_coloured_ink(page)
    assert clean is not None
    grey = clean[:, :, 0]
    assert (grey[15, 5], grey[15, 45], grey[15, 65], grey[15, 100], grey[2, 2]) == (
        255,
        0,
        0,
        255,
        255,
    )


def test_a_line_without_coloured_ink_is_not_read_again() -> None:
    page = np.full((40, 120, 3), 245, dtype=np.uint8)
    page[10:30, 60:80] = 0
    assert without_coloured_ink(page) is None


def test_the_number_line_lies_right_of_its_label() -> None:
    boxes = [
        TextBox("住址", 0, 0, 1, 1, source=(0.06, 0.5, 0.14, 0.6)),
        TextBox("公民身份S码", 0, 0, 1, 1, source=(0.08, 0.87, 0.25, 0.94)),
    ]
    label = number_label(boxes)
    assert label == (0.08, 0.87, 0.25, 0.94)
    left, top, right, bottom = number_region(label, 1000, 630) or (0, 0, 0, 0)
    assert (left, right) == (250, 1000)
    assert top < 0.87 * 630 < 0.94 * 630 < bottom <= 630
    assert number_label([TextBox("公民身份号码", 0, 0, 1, 1)]) is None  # not mapped back
    assert number_region((0.9, 0.1, 0.91, 0.5), 1000, 630) is None  # standing on end


def test_only_a_number_whose_check_character_holds_is_taken() -> None:
    assert valid_number_in([TextBox("易印无效05125486", 0, 0, 1, 1, 0.8)]) is None
    assert valid_number_in([TextBox(VALID[:-1] + "0", 0, 0, 1, 1)]) is None
    assert valid_number_in([TextBox(f" {VALID} ", 0, 0, 1, 1, 0.99)]) == (VALID, 0.99)


def test_a_piece_of_the_number_line_ends_the_address() -> None:
    lines = [
        Line("姓名萧红涵"),
        Line("住址河北省南宫市北胡街道西"),
        Line("关村156号"),
        Line("复印看0526018", 0.81),
        Line("公民身份号码"),
    ]
    fields = read_card(DocumentKind.ID_CARD_FRONT, lines)
    assert fields["address"].value == "河北省南宫市北胡街道西关村156号"
    assert fields["address"].confidence == 1.0


def test_birth_date_and_gender_come_from_a_valid_number_when_not_read() -> None:
    box = (0, 0.3, 0.8, 0.9, 0.9)
    fields = checked_card_fields({"id_number": FieldReading(VALID, 0.99, box)})
    assert fields["birth_date"] == FieldReading("1994-05-12", CORRECTED, box)
    assert fields["gender"] == FieldReading("女", CORRECTED, box)
    assert from_id_number(VALID, box, {"gender": FieldReading("女")}).keys() == {"birth_date"}
    invalid = checked_card_fields({"id_number": FieldReading(VALID[:-1] + "0", 0.3)})
    assert "birth_date" not in invalid and "gender" not in invalid
