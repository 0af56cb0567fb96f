"""Where each value was read: text boxes mapped back to the page as stored, and field values
placed on the boxes they were read from.

A box on the prepared image (turned, straightened, enlarged, cut out of a two-page scan) is
mapped back through the steps that made it (`parsers.preprocess.PageMap`), so the staff
console can show the value's place on the file as it arrived. A value is then placed by the
text it came from: the smallest box holding it, or the few boxes (an address on two lines)
that together hold it. Pure functions; a value that cannot be placed gets no box.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from parsers.model import FieldReading, TextBox

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    from parsers.preprocess import PageMap

    ImageArray = npt.NDArray[np.uint8]


def with_sources(
    boxes: Sequence[TextBox], page: PageMap, prepared: ImageArray, turn: int
) -> list[TextBox]:
    """The boxes, read from `prepared` turned clockwise by `turn`, each with its `source` box
    on the image as given."""
    from parsers.preprocess import turn_matrix

    height, width = prepared.shape[:2]
    back = page.then(turn_matrix(width, height, turn)) if turn % 360 else page
    return [replace(b, source=back.source_box(b.x0, b.y0, b.x1, b.y1)) for b in boxes]


def points_sources(boxes: Sequence[TextBox], width: float, height: float) -> list[TextBox]:
    """PDF words (in points on a page `width`×`height`) with their `source` in 0..1."""
    if width <= 0 or height <= 0:
        return list(boxes)
    return [
        replace(
            b,
            source=(
                round(max(0.0, b.x0 / width), 4),
                round(max(0.0, b.y0 / height), 4),
                round(min(1.0, b.x1 / width), 4),
                round(min(1.0, b.y1 / height), 4),
            ),
        )
        for b in boxes
    ]


def with_boxes(
    fields: Mapping[str, FieldReading], boxes: Sequence[TextBox], page: int
) -> dict[str, FieldReading]:
    """The fields, each with the box (on page `page`) of the text it was read from, when found."""
    placed = [b for b in boxes if b.source is not None and _plain(b.text)]
    out: dict[str, FieldReading] = {}
    for key, reading in fields.items():
        where = locate(reading.value, placed) if reading.box is None else None
        out[key] = replace(reading, box=(page, *where)) if where else reading
    for key, written in WRITTEN_AS.items():
        if key in out and out[key].box is None and written in out and out[written].box:
            out[key] = replace(out[key], box=out[written].box)
    return out


WRITTEN_AS = {"county": "county_written", "platform": "platform_written"}
"""Values normalised to a code (county 130533 from 威县) stand where their words were written."""


MIN_COVER = 0.6
"""The share of a value's characters its boxes must hold for it to be placed."""


def locate(value: str, boxes: Sequence[TextBox]) -> tuple[float, float, float, float] | None:
    """The source box of the text `value` was read from: the smallest box holding it whole,
    else the boxes (near each other) that hold most of it."""
    wanted = _plain(value)
    if not wanted:
        return None
    whole = [b for b in boxes if wanted in _plain(b.text)]
    if whole:
        best = min(whole, key=lambda b: (len(_plain(b.text)), b.y0, b.x0))
        return best.source
    parts: list[tuple[int, TextBox]] = []
    for box in boxes:
        text = _plain(box.text)
        common = _longest_common(wanted, text)
        if common >= 2 and (common >= 0.5 * len(text) or common >= 0.5 * len(wanted)):
            parts.append((common, box))
    if not parts:
        return None
    parts.sort(key=lambda item: -item[0])
    anchor = parts[0][1]
    line = max(anchor.y1 - anchor.y0, 1e-6)
    chosen = [
        box
        for _, box in parts
        if abs((box.y0 + box.y1) / 2 - (anchor.y0 + anchor.y1) / 2) <= 3 * line
    ]
    covered = sum(_longest_common(wanted, _plain(box.text)) for box in chosen)
    if covered < MIN_COVER * len(wanted):
        return None
    sources = [box.source for box in chosen if box.source is not None]
    if not sources:
        return None
    return (
        min(s[0] for s in sources),
        min(s[1] for s in sources),
        max(s[2] for s in sources),
        max(s[3] for s in sources),
    )


_DROP = re.compile(r"[\s\"'“”‘’，,。、|｜:：;；_~()（）\[\]【】]+")
_DATE_MARKS = re.compile(r"[年月./\-]")
_NUMBER = re.compile(r"\d+")


def _plain(text: str) -> str:
    """Text compared without spaces and marks; dates as ``2015-5-8`` whatever their writing."""
    out = _DROP.sub("", text).replace("日", "-").replace("号", "-")
    out = _DATE_MARKS.sub("-", out)
    out = _NUMBER.sub(lambda m: m.group(0) if len(m.group(0)) > 2 else str(int(m.group(0))), out)
    return out.strip("-").upper()


def _longest_common(first: str, second: str) -> int:
    """The length of the longest run of characters the two texts share."""
    if not first or not second:
        return 0
    best = 0
    previous = [0] * (len(second) + 1)
    for a in first:
        current = [0] * (len(second) + 1)
        for j, b in enumerate(second, start=1):
            if a == b:
                current[j] = previous[j - 1] + 1
                best = max(best, current[j])
        previous = current
    return best
