"""Safe expansion of archives sent as attachments: zip, 7z and rar, nested up to a limit.

Member names are never trusted as paths: each becomes a relative display name with no ``..``,
no drive or root, no control characters. Zip names stored without the UTF-8 flag are decoded as
UTF-8 when they are valid UTF-8, else as GB18030 (what Chinese Windows writes), else CP437.
Limits bound the total uncompressed size, the member count, the nesting depth and the
compression ratio; what breaks a limit is reported with a problem code, never raised.
Nothing is written to disk: members are read into memory within the size budget.
"""

from __future__ import annotations

import functools
import io
import struct
import unicodedata
import zipfile
import zlib
from dataclasses import dataclass, field

from parsers.sniff import RAR, SEVEN_Z, ZIP, sniff_type

RATIO_FLOOR_BYTES = 1024 * 1024


@dataclass(frozen=True)
class ArchiveLimits:
    """How much one archive (with everything nested in it) may expand to."""

    max_total_bytes: int = 200 * 1024 * 1024
    max_members: int = 500
    max_depth: int = 3
    max_ratio: int = 200


@dataclass(frozen=True)
class ArchiveMember:
    """One file in an archive; `name` is its safe path from the outermost archive.

    A member of a nested archive is named ``inner.zip/photo.jpg``. `problem` is set (and `data`
    is empty) when the member could not be read: ``encrypted``, ``damaged``, ``too_large``,
    ``ratio_exceeded``; a nested archive beyond the depth limit keeps its data and has
    ``nested_too_deep``; a nested archive that failed carries its own problem code.
    """

    name: str
    data: bytes
    problem: str | None = None


@dataclass(frozen=True)
class ArchiveContents:
    """The members read from an archive, and a problem code for the archive as a whole."""

    kind: str
    members: tuple[ArchiveMember, ...]
    problem: str | None = None


@dataclass
class _Budget:
    limits: ArchiveLimits
    bytes_left: int
    members_left: int
    rar_backend: bool | None = None
    problems: list[str] = field(default_factory=list)


def archive_kind(data: bytes) -> str | None:
    """``zip``, ``7z`` or ``rar`` when `data` is a plain archive (not docx/xlsx), else None."""
    sniffed = sniff_type(data[:8]) if data[:4] != b"PK\x03\x04" else sniff_type(data)
    return {ZIP: "zip", SEVEN_Z: "7z", RAR: "rar"}.get(sniffed)


def safe_member_name(raw: str) -> str:
    """A relative display name for an untrusted archive or attachment path.

    Backslashes count as separators; empty, ``.`` and ``..`` components and drive letters are
    dropped; control and format characters are removed. Never empty: ``unnamed`` at worst.
    """
    parts: list[str] = []
    for component in raw.replace("\\", "/").split("/"):
        cleaned = "".join(
            ch for ch in component if unicodedata.category(ch) not in ("Cc", "Cf", "Cs")
        ).strip()
        if len(cleaned) == 2 and cleaned[1] == ":" and cleaned[0].isalpha():
            continue
        if cleaned in ("", ".", "..") or set(cleaned) == {"."}:
            continue
        parts.append(cleaned[:200])
    return "/".join(parts) or "unnamed"


def _unicode_path_extra(extra: bytes) -> str | None:
    """The Info-ZIP Unicode Path (0x7075) extra field, when present."""
    position = 0
    while position + 4 <= len(extra):
        tag, size = struct.unpack_from("<HH", extra, position)
        body = extra[position + 4 : position + 4 + size]
        if tag == 0x7075 and len(body) > 5 and body[0] == 1:
            try:
                return body[5:].decode("utf-8")
            except UnicodeDecodeError:
                return None
        position += 4 + size
    return None


def zip_member_name(info: zipfile.ZipInfo) -> str:
    """Decode a zip member name: UTF-8 flag, Unicode Path field, UTF-8, GB18030, CP437."""
    if info.flag_bits & 0x800:
        return info.filename
    from_extra = _unicode_path_extra(info.extra)
    if from_extra:
        return from_extra
    try:
        raw = info.filename.encode("cp437")
    except UnicodeEncodeError:
        return info.filename
    for codec in ("utf-8", "gb18030"):
        try:
            return raw.decode(codec)
        except UnicodeDecodeError:
            continue
    return info.filename


def _check_size(size: int, packed: int, budget: _Budget) -> str | None:
    if size > budget.bytes_left:
        return "too_large"
    if size > RATIO_FLOOR_BYTES and size > budget.limits.max_ratio * max(packed, 1):
        return "ratio_exceeded"
    return None


def _read_zip(
    data: bytes, budget: _Budget
) -> tuple[list[tuple[str, bytes, str | None]], str | None]:
    entries: list[tuple[str, bytes, str | None]] = []
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError):
        return entries, "damaged"
    files = [info for info in archive.infolist() if not info.is_dir()]
    encrypted = 0
    for info in files:
        if budget.members_left <= 0:
            budget.problems.append("too_many_members")
            break
        budget.members_left -= 1
        name = zip_member_name(info)
        if info.flag_bits & 0x1:
            encrypted += 1
            entries.append((name, b"", "encrypted"))
            continue
        problem = _check_size(info.file_size, info.compress_size, budget)
        if problem:
            entries.append((name, b"", problem))
            continue
        try:
            with archive.open(info) as handle:
                content = handle.read(budget.bytes_left + 1)
        except (zipfile.BadZipFile, OSError, ValueError, EOFError, NotImplementedError, zlib.error):
            entries.append((name, b"", "damaged"))
            continue
        except RuntimeError:
            entries.append((name, b"", "encrypted"))
            continue
        if len(content) > budget.bytes_left:
            entries.append((name, b"", "too_large"))
            budget.bytes_left = 0
            continue
        budget.bytes_left -= len(content)
        entries.append((name, content, None))
    if files and encrypted == len(files):
        return entries, "encrypted"
    return entries, None


