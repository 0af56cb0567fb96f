"""Damage applied to clean page and card images: scanner noise, blur, JPEG artefacts, skew, a
phone photo on a desk, shadows, rotation, a red seal over values, 1-bit fax, and glare.

Every function takes its randomness from a seeded `numpy.random.Generator`, so the same seed
always yields the same damaged image.
"""

from __future__ import annotations

import io
from enum import StrEnum

import cv2
import numpy as np
import numpy.typing as npt
from PIL import Image, ImageFilter

Array = npt.NDArray[np.uint8]
Box = tuple[float, float, float, float]


class Damage(StrEnum):
    """The kinds of damage the samples show (``none`` for born-digital files)."""

    CLEAN = "clean"
    NOISE = "noise"
    BLUR = "blur"
    JPEG = "jpeg"
    SKEW = "skew"
    PERSPECTIVE = "perspective"
    SHADOW = "shadow"
    ROT90 = "rot90"
    ROT180 = "rot180"
    SEAL = "seal"
    FAX = "fax"
    GLARE = "glare"
    HANDWRITTEN = "handwritten"
    NONE = "none"


def _arr(img: Image.Image) -> npt.NDArray[np.float32]:
    return np.asarray(img.convert("RGB"), dtype=np.float32)


def _img(arr: npt.NDArray[np.float32]) -> Image.Image:
    return Image.fromarray(np.clip(arr, 0, 255).astype(np.uint8), "RGB")


def add_noise(img: Image.Image, rng: np.random.Generator) -> Image.Image:
    """Grey scanner noise plus sparse dust specks."""
    arr = _arr(img)
    sigma = float(rng.uniform(14, 22))
    noise = rng.normal(0, sigma, arr.shape[:2]).astype(np.float32)
    arr += noise[:, :, None]
    specks = rng.random(arr.shape[:2]) < 0.0015
    arr[specks] = 40
    return _img(arr)


def blur(img: Image.Image, rng: np.random.Generator) -> Image.Image:
    """Out-of-focus blur strong enough to soften strokes, not to erase them."""
    return img.filter(ImageFilter.GaussianBlur(float(rng.uniform(1.3, 1.9))))


def jpeg_artefacts(img: Image.Image, rng: np.random.Generator) -> Image.Image:
    """Blocky artefacts from two rounds of very low-quality JPEG at a reduced size."""
    w, h = img.size
    scale = float(rng.uniform(0.7, 0.8))
    small = img.resize((int(w * scale), int(h * scale)), Image.Resampling.BILINEAR)
    for quality in (int(rng.integers(8, 14)), int(rng.integers(10, 18))):
        buf = io.BytesIO()
        small.save(buf, "JPEG", quality=quality)
        small = Image.open(io.BytesIO(buf.getvalue())).convert("RGB")
    return small


def skew(img: Image.Image, rng: np.random.Generator) -> tuple[Image.Image, float]:
    """The page turned by 2-5 degrees either way on a white scanner bed; returns the angle."""
    angle = float(rng.uniform(2, 5)) * (1 if rng.random() < 0.5 else -1)
    out = img.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True, fillcolor="white")
    return out, angle


def desk_background(width: int, height: int, rng: np.random.Generator) -> npt.NDArray[np.float32]:
    """A wooden or grey desk surface."""
    ys = np.arange(height, dtype=np.float32)[:, None]
    xs = np.arange(width, dtype=np.float32)[None, :]
    if rng.random() < 0.6:
        grain = np.sin(ys / 9.0 + 4 * np.sin(xs / 170.0) + rng.uniform(0, 6)) * 0.5 + 0.5
        base = np.array([150, 105, 70], dtype=np.float32)
        arr = base[None, None, :] * (0.8 + 0.25 * grain[:, :, None])
    else:
        arr = np.full((height, width, 3), (110, 112, 116), dtype=np.float32)
    arr = arr + rng.normal(0, 6, (height, width, 1)).astype(np.float32)
    return np.broadcast_to(arr, (height, width, 3)).astype(np.float32)


