"""From file drafts to `Attachment` values: safe names, origin, sniffing, archive expansion.

A part is ``inline`` when an HTML body shows it (``cid:``) or when it has no name, as phones
send photos; nameless parts are named ``inline-1.jpg``, ``attachment-1.pdf`` … by sniffed type.
An archive is kept as an attachment and its members follow it as ``archive_member`` entries
named ``files.zip/id.jpg``; an archive that cannot be opened carries its problem code.
"""

from __future__ import annotations

import hashlib
import mimetypes
from dataclasses import replace

from intake.reading.model import Attachment, AttachmentOrigin, LimitCode, LimitHit, ReadLimits
from intake.reading.parts import FileDraft
from parsers.archives import ArchiveLimits, expand_archive, safe_member_name
from parsers.sniff import ARCHIVE_TYPES, sniff_type
from vocabulary import AttachmentProblem

_EXTENSIONS = {
    "image/jpeg": ".jpg",
    "image/png": ".png",
    "image/gif": ".gif",
    "image/bmp": ".bmp",
    "image/tiff": ".tif",
    "image/webp": ".webp",
    "image/heic": ".heic",
    "image/avif": ".avif",
    "application/pdf": ".pdf",
    "application/zip": ".zip",
    "application/x-7z-compressed": ".7z",
    "application/vnd.rar": ".rar",
    "application/gzip": ".gz",
    "application/msword": ".doc",
    "application/vnd.ms-excel": ".xls",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
    "text/plain": ".txt",
    "text/html": ".html",
    "text/csv": ".csv",
    "message/rfc822": ".eml",
}


def safe_display_name(name: str) -> str:
    """The last path component of an untrusted file name, cleaned for display."""
    return safe_member_name(name).rsplit("/", 1)[-1]


def _extension(sniffed: str, declared: str) -> str:
    if sniffed in _EXTENSIONS:
        return _EXTENSIONS[sniffed]
    return mimetypes.guess_extension(declared) or ".bin"


def _make(
    name: str,
    declared: str,
    sniffed: str,
    data: bytes,
    origin: AttachmentOrigin,
    container: str | None,
    problem: str | None,
) -> Attachment:
    return Attachment(
        name=name,
        declared_type=declared,
        sniffed_type=sniffed,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        data=data,
        origin=origin,
        container=container,
        problem=problem,
    )


def _archive_limits(limits: ReadLimits) -> ArchiveLimits:
    return ArchiveLimits(
        max_total_bytes=limits.max_archive_total_bytes,
        max_members=limits.max_archive_members,
        max_depth=limits.max_archive_depth,
        max_ratio=limits.max_compression_ratio,
    )


def _archive_members(
    archive: Attachment, limits: ReadLimits
) -> tuple[str | None, list[Attachment]]:
    contents = expand_archive(archive.data, _archive_limits(limits))
    members = [
        _make(
            name=f"{archive.name}/{member.name}",
            declared="application/octet-stream",
            sniffed=sniff_type(member.data, member.name)
            if member.data
            else "application/octet-stream",
            data=member.data,
            origin=AttachmentOrigin.ARCHIVE_MEMBER,
            container=archive.name,
            problem=member.problem,
        )
        for member in contents.members
    ]
    return contents.problem, members


def _too_many(limits: ReadLimits, left: int) -> LimitHit:
    return LimitHit(
        LimitCode.TOO_MANY_ATTACHMENTS,
        limits.max_attachments,
        f"第 {limits.max_attachments} 个以后的 {left} 个附件（每封邮件最多读取 "
        f"{limits.max_attachments} 个）",
    )


def build_attachments(
    drafts: list[FileDraft],
    shown_cids: set[str],
    limits: ReadLimits,
    defects: list[str],
    hits: list[LimitHit] | None = None,
) -> tuple[Attachment, ...]:
    """Name, classify, sniff and expand the drafted file parts, within `limits`.

    Files beyond `limits.max_attachments` (archive members count) are not read; that is
    recorded in `defects` and, when `hits` is given, as a `LimitHit` there."""
    result: list[Attachment] = []
    counters = {"inline": 0, "attachment": 0}
    not_read = 0
    for index, draft in enumerate(drafts):
        if len(result) >= limits.max_attachments:
            defects.append(
                f"more than {limits.max_attachments} attachments; the rest were not read"
            )
            not_read += len(drafts) - index
            break
        sniffed = sniff_type(draft.data, draft.filename)
        shown = draft.content_id is not None and draft.content_id in shown_cids
        nameless = not draft.filename
        is_inline = shown or (nameless and draft.disposition != "attachment")
        if draft.container is not None:
            origin = AttachmentOrigin.FORWARDED
        else:
            origin = AttachmentOrigin.INLINE if is_inline else AttachmentOrigin.ATTACHMENT
        if draft.filename:
            name = safe_display_name(draft.filename)
        else:
            kind = "inline" if is_inline else "attachment"
            counters[kind] += 1
            name = f"{kind}-{counters[kind]}{_extension(sniffed, draft.declared_type)}"
        problem = None
        if is_inline and sniffed.startswith("image/") and len(draft.data) < limits.tiny_image_bytes:
            problem = AttachmentProblem.TINY_IMAGE.value
        attachment = _make(
            name, draft.declared_type, sniffed, draft.data, origin, draft.container, problem
        )
        if sniffed in ARCHIVE_TYPES:
            archive_problem, members = _archive_members(attachment, limits)
            if archive_problem:
                attachment = replace(attachment, problem=archive_problem)
                if all(member.problem for member in members):
                    members = []
            result.append(attachment)
            room = max(0, limits.max_attachments - len(result))
            if len(members) > room:
                defects.append(
                    f"archive {name!r} has more members than the attachment limit allows"
                )
                not_read += len(members) - room
            result.extend(members[:room])
            continue
        result.append(attachment)
    if not_read and hits is not None:
        hits.append(_too_many(limits, not_read))
    return tuple(result)
