"""`read_message`: raw RFC 5322 bytes in, a `MailReading` out, whatever the bytes are.

The one entry point of the mail reader. It parses the MIME tree, walks it for text and files,
builds the envelope, finds web-mail large-attachment links and expands archives. A malformed
message yields what could be read plus specific defects; it never raises.
"""

from __future__ import annotations

from intake.reading.attachments import build_attachments
from intake.reading.envelope import DeliveryFacts, build_envelope
from intake.reading.html_text import referenced_content_ids
from intake.reading.large_links import find_large_links
from intake.reading.mime import DEPTH_DEFECT, parse_entity
from intake.reading.model import Envelope, LimitCode, LimitHit, MailReading, ReadLimits
from intake.reading.parts import PartWalk

_EMPTY_ENVELOPE = Envelope(
    from_=None,
    reply_to=(),
    to=(),
    cc=(),
    delivered_to=(),
    subject="",
    date=None,
    message_id=None,
    in_reply_to=None,
    references=(),
    auto_reply=None,
    is_bounce=False,
    bounced_recipients=(),
)


def _read(raw: bytes, limits: ReadLimits) -> MailReading:
    defects: list[str] = []
    if not raw.strip():
        defects.append("empty message")
    top = parse_entity(raw, max_depth=limits.max_depth)
    if not top.headers and raw.strip():
        defects.append("message has no header block")
    walk = PartWalk(limits)
    walk.walk(top)
    defects.extend(walk.defects)
    main_text = walk.best_text(forwarded=False)
    forwarded_text = walk.best_text(forwarded=True)
    text = "\n\n".join(part for part in (main_text, forwarded_text) if part)
    facts = DeliveryFacts(
        has_delivery_report=walk.has_delivery_report,
        report_recipients=tuple(walk.report_recipients),
        body_text=main_text,
    )
    envelope = build_envelope(top, facts, defects)
    shown: set[str] = set()
    for html in walk.html_sources:
        shown |= referenced_content_ids(html)
    hits: list[LimitHit] = []
    if any(defect.startswith(DEPTH_DEFECT) for defect in defects):
        hits.append(
            LimitHit(
                LimitCode.MIME_TOO_DEEP,
                limits.max_depth,
                f"嵌套超过 {limits.max_depth} 层的邮件内容",
            )
        )
    attachments = build_attachments(walk.files, shown, limits, defects, hits)
    plain_bodies = [body.text for body in walk.bodies if body.kind == "plain"]
    large_links = find_large_links(walk.html_sources, plain_bodies)
    return MailReading(
        envelope=envelope,
        text=text,
        attachments=attachments,
        large_links=large_links,
        defects=tuple(dict.fromkeys(defects)),
        limits_hit=tuple(hits),
    )


DEFAULT_LIMITS = ReadLimits()


def read_message(raw: bytes, limits: ReadLimits = DEFAULT_LIMITS) -> MailReading:
    """Read one raw message into its envelope, best text, attachments and large-file links."""
    try:
        return _read(bytes(raw), limits)
    except (RecursionError, MemoryError) as error:
        reason = type(error).__name__
    except Exception as error:  # last guard: a reading with a defect beats a crashed pipeline
        reason = f"{type(error).__name__}: {error}"
    return MailReading(
        envelope=_EMPTY_ENVELOPE,
        text="",
        attachments=(),
        large_links=(),
        defects=(f"the message could not be read ({reason})",),
    )
