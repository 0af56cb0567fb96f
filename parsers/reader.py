"""The one entry point of `parsers`: from a file's name and bytes to the documents it holds.

`read_document` chooses a reader by the bytes (never by the name alone), reads every page,
sheet or archive member, classifies each into a document kind and reads its fields. Whatever
goes wrong comes back as a document with `unreadable` set, never as an exception.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from pathlib import PurePosixPath
from typing import TYPE_CHECKING

from parsers import progress, sniff
from parsers.agreement import (
    SECOND_READ_FIELDS,
    WRAPPING_FIELDS,
    after_second_reading,
    crop_for,
)
from parsers.cards import Line, read_card
from parsers.classify import classify_text, look_alike
from parsers.fields import Cell, Grid, extract_form
from parsers.layout import column_lines, grid_of, lines_of
from parsers.model import FieldReading, ParsedDocument, TextBox
from parsers.ocr import OcrEngine, OcrUnavailable, make_engine
from parsers.ocr_worker import (
    OcrFailed,
    OcrTimeout,
    OcrTooMuchMemory,
    prepare_and_recognise,
    recognise,
)
from parsers.office import (
    ENCRYPTED_MARK,
    OfficeContent,
    Unreadable,
    convert_with_libreoffice,
    read_docx,
    read_xls,
    read_xlsx,
)
from parsers.plausible import checked_card_fields
from parsers.preprocess import ImageDamaged, ImageTooLarge, image_frames
from parsers.provenance import with_boxes
from parsers.stamps import cleaned_number_crop, number_label, valid_number_in
from parsers.values import HIGH_CONFIDENCE, id_number_valid
from vocabulary.documents import DocumentKind

if TYPE_CHECKING:
    import numpy as np
    import numpy.typing as npt

    from parsers.pdf import PdfPage

    ImageArray = npt.NDArray[np.uint8]

IMAGE_TYPES = frozenset({sniff.JPEG, sniff.PNG, sniff.GIF, sniff.BMP, sniff.TIFF, sniff.WEBP})
CONVERTED_TYPES = {
    sniff.DOC: "docx",
    sniff.WPS: "docx",
    "application/vnd.oasis.opendocument.text": "docx",
    "application/vnd.oasis.opendocument.spreadsheet": "xlsx",
}


@dataclass(frozen=True)
class ParseLimits:
    """Bounds on the work one file may cause."""

    max_pages: int = 20
    max_pixels: int = 60_000_000
    seconds_per_document: float = 60.0
    max_bytes: int = 50_000_000
    orient_pages: bool = True
    ocr_memory_mb: int = 1500
    workers: int = 0
    """How many reader processes read files at once (`parsers.isolated`); 0: one per core."""
    ocr_in_process: bool = False
    """True inside the reader's own watched worker (`parsers.isolated`): pages are read there,
    not handed to the OCR worker."""


def read_document(
    name: str,
    data: bytes,
    limits: ParseLimits = ParseLimits(),
    ocr: OcrEngine | None = None,
) -> list[ParsedDocument]:
    """Every document found in the file `name` with contents `data`."""
    try:
        return _read(name, data, limits, ocr, depth=0)
    except Unreadable as problem:
        return [_unreadable(name, problem.reason)]
    except MemoryError as error:  # an address-space cap (ulimit -v) met before the watcher's
        return [_unreadable(name, "too_much_memory", f"MemoryError: {error}"[:200])]
    except Exception as error:  # the promise: a result with a problem, never a crash
        return [_unreadable(name, "damaged", f"{type(error).__name__}: {error}"[:200])]


def _unreadable(name: str, reason: str, note: str = "") -> ParsedDocument:
    return ParsedDocument(
        file=name, kind=DocumentKind.OTHER, unreadable=reason, notes=(note,) if note else ()
    )


def _read(
    name: str, data: bytes, limits: ParseLimits, ocr: OcrEngine | None, depth: int
) -> list[ParsedDocument]:
    progress.tick()
    if not data.strip(b"\x00 \t\r\n"):
        return [_unreadable(name, "empty")]
    if len(data) > limits.max_bytes:
        return [_unreadable(name, "too_large")]
    kind = sniff.sniff_type(data, name)
    if kind == sniff.PDF:
        return _read_pdf(name, data, limits, ocr)
    if kind in IMAGE_TYPES:
        return _read_image(name, data, limits, ocr)
    if kind == sniff.XLSX:
        return [_office_document(name, read_xlsx(data))]
    if kind == sniff.DOCX:
        return [_office_document(name, read_docx(data))]
    if kind in (sniff.XLS, sniff.DOC, sniff.WPS, sniff.OLE):
        return _read_ole(name, data, kind, limits)
    if kind in CONVERTED_TYPES:
        converted = convert_with_libreoffice(
            data,
            PurePosixPath(name).suffix or ".odt",
            limits.seconds_per_document,
            CONVERTED_TYPES[kind],
        )
        return _read(name, converted, limits, ocr, depth)
    if kind in sniff.ARCHIVE_TYPES:
        return _read_archive(name, data, limits, ocr, depth)
    if kind in (sniff.TEXT, sniff.CSV):
        return [_read_text(name, data, kind)]
    # HEIC/AVIF photos, HTML, mail, slides, OFD, gzip and unknown bytes
    return [_unreadable(name, "unsupported_format", kind)]


def _read_ole(name: str, data: bytes, kind: str, limits: ParseLimits) -> list[ParsedDocument]:
    """A legacy Office compound file: xls read directly, doc/wps converted, encrypted refused."""
    if ENCRYPTED_MARK in data:
        return [_unreadable(name, "encrypted")]
    suffix = PurePosixPath(name.lower()).suffix
    if kind == sniff.XLS or (kind == sniff.OLE and suffix in (".xls", ".et")):
        return [_office_document(name, read_xls(data))]
    if kind in (sniff.DOC, sniff.WPS) or suffix in (".doc", ".wps"):
        converted = convert_with_libreoffice(data, suffix or ".doc", limits.seconds_per_document)
        return [_office_document(name, read_docx(converted))]
    return [_unreadable(name, "unsupported_format", kind)]


def _office_document(name: str, content: OfficeContent) -> ParsedDocument:
    """A digital document: classified from all its text, fields read exactly."""
    text = content.text()
    if not text.strip():
        return _unreadable(name, "empty")
    kinds = classify_text(text)
    if kinds[0] is DocumentKind.REGISTRATION_FORM:
        form = extract_form(content.grids, content.lines)
        return ParsedDocument(name, kinds[0], None, form.fields, form.accounts)
    if kinds == [DocumentKind.OTHER]:
        return ParsedDocument(name, DocumentKind.OTHER, None, notes=other_notes(text))
    lines = [Line(line) for line in text.splitlines()]
    return ParsedDocument(name, kinds[0], None, read_card(kinds[0], lines))


def _read_text(name: str, data: bytes, kind: str) -> ParsedDocument:
    """A plain-text or CSV file holding a form."""
    for codec in ("utf-8-sig", "gb18030"):
        try:
            text = data.decode(codec)
            break
        except UnicodeDecodeError:
            continue
    else:
        return _unreadable(name, "damaged")
    grids: tuple[Grid, ...] = ()
    lines: tuple[str, ...] = tuple(line for line in text.splitlines() if line.strip())
    if kind == sniff.CSV:
        rows = list(csv.reader(io.StringIO(text)))
        cells = [
            Cell(r, c, c + 1, value.strip())
            for r, row in enumerate(rows)
            for c, value in enumerate(row)
            if value.strip()
        ]
        grids, lines = (Grid(tuple(cells)),), ()
    return _office_document(name, OfficeContent(grids, lines))


def _read_pdf(
    name: str, data: bytes, limits: ParseLimits, ocr: OcrEngine | None
) -> list[ParsedDocument]:
    """A PDF: a digital one (every page with text, one kind) is one document; scanned pages are
    one document each, named ``file#page=N`` when the PDF has more than one page."""
    from parsers.pdf import page_count, read_pages

    total = page_count(data)
    if total == 0:
        return [_unreadable(name, "empty")]
    pages = list(read_pages(data, limits.max_pages, limits.max_pixels))
    documents: list[ParsedDocument] = []
    digital = [p for p in pages if p.image is None and p.problem is None]
    kinds = {classify_text(p.text)[0] for p in digital} - {DocumentKind.OTHER}
    if len(digital) == len(pages) and len(kinds) <= 1:
        documents.append(_text_layer_document(name, pages))
    else:
        for page in pages:
            documents.extend(_pdf_page_documents(name, page, total, limits, ocr))
    return documents + pdf_overflow(name, total, limits)


