"""PDF pages: the text layer read exactly (words with positions, ruled tables) or, for a scanned
page without text, the page rendered to an image for OCR.

Each page is its own document, named ``file#page=N``. `scanned_pages` tells, without rendering,
which pages need OCR, so the pages of a scanned PDF can be read on several reader processes
(`parsers.isolated`), each page read alone by `read_pages(..., first=N)`.
"""

from __future__ import annotations

import io
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from parsers.fields import Cell, Grid
from parsers.model import TextBox
from parsers.office import Unreadable

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    ImageArray = npt.NDArray[np.uint8]

MIN_TEXT_CHARS = 8
RENDER_DPI = 200


@dataclass(frozen=True)
class PdfPage:
    """One page: its text-layer tables and words, or (for a scan) a rendered image."""

    number: int
    grids: tuple[Grid, ...] = ()
    words: tuple[TextBox, ...] = ()
    text: str = ""
    image: ImageArray | None = None
    problem: str | None = None
    placed: tuple[TextBox, ...] = ()
    """Every word and table cell of the text layer with its `source` box in 0..1 of the page."""


def _open(data: bytes) -> Any:
    import pdfplumber
    from pdfminer.pdfdocument import PDFPasswordIncorrect
    from pdfplumber.utils.exceptions import PdfminerException

    try:
        return pdfplumber.open(io.BytesIO(data))
    except PDFPasswordIncorrect as error:
        raise Unreadable("encrypted") from error
    except PdfminerException as error:
        cause = error.args[0] if error.args else error
        if isinstance(cause, PDFPasswordIncorrect) or "password" in str(error).lower():
            raise Unreadable("encrypted") from error
        raise Unreadable("damaged", str(error)) from error
    except Exception as error:  # pdfminer raises many kinds on broken files
        raise Unreadable("damaged", str(error)) from error


def page_count(data: bytes) -> int:
    """How many pages the PDF has."""
    pdf = _open(data)
    try:
        return len(pdf.pages)
    finally:
        pdf.close()


def read_pages(data: bytes, max_pages: int, max_pixels: int, first: int = 1) -> Iterator[PdfPage]:
    """The pages from number `first` up to `max_pages`, with text layers read and scans
    rendered."""
    pdf = _open(data)
    try:
        try:
            pages = pdf.pages
        except Exception as error:  # a broken page tree
            raise Unreadable("damaged", str(error)) from error
        for index, page in enumerate(pages[first - 1 : max_pages], start=first):
            yield _read_page(page, index, max_pixels)
    finally:
        pdf.close()


def scanned_pages(data: bytes, max_pages: int) -> tuple[int, tuple[int, ...]]:
    """The page count, and the numbers of the pages up to `max_pages` that `read_pages` renders
    for OCR (or finds damaged): those without a text layer worth reading. Nothing is rendered,
    so this is quick: it tells whether the pages are worth reading on several processes."""
    pdf = _open(data)
    try:
        try:
            pages = pdf.pages
        except Exception as error:  # a broken page tree
            raise Unreadable("damaged", str(error)) from error
        scans = tuple(
            number
            for number, page in enumerate(pages[:max_pages], start=1)
            if len("".join(_text(page).split())) < MIN_TEXT_CHARS
        )
        return len(pages), scans
    finally:
        pdf.close()


def _text(page: Any) -> str:
    try:
        return str(page.extract_text() or "")
    except Exception:  # a damaged content stream: the page is read as a picture
        return ""


def _read_page(page: Any, number: int, max_pixels: int) -> PdfPage:
    text = _text(page)
    if len("".join(text.split())) >= MIN_TEXT_CHARS:
        try:
            return _text_page(page, number, text)
        except Exception:  # the table finder choked; words alone still read the page
            words = tuple(_words(page, []))
            return PdfPage(number, (), words, text, placed=_placed(page, words, []))
    scale = RENDER_DPI / 72
    pixels = float(page.width) * scale * float(page.height) * scale
    if pixels > max_pixels:
        return PdfPage(number, problem="too_many_pixels")
    try:
        image = page.to_image(resolution=RENDER_DPI).original.convert("RGB")
    except Exception:
        return PdfPage(number, problem="damaged")
    import numpy as np

    return PdfPage(number, text=text, image=np.asarray(image, dtype=np.uint8).copy())


def _text_page(page: Any, number: int, text: str) -> PdfPage:
    grids: list[Grid] = []
    boxes: list[tuple[float, float, float, float]] = []
    cells: list[TextBox] = []
    for table in page.find_tables():
        boxes.append(table.bbox)
        grid = _table_grid(table, cells)
        if grid.cells:
            grids.append(grid)
    words = tuple(_words(page, boxes))
    return PdfPage(number, tuple(grids), words, text, placed=_placed(page, words, cells))


def _placed(page: Any, words: Sequence[TextBox], cells: Sequence[TextBox]) -> tuple[TextBox, ...]:
    from parsers.provenance import points_sources

    return tuple(points_sources([*cells, *words], float(page.width), float(page.height)))


def _table_grid(table: Any, placed: list[TextBox] | None = None) -> Grid:
    """A pdfplumber table as a grid: each real cell once, at its own horizontal extent."""
    texts = table.extract()
    cells: list[Cell] = []
    for row_index, row in enumerate(table.rows):
        for col_index, bbox in enumerate(row.cells):
            if bbox is None:
                continue
            value = texts[row_index][col_index] if row_index < len(texts) else None
            if not value or not str(value).strip():
                continue
            last_row = row_index
            for below in range(row_index + 1, len(table.rows)):
                below_cells = table.rows[below].cells
                if col_index < len(below_cells) and below_cells[col_index] is None:
                    last_row = below
                else:
                    break
            x0, top, x1, bottom = bbox
            cells.append(Cell(row_index, float(x0), float(x1), str(value).strip(), 1.0, last_row))
            if placed is not None:
                placed.append(TextBox(str(value), float(x0), float(top), float(x1), float(bottom)))
    return Grid(tuple(cells))


def _words(page: Any, tables: list[tuple[float, float, float, float]]) -> list[TextBox]:
    """The page's words outside its tables, as boxes in PDF points."""
    out: list[TextBox] = []
    for word in page.extract_words(keep_blank_chars=True, use_text_flow=False):
        cx = (word["x0"] + word["x1"]) / 2
        cy = (word["top"] + word["bottom"]) / 2
        if any(x0 <= cx <= x1 and top <= cy <= bottom for x0, top, x1, bottom in tables):
            continue
        out.append(TextBox(word["text"], word["x0"], word["top"], word["x1"], word["bottom"]))
    return out
