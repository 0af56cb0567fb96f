"""Where each value was read: boxes mapped back to the page as stored and stored per document.

The engine here returns fixed boxes (real OCR is slow); the image steps (turning, straightening)
are the real ones, and the store is a real SQLite file migrated to the newest revision.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw
from sqlalchemy import create_engine, inspect

from intake.parsing.step import _document_row
from intake.store.database import migrate
from parsers import DocumentKind, ParseLimits, TextBox, read_document
from parsers.model import FieldReading, ParsedDocument
from parsers.preprocess import PageMap, rotate, straighten_mapped, turn_matrix
from parsers.provenance import locate, with_boxes


@dataclass(frozen=True)
class FixedEngine:
    """An engine that 'reads' the same boxes from every image."""

    boxes: tuple[TextBox, ...]
    name: str = "fixed"

    def recognise(self, image: np.ndarray) -> list[TextBox]:
        return list(self.boxes)


def placed(text: str, box: tuple[float, float, float, float]) -> TextBox:
    return TextBox(text, box[0] * 1000, box[1] * 1000, box[2] * 1000, box[3] * 1000, source=box)


@pytest.mark.parametrize("turn", [90, 180, 270])
def test_a_box_on_a_turned_image_maps_back_to_the_image_as_given(turn: int) -> None:
    image = np.full((300, 500, 3), 255, np.uint8)
    image[40:60, 100:180] = 0  # a dark mark at x 100..180, y 40..60
    turned = rotate(image, turn)
    ys, xs = np.nonzero(turned[:, :, 0] == 0)
    back = PageMap(500, 300).then(turn_matrix(500, 300, turn))
    box = back.source_box(
        float(xs.min()), float(ys.min()), float(xs.max() + 1), float(ys.max() + 1)
    )
    assert box == pytest.approx((100 / 500, 40 / 300, 180 / 500, 60 / 300), abs=0.005)


def test_a_box_on_a_straightened_photo_maps_back_to_the_photo() -> None:
    photo = Image.new("RGB", (1000, 800), (60, 50, 40))
    draw = ImageDraw.Draw(photo)
    draw.polygon([(150, 120), (860, 90), (900, 700), (120, 730)], fill="white")
    draw.rectangle((400, 300, 560, 340), fill="black")  # the "value"
    image = np.asarray(photo, dtype=np.uint8).copy()
    flat, matrix = straighten_mapped(image)
    assert matrix is not None
    ys, xs = np.nonzero(flat.mean(axis=2) < 20)
    back = PageMap(1000, 800).then(matrix)
    box = back.source_box(float(xs.min()), float(ys.min()), float(xs.max()), float(ys.max()))
    assert box is not None
    assert box == pytest.approx((0.40, 300 / 800, 0.56, 340 / 800), abs=0.012)


def test_values_are_placed_on_the_boxes_they_were_read_from() -> None:
    boxes = [
        placed("姓名 王芳", (0.1, 0.1, 0.4, 0.14)),
        placed("出生 1991年1月1日", (0.1, 0.2, 0.5, 0.24)),
        placed("住址 河北省邢台市桥东区", (0.1, 0.3, 0.6, 0.34)),
        placed("顺德路201号", (0.18, 0.35, 0.4, 0.39)),
        placed("王芳芳的信", (0.1, 0.8, 0.3, 0.84)),
    ]
    assert locate("王芳", boxes) == (0.1, 0.1, 0.4, 0.14)
    assert locate("1991-01-01", boxes) == (0.1, 0.2, 0.5, 0.24)
    assert locate("河北省邢台市桥东区顺德路201号", boxes) == (0.1, 0.3, 0.6, 0.39)
    assert locate("北京市朝阳区", boxes) is None
    fields = with_boxes({"name": FieldReading("王芳", 0.9)}, boxes, 2)
    assert fields["name"].box == (2, 0.1, 0.1, 0.4, 0.14)


def test_a_read_image_reports_boxes_in_its_json_and_the_store_keeps_them(tmp_path: Path) -> None:
    rows = ["姓名 王芳", "性别 女 民族 汉", "公民身份号码 110102199101010078"]
    engine = FixedEngine(
        tuple(TextBox(t, 100, 100 + 50 * i, 500, 130 + 50 * i, 0.95) for i, t in enumerate(rows))
    )
    out = io.BytesIO()
    Image.new("RGB", (1000, 800), "white").save(out, "PNG")
    [document] = read_document("card.png", out.getvalue(), ParseLimits(orient_pages=False), engine)
    assert document.kind is DocumentKind.ID_CARD_FRONT
    number = document.fields["id_number"].box
    assert number == (0, 0.1, 0.25, 0.5, 0.2875)
    assert document.to_json()["boxes"]["id_number"] == [0, 0.1, 0.25, 0.5, 0.2875]  # type: ignore[index]

    row = _document_row(7, document)
    assert row.boxes is not None and row.boxes["id_number"] == [0, 0.1, 0.25, 0.5, 0.2875]
    bare = _document_row(7, ParsedDocument("x.docx", DocumentKind.OTHER, None, {}))
    assert bare.boxes is None

    store = create_engine(f"sqlite:///{tmp_path / 'store.db'}")
    migrate(store)
    columns = {c["name"]: c for c in inspect(store).get_columns("documents")}
    assert columns["boxes"]["nullable"] is True
    store.dispose()


def test_a_scanned_pdf_page_gives_its_page_index() -> None:
    rows = ["签发机关 沙河市公安局", "有效期限 2015.05.08-2035.05.08"]
    engine = FixedEngine(
        tuple(TextBox(t, 60, 100 + 60 * i, 540, 140 + 60 * i, 0.95) for i, t in enumerate(rows))
    )
    pages = [Image.new("RGB", (600, 800), "white"), Image.new("RGB", (600, 800), "white")]
    out = io.BytesIO()
    pages[0].save(out, "PDF", save_all=True, append_images=pages[1:], resolution=72)
    documents = read_document("scan.pdf", out.getvalue(), ParseLimits(orient_pages=False), engine)
    boxes = [d.fields["issuer"].box for d in documents]
    assert [box[0] for box in boxes if box] == [0, 1]
    scale = 72 / 200  # the page is rendered at 200 dpi: the engine's pixels, not points
    for box in boxes:
        assert box is not None
        assert box[1:] == pytest.approx(
            (60 * scale / 600, 100 * scale / 800, 540 * scale / 600, 140 * scale / 800), abs=0.002
        )


def test_a_text_pdf_form_places_its_values_on_the_page() -> None:
    sample = Path(__file__).resolve().parents[2] / "samples/documents/out/form_01_table_text.pdf"
    [document] = read_document(sample.name, sample.read_bytes())
    boxes = {key: reading.box for key, reading in document.fields.items()}
    assert boxes["id_number"] is not None and boxes["id_number"][0] == 0
    assert 0 < boxes["id_number"][2] < boxes["id_number"][4] < 1
    assert boxes["county"] == boxes["county_written"] is not None