def _pdf_page_documents(
    name: str, page: PdfPage, total: int, limits: ParseLimits, ocr: OcrEngine | None
) -> list[ParsedDocument]:
    """One page of a PDF whose pages are read one document each."""
    part = f"{name}#page={page.number}" if total > 1 else name
    if page.problem:
        return [_unreadable(part, page.problem)]
    if page.image is not None:
        return _ocr_documents(part, page.image, limits, ocr, page.number - 1)
    return [_text_layer_document(part, [page])]


def pdf_overflow(name: str, total: int, limits: ParseLimits) -> list[ParsedDocument]:
    """The pages past `max_pages`, as one unreadable document (none when there are none)."""
    if total > limits.max_pages:
        return [_unreadable(f"{name}#page={limits.max_pages + 1}-{total}", "too_many_pages")]
    return []


def pdf_scans(name: str, data: bytes, limits: ParseLimits) -> tuple[int, tuple[int, ...]] | None:
    """A PDF's page count and the numbers of its pages read by OCR (`parsers.pdf.scanned_pages`);
    None when the file is not a PDF `read_document` would read page by page."""
    if len(data) > limits.max_bytes or sniff.sniff_type(data, name) != sniff.PDF:
        return None
    from parsers.pdf import scanned_pages

    return scanned_pages(data, limits.max_pages)


