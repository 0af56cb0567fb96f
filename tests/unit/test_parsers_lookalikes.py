"""Kinds from several anchors: the papers people attach by mistake are `other` with a note that
names them, one shared word no longer makes a kind, and facing pages are read apart."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest

from parsers import DocumentKind, ParseLimits, TextBox, read_document
from parsers.classify import classify_text, look_alike
from parsers.preprocess import enlarge_small, trustworthy_quad
from parsers.reader import facing_halves

NUMBER = "110102199101010078"


@pytest.mark.parametrize(
    ("text", "name"),
    [
        (
            f"中华人民共和国社会保障卡\n姓名 王芳\n社会保障号码 {NUMBER}\n有效期限 2028年03月",
            "social_security_card",
        ),
        ("中国某某银行 借记卡\n卡号 6222 0212 3456 7890 123\n银联", "bank_card"),
        (
            f"中华人民共和国机动车驾驶证\n证号 {NUMBER}\n姓名 王芳\n住址 河北省\n准驾车型 C1",
            "driving_licence",
        ),
        (
            f"常住人口登记卡\n姓名 王芳\n民族 汉\n出生地 河北\n公民身份号码 {NUMBER}",
            "household_register",
        ),
        ("中华人民共和国护照 PASSPORT\n姓名/Name 王芳\n出生日期/Date of birth", "passport"),
        ("G1234 邢台东站 北京西站\n05车12A号 二等座\n限乘当日当次车", "train_ticket"),
        (
            "个人信息登记表\n姓名 王芳\n性别 女\n民族 汉\n出生年月 1991年1月\n籍贯 河北\n政治面貌 群众",
            "personal_information_form",
        ),
    ],
)
def test_look_alike_papers_are_other_and_named(text: str, name: str) -> None:
    assert classify_text(text) == [DocumentKind.OTHER]
    assert look_alike(text) == name


def test_one_shared_word_makes_no_kind_but_a_small_card_with_its_number_does() -> None:
    assert classify_text("姓名 王芳\n出生 1991\n民族 汉") == [DocumentKind.OTHER]
    assert classify_text("有效期限 2028年03月") == [DocumentKind.OTHER]
    assert classify_text(f"王芳\n{NUMBER}") == [DocumentKind.ID_CARD_FRONT]
    assert classify_text("中华人民共和国\n有效期限 2015.05.08-2035.05.08") == [
        DocumentKind.ID_CARD_BACK
    ]


@dataclass(frozen=True)
class FixedEngine:
    boxes: tuple[TextBox, ...]
    name: str = "fixed"

    def recognise(self, image: np.ndarray) -> list[TextBox]:
        return list(self.boxes)


def test_a_look_alike_is_reported_with_its_note() -> None:
    texts = [
        "中华人民共和国社会保障卡",
        "姓名 王芳",
        f"社会保障号码 {NUMBER}",
        "有效期限 2028年03月",
    ]
    engine = FixedEngine(
        tuple(TextBox(t, 50, 50 + 60 * i, 600, 90 + 60 * i) for i, t in enumerate(texts))
    )
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (1000, 630), "white").save(out, "PNG")
    [document] = read_document("card.png", out.getvalue(), ParseLimits(orient_pages=False), engine)
    assert document.kind is DocumentKind.OTHER
    assert document.notes == ("looks_like:social_security_card",)


def test_facing_pages_split_at_the_fold_but_a_licence_keeps_its_columns() -> None:
    left = [TextBox(f"代码 {i}", 100, 100 + 90 * i, 1400, 140 + 90 * i) for i in range(6)]
    right = [
        TextBox(f"7830091{i} 30855{i}", 1900, 100 + 90 * i, 2600, 140 + 90 * i) for i in range(6)
    ]
    halves = facing_halves(left + right)
    assert halves is not None and halves == (left, right)
    licence = [TextBox(f"名称 某{i}", 110, 470 + 74 * i, 890, 504 + 74 * i) for i in range(8)] + [
        TextBox(f"注册资本 {i}", 960, 470 + 74 * i, 1640, 504 + 74 * i) for i in range(8)
    ]  # only the body rows read (the title lost to glare): wide, yet one page
    assert facing_halves(licence) is None


def test_tiny_images_are_enlarged_and_outlines_must_look_like_a_sheet() -> None:
    image = np.zeros((194, 259, 3), np.uint8)
    bigger, factor = enlarge_small(image)
    assert bigger.shape[:2] == (959, 1280) and factor == pytest.approx(1280 / 259)
    assert enlarge_small(np.zeros((700, 1000, 3), np.uint8))[1] == 1.0
    sheet = np.array([[100, 80], [900, 60], [940, 700], [80, 720]], np.float32)
    cut = np.array([[100, 80], [900, 60], [940, 700], [600, 150]], np.float32)
    assert trustworthy_quad(sheet)
    assert not trustworthy_quad(cut)


def test_stamp_words_alone_are_dropped_before_rows_are_made() -> None:
    from parsers.reader import is_stamp_text

    assert is_stamp_text("复印无效") and is_stamp_text("复 印 无 效。")
    assert is_stamp_text("仅供新媒体账号登记备案使用")
    assert not is_stamp_text("公民身份号码 110102199101010078")
    assert not is_stamp_text("住址 河北省邢台市")


def test_a_name_a_second_reading_does_not_confirm_is_lowered() -> None:
    from parsers.agreement import DISAGREED, after_second_reading, agrees, crop_for
    from parsers.model import FieldReading

    reading = FieldReading("徐勇赞", 0.988, (0, 0.3, 0.15, 0.4, 0.17))
    assert agrees("徐勇赟", [TextBox("姓名", 0, 0, 1, 1), TextBox("徐勇赟", 2, 0, 5, 1)])
    assert (
        after_second_reading(reading, [TextBox("姓名 徐勇赟", 0, 0, 1, 1)]).confidence == DISAGREED
    )
    assert after_second_reading(reading, [TextBox("姓名徐勇赞", 0, 0, 1, 1)]) == reading
    assert after_second_reading(reading, None) == reading
    image = np.zeros((1000, 2000, 3), np.uint8)
    crop = crop_for(image, (0, 0.3, 0.15, 0.4, 0.17))
    assert crop is not None and crop.shape[:2] == (2 * (170 - 150 + 20), 2 * (800 - 600 + 20))
    assert crop_for(image, (0, 0.3, 0.1, 0.31, 0.4)) is None  # standing on end