def _lighting(
    height: int, width: int, rng: np.random.Generator, low: float
) -> npt.NDArray[np.float32]:
    """A smooth multiplicative light field from `low` to 1 across the image."""
    ys = np.linspace(0, 1, height, dtype=np.float32)[:, None]
    xs = np.linspace(0, 1, width, dtype=np.float32)[None, :]
    ax, ay = (float(v) for v in rng.uniform(-1, 1, 2))
    field = (ax * (xs - 0.5) + ay * (ys - 0.5)) / (abs(ax) + abs(ay) + 1e-6) + 0.5
    return (low + (1 - low) * field).astype(np.float32)


def perspective_photo(
    img: Image.Image, rng: np.random.Generator, out_long_side: int, margin: float = 0.08
) -> Image.Image:
    """The document photographed at an angle lying on a desk, with uneven light."""
    src_w, src_h = img.size
    landscape = src_w > src_h
    long_side = out_long_side
    short_side = int(out_long_side * 0.75)
    out_w, out_h = (long_side, short_side) if landscape else (short_side, long_side)
    scale = min(out_w / src_w, out_h / src_h) * (1 - 2 * margin)
    pw, ph = src_w * scale, src_h * scale
    cx, cy = out_w / 2, out_h / 2
    jitter = 0.06 * min(pw, ph)
    corners = np.array(
        [
            [cx - pw / 2, cy - ph / 2],
            [cx + pw / 2, cy - ph / 2],
            [cx + pw / 2, cy + ph / 2],
            [cx - pw / 2, cy + ph / 2],
        ],
        dtype=np.float32,
    )
    corners += rng.uniform(-jitter, jitter, corners.shape).astype(np.float32)
    # Narrow the far edge, as a camera held above the lower edge sees it.
    squeeze = float(rng.uniform(0.03, 0.08)) * pw
    corners[0, 0] += squeeze
    corners[1, 0] -= squeeze
    src = np.array([[0, 0], [src_w, 0], [src_w, src_h], [0, src_h]], dtype=np.float32)
    matrix = cv2.getPerspectiveTransform(src, corners)
    page = cv2.warpPerspective(_arr(img), matrix, (out_w, out_h), flags=cv2.INTER_AREA)
    mask = cv2.warpPerspective(
        np.ones((src_h, src_w), dtype=np.float32), matrix, (out_w, out_h), flags=cv2.INTER_LINEAR
    )
    desk = desk_background(out_w, out_h, rng)
    shadow = cv2.GaussianBlur(
        cv2.warpPerspective(
            np.ones((src_h, src_w), dtype=np.float32),
            matrix @ np.array([[1, 0, 8], [0, 1, 12], [0, 0, 1]]),
            (out_w, out_h),
        ),
        (0, 0),
        9,
    )
    desk = desk * (1 - 0.35 * shadow[:, :, None])
    combined = page * mask[:, :, None] + desk * (1 - mask[:, :, None])
    combined *= _lighting(out_h, out_w, rng, float(rng.uniform(0.72, 0.88)))[:, :, None]
    combined = np.asarray(cv2.GaussianBlur(combined, (0, 0), 0.7), dtype=np.float32)
    combined += rng.normal(0, 4, combined.shape[:2]).astype(np.float32)[:, :, None]
    return _img(combined)


def shadow(img: Image.Image, rng: np.random.Generator) -> Image.Image:
    """Dim light with a soft hand/phone shadow across part of the page and a warm tint."""
    arr = _arr(img)
    h, w = arr.shape[:2]
    light = _lighting(h, w, rng, float(rng.uniform(0.45, 0.6)))
    blob = np.zeros((h, w), dtype=np.float32)
    cx, cy = float(rng.uniform(0.2, 0.8)) * w, float(rng.uniform(0.3, 0.9)) * h
    cv2.ellipse(
        blob,
        (int(cx), int(cy)),
        (int(w * 0.35), int(h * 0.22)),
        float(rng.uniform(0, 180)),
        0,
        360,
        1.0,
        -1,
    )
    blob = np.asarray(cv2.GaussianBlur(blob, (0, 0), w * 0.06), dtype=np.float32)
    light = light * (1 - 0.35 * blob)
    tint = np.array([1.0, 0.95, 0.85], dtype=np.float32)
    arr = arr * light[:, :, None] * tint[None, None, :] * 0.92
    arr += rng.normal(0, 3, (h, w)).astype(np.float32)[:, :, None]
    return _img(arr)


