"""Fonts and text drawing for the sample document images (Noto CJK from the system).

Fonts are looked up once, on first use, in the usual Debian places; a missing Noto CJK font
stops the generator with a message that says which package to install.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

from PIL import ImageDraw, ImageFont

FONT_DIRS = (
    Path("/usr/share/fonts/opentype/noto"),
    Path("/usr/share/fonts/noto-cjk"),
    Path("/usr/share/fonts/truetype/noto"),
)
SC_INDEX = 2  # "Noto Sans CJK SC" inside the .ttc collections
MONO_FONT = Path("/usr/share/fonts/truetype/dejavu/DejaVuSansMono-Bold.ttf")

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