def _read_7z(
    data: bytes, budget: _Budget
) -> tuple[list[tuple[str, bytes, str | None]], str | None]:
    import py7zr
    from py7zr.io import BytesIOFactory

    entries: list[tuple[str, bytes, str | None]] = []
    try:
        archive = py7zr.SevenZipFile(io.BytesIO(data), mode="r")
    except py7zr.PasswordRequired:
        return entries, "encrypted"
    except Exception:  # py7zr raises many unrelated types on corrupt input
        return entries, "damaged"
    with archive:
        try:
            if archive.needs_password():
                return entries, "encrypted"
            infos = [info for info in archive.list() if not info.is_directory]
        except Exception:
            return entries, "damaged"
        wanted: list[str] = []
        for info in infos:
            if budget.members_left <= 0:
                budget.problems.append("too_many_members")
                break
            budget.members_left -= 1
            size = int(info.uncompressed or 0)
            problem = _check_size(size, int(info.compressed or 0) or len(data), budget)
            if problem:
                entries.append((info.filename, b"", problem))
                continue
            budget.bytes_left -= size
            wanted.append(info.filename)
        if not wanted:
            return entries, None
        factory = BytesIOFactory(limit=budget.limits.max_total_bytes)
        try:
            archive.extract(targets=wanted, factory=factory)
        except Exception:
            return [*entries, *((name, b"", "damaged") for name in wanted)], "damaged"
        for name in wanted:
            product = factory.products.get(name)
            if product is None:
                entries.append((name, b"", "damaged"))
                continue
            product.seek(0)
            entries.append((name, product.read(), None))
    return entries, None


@functools.cache
def rar_backend_available() -> bool:
    """Whether rarfile finds a program to extract rar (unrar, unar, bsdtar, 7z)."""
    import rarfile

    try:
        rarfile.tool_setup()
    except rarfile.RarCannotExec:
        return False
    return True


def _read_rar(
    data: bytes, budget: _Budget
) -> tuple[list[tuple[str, bytes, str | None]], str | None]:
    import rarfile

    entries: list[tuple[str, bytes, str | None]] = []
    backend = rar_backend_available() if budget.rar_backend is None else budget.rar_backend
    if not backend:
        return entries, "rar_unsupported"
    try:
        archive = rarfile.RarFile(io.BytesIO(data), errors="strict")
        if archive.needs_password():
            return entries, "encrypted"
        infos = [info for info in archive.infolist() if not info.is_dir()]
    except rarfile.PasswordRequired:
        return entries, "encrypted"
    except Exception:
        return entries, "damaged"
    for info in infos:
        if budget.members_left <= 0:
            budget.problems.append("too_many_members")
            break
        budget.members_left -= 1
        name = info.filename or "unnamed"
        problem = _check_size(int(info.file_size or 0), int(info.compress_size or 0), budget)
        if problem:
            entries.append((name, b"", problem))
            continue
        try:
            content = archive.read(info)
        except rarfile.PasswordRequired:
            entries.append((name, b"", "encrypted"))
            continue
        except rarfile.RarCannotExec:
            entries.append((name, b"", "rar_unsupported"))
            continue
        except Exception:
            entries.append((name, b"", "damaged"))
            continue
        budget.bytes_left -= len(content)
        entries.append((name, content, None))
    return entries, None


_READERS = {"zip": _read_zip, "7z": _read_7z, "rar": _read_rar}


def _expand(
    data: bytes, kind: str, prefix: str, depth: int, budget: _Budget
) -> tuple[list[ArchiveMember], str | None]:
    entries, problem = _READERS[kind](data, budget)
    members: list[ArchiveMember] = []
    for raw_name, content, member_problem in entries:
        name = prefix + safe_member_name(raw_name)
        inner_kind = archive_kind(content) if content and member_problem is None else None
        if inner_kind is None:
            members.append(ArchiveMember(name, content, member_problem))
            continue
        if depth >= budget.limits.max_depth:
            members.append(ArchiveMember(name, content, "nested_too_deep"))
            continue
        inner, inner_problem = _expand(content, inner_kind, name + "/", depth + 1, budget)
        members.append(ArchiveMember(name, content, inner_problem))
        members.extend(inner)
    return members, problem


def expand_archive(
    data: bytes, limits: ArchiveLimits | None = None, *, rar_backend: bool | None = None
) -> ArchiveContents:
    """Read every member of the zip, 7z or rar archive in `data`, nested archives included.

    Returns the kind (``zip``, ``7z``, ``rar`` or ``unknown``), the members in archive order
    (a nested archive is followed by its own members), and a problem code for the whole archive:
    ``damaged``, ``encrypted``, ``rar_unsupported``, ``too_many_members`` or ``too_large``.
    `rar_backend` says whether a rar extraction program may be used (None: look for one).
    """
    chosen = limits or ArchiveLimits()
    kind = archive_kind(data)
    if kind is None:
        return ArchiveContents("unknown", (), "damaged")
    budget = _Budget(chosen, chosen.max_total_bytes, chosen.max_members, rar_backend)
    members, problem = _expand(data, kind, "", 1, budget)
    if problem is None and budget.problems:
        problem = budget.problems[0]
    if problem is None and any(member.problem == "too_large" for member in members):
        problem = "too_large"
    return ArchiveContents(kind, tuple(members), problem)