def read_pdf_page(
    name: str, data: bytes, number: int, total: int, limits: ParseLimits, ocr: OcrEngine | None
) -> list[ParsedDocument]:
    """Page `number` (of `total`) of a PDF with scanned pages, read as `read_document` reads it
    (one document per page, named ``file#page=N``): the pages of one PDF read on several
    reader processes (`parsers.isolated`), merged in page order, are what `read_document`
    returns. Never raises."""
    from parsers.pdf import read_pages

    part = f"{name}#page={number}" if total > 1 else name
    progress.tick()
    try:
        documents: list[ParsedDocument] = []
        for page in read_pages(data, number, limits.max_pixels, first=number):
            documents.extend(_pdf_page_documents(name, page, total, limits, ocr))
        return documents
    except Unreadable as problem:
        return [_unreadable(part, problem.reason)]
    except MemoryError as error:
        return [_unreadable(part, "too_much_memory", f"MemoryError: {error}"[:200])]
    except Exception as error:  # the promise: a result with a problem, never a crash
        return [_unreadable(part, "damaged", f"{type(error).__name__}: {error}"[:200])]


def _text_layer_document(name: str, pages: Sequence[PdfPage]) -> ParsedDocument:
    """A document read from PDF text: a form by its ruled tables and the words around them
    (laid out in rows like OCR boxes), a card by its words."""
    text = "\n".join(page.text for page in pages)
    kind = classify_text(text)[0]
    if kind is DocumentKind.REGISTRATION_FORM:
        grids = [grid for page in pages for grid in page.grids]
        grids.extend(grid_of(page.words) for page in pages if page.words)
        document = _office_document(name, OfficeContent(tuple(grids), ()))
    else:
        words = [word for page in pages for word in page.words]
        document = ParsedDocument(name, kind, None, read_card(kind, _card_lines(kind, words)))
    fields = document.fields
    for page in pages:
        fields = with_boxes(fields, page.placed, page.number - 1)
    return replace(document, fields=fields)


def _declared_size(data: bytes) -> tuple[int, int]:
    """Pixels per frame and frame count as the image's header declares them, read before
    decoding, so a decompression bomb (a small file declaring a huge canvas) is refused without
    decoding it. (0, 1) when Pillow cannot open it: the decoder then says how it is damaged."""
    from PIL import Image

    try:
        with Image.open(io.BytesIO(data)) as image:
            width, height = image.size
            frames = int(getattr(image, "n_frames", 1) or 1)
    except Image.DecompressionBombError:
        return 2**62, 1
    except Exception:
        return 0, 1
    return width * height, frames


