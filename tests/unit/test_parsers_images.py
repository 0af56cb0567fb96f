"""Images and scanned pages: preprocessing, limits, page naming, orientation.

Every test here uses an engine that returns fixed boxes. Real OCR is slow on this machine
(2 cores shared): the runs of the real engines are in tests/integration/test_parsers_ocr.py.
"""

from __future__ import annotations

import io
from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageDraw, ImageFont

from parsers import DocumentKind, ParseLimits, TextBox, read_document
from parsers.preprocess import (
    decode_image,
    has_red_marks,
    prepare,
    red_as_grey,
    rotate,
    straighten,
    upright,
)

FONT_PATH = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
NO_ORIENT = ParseLimits(orient_pages=False)


def font(size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(FONT_PATH, size)


def png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


@dataclass(frozen=True)
class FixedEngine:
    """An engine that 'reads' the same boxes from every image, recording nothing."""

    boxes: tuple[TextBox, ...]
    name: str = "fixed"

    def recognise(self, image: np.ndarray) -> list[TextBox]:
        assert image.ndim == 3 and image.shape[2] == 3 and image.dtype == np.uint8
        return list(self.boxes)


def rows(texts: list[str], x: float, y: float) -> tuple[TextBox, ...]:
    return tuple(
        TextBox(t, x, y + 40 * i, x + 300, y + 40 * i + 30, 0.9) for i, t in enumerate(texts)
    )


FRONT = [
    "姓名 王芳",
    "性别 女 民族 汉",
    "出生 1991年1月1日",
    "住址 河北省沙河市新城镇",
    "公民身份号码 110102199101010078",
]
BACK = ["中华人民共和国 居民身份证", "签发机关 沙河市公安局", "有效期限 2015.05.08-2035.05.08"]


def test_id_copy_page_gives_front_and_back_documents() -> None:
    engine = FixedEngine(rows(FRONT, 100, 100) + rows(BACK, 100, 700))
    image = png(Image.new("RGB", (800, 1100), "white"))
    documents = read_document("copy.png", image, NO_ORIENT, engine)
    assert [(d.file, d.kind, d.engine) for d in documents] == [
        ("copy.png", DocumentKind.ID_CARD_FRONT, "fixed"),
        ("copy.png", DocumentKind.ID_CARD_BACK, "fixed"),
    ]
    assert documents[0].fields["id_number"].value == "110102199101010078"
    assert documents[0].fields["id_number"].confidence >= 0.97
    assert documents[1].fields["valid_until"].value == "2035-05-08"


def test_scanned_pdf_pages_are_rendered_and_named_by_page() -> None:
    pages = [Image.new("RGB", (600, 800), "white"), Image.new("L", (600, 800), 255)]
    out = io.BytesIO()
    pages[0].save(out, "PDF", save_all=True, append_images=pages[1:], resolution=72)
    engine = FixedEngine(rows(BACK, 50, 50))
    documents = read_document("scan.pdf", out.getvalue(), NO_ORIENT, engine)
    assert [d.file for d in documents] == ["scan.pdf#page=1", "scan.pdf#page=2"]
    assert {d.kind for d in documents} == {DocumentKind.ID_CARD_BACK}


def test_page_limit_reports_the_rest() -> None:
    pages = [Image.new("L", (300, 400), 255) for _ in range(3)]
    out = io.BytesIO()
    pages[0].save(out, "PDF", save_all=True, append_images=pages[1:], resolution=72)
    engine = FixedEngine(rows(BACK, 50, 50))
    documents = read_document(
        "scan.pdf", out.getvalue(), ParseLimits(max_pages=2, orient_pages=False), engine
    )
    assert [d.file for d in documents] == [
        "scan.pdf#page=1",
        "scan.pdf#page=2",
        "scan.pdf#page=3-3",
    ]
    assert documents[-1].unreadable == "too_many_pages"


def test_blank_image_has_no_text() -> None:
    [document] = read_document(
        "blank.png", png(Image.new("RGB", (50, 50))), NO_ORIENT, FixedEngine(())
    )
    assert document.unreadable == "no_text"


def test_pixel_limit_is_checked_before_decoding() -> None:
    huge = Image.new("1", (9000, 8000), 1)  # 72 Mpx, a few KB as PNG
    [document] = read_document("bomb.png", png(huge), NO_ORIENT, FixedEngine(()))
    assert document.unreadable == "too_many_pixels"


def test_one_bit_and_palette_images_become_rgb() -> None:
    for mode in ("1", "P", "L", "LA", "CMYK"):
        image = decode_image(
            png(Image.new(mode, (20, 10))) if mode != "CMYK" else _jpeg_cmyk(), 10**6
        )
        assert image.shape[2] == 3 and image.dtype == np.uint8


def _jpeg_cmyk() -> bytes:
    out = io.BytesIO()
    Image.new("CMYK", (20, 10)).save(out, "JPEG")
    return out.getvalue()


def test_red_seal_is_erased_by_the_red_channel() -> None:
    image = Image.new("RGB", (200, 100), "white")
    draw = ImageDraw.Draw(image)
    draw.text((10, 30), "张三", font=font(30), fill="black")
    draw.ellipse((100, 10, 190, 90), outline=(210, 30, 30), width=8)
    array = np.asarray(image).copy()
    assert has_red_marks(array)
    grey = red_as_grey(array)
    assert grey[50, 104].min() > 200  # the seal's ring is white now
    assert grey[:, :90].min() < 60  # the black text stays


def test_orientation_trusts_confident_turns_only() -> None:
    image = np.zeros((10, 20, 3), np.uint8)
    assert upright(image, lambda _: (90, 9.6)).shape == (20, 10, 3)
    assert upright(image, lambda _: (270, 13.1)).shape == (20, 10, 3)
    assert upright(image, lambda _: (90, 0.23)).shape == (10, 20, 3)
    image[0, 0] = 255
    assert upright(image, lambda _: (180, 2.46))[0, 0].tolist() == [255, 255, 255]
    assert upright(image, lambda _: (180, 9.0))[-1, -1].tolist() == [255, 255, 255]
    assert np.array_equal(rotate(rotate(image, 90), 270), image)


def test_photographed_sheet_is_straightened_and_a_scan_is_left_alone() -> None:
    photo = Image.new("RGB", (1200, 1000), (60, 55, 50))
    ImageDraw.Draw(photo).polygon([(250, 120), (950, 180), (1000, 900), (180, 850)], fill="white")
    flat = straighten(np.asarray(photo).copy())
    height, width = flat.shape[:2]
    assert 650 < width < 850 and 650 < height < 800
    assert flat[height // 2, width // 2].tolist() == [255, 255, 255]
    scan = Image.new("RGB", (800, 1000), "white")
    ImageDraw.Draw(scan).rectangle((100, 150, 700, 850), outline="black", width=3)
    array = np.asarray(scan).copy()
    assert np.array_equal(straighten(array), array)
    assert prepare(array).shape == array.shape


@dataclass(frozen=True)
class UprightOnlyEngine:
    """Reads text only from an image that is wider than tall; sideways boxes otherwise."""

    name: str = "upright-only"

    def recognise(self, image: np.ndarray) -> list[TextBox]:
        height, width = image.shape[:2]
        if width > height and image[0, 0, 0] == 255:
            return list(rows(BACK, 20, 20))
        return [TextBox("有效期限", 10, 10 + 80 * i, 30, 80 + 80 * i, 0.3) for i in range(4)]


def test_sideways_text_is_read_again_turned() -> None:
    page = np.zeros((300, 200, 3), np.uint8)
    page[:, :] = 40
    page[-1, 0] = 255  # after a 90° clockwise turn this corner is the top-left
    [document] = read_document(
        "side.png", png(Image.fromarray(page)), ParseLimits(), UprightOnlyEngine()
    )
    assert document.kind is DocumentKind.ID_CARD_BACK
    assert document.fields["issuer"].value == "沙河市公安局"


def test_skew_is_measured_from_long_lines() -> None:
    from parsers.preprocess import deskew, deskew_angle

    page = Image.new("RGB", (1200, 1600), "white")
    draw = ImageDraw.Draw(page)
    for y in range(200, 1400, 120):
        draw.line((100, y, 1100, y), fill="black", width=3)
    tilted = np.asarray(page.rotate(3, fillcolor="white")).copy()
    assert abs(abs(deskew_angle(tilted)) - 3) < 0.5
    assert abs(deskew_angle(deskew(tilted))) < 0.5


def test_sideways_pages_are_told_from_the_shape_of_their_text_lines() -> None:
    from parsers.ocr import sideways

    lying = [[(0.0, 0.0), (300.0, 0.0), (300.0, 30.0), (0.0, 30.0)]] * 5
    standing = [[(0.0, 0.0), (30.0, 0.0), (30.0, 300.0), (0.0, 300.0)]] * 5
    square = [[(0.0, 0.0), (30.0, 0.0), (30.0, 30.0), (0.0, 30.0)]] * 20
    assert not sideways(lying + square)
    assert sideways(standing + square)
    assert not sideways(standing[:2] + square)  # too few lines to say
    assert not sideways(standing[:3] + lying[:4])


def test_upside_down_is_a_width_weighted_vote_of_confident_lines() -> None:
    from parsers.ocr import upside_down

    wide = np.zeros((30, 600, 3), np.uint8)
    short = np.zeros((30, 30, 3), np.uint8)
    assert upside_down([("180", 0.99), ("180", 0.95), ("0", 0.9)], [wide, wide, short])
    assert not upside_down([("180", 0.99), ("0", 0.95), ("0", 0.9)], [short, wide, wide])
    assert not upside_down([("180", 0.6), ("180", 0.5)], [wide, wide])  # unsure lines
    assert not upside_down([], [])
