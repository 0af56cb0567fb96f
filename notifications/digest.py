"""The daily digest of one office: an HTML mail, its plain-text twin and the xlsx registry (台账).

`build_digest` turns plain rows (filings, today's activity, items waiting for a person, and for
the city office a roll-up per office) into the mail's subject, HTML and text and an xlsx
workbook with the sheets 台账, 今日动态, 待人工处理 and, for the city office, 各办汇总. The HTML is
one column (max 640 px) with inline CSS and no external resources, readable on a phone; ID
numbers are always masked there, and in the workbook unless `mask_ids_in_xlsx` is False.
Every text cell that a spreadsheet could take for a formula is stored as text. Times are
shown in Asia/Shanghai.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from notifications.model import AccountLine
from notifications.wording import (
    ATTENTION_WORDS,
    clean_text,
    county_name,
    mask_id,
    missing_phrase,
    office_name,
    problem_phrase,
    status_word,
    translate_tokens,
)
from vocabulary.documents import MissingDocument
from vocabulary.fields import MISSING_FIELD_PREFIX
from vocabulary.offices import Office
from vocabulary.subjects import SUBJECT_TYPE_WORDS

TEMPLATES = Path(__file__).parent / "templates"
HTML_ROW_LIMIT = 30
"""Rows per table in the mail; the rest are in the attached registry."""

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\uff1d", "\uff0b", "\uff0d", "\uff20")
ROLLUP_KEYS: tuple[tuple[str, str], ...] = (
    ("received", "收到"),
    ("complete", "材料齐全"),
    ("incomplete", "待补充"),
    ("transferred", "已转交"),
    ("attention", "待人工处理"),
)


@dataclass(frozen=True)
class RegistryRow:
    """One filing as the registry lists it (`county` and `office` are office codes)."""

    reference: str
    received_on: date
    updated_on: date
    registrant: str
    subject_type: str | None
    subject_name: str | None
    id_number: str | None
    credit_code: str | None
    accounts: tuple[AccountLine, ...]
    county: str | None
    office: str
    status: str
    missing: tuple[str, ...]
    problems: tuple[str, ...]
    last_reply: str | None
    late: bool


@dataclass(frozen=True)
class ActivityRow:
    """Something that happened today (`at` is aware; a naive time is taken as UTC)."""

    at: datetime
    reference: str | None
    what: str
    sender: str


@dataclass(frozen=True)
class AttentionRow:
    """An item waiting for a person (quarantined mail, uncertain county, failed send…)."""

    kind: str
    reference: str | None
    detail: str


@dataclass(frozen=True)
class DigestInput:
    """Everything one office's digest for one day shows."""

    office: Office
    day: date
    registry: tuple[RegistryRow, ...]
    activity: tuple[ActivityRow, ...]
    attention: tuple[AttentionRow, ...]
    rollup: tuple[tuple[Office, dict[str, int]], ...] = ()
    mask_ids_in_xlsx: bool = True
    activity_since: datetime | None = None
    """Where the activity list starts (the previous day's digest time); None: the day's start."""


@dataclass(frozen=True)
class DigestFiles:
    """The digest mail's parts and the registry workbook."""

    subject: str
    html: str
    text: str
    xlsx: bytes
    xlsx_name: str


def shanghai(moment: datetime) -> datetime:
    """The moment in Asia/Shanghai (naive input is taken as UTC)."""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.astimezone(ZoneInfo("Asia/Shanghai"))


def short_phrase(code: str, subject_type: str | None) -> str:
    """A missing item or problem in words for office staff (no request to the registrant)."""
    if code in tuple(MissingDocument) or code.startswith(MISSING_FIELD_PREFIX):
        phrase = missing_phrase(code, subject_type)
    else:
        phrase = problem_phrase(code)
    return re.split(r"，(?:请|工作人员|我们)", phrase)[0]


def _subject_type_word(value: str | None) -> str:
    return SUBJECT_TYPE_WORDS.get(value or "", clean_text(value) if value else "")


@dataclass(frozen=True)
class _Counts:
    new_today: int
    complete: int
    incomplete: int
    transferred: int
    attention: int


def _counts(data: DigestInput) -> _Counts:
    statuses = [row.status for row in data.registry]
    return _Counts(
        new_today=sum(1 for row in data.registry if row.received_on == data.day),
        complete=statuses.count("complete"),
        incomplete=statuses.count("incomplete") + statuses.count("unreadable"),
        transferred=statuses.count("transferred"),
        attention=len(data.attention),
    )