def _read_image(
    name: str, data: bytes, limits: ParseLimits, ocr: OcrEngine | None
) -> list[ParsedDocument]:
    pixels, total = _declared_size(data)
    if pixels > limits.max_pixels:
        return [_unreadable(name, "too_many_pixels")]
    try:
        frames = image_frames(data, limits.max_pixels, limits.max_pages)
    except ImageTooLarge:
        return [_unreadable(name, "too_many_pixels")]
    except ImageDamaged:
        return [_unreadable(name, "damaged")]
    documents: list[ParsedDocument] = []
    if len(frames) == 1:
        documents.extend(_ocr_documents(name, frames[0], limits, ocr))
    else:
        for index, frame in enumerate(frames, start=1):
            documents.extend(_ocr_documents(f"{name}#page={index}", frame, limits, ocr, index - 1))
    if total > limits.max_pages:
        documents.append(
            _unreadable(f"{name}#page={limits.max_pages + 1}-{total}", "too_many_pages")
        )
    return documents


def _ocr_documents(
    name: str, image: ImageArray, limits: ParseLimits, ocr: OcrEngine | None, page: int = 0
) -> list[ParsedDocument]:
    """OCR one page image (page index `page` of its file) and read its documents.

    Our engines run in the OCR worker process under the per-document time limit; an engine
    object of the caller's runs in this process without one.
    """
    height, width = image.shape[:2]
    if height * width > limits.max_pixels:
        return [_unreadable(name, "too_many_pixels")]
    engine = ocr if ocr is not None else make_engine()
    progress.tick()
    try:
        if limits.ocr_in_process:
            boxes = prepare_and_recognise(image, engine, limits.orient_pages)
        else:
            boxes = recognise(
                image,
                engine,
                limits.seconds_per_document,
                limits.orient_pages,
                limits.ocr_memory_mb,
            )
    except OcrTimeout:
        return [_unreadable(name, "timeout")]
    except OcrTooMuchMemory as error:
        return [_unreadable(name, "too_much_memory", str(error)[:200])]
    except (OcrFailed, OcrUnavailable) as error:
        return [_unreadable(name, "ocr_failed", str(error)[:200])]
    except Exception as error:  # an engine failing in this process: the page, not the file
        return [_unreadable(name, "ocr_failed", f"{type(error).__name__}: {error}"[:200])]
    if not boxes:
        return [_unreadable(name, "no_text")]
    documents = [
        replace(document, fields=with_boxes(document.fields, boxes, page))
        for document in _boxes_documents(name, boxes, engine.name)
    ]
    return [
        _read_again(
            _number_under_stamp(document, image, engine, limits, boxes, page), image, engine, limits
        )
        for document in documents
    ]


def _second_look(image: ImageArray, engine: OcrEngine, limits: ParseLimits) -> list[TextBox]:
    """A crop of a page read again, in the OCR worker unless reading in this process."""
    if limits.ocr_in_process:
        return prepare_and_recognise(image, engine, True)
    return recognise(image, engine, limits.seconds_per_document, True, limits.ocr_memory_mb)


def _number_under_stamp(
    document: ParsedDocument,
    image: ImageArray,
    engine: OcrEngine,
    limits: ParseLimits,
    boxes: Sequence[TextBox],
    page: int,
) -> ParsedDocument:
    """An ID front whose number is missing or fails its check: the number's line read again
    with the coloured ink of a stamp taken away (`parsers.stamps`)."""
    number = document.fields.get("id_number")
    if document.kind is not DocumentKind.ID_CARD_FRONT or (
        number is not None and id_number_valid(number.value)
    ):
        return document
    crop = cleaned_number_crop(image, boxes)
    if crop is None:
        return document
    try:
        found = valid_number_in(_second_look(crop, engine, limits))
    except Exception:  # a failed second look leaves the first reading as it was
        return document
    if found is None:
        return document
    value, confidence = found
    label = number_label(boxes)
    box = (page, label[2], label[1], 1.0, label[3]) if label else None
    fields = dict(document.fields)
    fields["id_number"] = FieldReading(value, round(max(confidence, HIGH_CONFIDENCE), 3), box)
    return replace(document, fields=checked_card_fields(fields))


