"""Field extraction by label: pairs labels with values in tables and in `标签：值` lines.

Every reader (xlsx, docx, pdf text, OCR) turns its page into a `Grid` of cells (row index, a
horizontal extent, text, engine confidence) and a list of free lines; `extract_form` reads the
canonical fields of the registration form from them:

- a label cell takes the next cell to its right on the same row, unless that cell is another
  label (then the field is empty and absent);
- a row made only of labels is a header row: the rows below it are records, each value in the
  column under its label; a header with account labels gives one account per record;
- a cell or line holding ``标签：值`` (one or several pairs) gives those pairs.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from parsers.labels import (
    ACCOUNT_KEYS,
    MANAGER_SECTION_KEYS,
    is_manager_section,
    key_for_label,
    label_form,
    label_pattern,
)
from parsers.model import FieldReading
from parsers.snapping import (
    OTHER_PLATFORM,
    snap_county,
    snap_filing_type,
    snap_platform,
    snap_subject_type,
)
from parsers.values import (
    FAILED_CHECK_CONFIDENCE,
    HIGH_CONFIDENCE,
    clean_text,
    credit_code_valid,
    id_number_valid,
    normalise_account_id,
    normalise_credit_code,
    normalise_date,
    normalise_email,
    normalise_followers,
    normalise_id_number,
    normalise_phone,
    simplified,
)

SNAPPED_NEAR_CONFIDENCE = 0.75
# values kept exactly as written (spaces collapsed): no width folding of their punctuation
TEXT_KEYS = frozenset({"subject_name", "address", "account_name", "content", "manager_name"})
PLAIN_NAME_KEYS = frozenset({"subject_name", "address", "manager_name"})
"""Names and addresses, registered in simplified characters: traditional forms outside GB2312
(which OCR sometimes answers) are turned into their simplified ones. Account names and content
descriptions are kept exactly as written."""


@dataclass(frozen=True)
class Cell:
    """One cell of a page: rows `row`..`row_end`, horizontal extent x0..x1, its text."""

    row: int
    x0: float
    x1: float
    text: str
    confidence: float = 1.0
    row_end: int = -1

    @property
    def last_row(self) -> int:
        """The last row the cell covers (merged cells cover several)."""
        return max(self.row, self.row_end)


@dataclass(frozen=True)
class Grid:
    """The cells of one table (or one OCR page laid out in rows), in reading order."""

    cells: tuple[Cell, ...]

    def row(self, index: int) -> list[Cell]:
        """The cells that start on row `index`, left to right."""
        return sorted((c for c in self.cells if c.row == index), key=lambda c: c.x0)

    def rows(self) -> list[int]:
        """The row indices that hold cells, top to bottom."""
        return sorted({c.row for c in self.cells})


@dataclass(frozen=True)
class FormReading:
    """The canonical fields and account rows read from one document."""

    fields: dict[str, FieldReading]
    accounts: tuple[dict[str, FieldReading], ...]


def normalise_value(key: str, raw: str, confidence: float = 1.0) -> dict[str, FieldReading]:
    """The canonical reading(s) of one written value; empty when the text holds no such value.

    Returns a dict because a platform outside the notice's 12 also keeps its written name as
    ``platform_written``, and a county keeps the words written as ``county_written``.
    """
    text = clean_text(raw).strip('_ |｜"“”')
    if not text or re.fullmatch(r"[/\\—\-无空_.。]+", text):
        return {}
    if key not in TEXT_KEYS:
        text = unicodedata.normalize("NFKC", text)
    if key in PLAIN_NAME_KEYS:
        text = simplified(text)
    value, conf = _normalise(key, text, confidence)
    if value is None:
        return {}
    out = {key: FieldReading(value, round(conf, 3))}
    if key == "platform" and value == OTHER_PLATFORM:
        out["platform_written"] = FieldReading(text, round(confidence, 3))
    if key == "county":
        # The words as written: a short form such as 新河 or 桥东 names other places too, and
        # whoever decides jurisdiction must see that it was written short.
        out["county_written"] = FieldReading(text, round(confidence, 3))
    return out


def _checked(value: str, ok: bool, confidence: float) -> tuple[str, float]:
    if ok:
        return value, max(confidence, HIGH_CONFIDENCE) if confidence >= 0.5 else confidence
    return value, min(confidence, FAILED_CHECK_CONFIDENCE)


def _normalise(key: str, text: str, confidence: float) -> tuple[str | None, float]:
    if key in ("id_number", "manager_id_number"):
        number = normalise_id_number(text)
        if number is None:
            return None, confidence
        return _checked(number, id_number_valid(number), confidence)
    if key == "credit_code":
        code = normalise_credit_code(text)
        if code is None:
            return None, confidence
        return _checked(code, credit_code_valid(code), confidence)
    if key in ("opened_on", "filled_on"):
        return normalise_date(text), confidence
    if key == "followers":
        return normalise_followers(text), confidence
    if key == "phone":
        return normalise_phone(text), confidence
    if key == "email":
        return normalise_email(text), confidence
    if key == "account_id":
        return normalise_account_id(text), confidence
    if key == "subject_type":
        return snap_subject_type(text), confidence
    if key == "filing_type":
        return snap_filing_type(text), confidence
    if key == "county":
        county = snap_county(text)
        if county is None:
            return None, confidence
        code, exact = county
        return code, confidence if exact else min(confidence, SNAPPED_NEAR_CONFIDENCE)
    if key == "platform":
        platform = snap_platform(text)
        if platform is None:
            return OTHER_PLATFORM, confidence
        name, exact = platform
        return name, confidence if exact else min(confidence, SNAPPED_NEAR_CONFIDENCE)
    return text, confidence


_LABEL_RE = label_pattern()


def pairs_in_text(text: str) -> list[tuple[str, str]]:
    """The (key, raw value) pairs written as ``标签：值`` in one line or cell."""
    line = text
    matches = list(_LABEL_RE.finditer(line))
    pairs: list[tuple[str, str]] = []
    for index, match in enumerate(matches):
        key = key_for_label(match.group(1))
        if key is None:
            continue
        end = matches[index + 1].start() if index + 1 < len(matches) else len(line)
        pairs.append((key, line[match.end() : end].strip(" \t\u3000;；,，")))
    return pairs


class _Collector:
    """Gathers readings, keeping the first value per key and splitting repeated accounts."""

    def __init__(self) -> None:
        self.fields: dict[str, FieldReading] = {}
        self.accounts: list[dict[str, FieldReading]] = []
        self._single_account: dict[str, FieldReading] = {}

    def add(self, key: str, raw: str, confidence: float) -> None:
        readings = normalise_value(key, raw, confidence)
        if not readings:
            return
        if key in ACCOUNT_KEYS:
            if key in self._single_account:
                self.accounts.append(self._single_account)
                self._single_account = {}
            self._single_account.update(readings)
            return
        for name, reading in readings.items():
            self.fields.setdefault(name, reading)

    def add_account(self, account: dict[str, FieldReading]) -> None:
        if account:
            self.accounts.append(account)

    def result(self) -> FormReading:
        accounts = list(self.accounts)
        if self._single_account:
            accounts.append(self._single_account)
        return FormReading(dict(self.fields), tuple(accounts))


def extract_form(grids: Sequence[Grid], lines: Iterable[str] = ()) -> FormReading:
    """The registration-form fields read from tables and free lines."""
    collector = _Collector()
    for grid in grids:
        _read_grid(grid, collector)
    for line in lines:
        for key, raw in pairs_in_text(line):
            collector.add(key, raw, 1.0)
    return collector.result()


def _cell_key(cell: Cell) -> str | None:
    return key_for_label(cell.text)


def _manager_rows(grid: Grid) -> set[int]:
    """Rows inside a block whose left header cell says 运维负责人 (and is not a plain label)."""
    rows: set[int] = set()
    for cell in grid.cells:
        if not is_manager_section(cell.text):
            continue
        row = grid.row(cell.row)
        right = [c for c in row if c.x0 >= cell.x1 - 1e-6 and c is not cell]
        first_right = right[0] if right else None
        plain_label = _cell_key(cell) == "manager_name" and (
            first_right is None or _cell_key(first_right) is None
        )
        if not plain_label or cell.last_row > cell.row:
            rows.update(range(cell.row, cell.last_row + 1))
            rows.update(_indented_rows_below(grid, cell))
    return rows


def _indented_rows_below(grid: Grid, header: Cell) -> list[int]:
    """Rows below a section header that have nothing under the header's column (the header's
    merged cell seen without its row span, as in PDF words and OCR boxes)."""
    found: list[int] = []
    for index in grid.rows():
        if index <= header.last_row:
            continue
        row = grid.row(index)
        if not row or row[0].x0 < header.x1 - 1e-6:
            break
        found.append(index)
    return found


def _read_grid(grid: Grid, collector: _Collector) -> None:
    manager_rows = _manager_rows(grid)
    rows = grid.rows()
    consumed: set[int] = set()
    for position, index in enumerate(rows):
        if index in consumed:
            continue
        row = grid.row(index)
        keys = [_cell_key(c) for c in row]
        labelled = [(c, k) for c, k in zip(row, keys, strict=True) if k is not None]
        if len(labelled) >= 2 and _is_header(row, keys):
            block = _read_header_block(grid, labelled, row, rows[position + 1 :], collector)
            consumed.update(block)
            continue
        for cell_index, cell in enumerate(row):
            key = keys[cell_index]
            if key is None:
                for pair_key, raw in pairs_in_text(cell.text) or _stacked_pair(cell.text):
                    collector.add(_in_section(pair_key, index, manager_rows), raw, cell.confidence)
                continue
            if is_manager_section(cell.text) and index in manager_rows and key == "manager_name":
                nxt = row[cell_index + 1] if cell_index + 1 < len(row) else None
                if nxt is not None and _cell_key(nxt) is not None:
                    continue
            value = _right_value(row, cell_index, keys)
            if value is not None:
                collector.add(_in_section(key, index, manager_rows), value.text, value.confidence)


def _stacked_pair(text: str) -> list[tuple[str, str]]:
    """A cell holding its label on the first line and the value below (姓名⏎张三)."""
    first, _, rest = text.strip().partition("\n")
    key = key_for_label(first)
    return [(key, rest.strip())] if key is not None and rest.strip() else []


def _in_section(key: str, row: int, manager_rows: set[int]) -> str:
    if row in manager_rows:
        return MANAGER_SECTION_KEYS.get(key, key)
    return key


def _right_value(row: list[Cell], index: int, keys: list[str | None]) -> Cell | None:
    """The value cell right of a label: the next cell, unless it is another label."""
    for nxt in range(index + 1, len(row)):
        if keys[nxt] is not None:
            return None
        if row[nxt].text.strip():
            return row[nxt]
        return None
    return None


def _overlap(a: Cell, b: Cell) -> float:
    return min(a.x1, b.x1) - max(a.x0, b.x0)


def _read_header_block(
    grid: Grid,
    header: list[tuple[Cell, str]],
    header_row: list[Cell],
    following: list[int],
    collector: _Collector,
) -> set[int]:
    """Read the records under a header row; returns the rows it consumed."""
    consumed: set[int] = set()
    is_accounts = sum(1 for _, key in header if key in ACCOUNT_KEYS) >= 2
    for index in following:
        row = grid.row(index)
        filled = [c for c in row if c.text.strip()]
        if not filled:
            consumed.add(index)
            continue
        label_cells = [c for c in filled if _cell_key(c) is not None]
        if label_cells or _is_banner(filled, header):
            break
        record: dict[str, FieldReading] = {}
        chosen = [
            (key, _cell_under(filled, header, header_row, i)) for i, (_, key) in enumerate(header)
        ]
        for key, best in chosen:
            if best is None:
                continue
            shared = [k for k, c in chosen if c is best and k != key]
            text = _own_part(key, best.text, shared)
            if key in ACCOUNT_KEYS:
                record.update(normalise_value(key, text, best.confidence))
            else:
                collector.add(key, text, best.confidence)
        if is_accounts and "platform" not in record:
            record.update(_unlabelled_platform(filled, [c for _, c in chosen]))
        consumed.add(index)
        if is_accounts and not any(k in record for k in ("platform", "account_name", "account_id")):
            continue
        if is_accounts:
            collector.add_account(record)
        else:
            for key, reading in record.items():
                collector.fields.setdefault(key, reading)
            break
    return consumed


def _unlabelled_platform(filled: list[Cell], chosen: list[Cell | None]) -> dict[str, FieldReading]:
    """A platform name in a cell under no readable header (its header was misread or stamped
    over): taken only when it is exactly one of the notice's platforms."""
    for cell in filled:
        if any(cell is c for c in chosen):
            continue
        found = snap_platform(cell.text)
        if found is not None and found[1]:
            return {"platform": FieldReading(found[0], round(cell.confidence, 3))}
    return {}


