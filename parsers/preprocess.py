"""Image preparation before OCR: decoding under a pixel limit, orientation, deskew, perspective.

Measured on this kind of material: both engines fail on pages turned 90°; the red channel as
grey erases red seals; straightening phone photos helps tesseract; enlarging hurts.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import cv2
import numpy as np
from PIL import Image, ImageOps

if TYPE_CHECKING:
    import numpy.typing as npt

    ImageArray = npt.NDArray[np.uint8]


Matrix = Any
"""A 3×3 float64 projective matrix (numpy) taking points of one image to another."""


class PageMap:
    """Where a point of a prepared image lies on the image as it was given.

    Built step by step: `then(forward)` records that the image was transformed by `forward`
    (points of the previous image to the new one); `source_box` maps a box back.
    """

    def __init__(self, width: int, height: int, back: Matrix | None = None) -> None:
        self.width = width
        self.height = height
        self.back: Matrix = np.eye(3) if back is None else back

    def then(self, forward: Matrix) -> PageMap:
        """The map after one more step whose matrix is `forward`."""
        return PageMap(self.width, self.height, self.back @ np.linalg.inv(forward))

    def source_box(
        self, x0: float, y0: float, x1: float, y1: float
    ) -> tuple[float, float, float, float] | None:
        """The box's bounding box on the given image, in 0..1 of its width and height."""
        corners = np.array([[x0, y0, 1.0], [x1, y0, 1.0], [x1, y1, 1.0], [x0, y1, 1.0]])
        mapped = corners @ self.back.T
        if np.any(np.abs(mapped[:, 2]) < 1e-9):
            return None
        xs = mapped[:, 0] / mapped[:, 2]
        ys = mapped[:, 1] / mapped[:, 2]
        box = (
            float(np.clip(xs.min() / self.width, 0.0, 1.0)),
            float(np.clip(ys.min() / self.height, 0.0, 1.0)),
            float(np.clip(xs.max() / self.width, 0.0, 1.0)),
            float(np.clip(ys.max() / self.height, 0.0, 1.0)),
        )
        if box[2] <= box[0] or box[3] <= box[1]:
            return None
        return (round(box[0], 4), round(box[1], 4), round(box[2], 4), round(box[3], 4))


def turn_matrix(width: int, height: int, clockwise: int) -> Matrix:
    """The matrix of `rotate` by `clockwise` degrees for an image `width`×`height`."""
    turn = clockwise % 360
    if turn == 90:
        return np.array([[0.0, -1.0, height], [1.0, 0.0, 0.0], [0.0, 0.0, 1.0]])
    if turn == 180:
        return np.array([[-1.0, 0.0, width], [0.0, -1.0, height], [0.0, 0.0, 1.0]])
    if turn == 270:
        return np.array([[0.0, 1.0, 0.0], [-1.0, 0.0, width], [0.0, 0.0, 1.0]])
    return np.eye(3)


def scale_matrix(factor: float) -> Matrix:
    """The matrix of enlarging (or shrinking) an image by `factor`."""
    return np.array([[factor, 0.0, 0.0], [0.0, factor, 0.0], [0.0, 0.0, 1.0]])


class ImageTooLarge(ValueError):
    """The image has more pixels than the limit allows (checked before decoding)."""


class ImageDamaged(ValueError):
    """The bytes are not a decodable image."""


def decode_image(data: bytes, max_pixels: int) -> ImageArray:
    """An RGB array of the image, upright by its EXIF tag; 1-bit/palette/CMYK converted to RGB.

    The size is read from the header and checked before any pixel is decoded.
    """
    try:
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
            if width * height > max_pixels:
                raise ImageTooLarge(f"{width}x{height}")
            image.load()
            upright = ImageOps.exif_transpose(image) or image
            rgb = upright.convert("RGB")
    except ImageTooLarge:
        raise
    except (OSError, ValueError, Image.DecompressionBombError, SyntaxError) as error:
        raise ImageDamaged(str(error)) from error
    return np.asarray(rgb, dtype=np.uint8).copy()


