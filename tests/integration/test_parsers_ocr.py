"""Real OCR on a small rendered ID card: tesseract and RapidOCR read it upright and turned, a
timeout and a memory limit stop the OCR worker process, and a fresh worker reads the next page.

These start the OCR worker and run the engines, which takes seconds per image on this machine;
everything about images that needs no engine is in tests/unit/test_parsers_images.py.
"""

from __future__ import annotations

import io

import pytest
from PIL import Image, ImageDraw

from parsers import DocumentKind, ParseLimits, make_engine, read_document
from parsers.ocr_worker import stop_worker
from parsers.preprocess import decode_image
from tests.unit.test_parsers_images import font, png


def card_image() -> bytes:
    image = Image.new("RGB", (760, 420), (236, 242, 246))
    draw = ImageDraw.Draw(image)
    face = font(28)
    for y, text in [
        (40, "姓名  王芳"),
        (100, "性别  女    民族  汉"),
        (160, "出生  1991年1月1日"),
        (220, "住址  河北省沙河市新城镇王庄村8号"),
        (330, "公民身份号码  110102199101010078"),
    ]:
        draw.text((40, y), text, font=face, fill="black")
    return png(image)


def test_tesseract_reads_a_card_line() -> None:
    image = decode_image(card_image(), 10**7)
    boxes = make_engine("tesseract").recognise(image)
    text = "".join(b.text for b in boxes).replace(" ", "")
    assert "110102199101010078" in text
    assert all(0.0 <= b.confidence <= 1.0 for b in boxes)


def test_rapidocr_reads_an_id_card_front_then_a_timeout_kills_the_worker() -> None:
    try:
        [document] = read_document("card.png", card_image())
        assert document.kind is DocumentKind.ID_CARD_FRONT
        assert document.engine == "rapidocr"
        values = {k: v.value for k, v in document.fields.items()}
        assert values["id_number"] == "110102199101010078"
        assert values["name"] == "王芳"
        assert values["birth_date"] == "1991-01-01"
        [late] = read_document("card.png", card_image(), ParseLimits(seconds_per_document=0.01))
        assert late.unreadable == "timeout"
    finally:
        stop_worker()


@pytest.mark.parametrize("turn", [90, 180, 270])
def test_rapidocr_reads_a_turned_card_from_the_card_itself(turn: int) -> None:
    turned = Image.open(io.BytesIO(card_image())).rotate(-turn, expand=True)
    try:
        [document] = read_document("card.png", png(turned))
    finally:
        stop_worker()
    assert document.kind is DocumentKind.ID_CARD_FRONT
    values = {k: v.value for k, v in document.fields.items()}
    assert values["id_number"] == "110102199101010078"
    assert values["name"] == "王芳"


def test_an_ocr_worker_past_its_memory_limit_is_killed_and_the_page_reported() -> None:
    try:
        [document] = read_document("card.png", card_image(), ParseLimits(ocr_memory_mb=60))
        assert document.unreadable == "too_much_memory"
        assert "limit 60 MB" in document.notes[0]
        [again] = read_document("card.png", card_image())  # a fresh worker reads the next page
        assert again.kind is DocumentKind.ID_CARD_FRONT
    finally:
        stop_worker()
