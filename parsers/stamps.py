"""The ID number read a second time when a stamp lies over it (复印无效 pressed across a copy).

A stamp of coloured ink over the number line runs into it: the engine reads ``易印无效05125486``
and no valid number comes out, so the number is missing. Printed text is black; a stamp is
coloured (navy, red, purple). In the brightest channel of each pixel (the maximum of R, G, B) a
stamp over paper stays mid-grey (its own colour's strongest channel), black text stays dark,
and text under the stamp stays darker than the stamp alone. Cutting at a share of the stamp's
own level leaves the text black on white. This is done only on the number's line, right of
its label (the labels of a card are printed in blue and would vanish too), and only when the
first reading gave no number whose check character holds. Pure functions on arrays; the
reader (`parsers.reader`) crops, cleans and reads.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING

from parsers.model import TextBox
from parsers.values import id_number_valid, normalise_id_number

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    ImageArray = npt.NDArray[np.uint8]

NUMBER_LABEL = re.compile(r"公民身份|身份号码|民身份号")
"""The label left of the number (a misread character or two allowed)."""

INK_CHROMA = 30
"""A pixel whose channels differ by more than this is coloured ink (a stamp), not black print."""

INK_SHARE = 0.01
"""Below this share of coloured pixels there is no stamp to take away."""

TEXT_CUT = 0.8
"""Pixels darker than this share of the stamp's level (in the brightest channel) are text."""

ENLARGE = 2.0


def number_label(boxes: Sequence[TextBox]) -> tuple[float, float, float, float] | None:
    """The stored-image box (0..1) of the label 公民身份号码, None when it was not read."""
    for box in boxes:
        if box.source is not None and NUMBER_LABEL.search("".join(box.text.split())):
            return box.source
    return None


def number_region(
    label: tuple[float, float, float, float], width: int, height: int
) -> tuple[int, int, int, int] | None:
    """Pixels (left, top, right, bottom) of the number's line: right of the label to the page's
    edge, from one label height above it to half one below (the number is printed larger and
    a little higher than its label). None when the label stands on end or at the edge."""
    x0, y0, x1, y1 = label
    label_h = (y1 - y0) * height
    if label_h <= 0 or (x1 - x0) * width < label_h:
        return None
    left = int(x1 * width)
    top = max(0, int(y0 * height - label_h))
    bottom = min(height, int(y1 * height + 0.5 * label_h))
    if width - left < 4 * label_h or bottom - top < 4:
        return None
    return left, top, width, bottom


def without_coloured_ink(image: ImageArray) -> ImageArray | None:
    """Black print alone, black on white (RGB), with coloured ink taken away; None when the
    image holds almost no coloured ink (nothing to take away)."""
    import numpy as np

    brightest = image.max(axis=2)
    chroma = brightest.astype(np.int16) - image.min(axis=2).astype(np.int16)
    ink = chroma > INK_CHROMA
    if float(ink.mean()) < INK_SHARE:
        return None
    level = float(np.median(brightest[ink]))
    text = brightest < TEXT_CUT * level
    clean = np.where(text, 0, 255).astype(np.uint8)
    return np.ascontiguousarray(np.dstack([clean, clean, clean]))


def cleaned_number_crop(image: ImageArray, boxes: Sequence[TextBox]) -> ImageArray | None:
    """The number's line cut out of the stored image, coloured ink taken away, enlarged twice;
    None when the label is not found or there is no coloured ink on the line."""
    import cv2
    import numpy as np

    label = number_label(boxes)
    if label is None:
        return None
    height, width = image.shape[:2]
    region = number_region(label, width, height)
    if region is None:
        return None
    left, top, right, bottom = region
    clean = without_coloured_ink(image[top:bottom, left:right])
    if clean is None:
        return None
    enlarged = cv2.resize(clean, None, fx=ENLARGE, fy=ENLARGE, interpolation=cv2.INTER_CUBIC)
    return np.ascontiguousarray(enlarged)


def valid_number_in(boxes: Sequence[TextBox]) -> tuple[str, float] | None:
    """An ID number whose check character holds, read in `boxes`, with its engine confidence."""
    for box in boxes:
        number = normalise_id_number("".join(box.text.split()))
        if number and id_number_valid(number):
            return number, box.confidence
    return None
