"""Readers for office files, read exactly: xlsx, legacy xls, docx, and doc/wps via LibreOffice.

Each reader turns the file into `Grid`s (one per sheet or table, merged cells kept as one cell
spanning its columns and rows) and free lines (paragraphs), which `fields.extract_form` reads.
Problems come back as `Unreadable` with a specific reason, never as an exception.
"""

from __future__ import annotations

import datetime as dt
import io
import shutil
import subprocess
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from parsers.fields import Cell, Grid

ENCRYPTED_MARK = "EncryptedPackage".encode("utf-16-le")


class Unreadable(Exception):
    """The file cannot be read; `reason` is the code reported to people."""

    def __init__(self, reason: str, detail: str = "") -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason


@dataclass(frozen=True)
class OfficeContent:
    """What an office file holds: its tables as grids and its paragraphs as lines."""

    grids: tuple[Grid, ...]
    lines: tuple[str, ...]

    def text(self) -> str:
        """All text, table cells row by row then paragraphs, for classification."""
        parts: list[str] = []
        for grid in self.grids:
            for index in grid.rows():
                parts.append(" ".join(c.text for c in grid.row(index)))
        parts.extend(self.lines)
        return "\n".join(parts)


def cell_text(value: Any) -> str:
    """A spreadsheet value as the text a person sees: dates as ISO, whole floats without .0."""
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        if value.time() == dt.time(0, 0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    return str(value).strip()


MAX_EXPANDED_BYTES = 200_000_000


def check_expansion(data: bytes, limit: int = MAX_EXPANDED_BYTES) -> None:
    """Refuse an xlsx/docx package whose parts would unpack to more than `limit` bytes."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            total = sum(info.file_size for info in package.infolist())
    except (zipfile.BadZipFile, OSError, ValueError) as error:
        raise Unreadable("damaged", str(error)) from error
    if total > limit:
        raise Unreadable("too_large", f"unpacks to {total} bytes")


def read_xlsx(data: bytes) -> OfficeContent:
    """Every sheet of an xlsx workbook as a grid (formulas as their cached values)."""
    if data.startswith(b"\xd0\xcf\x11\xe0") and ENCRYPTED_MARK in data:
        raise Unreadable("encrypted")
    check_expansion(data)
    import openpyxl

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, TypeError) as error:
        raise Unreadable("damaged", str(error)) from error
    grids: list[Grid] = []
    for sheet in book.worksheets:
        spans: dict[tuple[int, int], tuple[int, int]] = {}
        covered: set[tuple[int, int]] = set()
        for merged in sheet.merged_cells.ranges:
            spans[(merged.min_row, merged.min_col)] = (merged.max_row, merged.max_col)
            for row in range(merged.min_row, merged.max_row + 1):
                for col in range(merged.min_col, merged.max_col + 1):
                    if (row, col) != (merged.min_row, merged.min_col):
                        covered.add((row, col))
        cells: list[Cell] = []
        for row_cells in sheet.iter_rows():
            for cell in row_cells:
                position = (cell.row, cell.column)
                if position in covered or cell.value is None:
                    continue
                text = cell_text(cell.value)
                if not text:
                    continue
                last_row, last_col = spans.get(position, position)
                cells.append(Cell(cell.row, cell.column, last_col + 1, text, 1.0, last_row))
        if cells:
            grids.append(Grid(tuple(cells)))
    return OfficeContent(tuple(grids), ())


def read_xls(data: bytes) -> OfficeContent:
    """Every sheet of a legacy .xls workbook as a grid, merged cells kept."""
    if ENCRYPTED_MARK in data:
        raise Unreadable("encrypted")
    import xlrd

    try:
        book = xlrd.open_workbook(file_contents=data, formatting_info=True)
    except xlrd.XLRDError as error:
        reason = "encrypted" if "encrypt" in str(error).lower() else "damaged"
        raise Unreadable(reason, str(error)) from error
    except (OSError, ValueError, AssertionError, IndexError, KeyError) as error:
        raise Unreadable("damaged", str(error)) from error
    grids: list[Grid] = []
    for sheet in book.sheets():
        spans: dict[tuple[int, int], tuple[int, int]] = {}
        covered: set[tuple[int, int]] = set()
        for rlo, rhi, clo, chi in sheet.merged_cells:
            spans[(rlo, clo)] = (rhi - 1, chi - 1)
            covered.update(
                (r, c) for r in range(rlo, rhi) for c in range(clo, chi) if (r, c) != (rlo, clo)
            )
        cells: list[Cell] = []
        for row in range(sheet.nrows):
            for col in range(sheet.ncols):
                if (row, col) in covered:
                    continue
                text = _xls_text(sheet.cell(row, col), book.datemode)
                if not text:
                    continue
                last_row, last_col = spans.get((row, col), (row, col))
                cells.append(Cell(row, col, last_col + 1, text, 1.0, last_row))
        if cells:
            grids.append(Grid(tuple(cells)))
    return OfficeContent(tuple(grids), ())


def _xls_text(cell: Any, datemode: int) -> str:
    import xlrd

    if cell.ctype == xlrd.XL_CELL_DATE:
        try:
            return cell_text(xlrd.xldate.xldate_as_datetime(cell.value, datemode))
        except (ValueError, OverflowError):
            return cell_text(cell.value)
    if cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK, xlrd.XL_CELL_ERROR):
        return ""
    return cell_text(cell.value)


_CHECKED_SYMBOLS = {"F0FE", "F052", "F0FD", "F0FC", "F0F9", "F06E"}


def _symbol_chars(text: str) -> str:
    """Symbol-font characters (U+F000-F0FF, Wingdings boxes) written as ☑ / □."""
    return "".join(
        ("☑" if f"{ord(ch):04X}" in _CHECKED_SYMBOLS else "□")
        if 0xF000 <= ord(ch) <= 0xF0FF
        else ch
        for ch in text
    )


def _docx_cell_text(tc: Any) -> str:
    """A table cell's text, with Wingdings tick boxes written as ☑ / □."""
    from docx.oxml.ns import qn

    lines: list[str] = []
    for paragraph in tc.iter(qn("w:p")):
        parts: list[str] = []
        for node in paragraph.iter(qn("w:t"), qn("w:sym"), qn("w:tab"), qn("w:br")):
            if node.tag == qn("w:t"):
                parts.append(_symbol_chars(node.text or ""))
            elif node.tag == qn("w:sym"):
                char = (node.get(qn("w:char")) or "").upper()
                parts.append("☑" if char in _CHECKED_SYMBOLS else "□")
            else:
                parts.append(" ")
        lines.append("".join(parts))
    return "\n".join(line for line in lines if line.strip()).strip()


def read_docx(data: bytes) -> OfficeContent:
    """Tables of a docx (merged cells as one cell) as grids; other paragraphs as lines."""
    if data.startswith(b"\xd0\xcf\x11\xe0") and ENCRYPTED_MARK in data:
        raise Unreadable("encrypted")
    check_expansion(data)
    import docx

    try:
        document = docx.Document(io.BytesIO(data))
    except (zipfile.BadZipFile, KeyError, ValueError, OSError) as error:
        raise Unreadable("damaged", str(error)) from error
    except Exception as error:  # python-docx raises its own errors for a non-Word package
        raise Unreadable("damaged", str(error)) from error
    grids = tuple(grid for table in document.tables if (grid := _docx_grid(table)).cells)
    lines = tuple(p.text.strip() for p in document.paragraphs if p.text.strip())
    return OfficeContent(grids, lines)


def _docx_grid(table: Any) -> Grid:
    """A docx table as a grid; a cell merged across columns or rows appears once."""
    from docx.oxml.ns import qn

    first: dict[int, list[int]] = {}  # id(tc) -> [row, col0, col1, last_row]
    order: list[Any] = []
    for row_index, tr in enumerate(table._tbl.tr_lst):
        col = 0
        for tc in tr.tc_lst:
            span = int(tc.grid_span) if tc.grid_span else 1
            v_merge = tc.tcPr.find(qn("w:vMerge")) if tc.tcPr is not None else None
            continues = v_merge is not None and v_merge.get(qn("w:val")) in (None, "continue")
            if continues:
                for info in first.values():
                    if info[1] == col and info[3] == row_index - 1:
                        info[3] = row_index
                        break
            else:
                first[id(tc)] = [row_index, col, col + span, row_index]
                order.append(tc)
            col += span
    cells = []
    for tc in order:
        row, col0, col1, last_row = first[id(tc)]
        text = _docx_cell_text(tc)
        if text:
            cells.append(Cell(row, col0, col1, text, 1.0, last_row))
    return Grid(tuple(cells))


def convert_with_libreoffice(
    data: bytes, suffix: str, timeout: float, target: str = "docx"
) -> bytes:
    """A .doc/.wps/.odt (or, with target xlsx, .ods) file converted by LibreOffice headless."""
    binary = shutil.which("soffice") or shutil.which("libreoffice")
    if binary is None:
        raise Unreadable("converter_missing", "LibreOffice (soffice) is not installed")
    with tempfile.TemporaryDirectory(prefix="intake-convert-") as folder:
        source = Path(folder) / f"input{suffix}"
        source.write_bytes(data)
        profile = Path(folder) / "profile"
        command = [
            binary,
            f"-env:UserInstallation=file://{profile}",
            "--headless",
            "--norestore",
            "--convert-to",
            target,
            "--outdir",
            folder,
            str(source),
        ]
        try:
            subprocess.run(command, capture_output=True, timeout=timeout, check=False)
        except subprocess.TimeoutExpired as error:
            raise Unreadable("timeout", "LibreOffice conversion") from error
        except OSError as error:
            raise Unreadable("converter_missing", str(error)) from error
        converted = Path(folder) / f"input.{target}"
        if not converted.exists():
            raise Unreadable("damaged", "LibreOffice could not convert the file")
        return converted.read_bytes()