_DATE_TEXT = re.compile(
    r"\d{4}\s*年\s*\d{1,2}\s*月\s*\d{1,2}\s*[日号]?|\d{4}[./\-]\d{1,2}[./\-]\d{1,2}"
)
DATE_KEYS = ("opened_on", "filled_on")


def _own_part(key: str, text: str, shared_with: list[str]) -> str:
    """A key's part of a cell the engine merged with its neighbour's (an ID run into a date)."""
    if key in DATE_KEYS or not any(k in DATE_KEYS for k in shared_with):
        return text
    return _DATE_TEXT.sub(" ", text).strip()


def _is_banner(filled: list[Cell], header: list[tuple[Cell, str]]) -> bool:
    """A row whose one cell spans several header columns (a note or pledge under the table)."""
    if any(sum(1 for head, _ in header if _overlap(cell, head) > 0) >= 3 for cell in filled):
        return True
    if len(filled) != 1:
        return False
    text = filled[0].text
    if len(text) > 20 or ":" in text or "：" in text:
        return True
    return sum(1 for head, _ in header if _overlap(filled[0], head) > 0) >= 2


def _cell_under(
    filled: list[Cell], header: list[tuple[Cell, str]], header_row: list[Cell], position: int
) -> Cell | None:
    """The cell of a record row under header cell `position`.

    A cell overlapping the header cell wins; else (OCR: a short value left-aligned in a wide
    column) a cell within the column up to halfway to the neighbouring header cells, provided it
    lies under no other cell of the header row (a label or a caption such as 序号).
    """
    head = header[position][0]
    candidates = [c for c in filled if _overlap(c, head) > 0]
    if candidates:
        return max(candidates, key=lambda c: _overlap(c, head))
    width = head.x1 - head.x0
    left = head.x0 - width
    right = head.x1 + width
    if position > 0:
        left = max(left, (header[position - 1][0].x1 + head.x0) / 2)
    if position + 1 < len(header):
        right = min(right, (head.x1 + header[position + 1][0].x0) / 2)
    column = Cell(head.row, left, right, "")
    others = [h for h in header_row if h is not head]
    candidates = [
        c for c in filled if _overlap(c, column) > 0 and not any(_overlap(c, h) > 0 for h in others)
    ]
    if not candidates:
        return None
    return max(candidates, key=lambda c: _overlap(c, column))


def _is_header(row: list[Cell], keys: list[str | None]) -> bool:
    """A row of labels whose right neighbours are labels too (a caption may stand first)."""
    for index, key in enumerate(keys):
        if key is None:
            continue
        nxt = index + 1
        if nxt < len(row) and keys[nxt] is None and row[nxt].text.strip():
            return False
    return True


def label_of(text: str) -> str:
    """The comparison form of a label (re-exported for readers that match anchors)."""
    return label_form(text)