def _read_again(
    document: ParsedDocument, image: ImageArray, engine: OcrEngine, limits: ParseLimits
) -> ParsedDocument:
    """A card's text values read a second time from their place, enlarged
    (`parsers.agreement`)."""
    if document.kind not in CARD_KINDS and document.kind is not DocumentKind.ID_CARD_BACK:
        return document
    fields = dict(document.fields)
    for key in SECOND_READ_FIELDS:
        reading = fields.get(key)
        if reading is None or reading.box is None:
            continue
        crop = crop_for(image, reading.box, key in WRAPPING_FIELDS)
        if crop is None:
            continue
        try:
            again = _second_look(crop, engine, limits)
        except Exception:  # a failed second look leaves the first reading as it was
            continue
        fields[key] = after_second_reading(reading, again)
    return replace(document, fields=fields)


CARD_KINDS = frozenset(
    {
        DocumentKind.ID_CARD_FRONT,
        DocumentKind.BUSINESS_LICENCE,
        DocumentKind.ORG_CODE_CERTIFICATE,
    }
)


def _boxes_documents(name: str, boxes: list[TextBox], engine: str | None) -> list[ParsedDocument]:
    """Documents read from positioned text: a form by its grid, cards by their anchors; two
    facing pages scanned together each on their own."""
    boxes = [b for b in boxes if not is_stamp_text(b.text)]
    halves = facing_halves(boxes)
    if halves is not None:
        documents = [d for half in halves for d in _boxes_documents(name, half, engine)]
        known = [d for d in documents if d.kind is not DocumentKind.OTHER or d.notes]
        return known or documents[:1]
    lines = lines_of(boxes)
    text = "\n".join(line.text for line in lines)
    kinds = classify_text(text)
    if kinds == [DocumentKind.OTHER]:
        return [ParsedDocument(name, DocumentKind.OTHER, engine, notes=other_notes(text))]
    if kinds[0] is DocumentKind.REGISTRATION_FORM:
        form = extract_form([grid_of(boxes)])
        return [ParsedDocument(name, kinds[0], engine, form.fields, form.accounts)]
    if len(kinds) == 1:
        return [
            ParsedDocument(
                name, kinds[0], engine, read_card(kinds[0], _card_lines(kinds[0], boxes))
            )
        ]
    groups = split_documents(boxes, kinds)
    return [
        ParsedDocument(name, kind, engine, read_card(kind, _card_lines(kind, group)))
        for kind, group in groups
    ]


_STAMP_WORDS = re.compile(r"复印无效|仅供[^，。,]{0,16}使用|与原件一致|再次复印无效|样本|复印件")


def is_stamp_text(text: str) -> bool:
    """True for a box that holds nothing but a mark stamped or written over a copy (复印无效,
    仅供…使用): it is read as a line of its own that would join the rows it lies across."""
    rest = _STAMP_WORDS.sub("", "".join(text.split()))
    return rest != "".join(text.split()) and len(rest) <= 1


def other_notes(text: str) -> tuple[str, ...]:
    """For a document of no kind we read: what it looks like, when it is a paper people attach
    by mistake (``looks_like:social_security_card`` …)."""
    found = look_alike(text)
    return (f"looks_like:{found}",) if found else ()


FACING_MIN_ASPECT = 1.8
"""Width over height of the text from which a page may be two facing pages (two landscape
certificates side by side are about 3; one landscape licence, whose two columns also leave a
band between them, about 1.5). Two portrait pages side by side are not told apart this way."""


FACING_MIN_GAP = 0.06
"""The empty band at the fold, as a share of the text's width: two pages' margins and the fold
(about 9% on a two-page certificate scan), wider than the band between a licence's columns
(about 5%)."""