def _filing_view(row: RegistryRow) -> dict[str, Any]:
    notes: list[str] = []
    missing = dict.fromkeys(short_phrase(code, row.subject_type) for code in row.missing)
    problems = dict.fromkeys(
        short_phrase(code, row.subject_type) for code in row.problems if code != "late"
    )
    if missing:
        notes.append("缺少：" + "、".join(missing))
    if problems:
        notes.append("需核对：" + "；".join(problems))
    return {
        "reference": clean_text(row.reference, 40),
        "received_on": row.received_on.isoformat(),
        "subject_name": clean_text(row.subject_name, 60) or "（未填写）",
        "subject_type": _subject_type_word(row.subject_type),
        "id_masked": mask_id(row.id_number),
        "accounts": [
            f"{clean_text(a.platform, 20)}：{clean_text(a.account_name, 40)}" for a in row.accounts
        ],
        "status": status_word(row.status),
        "status_code": row.status,
        "notes": notes,
        "late": row.late,
        "registrant": clean_text(row.registrant, 80),
    }


def _activity_time(at: datetime, day: date) -> str:
    """`17:45` on the digest's own day, `昨 17:45` the day before, else `5月2日 17:45`."""
    if at.date() == day:
        return at.strftime("%H:%M")
    if at.date() == day - timedelta(days=1):
        return "昨 " + at.strftime("%H:%M")
    return f"{at.month}月{at.day}日 " + at.strftime("%H:%M")


def _view(data: DigestInput, subject: str) -> dict[str, Any]:
    today_rows = sorted(
        (row for row in data.registry if row.updated_on == data.day or row.received_on == data.day),
        key=lambda row: (row.received_on, row.reference),
    )
    activity = sorted(data.activity, key=lambda row: shanghai(row.at))
    rollup = [
        {
            "name": clean_text(office.name, 40).removesuffix("互联网信息办公室") or office.code,
            "counts": [int(counts.get(key, 0)) for key, _ in ROLLUP_KEYS],
        }
        for office, counts in data.rollup
    ]
    return {
        "subject": subject,
        "office": data.office,
        "day": data.day.isoformat(),
        "counts": _counts(data),
        "total": len(data.registry),
        "filings": [_filing_view(row) for row in today_rows[:HTML_ROW_LIMIT]],
        "filings_more": max(0, len(today_rows) - HTML_ROW_LIMIT),
        "attention": [
            {
                "kind": ATTENTION_WORDS.get(item.kind, clean_text(item.kind, 30)),
                "reference": clean_text(item.reference, 40),
                "detail": clean_text(item.detail, 200),
            }
            for item in data.attention[:HTML_ROW_LIMIT]
        ],
        "attention_more": max(0, len(data.attention) - HTML_ROW_LIMIT),
        "activity": [
            {
                "time": _activity_time(shanghai(item.at), data.day),
                "reference": clean_text(item.reference, 40),
                "what": translate_tokens(item.what),
                "sender": clean_text(item.sender, 60),
            }
            for item in activity[:HTML_ROW_LIMIT]
        ],
        "activity_more": max(0, len(activity) - HTML_ROW_LIMIT),
        "activity_since": (
            _activity_time(shanghai(data.activity_since), data.day) if data.activity_since else ""
        ),
        "rollup_headers": [label for _, label in ROLLUP_KEYS],
        "rollup": rollup,
        "xlsx_name": xlsx_name(data),
    }


def digest_subject(data: DigestInput) -> str:
    """``【备案日报】<office name> <yyyy-mm-dd>``."""
    return f"【备案日报】{clean_text(data.office.name, 60)} {data.day.isoformat()}"


def xlsx_name(data: DigestInput) -> str:
    """``台账-<office name>-<yyyy-mm-dd>.xlsx``."""
    name = re.sub(r"[\\/:*?\"<>|]", "_", clean_text(data.office.name, 60))
    return f"台账-{name}-{data.day.isoformat()}.xlsx"


def build_digest(data: DigestInput) -> DigestFiles:
    """The digest mail (subject, HTML, text) and the registry workbook for one office and day."""
    environment = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(
            enabled_extensions=("html.j2", "html"), default_for_string=False, default=False
        ),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    subject = digest_subject(data)
    view = _view(data, subject)
    html = environment.get_template("digest.html.j2").render(view).strip() + "\n"
    text = environment.get_template("digest.txt.j2").render(view)
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(line.rstrip() for line in text.splitlines()))
    return DigestFiles(
        subject=subject,
        html=html,
        text=text.strip("\n") + "\n",
        xlsx=registry_workbook(data),
        xlsx_name=xlsx_name(data),
    )


# --- the workbook -------------------------------------------------------------------------

_HEADER_FILL = PatternFill("solid", fgColor="DDE3EA")
_HEADER_FONT = Font(bold=True)

REGISTRY_COLUMNS: tuple[tuple[str, int], ...] = (
    ("备案编号", 24),
    ("收到日期", 12),
    ("更新日期", 12),
    ("来信邮箱", 26),
    ("主体类型", 10),
    ("主体名称", 26),
    ("身份证号码", 21),
    ("统一社会信用代码", 21),
    ("平台", 14),
    ("账号名称", 22),
    ("账号ID", 24),
    ("所属县区", 14),
    ("办理单位", 24),
    ("状态", 12),
    ("缺少材料", 36),
    ("问题", 36),
    ("最近回复", 22),
    ("是否逾期", 9),
)