def rotate_quarter(img: Image.Image, clockwise: bool) -> Image.Image:
    """The page turned by 90 degrees (clockwise or counter-clockwise)."""
    return img.transpose(Image.Transpose.ROTATE_270 if clockwise else Image.Transpose.ROTATE_90)


def rotate_half(img: Image.Image) -> Image.Image:
    """The page upside down."""
    return img.transpose(Image.Transpose.ROTATE_180)


def stamp_seal(
    img: Image.Image, seal: Image.Image, box: Box, rng: np.random.Generator
) -> Image.Image:
    """A red seal pressed over the value in `box`, multiplied like ink."""
    out = img.convert("RGB")
    x0, y0, x1, y1 = box
    cx = (x0 + x1) / 2 + float(rng.uniform(-0.15, 0.15)) * (x1 - x0)
    cy = (y0 + y1) / 2 + float(rng.uniform(-20, 20))
    angle = float(rng.uniform(-25, 25))
    seal = seal.rotate(angle, resample=Image.Resampling.BICUBIC, expand=True)
    px = min(max(0, int(cx - seal.width / 2)), out.width - seal.width)
    py = min(max(0, int(cy - seal.height / 2)), out.height - seal.height)
    region = out.crop((px, py, px + seal.width, py + seal.height))
    base = np.asarray(region, dtype=np.float32)
    ink = np.asarray(seal, dtype=np.float32)
    alpha = ink[:, :, 3:4] / 255.0 * float(rng.uniform(0.75, 0.9))
    mixed = base * (1 - alpha) + (base * ink[:, :, :3] / 255.0) * alpha
    out.paste(_img(mixed), (px, py))
    return out


def fax(img: Image.Image, rng: np.random.Generator) -> Image.Image:
    """A 1-bit fax: standard resolution (half the vertical lines), threshold, line dropouts."""
    grey = img.convert("L")
    w, h = grey.size
    coarse = grey.resize((w, h // 2), Image.Resampling.BILINEAR).resize(
        (w, h), Image.Resampling.NEAREST
    )
    arr = np.asarray(coarse, dtype=np.float32)
    arr += rng.normal(0, 25, arr.shape).astype(np.float32)
    bits = arr > 150
    dropouts = rng.choice(h, size=max(1, h // 300), replace=False)
    bits[dropouts, :] = True
    speckle = rng.random(bits.shape) < 0.0008
    bits[speckle] = False
    return Image.fromarray((bits * 255).astype(np.uint8), "L").convert(
        "1", dither=Image.Dither.NONE
    )


def glare(img: Image.Image, rng: np.random.Generator) -> Image.Image:
    """A bright light reflection on a laminated card, partly washing out the text."""
    arr = _arr(img)
    h, w = arr.shape[:2]
    spot = np.zeros((h, w), dtype=np.float32)
    cx, cy = float(rng.uniform(0.25, 0.75)) * w, float(rng.uniform(0.25, 0.75)) * h
    cv2.ellipse(
        spot,
        (int(cx), int(cy)),
        (int(w * 0.16), int(h * 0.1)),
        float(rng.uniform(-40, 40)),
        0,
        360,
        1.0,
        -1,
    )
    spot = np.asarray(cv2.GaussianBlur(spot, (0, 0), w * 0.04), dtype=np.float32)
    strength = float(rng.uniform(0.6, 0.8))
    arr = arr * (1 - strength * spot[:, :, None]) + 255 * strength * spot[:, :, None]
    return _img(arr)