def image_frames(data: bytes, max_pixels: int, max_frames: int) -> list[ImageArray]:
    """Each frame of a (multi-page) TIFF or other image, as RGB arrays."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            frames = getattr(image, "n_frames", 1)
    except (OSError, ValueError, Image.DecompressionBombError, SyntaxError) as error:
        raise ImageDamaged(str(error)) from error
    if frames <= 1:
        return [decode_image(data, max_pixels)]
    out: list[ImageArray] = []
    with Image.open(io.BytesIO(data)) as image:
        for index in range(min(frames, max_frames)):
            image.seek(index)
            width, height = image.size
            if width * height > max_pixels:
                raise ImageTooLarge(f"{width}x{height}")
            out.append(np.asarray(image.convert("RGB"), dtype=np.uint8).copy())
    return out


def rotate(image: ImageArray, clockwise: int) -> ImageArray:
    """The image turned clockwise by 0, 90, 180 or 270 degrees."""
    turns = {90: cv2.ROTATE_90_CLOCKWISE, 180: cv2.ROTATE_180, 270: cv2.ROTATE_90_COUNTERCLOCKWISE}
    code = turns.get(clockwise % 360)
    return image if code is None else np.ascontiguousarray(cv2.rotate(image, code))


def upright(
    image: ImageArray, orientation: Callable[[ImageArray], tuple[int, float] | None]
) -> ImageArray:
    """The page turned upright by an OSD-like detector (tesseract psm 0).

    Measured on sample pages: at full resolution (A4 at 200 dpi) OSD tells 90 from 270 with
    confidence above 9 and never calls an upright page 90/270 above 1; downscaled pages get
    wrong answers at low confidence. It calls some blurred upright pages 180 at about 2.5 while
    real 180° pages score 9 and more, hence the higher bar for 180.
    """
    return rotate(image, upright_turn(image, orientation))


def upright_turn(
    image: ImageArray, orientation: Callable[[ImageArray], tuple[int, float] | None]
) -> int:
    """The clockwise turn `upright` applies: 0 unless the detector is sure enough."""
    found = orientation(_small(image, ORIENTATION_SIDE))
    if found is None:
        return 0
    turn, confidence = found
    if (turn in (90, 270) and confidence >= 1.0) or (turn == 180 and confidence >= 4.0):
        return turn
    return 0


ORIENTATION_SIDE = 2400


def _small(image: ImageArray, side: int) -> ImageArray:
    height, width = image.shape[:2]
    scale = side / max(height, width)
    if scale >= 1:
        return image
    size = (max(1, int(width * scale)), max(1, int(height * scale)))
    return np.ascontiguousarray(cv2.resize(image, size, interpolation=cv2.INTER_AREA))


def has_red_marks(image: ImageArray) -> bool:
    """True when a noticeable share of pixels is seal red."""
    red = image[:, :, 0].astype(np.int16)
    green = image[:, :, 1].astype(np.int16)
    blue = image[:, :, 2].astype(np.int16)
    mask = (red > 140) & (red - green > 60) & (red - blue > 60)
    return float(mask.mean()) > 0.002


def red_as_grey(image: ImageArray) -> ImageArray:
    """The red channel as a grey RGB image: red stamps vanish, black text stays.

    A printed or JPEG-compressed seal keeps a faint trace in the red channel (about 200-215 on
    a 255 page), so values above the white point become white.
    """
    red = image[:, :, 0].astype(np.float32)
    levelled = np.clip(red * (255.0 / RED_WHITE_POINT), 0, 255).astype(np.uint8)
    return np.ascontiguousarray(np.dstack([levelled, levelled, levelled]))


RED_WHITE_POINT = 190.0


def brighten(image: ImageArray) -> ImageArray:
    """Contrast stretched (CLAHE on lightness) for dim or shadowed photos; others unchanged."""
    grey = cv2.cvtColor(image, cv2.COLOR_RGB2GRAY)
    if float(grey.mean()) > 150 and float(grey.std()) > 40:
        return image
    lab = cv2.cvtColor(image, cv2.COLOR_RGB2LAB)
    clahe = cv2.createCLAHE(clipLimit=2.0, tileGridSize=(8, 8))
    lab[:, :, 0] = clahe.apply(lab[:, :, 0])
    return np.ascontiguousarray(cv2.cvtColor(lab, cv2.COLOR_LAB2RGB))


def deskew_angle(image: ImageArray) -> float:
    """The small skew (degrees, within ±10) of a page from its long straight lines; 0 if none."""
    grey = cv2.cvtColor(_small(image, 1400), cv2.COLOR_RGB2GRAY)
    edges = cv2.Canny(grey, 50, 150)
    width = grey.shape[1]
    lines = cv2.HoughLinesP(
        edges, 1, np.pi / 720, threshold=120, minLineLength=width // 3, maxLineGap=10
    )
    if lines is None:
        return 0.0
    angles = []
    for x1, y1, x2, y2 in lines.reshape(-1, 4):
        angle = float(np.degrees(np.arctan2(y2 - y1, x2 - x1)))
        if abs(angle) <= 10:
            angles.append(angle)
    if len(angles) < 3:
        return 0.0
    return float(np.median(angles))


def deskew(image: ImageArray) -> ImageArray:
    """The page rotated back by its skew when that is between 0.3 and 10 degrees."""
    angle = deskew_angle(image)
    if abs(angle) < 0.3:
        return image
    height, width = image.shape[:2]
    matrix = cv2.getRotationMatrix2D((width / 2, height / 2), angle, 1.0)
    return np.ascontiguousarray(
        cv2.warpAffine(
            image, matrix, (width, height), flags=cv2.INTER_LINEAR, borderValue=(255, 255, 255)
        )
    )


def page_quad(image: ImageArray) -> npt.NDArray[np.float32] | None:
    """The four corners of a sheet photographed on a background, if one stands out."""
    small = _small(image, 1000)
    scale = image.shape[1] / small.shape[1]
    grey = cv2.GaussianBlur(cv2.cvtColor(small, cv2.COLOR_RGB2GRAY), (5, 5), 0)
    edges = cv2.dilate(cv2.Canny(grey, 40, 120), np.ones((3, 3), np.uint8))
    contours, _ = cv2.findContours(edges, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    area = small.shape[0] * small.shape[1]
    for contour in sorted(contours, key=cv2.contourArea, reverse=True)[:5]:
        hull = cv2.convexHull(contour)
        approx = cv2.approxPolyDP(hull, 0.02 * cv2.arcLength(hull, True), True)
        share = cv2.contourArea(approx) / area
        if len(approx) == 4 and 0.25 < share < 0.95 and _on_background(grey, approx):
            return (approx.reshape(4, 2).astype(np.float32)) * np.float32(scale)
    return None


def _on_background(grey: npt.NDArray[Any], approx: npt.NDArray[Any]) -> bool:
    """True when the outside of the quad is clearly darker than the sheet (a photo on a desk),
    not the white margin around a ruled table on a scanned page."""
    mask = np.zeros(grey.shape, np.uint8)
    cv2.fillPoly(mask, [approx.reshape(-1, 2)], 255)
    inside = grey[mask > 0]
    outside = grey[mask == 0]
    if inside.size == 0 or outside.size == 0:
        return False
    return float(inside.mean()) - float(outside.mean()) > 30


def _ordered(quad: npt.NDArray[np.float32]) -> npt.NDArray[np.float32]:
    sums = quad.sum(axis=1)
    diffs = np.diff(quad, axis=1).ravel()
    return np.array(
        [
            quad[np.argmin(sums)],
            quad[np.argmin(diffs)],
            quad[np.argmax(sums)],
            quad[np.argmax(diffs)],
        ],
        dtype=np.float32,
    )


def straighten(image: ImageArray) -> ImageArray:
    """A photographed sheet warped flat (never enlarged); other images unchanged."""
    return straighten_mapped(image)[0]


def straighten_mapped(image: ImageArray) -> tuple[ImageArray, Matrix | None]:
    """`straighten`, with the perspective matrix from the image to the flat sheet (None when
    the image was left as it was)."""
    quad = page_quad(image)
    if quad is None:
        return image, None
    tl, tr, br, bl = _ordered(quad)
    width = int(max(np.linalg.norm(tr - tl), np.linalg.norm(br - bl)))
    height = int(max(np.linalg.norm(bl - tl), np.linalg.norm(br - tr)))
    if width < 200 or height < 200:
        return image, None
    target = np.array(
        [[0, 0], [width - 1, 0], [width - 1, height - 1], [0, height - 1]], np.float32
    )
    matrix = cv2.getPerspectiveTransform(np.array([tl, tr, br, bl]), target)
    flat: ImageArray = np.ascontiguousarray(cv2.warpPerspective(image, matrix, (width, height)))
    return flat, np.asarray(matrix, dtype=np.float64)


def prepare(
    image: ImageArray,
    orientation: Callable[[ImageArray], tuple[int, float] | None] | None = None,
) -> ImageArray:
    """The image as OCR should see it: upright, flat, straight, bright enough, seals erased."""
    return prepare_mapped(image, orientation)[0]


def prepare_mapped(
    image: ImageArray,
    orientation: Callable[[ImageArray], tuple[int, float] | None] | None = None,
) -> tuple[ImageArray, PageMap]:
    """`prepare`, with the map from the prepared image back to the image as given."""
    height, width = image.shape[:2]
    page = PageMap(width, height)
    out, matrix = straighten_mapped(image)
    if matrix is not None:
        page = page.then(matrix)
    if orientation is not None:
        turn = upright_turn(out, orientation)
        if turn:
            page = page.then(turn_matrix(out.shape[1], out.shape[0], turn))
            out = rotate(out, turn)
    angle = deskew_angle(out)
    if abs(angle) >= 0.3:
        h, w = out.shape[:2]
        affine = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
        page = page.then(np.vstack([affine, [0.0, 0.0, 1.0]]))
        out = np.ascontiguousarray(
            cv2.warpAffine(out, affine, (w, h), flags=cv2.INTER_LINEAR, borderValue=(255, 255, 255))
        )
    out = brighten(out)
    if has_red_marks(out):
        out = red_as_grey(out)
    return out, page
