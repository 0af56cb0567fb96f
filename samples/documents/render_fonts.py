"""Fonts and text drawing for the sample document images (Noto CJK from the system).

Fonts are looked up once, on first use, in the usual Debian places; a missing Noto CJK font
stops the generator with a message that says which package to install.
"""

from __future__ import annotations

import random
from functools import cache
from pathlib import Path

from PIL import Image, ImageDraw, ImageFont

FONT_DIRS = (
    Path("/usr/share/fonts/opentype/noto"),
    Path("/usr/share/fonts/noto-cjk"),
    Path("/usr/share/fonts/truetype/noto"),
)
SC_INDEX = 2  # "Noto Sans CJK SC" inside the .ttc collections
MONO_FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSansMono-Bold.ttf")
KAI_FONT = Path("/usr/share/fonts/truetype/arphic/ukai.ttc")  # brush script: stands in for a pen

Font = ImageFont.FreeTypeFont


class FontMissingError(RuntimeError):
    """No Noto CJK font was found; the message says how to install it."""


def _find(file_name: str) -> Path | None:
    for folder in FONT_DIRS:
        candidate = folder / file_name
        if candidate.exists():
            return candidate
    return None


@cache
def font(size: int, bold: bool = False, serif: bool = False) -> Font:
    """A Simplified Chinese Noto CJK font of `size` pixels (falls back from serif to sans)."""
    family = "Serif" if serif else "Sans"
    weight = "Bold" if bold else "Regular"
    names = [
        f"Noto{family}CJK-{weight}.ttc",
        f"NotoSansCJK-{weight}.ttc",
        "NotoSansCJK-Regular.ttc",
    ]
    for name in names:
        path = _find(name)
        if path is not None:
            return ImageFont.truetype(str(path), size, index=SC_INDEX)
    raise FontMissingError(
        "Noto CJK fonts not found (looked in "
        + ", ".join(str(d) for d in FONT_DIRS)
        + "); install them with `apt-get install -y fonts-noto-cjk` (check with "
        "`fc-list :lang=zh`)"
    )


@cache
def mono_font(size: int) -> Font:
    """A bold monospaced font for ID numbers; Noto CJK when DejaVu is absent."""
    if MONO_FONT.exists():
        return ImageFont.truetype(str(MONO_FONT), size)
    return font(size, bold=True)


def text_width(text: str, face: Font) -> float:
    """The advance width of `text` in `face`, in pixels."""
    return float(face.getlength(text))


def fit_font(text: str, width: float, size: int, min_size: int, bold: bool = False) -> Font:
    """The largest font from `size` down to `min_size` in which `text` fits `width`."""
    for s in range(size, min_size - 1, -1):
        face = font(s, bold=bold)
        if text_width(text, face) <= width:
            return face
    return font(min_size, bold=bold)


def wrap_text(text: str, face: Font, width: float) -> list[str]:
    """`text` broken into lines no wider than `width` (characterwise, as CJK text wraps)."""
    lines: list[str] = []
    current = ""
    for char in text:
        if current and text_width(current + char, face) > width:
            lines.append(current)
            current = char
        else:
            current += char
    if current:
        lines.append(current)
    return lines


def draw_in_box(
    draw: ImageDraw.ImageDraw,
    box: tuple[float, float, float, float],
    text: str,
    size: int,
    center: bool = False,
    bold: bool = False,
    fill: tuple[int, int, int] = (0, 0, 0),
) -> tuple[float, float, float, float]:
    """Draw `text` inside `box` (shrinking, then wrapping to fit); return the inked box."""
    x0, y0, x1, y1 = box
    pad = size * 0.4
    width = x1 - x0 - 2 * pad
    face = fit_font(text, width, size, max(18, int(size * 0.75)), bold=bold)
    lines = [text] if text_width(text, face) <= width else wrap_text(text, face, width)
    line_h = face.size * 1.25
    total_h = line_h * len(lines)
    y = y0 + (y1 - y0 - total_h) / 2
    left = x1
    right = x0
    for line in lines:
        w = text_width(line, face)
        x = x0 + (x1 - x0 - w) / 2 if center else x0 + pad
        draw.text((x, y + (line_h - face.size) / 2), line, font=face, fill=fill)
        left = min(left, x)
        right = max(right, x + w)
        y += line_h
    top = y0 + (y1 - y0 - total_h) / 2
    return (left, top, right, top + total_h)


@cache
def kai_font(size: int) -> Font:
    """AR PL UKai (a brush-script regular hand) of `size` pixels, for handwritten entries."""
    if not KAI_FONT.exists():
        raise FontMissingError(
            f"{KAI_FONT} not found; install it with `apt-get install -y fonts-arphic-ukai`"
        )
    return ImageFont.truetype(str(KAI_FONT), size)


def draw_handwritten(
    img: Image.Image,
    box: tuple[float, float, float, float],
    text: str,
    size: int,
    rng: random.Random,
    center: bool = False,
) -> tuple[float, float, float, float]:
    """Write `text` into `box` as a hand would: a script face, each character a little bigger or
    smaller, higher or lower, tilted and spaced unevenly, in blue-black ink. Returns the inked box.
    """
    x0, y0, x1, y1 = box
    pad = size * 0.4
    room = x1 - x0 - 2 * pad
    sizes = [max(14, int(size * rng.uniform(0.92, 1.15))) for _ in text]
    advances = [
        kai_font(sz).getlength(ch) * rng.uniform(0.92, 1.1)
        for ch, sz in zip(text, sizes, strict=True)
    ]
    shrink = min(1.0, room / max(sum(advances), 1.0))
    sizes = [max(12, int(sz * shrink)) for sz in sizes]
    advances = [a * shrink for a in advances]
    total = sum(advances)
    x = x0 + (x1 - x0 - total) / 2 if center else x0 + pad
    middle = (y0 + y1) / 2
    ink = (25, 35, 110)
    left, top, right, bottom = x, middle, x, middle
    for char, char_size, advance in zip(text, sizes, advances, strict=True):
        face = kai_font(char_size)
        tile = Image.new("L", (char_size * 2, char_size * 2), 0)
        ImageDraw.Draw(tile).text((char_size / 2, char_size / 2), char, font=face, fill=255)
        tile = tile.rotate(rng.uniform(-7, 7), resample=Image.Resampling.BICUBIC)
        dy = rng.uniform(-0.12, 0.12) * char_size
        at = (int(x - char_size / 2), int(middle - char_size + dy))
        img.paste(Image.new("RGB", tile.size, ink), at, tile)
        top = min(top, middle - char_size / 2 + dy)
        bottom = max(bottom, middle + char_size / 2 + dy)
        x += advance
        right = x
    return (left, top, right, bottom)
