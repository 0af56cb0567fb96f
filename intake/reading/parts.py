"""The walk over a message's MIME tree: which parts are body text, which are files.

The walk collects text bodies (one group per `multipart/alternative`), file parts as drafts, and
delivery-status reports. Forwarded messages (`message/rfc822` parts and `.eml` files) are not
files themselves — the raw mail is stored whole — but containers whose files are drafted with
origin ``forwarded`` and whose text joins the reading's text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from intake.reading.bounces import delivery_status_recipients
from intake.reading.charsets import decode_base64_lenient, decode_bytes, decode_header_bytes
from intake.reading.html_text import html_to_text
from intake.reading.mime import Entity, decode_payload, parse_entity
from intake.reading.model import ReadLimits
from parsers.archives import safe_member_name
from parsers.sniff import EML, sniff_type

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
_BODY_SUBTYPES = frozenset({"plain", "html", "enriched", "richtext", "x-aol"})
_DATA_URI = re.compile(r"""data:(image/[\w.+-]+);base64,([A-Za-z0-9+/=\s]+)""", re.IGNORECASE)
_SKIPPED_TYPES = frozenset(
    {"text/rfc822-headers", "message/disposition-notification", "message/feedback-report"}
)


@dataclass
class FileDraft:
    """A file part found by the walk, before it is named, classified and expanded."""

    filename: str | None
    declared_type: str
    data: bytes
    disposition: str
    content_id: str | None
    container: str | None


@dataclass
class TextBody:
    """One text part: its group (alternatives share one), kind, text, and whether forwarded."""

    group: int
    kind: str
    text: str
    forwarded: bool


@dataclass
class PartWalk:
    """Mutable state of one walk over a message; `walk` fills it."""

    limits: ReadLimits
    defects: list[str] = field(default_factory=list)
    files: list[FileDraft] = field(default_factory=list)
    bodies: list[TextBody] = field(default_factory=list)
    html_sources: list[str] = field(default_factory=list)
    report_recipients: list[tuple[str, str]] = field(default_factory=list)
    has_delivery_report: bool = False
    groups: int = 0
    forwarded_count: int = 0

    def new_group(self) -> int:
        """A fresh text-body group number."""
        self.groups += 1
        return self.groups

    def walk(
        self, entity: Entity, depth: int = 0, container: str | None = None, group: int = 0
    ) -> None:
        """Visit `entity` and everything inside it."""
        self.defects.extend(entity.defects)
        mime_type = entity.mime_type
        maintype, _, subtype = mime_type.partition("/")
        if maintype == "multipart":
            self._walk_multipart(entity, depth, container, group)
            return
        if mime_type in ("message/rfc822", "message/global") and entity.children:
            filename = _filename(entity)
            self._walk_forwarded(entity.children[0], filename, depth + 1)
            return
        if mime_type == "message/delivery-status":
            if container is None:
                data, _ = decode_payload(entity)
                self.report_recipients.extend(delivery_status_recipients(decode_bytes(data)[0]))
            return
        if mime_type in _SKIPPED_TYPES:
            return
        filename = _filename(entity)
        disposition = entity.disposition.value
        data, defect = decode_payload(entity)
        if defect:
            self.defects.append(defect)
        if (
            maintype == "text"
            and subtype in _BODY_SUBTYPES
            and not filename
            and disposition != "attachment"
        ):
            self._add_body(entity, data, subtype, container, group)
            return
        if depth + 1 < self.limits.max_depth and _is_mail_file(data, filename, mime_type):
            inner = parse_entity(data, depth=depth + 1, max_depth=self.limits.max_depth)
            self._walk_forwarded(inner, filename, depth + 1)
            return
        content_id = entity.header("content-id")
        self.files.append(
            FileDraft(
                filename=filename,
                declared_type=mime_type,
                data=data,
                disposition=disposition,
                content_id=decode_header_bytes(content_id).strip().strip("<>").lower()
                if content_id
                else None,
                container=container,
            )
        )

    def _walk_multipart(
        self, entity: Entity, depth: int, container: str | None, group: int
    ) -> None:
        params = entity.content_type.params
        if (
            entity.mime_type == "multipart/report"
            and params.get("report-type", "").lower() == "delivery-status"
            and container is None
        ):
            self.has_delivery_report = True
        child_group = self.new_group() if entity.mime_type == "multipart/alternative" else group
        for child in entity.children:
            self.walk(child, depth + 1, container, child_group)

    def _walk_forwarded(self, inner: Entity, filename: str | None, depth: int) -> None:
        self.forwarded_count += 1
        subject_raw = inner.header("subject")
        subject = decode_header_bytes(subject_raw).strip() if subject_raw else ""
        if filename:
            name = safe_member_name(filename).replace("/", "_")
        elif subject:
            name = safe_member_name(subject[:80]).replace("/", "_") + ".eml"
        else:
            name = f"forwarded-{self.forwarded_count}.eml"
        self.walk(inner, depth, name, 0)

    def _add_body(
        self, entity: Entity, data: bytes, subtype: str, container: str | None, group: int
    ) -> None:
        label = entity.content_type.params.get("charset")
        if subtype == "html" and not label:
            meta = _META_CHARSET.search(data[:4096])
            label = meta.group(1).decode("ascii") if meta else None
        text, repaired = decode_bytes(data, label)
        if repaired and label:
            self.defects.append(f"text part labelled {label!r} needed charset repair")
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        kind = "html" if subtype == "html" else "plain"
        if kind == "html":
            text = self._take_data_uri_images(text, container)
            self.html_sources.append(text)
        self.bodies.append(
            TextBody(group or self.new_group(), kind, text, forwarded=container is not None)
        )

    def _take_data_uri_images(self, html: str, container: str | None) -> str:
        """Draft the images embedded as ``data:`` URIs; return the HTML without their payload."""
        if "data:image" not in html:
            return html
        pieces: list[str] = []
        position = 0
        for match in _DATA_URI.finditer(html):
            data, _ = decode_base64_lenient(match.group(2).encode("ascii"))
            if data:
                self.files.append(
                    FileDraft(None, match.group(1).lower(), data, "inline", None, container)
                )
            pieces.append(html[position : match.start(2)])
            position = match.end(2)
        pieces.append(html[position:])
        return "".join(pieces)

    def best_text(self, forwarded: bool) -> str:
        """The readable text: per group the plain part, or the HTML stripped when plain is empty."""
        chosen: list[str] = []
        groups: dict[int, list[TextBody]] = {}
        for body in self.bodies:
            if body.forwarded == forwarded:
                groups.setdefault(body.group, []).append(body)
        for members in groups.values():
            plain = [b.text for b in members if b.kind == "plain" and b.text.strip()]
            if plain:
                chosen.append(plain[-1].strip())
                continue
            html = [html_to_text(b.text) for b in members if b.kind == "html"]
            chosen.extend(text for text in html if text)
        return "\n\n".join(chosen)


def _filename(entity: Entity) -> str | None:
    name = entity.disposition.params.get("filename") or entity.content_type.params.get("name")
    return name.strip() if name and name.strip() else None


def _is_mail_file(data: bytes, filename: str | None, mime_type: str) -> bool:
    if filename and filename.lower().endswith(".eml"):
        return sniff_type(data[:8192], filename) == EML
    return mime_type == "application/octet-stream" and sniff_type(data[:8192]) == EML
