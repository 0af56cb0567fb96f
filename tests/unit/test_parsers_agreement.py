"""The second reading covers every card text value without a check digit (addresses and the
issuing authority too), and a value the list of divisions corrected is confirmed by a second
reading that the same correction makes equal."""

from __future__ import annotations

from parsers.agreement import DISAGREED, SECOND_READ_FIELDS, after_second_reading, agrees
from parsers.model import FieldReading, TextBox


def boxes(*texts: str) -> list[TextBox]:
    return [TextBox(text, 0, i, 1, i + 1) for i, text in enumerate(texts)]


def test_addresses_and_issuers_are_read_again() -> None:
    assert {"name", "subject_name", "legal_representative", "address", "issuer"} <= set(
        SECOND_READ_FIELDS
    )


def test_a_two_line_address_agrees_with_its_label_and_line_break_aside() -> None:
    value = "河北省南宫市北胡街道西关村156号"
    assert agrees(value, boxes("住址 河北省南宫市北胡街道西", "关村156号"))
    assert not agrees(value, boxes("住址 河北省南宫市北胡街道西", "关村158号"))


def test_a_corrected_division_is_confirmed_by_the_same_misreading() -> None:
    corrected = FieldReading("宿州市公安局埇桥分局", 0.9)
    assert after_second_reading(corrected, boxes("签发机关", "宿州市公安局埔桥分局")) == corrected
    other = after_second_reading(corrected, boxes("宿州市公安局埔桥区分局"))
    assert other.confidence == DISAGREED


def test_what_else_the_crop_shows_is_left_out_but_a_misread_piece_is_not() -> None:
    value = "河北省桥东区东大街街道李家庄村124号"
    crop = boxes("1994年5月12日", "主", "河北省桥东区东大街街道", "址", "李家庄村124号")
    assert agrees(value, crop)
    assert agrees("河北省广宗县中兴大街146号", boxes("河北省广宗县中兴大街1", "S", "46号"))
    assert not agrees(value, boxes("河北省桥东区东大街街道", "李家庄村12号"))
    assert not agrees("徐勇赟", boxes("姓名徐勇赞"))


def test_a_wrapping_value_s_crop_reaches_the_next_line() -> None:
    import numpy as np

    from parsers.agreement import WRAPPING_FIELDS, crop_for

    image = np.full((630, 1000, 3), 255, dtype=np.uint8)
    box = (0, 0.17, 0.49, 0.5, 0.55)  # one line of an address, about 38 px high
    plain, wrapped = crop_for(image, box), crop_for(image, box, wraps=True)
    assert plain is not None and wrapped is not None
    assert wrapped.shape[0] > plain.shape[0] + 2 * 1.4 * 38  # a further line, enlarged twice
    assert wrapped.shape[1] > plain.shape[1]
    assert "address" in WRAPPING_FIELDS and "name" not in WRAPPING_FIELDS
