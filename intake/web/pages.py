"""Attachments as images a browser shows: a PDF's pages rendered with pypdfium2, an image as it
is (or converted to PNG when a browser cannot show its format). Pure on bytes, no store."""

from __future__ import annotations

import io

BROWSER_IMAGES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp"})
RENDER_SCALE = 1.5  # 108 dpi: readable on screen, small enough to send
MAX_PAGES = 50


def is_pdf(content_type: str, data: bytes) -> bool:
    return content_type == "application/pdf" or data[:5] == b"%PDF-"


def is_image(content_type: str) -> bool:
    return content_type.startswith("image/")


def page_count(content_type: str, data: bytes) -> int:
    """How many page images the attachment shows as (0 when it is neither PDF nor image)."""
    if is_pdf(content_type, data):
        import pypdfium2

        try:
            pdf = pypdfium2.PdfDocument(data)
        except pypdfium2.PdfiumError:
            return 0
        try:
            return min(len(pdf), MAX_PAGES)
        finally:
            pdf.close()
    return 1 if is_image(content_type) else 0


def page_image(content_type: str, data: bytes, page: int) -> tuple[str, bytes] | None:
    """(content type, bytes) of page `page` (1-based) as an image, or None when there is none."""
    if is_pdf(content_type, data):
        import pypdfium2

        try:
            pdf = pypdfium2.PdfDocument(data)
        except pypdfium2.PdfiumError:
            return None
        try:
            if not 1 <= page <= min(len(pdf), MAX_PAGES):
                return None
            bitmap = pdf[page - 1].render(scale=RENDER_SCALE)
            image = bitmap.to_pil()
            out = io.BytesIO()
            image.save(out, format="PNG", optimize=False)
            return "image/png", out.getvalue()
        finally:
            pdf.close()
    if not is_image(content_type) or page != 1:
        return None
    if content_type in BROWSER_IMAGES:
        return content_type, data
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(io.BytesIO(data)) as image:
            out = io.BytesIO()
            image.convert("RGB").save(out, format="PNG")
            return "image/png", out.getvalue()
    except (UnidentifiedImageError, OSError, ValueError):
        return None
