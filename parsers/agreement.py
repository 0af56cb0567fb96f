"""A second reading of the values that have no check digit, to see whether it agrees.

A name's rare character (赟) read as a common one (赞) comes back at the engine's confidence. The
same place read again, cut out of the image as stored and enlarged twice, often reads otherwise
(the models see small characters better enlarged); when the two readings disagree the value is
lowered below the review threshold. The text values of cards without a check digit are read
again (names, addresses, the issuing authority on the back): one small crop per value.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from parsers.model import Box, FieldReading, TextBox
from parsers.places import check_divisions

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    ImageArray = npt.NDArray[np.uint8]

SECOND_READ_FIELDS = ("name", "legal_representative", "subject_name", "address", "issuer")
"""Card fields read again: the text values that no check digit vouches for (names, addresses,
the issuing authority); numbers have their check characters, dates their plausible ranges."""

DISAGREED = 0.6
"""The confidence of a value that a second reading did not confirm."""

ENLARGE = 2.0
_LABELS = re.compile(
    r"姓名|名称|法定代表人(?:姓名)?|负责人|经营者|机构名称|住址|住所|地址|签发机关|[\s:：]"
)


WRAPPING_FIELDS = ("address", "issuer")
"""Values that run on to the next line: a value's box may hold only its first line (it is
placed on the boxes holding most of its text), so their crop reaches a line further down and a
character further right; what else it takes in is not a piece of the value (`agrees`)."""


def crop_for(image: ImageArray, box: Box, wraps: bool = False) -> ImageArray | None:
    """The stored image's region of `box` (with a margin of half its height; when the value
    `wraps`, one and a half heights more below and one more to the right), enlarged twice;
    None when the box is too small or stands on end (a turned page: the crop would be too)."""
    import cv2
    import numpy as np

    height, width = image.shape[:2]
    _, x0, y0, x1, y1 = box
    pixels_w, pixels_h = (x1 - x0) * width, (y1 - y0) * height
    if pixels_w < 8 or pixels_h < 6 or pixels_h > pixels_w:
        return None
    margin = 0.5 * pixels_h
    left = max(0, int(x0 * width - margin))
    more = pixels_h if wraps else 0.0
    right = min(width, int(x1 * width + margin + more))
    top = max(0, int(y0 * height - margin))
    bottom = min(height, int(y1 * height + margin + 1.5 * more))
    crop = image[top:bottom, left:right]
    enlarged = cv2.resize(crop, None, fx=ENLARGE, fy=ENLARGE, interpolation=cv2.INTER_CUBIC)
    return np.ascontiguousarray(enlarged)


def agrees(value: str, boxes: Sequence[TextBox]) -> bool:
    """Whether the pieces of the second reading that are pieces of the value (labels and spaces
    aside) make it up in order. What else the crop shows (a label's other half, the line above,
    a stray mark between two digits) is left out; a misread piece is not a piece of the value,
    so the value is not made up. A piece counts as read or as the list of divisions corrects
    it (a value corrected from 埔桥区 to 埇桥区 is confirmed by a second 埔桥区)."""
    wanted = "".join(value.split())
    pieces: list[str] = []
    for box in boxes:
        text = _LABELS.sub("", box.text)
        if not text:
            continue
        if text not in wanted:
            text = check_divisions(text).value
        if text in wanted:
            pieces.append(text)
    return wanted in "".join(pieces)


def after_second_reading(reading: FieldReading, boxes: Sequence[TextBox] | None) -> FieldReading:
    """The reading, lowered when a second reading (None: none was made) disagrees."""
    if boxes is None or agrees(reading.value, boxes):
        return reading
    return FieldReading(reading.value, min(reading.confidence, DISAGREED), reading.box)
