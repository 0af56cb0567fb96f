"""Values that every document reader returns: the kind of a document and the fields read from it.

These are the shapes shared by all readers in `parsers/` (xlsx, docx, pdf, images, OCR) and by
the `intake parse --json` output. The kind is `vocabulary.DocumentKind` and field keys are the
canonical keys of the registration-form spec (`vocabulary.fields`); a field that was not read
is absent, never guessed.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from vocabulary.documents import DocumentKind


@dataclass(frozen=True)
class TextBox:
    """One run of text on a page with its box (pixels or PDF points) and engine confidence."""

    text: str
    x0: float
    y0: float
    x1: float
    y1: float
    confidence: float = 1.0
    source: tuple[float, float, float, float] | None = None
    """The same box on the page as stored (the original image or PDF page before any turning,
    straightening or enlarging), as x0, y0, x1, y1 in 0..1 of its width and height; None when
    it could not be mapped back."""


Box = tuple[int, float, float, float, float]
"""Where a value was read: page index in the stored file (0 first), then x0, y0, x1, y1 in 0..1
of that page as stored."""


@dataclass(frozen=True)
class FieldReading:
    """One field's value as read, with a confidence in [0, 1] and, when known, where it stood."""

    value: str
    confidence: float = 1.0
    box: Box | None = None


@dataclass(frozen=True)
class ParsedDocument:
    """One document found in a file (a page of a PDF, a member of an archive, a sheet...).

    `file` names the part, e.g. ``scan.pdf#page=2`` or ``files.zip/id.jpg``. `unreadable` holds a
    specific reason (``encrypted``, ``damaged``, ``too_many_pixels``, ``timeout``...) when nothing
    could be read; then `kind` is ``other`` and `fields` is empty.
    """

    file: str
    kind: DocumentKind
    engine: str | None = None
    fields: dict[str, FieldReading] = field(default_factory=dict)
    accounts: tuple[dict[str, FieldReading], ...] = ()
    unreadable: str | None = None
    notes: tuple[str, ...] = ()

    def to_json(self) -> dict[str, object]:
        """The object of `intake parse --json` for this document."""
        out: dict[str, object] = {"file": self.file, "kind": self.kind.value, "engine": self.engine}
        out["fields"] = {k: v.value for k, v in self.fields.items()}
        out["accounts"] = [{k: v.value for k, v in acc.items()} for acc in self.accounts]
        confidence = {k: round(v.confidence, 3) for k, v in self.fields.items()}
        out["confidence"] = confidence
        boxes = {k: list(v.box) for k, v in self.fields.items() if v.box is not None}
        if boxes:
            out["boxes"] = boxes
        if self.unreadable:
            out["unreadable"] = self.unreadable
        if self.notes:
            out["notes"] = list(self.notes)
        return out
