"""What every pipeline step is handed (no globals): store, files, clock, limits, reply adapters, OCR."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace

from sqlalchemy.orm import Session

from intake.parsing.engines import OcrSource, no_ocr
from intake.reading import ReadLimits
from intake.replying.queue import ReplyAdapters
from intake.runtime.clock import Clock
from intake.settings import LimitsSettings, OcrSettings
from intake.store.database import Store
from intake.store.files_interface import Files
from intake.store.tables import Message, MessageState
from parsers.reader import ParseLimits
from vocabulary.offices import XINGTAI, OfficeDirectory


@dataclass
class PipelineContext:
    """Everything the steps need, handed in (no globals): store, files, clock, limits, OCR."""

    store: Store
    files: Files
    clock: Clock
    read_limits: ReadLimits = field(default_factory=ReadLimits)
    max_read_bytes: int = 64 * 1024 * 1024
    own_addresses: tuple[str, ...] = ()
    replies: ReplyAdapters | None = None
    parse_limits: ParseLimits = field(default_factory=ParseLimits)
    ocr: OcrSource = no_ocr
    directory: OfficeDirectory = XINGTAI


Step = Callable[[PipelineContext, Session, Message], MessageState]


def with_limits(
    ctx: PipelineContext, limits: LimitsSettings, ocr: OcrSettings | None = None
) -> PipelineContext:
    """`ctx` with the reading and parsing bounds of the `[limits]` settings (and the number of
    reader processes of `[ocr]`)."""
    return replace(
        ctx,
        max_read_bytes=limits.max_mail_bytes,
        read_limits=ReadLimits(
            max_attachments=limits.max_attachments,
            max_depth=limits.max_mime_depth,
            max_archive_total_bytes=limits.max_archive_bytes,
            max_archive_members=limits.max_archive_members,
            max_archive_depth=limits.max_archive_depth,
            max_compression_ratio=limits.max_archive_ratio,
        ),
        parse_limits=parse_limits_of(limits, ocr),
    )


def parse_limits_of(limits: LimitsSettings, ocr: OcrSettings | None = None) -> ParseLimits:
    """The document reader's bounds from the `[limits]` settings, and its number of processes
    from `[ocr]`."""
    return ParseLimits(
        workers=(ocr or OcrSettings()).workers,
        max_pages=limits.max_pages,
        max_pixels=limits.max_pixels,
        seconds_per_document=limits.seconds_per_document,
        max_bytes=limits.max_document_bytes,
        ocr_memory_mb=limits.ocr_memory_mb,
    )