def _cell_text(value: str) -> str:
    return clean_text(str(ILLEGAL_CHARACTERS_RE.sub(" ", value)), 32000)


def put(
    sheet: Worksheet, row: int, column: int, value: Any, number_format: str | None = None
) -> None:
    """Write one cell; text that a spreadsheet could read as a formula stays text."""
    cell = sheet.cell(row=row, column=column)
    if isinstance(value, str):
        text = _cell_text(value)
        cell.value = text
        if text.startswith(FORMULA_STARTS):
            cell.data_type = "s"
            cell.quotePrefix = True
    else:
        cell.value = value
    if number_format is not None:
        cell.number_format = number_format


def _sheet(
    workbook: Workbook, title: str, columns: Sequence[tuple[str, int]], *, first: bool = False
) -> Worksheet:
    sheet = workbook.active if first else workbook.create_sheet(title)
    assert sheet is not None
    sheet.title = title
    for index, (label, width) in enumerate(columns, start=1):
        put(sheet, 1, index, label)
        cell = sheet.cell(row=1, column=index)
        cell.font = _HEADER_FONT
        cell.fill = _HEADER_FILL
        cell.alignment = Alignment(vertical="center")
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    return sheet


def _finish(sheet: Worksheet, columns: int) -> None:
    last_row = max(sheet.max_row, 1)
    sheet.auto_filter.ref = f"A1:{get_column_letter(columns)}{last_row}"


def _registry_values(row: RegistryRow, account: AccountLine | None, mask: bool) -> list[Any]:
    return [
        row.reference,
        row.received_on,
        row.updated_on,
        row.registrant,
        _subject_type_word(row.subject_type),
        row.subject_name or "",
        mask_id(row.id_number) if mask else (row.id_number or ""),
        row.credit_code or "",
        account.platform if account else "",
        account.account_name if account else "",
        account.account_id if account else "",
        county_name(row.county),
        office_name(row.office),
        status_word(row.status),
        "；".join(dict.fromkeys(short_phrase(c, row.subject_type) for c in row.missing)),
        "；".join(dict.fromkeys(short_phrase(c, row.subject_type) for c in row.problems)),
        translate_tokens(row.last_reply) if row.last_reply else "",
        "是" if row.late else "否",
    ]


def registry_workbook(data: DigestInput) -> bytes:
    """The xlsx registry: 台账 (one row per account), 今日动态, 待人工处理, 各办汇总 (city)."""
    workbook = Workbook()
    registry = _sheet(workbook, "台账", REGISTRY_COLUMNS, first=True)
    line = 2
    for row in sorted(data.registry, key=lambda r: (r.received_on, r.reference)):
        for account in row.accounts or (None,):
            for column, value in enumerate(
                _registry_values(row, account, data.mask_ids_in_xlsx), start=1
            ):
                is_day = isinstance(value, date)
                put(registry, line, column, value, "yyyy-mm-dd" if is_day else None)
            line += 1
    _finish(registry, len(REGISTRY_COLUMNS))

    activity_columns = (("时间", 18), ("备案编号", 24), ("事项", 40), ("发件人", 28))
    activity = _sheet(workbook, "今日动态", activity_columns)
    for index, item in enumerate(sorted(data.activity, key=lambda a: shanghai(a.at)), start=2):
        put(activity, index, 1, shanghai(item.at).replace(tzinfo=None), "yyyy-mm-dd hh:mm")
        put(activity, index, 2, item.reference or "")
        put(activity, index, 3, translate_tokens(item.what))
        put(activity, index, 4, item.sender)
    _finish(activity, len(activity_columns))

    attention_columns = (("类别", 20), ("备案编号", 24), ("说明", 60))
    attention = _sheet(workbook, "待人工处理", attention_columns)
    for index, entry in enumerate(data.attention, start=2):
        put(attention, index, 1, ATTENTION_WORDS.get(entry.kind, entry.kind))
        put(attention, index, 2, entry.reference or "")
        put(attention, index, 3, entry.detail)
    _finish(attention, len(attention_columns))

    if data.rollup:
        rollup_columns = (("办公室", 28), ("代码", 10), *((label, 11) for _, label in ROLLUP_KEYS))
        rollup = _sheet(workbook, "各办汇总", rollup_columns)
        for index, (office, counts) in enumerate(data.rollup, start=2):
            put(rollup, index, 1, office.name)
            put(rollup, index, 2, office.code)
            for offset, (key, _) in enumerate(ROLLUP_KEYS, start=3):
                put(rollup, index, offset, int(counts.get(key, 0)))
        _finish(rollup, len(rollup_columns))

    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