def facing_halves(boxes: Sequence[TextBox]) -> tuple[list[TextBox], list[TextBox]] | None:
    """The boxes of a two-page scan split at the fold: a wide page with an empty vertical band,
    centred between 20% and 80% of the text's width (a facing page may hold little text), that
    no box crosses, and text on both sides. None otherwise."""
    items = [b for b in boxes if b.text.strip()]
    if len(items) < 6:
        return None
    left_edge = min(b.x0 for b in items)
    right_edge = max(b.x1 for b in items)
    top = min(b.y0 for b in items)
    bottom = max(b.y1 for b in items)
    width = right_edge - left_edge
    if width < FACING_MIN_ASPECT * (bottom - top):
        return None
    ordered = sorted(items, key=lambda b: b.x0)
    reach = float("-inf")
    best: tuple[float, int] | None = None
    for index, box in enumerate(ordered):
        centre = (reach + box.x0) / 2
        middle = left_edge + 0.2 * width <= centre <= left_edge + 0.8 * width
        if index and box.x0 > reach and middle:
            gap = box.x0 - reach
            if best is None or gap > best[0]:
                best = (gap, index)
        reach = max(reach, box.x1)
    if best is None or best[0] < FACING_MIN_GAP * width:
        return None
    left, right = ordered[: best[1]], ordered[best[1] :]
    if len(left) < 3 or len(right) < 3:
        return None
    return left, right


def _card_lines(kind: DocumentKind, boxes: Sequence[TextBox]) -> list[Line]:
    """Lines in reading order; a licence's two columns one after the other."""
    if kind is DocumentKind.BUSINESS_LICENCE:
        return column_lines(boxes)
    return lines_of(boxes)


def split_documents(
    boxes: Sequence[TextBox], kinds: Sequence[DocumentKind]
) -> list[tuple[DocumentKind, list[TextBox]]]:
    """Boxes of a page showing several documents (two ID sides on one sheet), one group each.

    The page is cut at the widest empty band, across or down, that leaves each kind on its own
    side; when no cut does, every kind is read from the whole page.
    """
    for cut in _cuts(boxes):
        first, second = cut
        first_kinds = classify_text("\n".join(line.text for line in lines_of(first)))
        second_kinds = classify_text("\n".join(line.text for line in lines_of(second)))
        if len(first_kinds) == 1 and len(second_kinds) == 1 and first_kinds != second_kinds:
            pairs = [(first_kinds[0], first), (second_kinds[0], second)]
            if {kind for kind, _ in pairs} == set(kinds):
                return sorted(pairs, key=lambda pair: list(kinds).index(pair[0]))
    return [(kind, list(boxes)) for kind in kinds]


def _cuts(boxes: Sequence[TextBox]) -> list[tuple[list[TextBox], list[TextBox]]]:
    """Two-way splits of the boxes at empty bands, widest band first, across then down."""
    found: list[tuple[float, list[TextBox], list[TextBox]]] = []
    for axis in ("y", "x"):
        ordered = sorted(boxes, key=lambda b: _extent(b, axis)[0])
        reach = float("-inf")
        for index, box in enumerate(ordered):
            start, end = _extent(box, axis)
            if index and start > reach:
                found.append((start - reach, ordered[:index], ordered[index:]))
            reach = max(reach, end)
    found.sort(key=lambda item: -item[0])
    return [(first, second) for _, first, second in found]


def _extent(box: TextBox, axis: str) -> tuple[float, float]:
    return (box.y0, box.y1) if axis == "y" else (box.x0, box.x1)


def _read_archive(
    name: str, data: bytes, limits: ParseLimits, ocr: OcrEngine | None, depth: int
) -> list[ParsedDocument]:
    from parsers.archives import expand_archive

    contents = expand_archive(data)
    documents: list[ParsedDocument] = []
    if contents.problem and not contents.members:
        return [_unreadable(name, contents.problem)]
    for member in contents.members:
        part = f"{name}/{member.name}"
        if member.problem and member.problem != "nested_too_deep":
            documents.append(_unreadable(part, member.problem))
        elif member.problem == "nested_too_deep" or depth >= 3:
            documents.append(_unreadable(part, "nested_too_deep"))
        else:
            try:
                documents.extend(_read(part, member.data, limits, ocr, depth + 1))
            except Unreadable as problem:
                documents.append(_unreadable(part, problem.reason))
    if not documents:
        return [_unreadable(name, contents.problem or "empty")]
    return documents
