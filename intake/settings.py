"""The admin-edited configuration (`config/intake.toml`): load, validate, and point at mistakes.

Every mistake is a `ConfigProblem` naming the file, line and key, and saying how to fix it. A
mistake inside one `[[office]]` section disables that office only; a mistake in `[storage]` or
`[schedule]` makes the whole file unusable, since no office can run without them. Secrets never
stand in the file: each office names the environment variable holding its authorization code.
"""

from __future__ import annotations

import difflib
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import time
from enum import StrEnum
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from intake.errors import ConfigError
from vocabulary.offices import Office, office_by_code

DEFAULT_CONFIG = Path("config/intake.toml")
CONFIG_ENV = "INTAKE_CONFIG"

NETEASE_HOSTS = {
    "163.com": ("imap.163.com", "smtp.163.com"),
    "126.com": ("imap.126.com", "smtp.126.com"),
}
JUNK_FOLDER = "垃圾邮件"
DEFAULT_FOLDERS = ("INBOX", JUNK_FOLDER)

EMAIL_RE = re.compile(r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")
ENV_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
OFFICE_CODE_RE = re.compile(r"^\d{6}$")


class Security(StrEnum):
    """How a connection to a mail server is protected."""

    SSL = "ssl"
    STARTTLS = "starttls"
    NONE = "none"


class Severity(StrEnum):
    """An error disables what it is in; a warning is worth reading but changes nothing."""

    ERROR = "error"
    WARNING = "warning"


@dataclass(frozen=True)
class ConfigProblem:
    """One mistake in the file, where it is and how to fix it."""

    file: str
    line: int
    key: str
    message: str
    fix: str
    severity: Severity = Severity.ERROR
    office: str | None = None

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        return f"{where}: {self.key}: {self.message} (fix: {self.fix})"


@dataclass(frozen=True)
class Endpoint:
    """A mail server to connect to."""

    host: str
    port: int
    security: Security
    ca_file: str | None = None
    timeout_seconds: float = 60.0


@dataclass(frozen=True, kw_only=True)
class OfficeSettings(Office):
    """One configured office: the office itself (code, name, mailbox, address, phone and
    contacts from the file; its area from `vocabulary`), and how the worker reaches its mailbox."""

    password_env: str
    imap: Endpoint
    smtp: Endpoint
    folders: tuple[str, ...]
    folders_explicit: bool
    digest_to: tuple[str, ...]
    enabled: bool
    line: int = 0

    def password(self, environ: Mapping[str, str]) -> str | None:
        """The authorization code from the environment, or None when it is not set."""
        value = environ.get(self.password_env)
        return value if value else None


@dataclass(frozen=True)
class StorageSettings:
    """Where the store and the files live."""

    database: str
    files: Path
    key_file: Path | None = None


@dataclass(frozen=True)
class ScheduleSettings:
    """When the worker polls and writes digests."""

    timezone: ZoneInfo
    poll_every_minutes: int
    digest_at: time


@dataclass(frozen=True)
class SendingSettings:
    """How replies go out: caps and pacing that keep NetEase from throttling an office."""

    replies_per_address_per_day: int = 5
    replies_per_office_per_day: int = 400
    seconds_between_sends: float = 3.0
    bounce_days: int = 60
    max_attempts: int = 8
    mask_ids_in_xlsx: bool = True


@dataclass(frozen=True)
class LimitsSettings:
    """Bounds on the work one mail may cause (`[limits]`). What goes over one is not read; the
    registrant's reply and the office's digest name it."""

    max_mail_bytes: int = 64 * 1024 * 1024
    max_attachments: int = 500
    max_mime_depth: int = 10
    max_archive_members: int = 500
    max_archive_depth: int = 3
    max_archive_ratio: int = 200
    max_archive_bytes: int = 200 * 1024 * 1024
    max_pages: int = 20
    max_pixels: int = 60_000_000
    max_document_bytes: int = 50 * 1000 * 1000
    seconds_per_document: float = 60.0
    ocr_memory_mb: int = 1500


@dataclass(frozen=True)
class RetentionSettings:
    """How long raw mail and attachments are kept (`[retention]`), in days: after a filing is
    complete, and after the last activity of a filing that never completed (or of a mail that
    belongs to no filing). The decision record is kept for ever."""

    days_after_complete: int = 180
    days_after_last_activity: int = 365


@dataclass(frozen=True)
class Settings:
    """The whole configuration, with the problems found in it."""

    path: Path
    storage: StorageSettings
    schedule: ScheduleSettings
    offices: tuple[OfficeSettings, ...]
    local_mailboxes: Path | None = None
    problems: tuple[ConfigProblem, ...] = ()
    sending: SendingSettings = SendingSettings()
    limits: LimitsSettings = LimitsSettings()
    retention: RetentionSettings = RetentionSettings()

    @property
    def enabled_offices(self) -> tuple[OfficeSettings, ...]:
        """Offices that are enabled and have no error against them."""
        return tuple(o for o in self.offices if o.enabled)

    def office(self, code: str) -> OfficeSettings | None:
        """The office with this code, or None."""
        return next((o for o in self.offices if o.code == code), None)

    def office_for_address(self, address: str) -> OfficeSettings | None:
        """The office whose mailbox is this address (case-insensitive), or None."""
        wanted = address.strip().lower()
        return next((o for o in self.offices if o.mailbox.lower() == wanted), None)


def config_path(explicit: str | None, environ: Mapping[str, str]) -> Path:
    """The config file to use: the `--config` argument, else `$INTAKE_CONFIG`, else the default."""
    if explicit:
        return Path(explicit)
    if environ.get(CONFIG_ENV):
        return Path(environ[CONFIG_ENV])
    return DEFAULT_CONFIG


class _LineIndex:
    """Finds the line of a key in the file text, by table and by office section."""

    _header = re.compile(r"^\s*(\[\[?)\s*([A-Za-z0-9_.]+)\s*\]\]?")
    _key = re.compile(r"^\s*([A-Za-z0-9_\"-]+)\s*=")

    def __init__(self, text: str) -> None:
        self.lines: dict[tuple[str, int, str], int] = {}
        self.sections: dict[tuple[str, int], int] = {}
        counts: dict[str, int] = {}
        table, index = "", 0
        for number, line in enumerate(text.splitlines(), start=1):
            head = self._header.match(line)
            if head:
                table = head.group(2)
                index = counts.get(table, -1) + 1 if head.group(1) == "[[" else 0
                counts[table] = index
                self.sections[(table, index)] = number
                continue
            key = self._key.match(line)
            if key:
                self.lines.setdefault((table, index, key.group(1).strip('"')), number)

    def line(self, table: str, index: int, key: str | None = None) -> int:
        if key is not None and (table, index, key) in self.lines:
            return self.lines[(table, index, key)]
        return self.sections.get((table, index), 0)


class _Checker:
    """Collects problems while reading one file."""

    def __init__(self, path: Path, text: str) -> None:
        self.path = path
        self.index = _LineIndex(text)
        self.problems: list[ConfigProblem] = []

    def add(
        self,
        table: str,
        index: int,
        key: str,
        message: str,
        fix: str,
        *,
        severity: Severity = Severity.ERROR,
        office: str | None = None,
    ) -> None:
        top = key.split(".")[0]
        line = self.index.line(table, index, top)
        shown = f"{table}.{key}" if table != "office" else f"office[{index + 1}].{key}"
        self.problems.append(
            ConfigProblem(str(self.path), line, shown, message, fix, severity, office)
        )

    def unknown_keys(
        self,
        table: str,
        index: int,
        data: Mapping[str, Any],
        known: tuple[str, ...],
        office: str | None,
    ) -> None:
        for key in data:
            if key not in known:
                close = difflib.get_close_matches(key, known, n=1)
                fix = (
                    f'rename it to "{close[0]}"'
                    if close
                    else f"remove it; known keys: {', '.join(known)}"
                )
                self.add(
                    table, index, key, "unknown key", fix, severity=Severity.WARNING, office=office
                )


def load_settings(path: Path, environ: Mapping[str, str] | None = None) -> Settings:
    """Read and check the config file.

    Raises `ConfigError` (with every problem in its message) when the file cannot be used at all:
    missing, not TOML, or a mistake in `[storage]` or `[schedule]`. Office mistakes are returned in
    `Settings.problems` and disable only that office.
    """
    env = os.environ if environ is None else environ
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError as exc:
        raise ConfigError(
            f"{path}: no such config file (fix: copy config/intake.toml from the project, or pass --config)"
        ) from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot be read: {exc} (fix: save it as UTF-8 text)") from exc
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(
            f"{path}: not valid TOML: {exc} (fix: correct the syntax at that line)"
        ) from exc
    return settings_from_data(path, text, data, env)


def settings_from_data(
    path: Path, text: str, data: Mapping[str, Any], environ: Mapping[str, str]
) -> Settings:
    """Build `Settings` from parsed TOML; see `load_settings`."""
    checker = _Checker(path, text)
    for key in data:
        if key not in TOP_TABLES:
            close = difflib.get_close_matches(key, TOP_TABLES, n=1)
            fix = f'rename it to "{close[0]}"' if close else "remove it"
            checker.problems.append(
                ConfigProblem(
                    str(path),
                    checker.index.line(key, 0),
                    key,
                    "unknown table",
                    fix,
                    Severity.WARNING,
                )
            )
    storage = _storage(checker, _table(data.get("storage")))
    schedule = _schedule(checker, _table(data.get("schedule")))
    local_root = _mailboxes(checker, _table(data.get("mailboxes")))
    sending = _sending(checker, _table(data.get("sending")))
    limits = _limits(checker, _table(data.get("limits")))
    retention = _retention(checker, _table(data.get("retention")))
    fatal = [p for p in checker.problems if p.severity is Severity.ERROR]
    if fatal or storage is None or schedule is None:
        raise ConfigError(
            "\n".join(str(p) for p in fatal) or f"{path}: [storage] and [schedule] are needed"
        )
    raw_offices = data.get("office", [])
    if not isinstance(raw_offices, list) or not raw_offices:
        raise ConfigError(
            f"{path}: no [[office]] sections (fix: add one [[office]] table per office mailbox)"
        )
    offices = [
        _office(checker, i, o, environ, local_root is not None) for i, o in enumerate(raw_offices)
    ]
    offices = _disable_duplicates(checker, offices)
    problems = tuple(checker.problems)
    broken = {p.office for p in problems if p.severity is Severity.ERROR and p.office}
    final = tuple(replace(o, enabled=o.enabled and o.code not in broken) for o in offices)
    return Settings(
        path, storage, schedule, final, local_root, problems, sending, limits, retention=retention
    )


def _table(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _storage(checker: _Checker, raw: Mapping[str, Any]) -> StorageSettings | None:
    checker.unknown_keys("storage", 0, raw, ("database", "files", "key_file"), None)
    database = raw.get("database", "sqlite:///var/intake.db")
    files = raw.get("files", "var/files")
    ok = True
    if not isinstance(database, str) or not re.match(r"^(sqlite|postgresql)(\+\w+)?://", database):
        checker.add(
            "storage",
            0,
            "database",
            f"not a database URL: {database!r}",
            'use "sqlite:///var/intake.db" or "postgresql+psycopg://user@host/db"',
        )
        ok = False
    elif re.match(r"^postgresql(\+\w+)?://[^/@]*:[^/@]+@", database):
        checker.add(
            "storage",
            0,
            "database",
            "a password stands in the file",
            "remove it from the URL and set PGPASSWORD (or ~/.pgpass) in the service's environment",
        )
        ok = False
    if not isinstance(files, str) or not files.strip():
        checker.add("storage", 0, "files", "must be a folder path", 'e.g. files = "var/files"')
        ok = False
    key_file = raw.get("key_file")
    if key_file is not None and (not isinstance(key_file, str) or not key_file.strip()):
        checker.add(
            "storage",
            0,
            "key_file",
            "must be a file path",
            'e.g. key_file = "/etc/intake/keys" (made by intake keys new)',
        )
        ok = False
    keys = Path(key_file) if isinstance(key_file, str) and key_file.strip() else None
    return StorageSettings(str(database), Path(str(files)), keys) if ok else None


RETENTION_RANGES: dict[str, tuple[type, float, float]] = {
    "days_after_complete": (int, 1, 36500),
    "days_after_last_activity": (int, 1, 36500),
}


def _retention(checker: _Checker, raw: Mapping[str, Any]) -> RetentionSettings:
    """`[retention]`: whole numbers of days."""
    checker.unknown_keys("retention", 0, raw, tuple(RETENTION_RANGES), None)
    return RetentionSettings(
        **_numbers(checker, "retention", raw, RETENTION_RANGES, RetentionSettings, " of days")
    )


def _plain_number(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else f"{number:g}"


def _numbers(
    checker: _Checker,
    table: str,
    raw: Mapping[str, Any],
    ranges: Mapping[str, tuple[type, float, float]],
    defaults: type,
    unit: str = "",
) -> dict[str, Any]:
    """The keys of `ranges` present in `[table]`, each a number of its kind within its range;
    a bad one is reported (naming the range, and the default as the fix) and left out."""
    values: dict[str, Any] = {}
    for key, (kind, low, high) in ranges.items():
        if key not in raw:
            continue
        value = raw[key]
        ok = isinstance(value, (int, float)) and not isinstance(value, bool)
        if kind is int:
            ok = ok and isinstance(value, int)
        if not ok or not low <= value <= high:
            checker.add(
                table,
                0,
                key,
                f"must be {'a whole number' if kind is int else 'a number'}{unit} from "
                f"{_plain_number(low)} to {_plain_number(high)}, not {value!r}",
                f"{key} = {getattr(defaults, key)}",
            )
            continue
        values[key] = kind(value)
    return values


def key_problems(settings: Settings, environ: Mapping[str, str]) -> list[ConfigProblem]:
    """What keeps the encryption key from being used (for `intake config check`)."""
    from intake.privacy import crypto

    if environ.get(crypto.KEYS_ENV, "").strip():
        try:
            crypto.parse_keys(environ[crypto.KEYS_ENV], crypto.KEYS_ENV)
        except ConfigError as exc:
            return [
                ConfigProblem(str(settings.path), 0, crypto.KEYS_ENV, str(exc), "intake keys new")
            ]
        return []
    line = _LineIndex(settings.path.read_text(encoding="utf-8") if settings.path.exists() else "")
    where = line.line("storage", 0, "key_file")
    key_file = settings.storage.key_file
    if key_file is None:
        return [
            ConfigProblem(
                str(settings.path),
                line.line("storage", 0),
                "storage.key_file",
                "no encryption key: neither key_file nor INTAKE_KEYS is set",
                'add key_file = "/etc/intake/keys" under [storage], then run intake keys new',
            )
        ]
    try:
        crypto.load_keyring(key_file, {})
    except ConfigError as exc:
        text = str(exc)
        message, _, fix = text.partition(" (fix: ")
        return [
            ConfigProblem(
                str(settings.path),
                where,
                "storage.key_file",
                message,
                fix.rstrip(")") or "intake keys new",
            )
        ]
    return []


def _schedule(checker: _Checker, raw: Mapping[str, Any]) -> ScheduleSettings | None:
    checker.unknown_keys("schedule", 0, raw, ("timezone", "poll_every_minutes", "digest_at"), None)
    ok = True
    zone_name = raw.get("timezone", "Asia/Shanghai")
    zone = ZoneInfo("Asia/Shanghai")
    try:
        zone = ZoneInfo(str(zone_name))
    except (ZoneInfoNotFoundError, ValueError):
        checker.add(
            "schedule", 0, "timezone", f"unknown time zone {zone_name!r}", 'use "Asia/Shanghai"'
        )
        ok = False
    every = raw.get("poll_every_minutes", 5)
    if not isinstance(every, int) or isinstance(every, bool) or not 1 <= every <= 1440:
        checker.add(
            "schedule",
            0,
            "poll_every_minutes",
            f"must be a whole number of minutes from 1 to 1440, not {every!r}",
            "e.g. poll_every_minutes = 5",
        )
        ok = False
    digest_at = raw.get("digest_at", "17:30")
    at = _clock_time(digest_at)
    if at is None:
        checker.add(
            "schedule",
            0,
            "digest_at",
            f"not a time of day: {digest_at!r}",
            'write it as "HH:MM", e.g. "17:30"',
        )
        ok = False
    if not ok or at is None or not isinstance(every, int):
        return None
    return ScheduleSettings(zone, every, at)


def _clock_time(value: Any) -> time | None:
    if isinstance(value, time):
        return value
    match = re.fullmatch(r"(\d{1,2}):(\d{2})", str(value).strip())
    if not match or int(match.group(1)) > 23 or int(match.group(2)) > 59:
        return None
    return time(int(match.group(1)), int(match.group(2)))


def _mailboxes(checker: _Checker, raw: Mapping[str, Any]) -> Path | None:
    checker.unknown_keys("mailboxes", 0, raw, ("local_root",), None)
    root = raw.get("local_root")
    if root is None:
        return None
    if not isinstance(root, str) or not root.strip():
        checker.add(
            "mailboxes",
            0,
            "local_root",
            "must be a folder path",
            'e.g. local_root = "samples/demo/mailboxes"',
        )
        return None
    return Path(root)


TOP_TABLES = ("storage", "schedule", "office", "mailboxes", "sending", "limits", "retention")
SENDING_LIMITS: dict[str, tuple[type, float, float]] = {
    "replies_per_address_per_day": (int, 1, 100),
    "replies_per_office_per_day": (int, 1, 10000),
    "seconds_between_sends": (float, 0, 600),
    "bounce_days": (int, 1, 3650),
    "max_attempts": (int, 1, 100),
}


def _sending(checker: _Checker, raw: Mapping[str, Any]) -> SendingSettings:
    checker.unknown_keys("sending", 0, raw, (*SENDING_LIMITS, "mask_ids_in_xlsx"), None)
    values = _numbers(checker, "sending", raw, SENDING_LIMITS, SendingSettings)
    if "mask_ids_in_xlsx" in raw:
        if isinstance(raw["mask_ids_in_xlsx"], bool):
            values["mask_ids_in_xlsx"] = raw["mask_ids_in_xlsx"]
        else:
            checker.add(
                "sending", 0, "mask_ids_in_xlsx", "must be true or false", "mask_ids_in_xlsx = true"
            )
    return SendingSettings(**values)


LIMIT_RANGES: dict[str, tuple[type, float, float]] = {
    "max_mail_bytes": (int, 1024 * 1024, 4 * 1024**3),
    "max_attachments": (int, 1, 10_000),
    "max_mime_depth": (int, 2, 100),
    "max_archive_members": (int, 1, 100_000),
    "max_archive_depth": (int, 1, 10),
    "max_archive_ratio": (int, 10, 10_000),
    "max_archive_bytes": (int, 1024 * 1024, 4 * 1024**3),
    "max_pages": (int, 1, 1000),
    "max_pixels": (int, 1_000_000, 500_000_000),
    "max_document_bytes": (int, 1024 * 1024, 1024**3),
    "seconds_per_document": (float, 1, 3600),
    "ocr_memory_mb": (int, 300, 64_000),
}


def _limits(checker: _Checker, raw: Mapping[str, Any]) -> LimitsSettings:
    """`[limits]`: each key a number within its range (an error names the range and default)."""
    checker.unknown_keys("limits", 0, raw, tuple(LIMIT_RANGES), None)
    return LimitsSettings(**_numbers(checker, "limits", raw, LIMIT_RANGES, LimitsSettings))


OFFICE_KEYS = (
    "code",
    "name",
    "mailbox",
    "address",
    "phone",
    "contacts",
    "password_env",
    "imap",
    "smtp",
    "folders",
    "digest_to",
    "enabled",
)


def _office(
    checker: _Checker, index: int, raw: Any, environ: Mapping[str, str], local: bool
) -> OfficeSettings:
    table = _table(raw)
    code = str(table.get("code", "")).strip()
    label = code or f"office[{index + 1}]"

    def problem(key: str, message: str, fix: str, severity: Severity = Severity.ERROR) -> None:
        checker.add("office", index, key, message, fix, severity=severity, office=label)

    checker.unknown_keys("office", index, table, OFFICE_KEYS, label)
    if not OFFICE_CODE_RE.match(code):
        problem("code", f"must be the six-digit office code, not {code!r}", 'e.g. code = "130582"')
    name = _text(table, "name", problem, required=True)
    mailbox = _text(table, "mailbox", problem, required=True).lower()
    if mailbox and not EMAIL_RE.match(mailbox):
        problem("mailbox", f"not a mail address: {mailbox!r}", 'e.g. mailbox = "shhlwxxb@163.com"')
    domain = mailbox.rpartition("@")[2]
    password_env = _text(table, "password_env", problem, required=not local)
    if password_env and not ENV_NAME_RE.match(password_env):
        problem(
            "password_env",
            f"not an environment variable name: {password_env!r}",
            f'e.g. password_env = "INTAKE_PASSWORD_{code or "130582"}" (the code itself never goes in this file)',
        )
    elif password_env and not local and not environ.get(password_env):
        problem(
            "password_env",
            f"environment variable {password_env} is not set",
            f"export {password_env}=<the mailbox's 16-character authorization code (授权码)>",
        )
    defaults = NETEASE_HOSTS.get(domain)
    imap = _endpoint(
        table.get("imap"), "imap", defaults[0] if defaults else None, 993, problem, local
    )
    smtp = _endpoint(
        table.get("smtp"), "smtp", defaults[1] if defaults else None, 465, problem, local
    )
    folders = _text_list(table, "folders", problem, default=DEFAULT_FOLDERS)
    digest_to = _text_list(table, "digest_to", problem, default=(mailbox,) if mailbox else ())
    for address in digest_to:
        if not EMAIL_RE.match(address):
            problem(
                "digest_to",
                f"not a mail address: {address!r}",
                'list plain addresses, e.g. ["a@163.com"]',
            )
    enabled = table.get("enabled", True)
    if not isinstance(enabled, bool):
        problem("enabled", f"must be true or false, not {enabled!r}", "enabled = true")
        enabled = False
    published = office_by_code(code)
    return OfficeSettings(
        code=code or label,
        name=name,
        area=published.area if published else "",
        area_now=published.area_now if published else None,
        mailbox=mailbox,
        address=_text(table, "address", problem),
        phone=_text(table, "phone", problem),
        contacts=_text_list(table, "contacts", problem, default=()),
        password_env=password_env,
        imap=imap,
        smtp=smtp,
        folders=folders,
        folders_explicit="folders" in table,
        digest_to=digest_to,
        enabled=bool(enabled),
        line=checker.index.line("office", index),
    )


def _text(table: Mapping[str, Any], key: str, problem: Any, *, required: bool = False) -> str:
    value = table.get(key)
    if value is None:
        if required:
            problem(key, "missing", f'add {key} = "…" to this office')
        return ""
    if not isinstance(value, str):
        problem(key, f"must be text in quotes, not {value!r}", f'{key} = "{value}"')
        return str(value)
    return value.strip()


def _text_list(
    table: Mapping[str, Any], key: str, problem: Any, *, default: tuple[str, ...]
) -> tuple[str, ...]:
    value = table.get(key)
    if value is None:
        return default
    if isinstance(value, str):
        problem(key, "must be a list", f'{key} = ["{value}"]')
        return (value,)
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        problem(key, f"must be a list of non-empty texts, not {value!r}", f'e.g. {key} = ["…"]')
        return default
    return tuple(v.strip() for v in value)


def _endpoint(
    raw: Any, key: str, default_host: str | None, default_port: int, problem: Any, local: bool
) -> Endpoint:
    table = _table(raw)
    if raw is not None and not isinstance(raw, Mapping):
        problem(
            key,
            "must be a table",
            f'{key} = {{ host = "{key}.163.com", port = {default_port}, security = "ssl" }}',
        )
    for extra in table:
        if extra not in ("host", "port", "security", "ca_file", "timeout_seconds"):
            close = difflib.get_close_matches(
                extra, ("host", "port", "security", "ca_file", "timeout_seconds"), n=1
            )
            problem(
                f"{key}.{extra}",
                "unknown key",
                f'rename it to "{close[0]}"' if close else "remove it",
            )
    host = table.get("host", default_host)
    if not host or not isinstance(host, str):
        if not local:
            problem(
                key,
                "no server: the mailbox is not at 163.com or 126.com",
                f'add {key} = {{ host = "…", port = {default_port}, security = "ssl" }}',
            )
        host = ""
    port = table.get("port", default_port)
    if not isinstance(port, int) or isinstance(port, bool) or not 1 <= port <= 65535:
        problem(
            f"{key}.port", f"must be a port number 1-65535, not {port!r}", f"port = {default_port}"
        )
        port = default_port
    security_text = str(table.get("security", "ssl"))
    try:
        security = Security(security_text)
    except ValueError:
        problem(
            f"{key}.security",
            f"must be ssl, starttls or none, not {security_text!r}",
            'security = "ssl"',
        )
        security = Security.SSL
    ca_file = table.get("ca_file")
    if ca_file is not None and not (isinstance(ca_file, str) and Path(ca_file).is_file()):
        problem(
            f"{key}.ca_file",
            f"no such file: {ca_file!r}",
            "point it at a PEM file of trusted certificates",
        )
        ca_file = None
    timeout = table.get("timeout_seconds", 60.0)
    if not isinstance(timeout, (int, float)) or isinstance(timeout, bool) or timeout <= 0:
        problem(
            f"{key}.timeout_seconds",
            f"must be a positive number, not {timeout!r}",
            "timeout_seconds = 60",
        )
        timeout = 60.0
    return Endpoint(host, port, security, ca_file, float(timeout))


def _disable_duplicates(checker: _Checker, offices: list[OfficeSettings]) -> list[OfficeSettings]:
    seen_codes: dict[str, int] = {}
    seen_mailboxes: dict[str, int] = {}
    for index, office in enumerate(offices):
        if office.code in seen_codes:
            checker.add(
                "office",
                index,
                "code",
                f"code {office.code} is used by office[{seen_codes[office.code] + 1}] too",
                "give every office its own code",
                office=office.code,
            )
        seen_codes.setdefault(office.code, index)
        if office.mailbox and office.mailbox in seen_mailboxes:
            checker.add(
                "office",
                index,
                "mailbox",
                f"mailbox {office.mailbox} is used by office[{seen_mailboxes[office.mailbox] + 1}] too",
                "give every office its own mailbox",
                office=office.code,
            )
        seen_mailboxes.setdefault(office.mailbox, index)
    return offices
