"""From positioned text boxes (OCR output or PDF words) to lines and to a grid of cells.

Boxes whose vertical centres lie close together form a row; a row read left to right is a line.
Each box becomes a cell of that row, after joining pieces of one value that the engine split
(a small horizontal gap, neither piece a label on its own).
"""

from __future__ import annotations

from collections.abc import Sequence
from statistics import median

from parsers.cards import Line
from parsers.fields import Cell, Grid
from parsers.labels import key_for_label
from parsers.model import TextBox


def rows_of(boxes: Sequence[TextBox]) -> list[list[TextBox]]:
    """The boxes grouped into rows, top to bottom, each row left to right.

    Rows are formed from boxes of two or more characters; a single character (a label printed
    spread out, ``名 称``, is read as separate boxes) then joins the row whose centre is
    nearest, so it does not start a row of its own or join the row below.
    """
    items = [b for b in boxes if b.text.strip()]
    if not items:
        return []
    height = median(b.y1 - b.y0 for b in items) or 1.0
    wide = [b for b in items if len(b.text.strip()) > 1]
    singles = [b for b in items if len(b.text.strip()) <= 1]
    if not wide:
        wide, singles = items, []
    rows: list[list[TextBox]] = []
    centres: list[float] = []
    for box in sorted(wide, key=lambda b: (b.y0 + b.y1) / 2):
        centre = (box.y0 + box.y1) / 2
        if rows and abs(centre - centres[-1]) <= 0.5 * height:
            rows[-1].append(box)
            centres[-1] = sum((b.y0 + b.y1) / 2 for b in rows[-1]) / len(rows[-1])
        else:
            rows.append([box])
            centres.append(centre)
    for box in singles:
        centre = (box.y0 + box.y1) / 2
        nearest = min(range(len(rows)), key=lambda i: abs(centres[i] - centre))
        if abs(centres[nearest] - centre) <= 0.5 * height:
            rows[nearest].append(box)
        else:
            rows.append([box])
            centres.append(centre)
    order = sorted(range(len(rows)), key=lambda i: centres[i])
    return [sorted(rows[i], key=lambda b: b.x0) for i in order]


def lines_of(boxes: Sequence[TextBox]) -> list[Line]:
    """One line per row: its boxes' texts joined by a space, with the lowest confidence."""
    return [
        Line(" ".join(b.text.strip() for b in row), min(b.confidence for b in row))
        for row in rows_of(boxes)
    ]


def _joined(row: list[TextBox]) -> list[TextBox]:
    """Neighbouring pieces of one value joined (gap under half a character, no label)."""
    out: list[TextBox] = []
    for box in row:
        if out:
            last = out[-1]
            gap = box.x0 - last.x1
            height = max(last.y1 - last.y0, box.y1 - box.y0, 1.0)
            if (
                gap < 0.5 * height
                and key_for_label(last.text) is None
                and key_for_label(box.text) is None
            ):
                out[-1] = TextBox(
                    last.text + box.text,
                    last.x0,
                    min(last.y0, box.y0),
                    box.x1,
                    max(last.y1, box.y1),
                    min(last.confidence, box.confidence),
                )
                continue
        out.append(box)
    return out


def grid_of(boxes: Sequence[TextBox]) -> Grid:
    """The boxes as a grid: one row per text row, one cell per (joined) box."""
    cells: list[Cell] = []
    for index, row in enumerate(rows_of(boxes)):
        for box in _joined(row):
            cells.append(Cell(index, box.x0, box.x1, box.text.strip(), box.confidence))
    return Grid(tuple(cells))


RIGHT_COLUMN_ANCHORS = ("注册资本", "成立日期", "营业期限", "住所", "注册日期")


def column_lines(
    boxes: Sequence[TextBox], right_anchors: Sequence[str] = RIGHT_COLUMN_ANCHORS
) -> list[Line]:
    """Lines of a two-column page (a licence): the left column read first, then the right.

    The right column starts at the leftmost box that begins with one of `right_anchors` (in the
    right part of the page); without one the page is read as one column.
    """
    items = [b for b in boxes if b.text.strip()]
    if not items:
        return []
    left_edge = min(b.x0 for b in items)
    right_edge = max(b.x1 for b in items)
    starts = [
        b.x0
        for b in items
        if "".join(b.text.split()).startswith(tuple(right_anchors))
        and b.x0 > left_edge + 0.35 * (right_edge - left_edge)
    ]
    if not starts:
        return lines_of(items)
    split = min(starts) - 5
    left = [b for b in items if (b.x0 + b.x1) / 2 < split]
    right = [b for b in items if (b.x0 + b.x1) / 2 >= split]
    return lines_of(left) + lines_of(right)
