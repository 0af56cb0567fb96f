"""Reads `config/intake.toml` into `Settings`: each table's keys checked against `keys`, and a
`ConfigProblem` naming file, line, key and fix for each mistake.

A mistake inside one `[[office]]` section disables that office only; a mistake in any other
table makes the whole file unusable. Secrets never stand in the file: each office names the
environment variable holding its authorization code.
"""

from __future__ import annotations

import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import time
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from intake.errors import ConfigError
from intake.settings import keys, model
from intake.settings.keys import OFFICE, SERVER, UNSET, Key, Kind, Section, Wording
from intake.settings.model import ConfigProblem, OfficeSettings, Settings, Severity
from vocabulary.divisions import DIVISIONS
from vocabulary.offices import office_by_code

DEFAULT_CONFIG = Path("config/intake.toml")
CONFIG_ENV = "INTAKE_CONFIG"

Fault = tuple[str, str, str]  # the key, what is wrong, the fix


def config_path(explicit: str | None, environ: Mapping[str, str]) -> Path:
    """The config file to use: the `--config` argument, else `$INTAKE_CONFIG`, else the default."""
    if explicit:
        return Path(explicit)
    if environ.get(CONFIG_ENV):
        return Path(environ[CONFIG_ENV])
    return DEFAULT_CONFIG


def load_settings(path: Path, environ: Mapping[str, str] | None = None) -> Settings:
    """Read and check the config file.

    Raises `ConfigError` (with every problem in its message) when the file cannot be used at all:
    missing, not TOML, or a mistake outside the `[[office]]` sections. Office mistakes are
    returned in `Settings.problems` and disable only that office.
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
    source = _File(path, _LineIndex(text), [])
    for name in data:
        if name not in keys.TABLES:
            fix = keys.rename_fix(name, keys.TABLES, list_known=False)
            line = source.lines.line(name, 0)
            source.problems.append(
                ConfigProblem(str(path), line, name, keys.UNKNOWN_TABLE, fix, Severity.WARNING)
            )
    stored = _read_section(source, keys.STORAGE, data)
    storage = model.StorageSettings(
        stored["database"], Path(stored["files"]), _path(stored["key_file"])
    )
    schedule = model.ScheduleSettings(**_read_section(source, keys.SCHEDULE, data))
    local_root = _path(_read_section(source, keys.MAILBOXES, data)["local_root"])
    sending = model.SendingSettings(**_read_section(source, keys.SENDING, data))
    limits = model.LimitsSettings(**_read_section(source, keys.LIMITS, data))
    retention = model.RetentionSettings(**_read_section(source, keys.RETENTION, data))
    web = model.WebSettings(**_read_section(source, keys.WEB, data))
    cluster = model.ClusterSettings(**_read_section(source, keys.CLUSTER, data))
    ocr = model.OcrSettings(**_read_section(source, keys.OCR, data))
    files = _files_settings(source, data, environ)
    fatal = [p for p in source.problems if p.severity is Severity.ERROR]
    if fatal:
        raise ConfigError("\n".join(str(p) for p in fatal))
    raw_offices = data.get("office", [])
    if not isinstance(raw_offices, list) or not raw_offices:
        raise ConfigError(
            f"{path}: no [[office]] sections (fix: add one [[office]] table per office mailbox)"
        )
    offices = [
        office_settings(source, i, raw, environ, local_root is not None)
        for i, raw in enumerate(raw_offices)
    ]
    _report_duplicates(source, offices)
    problems = tuple(source.problems)
    broken = {p.office for p in problems if p.severity is Severity.ERROR and p.office}
    final = tuple(replace(o, enabled=o.enabled and o.code not in broken) for o in offices)
    return Settings(
        path,
        storage,
        schedule,
        final,
        local_root,
        problems,
        sending,
        limits,
        retention=retention,
        web=web,
        cluster=cluster,
        ocr=ocr,
        files=files,
    )


def _files_settings(
    source: _File, data: Mapping[str, Any], environ: Mapping[str, str]
) -> model.FilesSettings:
    """The `[files]` table; an S3 store must name its bucket, and its keys must be in the
    environment (a warning: `config check` may run where the service's secrets are not)."""
    from intake.store.s3files import ACCESS_KEY_ENV, SECRET_KEY_ENV

    read = _read_section(source, keys.FILES, data)
    settings = model.FilesSettings(
        model.FilesStoreKind(read["store"] if read["store"] in ("folder", "s3") else "folder"),
        read["endpoint"] or None,
        read["bucket"] or None,
        read["region"],
        read["prefix"],
        read["timeout_seconds"],
    )
    if settings.store is model.FilesStoreKind.S3:
        table = _Table(source, keys.FILES)
        if settings.bucket is None:
            table.problem("store", *keys.BUCKET_MISSING())
        for name in (ACCESS_KEY_ENV, SECRET_KEY_ENV):
            if not environ.get(name):
                table.problem("store", *keys.S3_KEYS_NOT_SET(name=name), Severity.WARNING)
    return settings


def known_division(code: str) -> bool:
    """Whether an office code is a division of the national table or one of the notice's
    offices (the development zone has a code of its own that the table lacks)."""
    return code in DIVISIONS or office_by_code(code) is not None


def office_settings(
    source: _File, index: int, raw: Any, environ: Mapping[str, str], local: bool
) -> OfficeSettings:
    """One `[[office]]` section; its mistakes are recorded against the office."""
    table = _mapping(raw)
    code, code_faults = read_value(OFFICE["code"], table)
    label = code or f"office[{index + 1}]"
    office = _Table(source, OFFICE, index, office=label)
    office.unknown(table)
    office.record(code_faults)
    if code and not code_faults and not known_division(code):
        office.problem("code", *keys.UNKNOWN_DIVISION(value=code), Severity.WARNING)
    name = office.read("name", table)
    mailbox = office.read("mailbox", table)
    password_env = office.read("password_env", table, required=not local, code=code or "130582")
    if not local and keys.ENV_NAME_RE.match(password_env) and not environ.get(password_env):
        office.problem("password_env", *keys.PASSWORD_NOT_SET(name=password_env))
    hosts = keys.NETEASE_HOSTS.get(mailbox.rpartition("@")[2], (None, None))
    imap = _server(office, "imap", table.get("imap"), hosts[0], local)
    smtp = _server(office, "smtp", table.get("smtp"), hosts[1], local)
    folders = office.read("folders", table)
    digest_to = office.read("digest_to", table, default=(mailbox,) if mailbox else ())
    enabled = office.read("enabled", table)
    published = office_by_code(code)
    return OfficeSettings(
        code=label,
        name=name,
        area=published.area if published else "",
        area_now=published.area_now if published else None,
        mailbox=mailbox,
        address=office.read("address", table),
        phone=office.read("phone", table),
        contacts=office.read("contacts", table),
        password_env=password_env,
        imap=imap,
        smtp=smtp,
        folders=folders,
        folders_explicit="folders" in table,
        digest_to=digest_to,
        enabled=enabled,
        review=office.read("review", table),
        line=source.lines.line("office", index),
    )


def _server(office: _Table, key: str, raw: Any, host: str | None, local: bool) -> model.Endpoint:
    """An office's `imap` or `smtp` table; absent keys are the NetEase defaults."""
    port = OFFICE[key].default
    if raw is not None and not isinstance(raw, Mapping):
        office.problem(key, *OFFICE[key].wording(key=key, default=port))
    table = _mapping(raw)
    server = replace(office, section=SERVER, prefix=f"{key}.")
    server.unknown(table)
    found = table.get("host", host)
    if not found or not isinstance(found, str):
        if not local:
            office.problem(key, *SERVER["host"].wording(key=key, port=port))
        found = ""
    return model.Endpoint(
        found,
        server.read("port", table, default=port),
        server.read("security", table),
        server.read("ca_file", table),
        server.read("timeout_seconds", table),
    )


def _report_duplicates(source: _File, offices: list[OfficeSettings]) -> None:
    seen: dict[tuple[str, str], int] = {}
    for index, office in enumerate(offices):
        for key, value, wording in (
            ("code", office.code, keys.CODE_TAKEN),
            ("mailbox", office.mailbox, keys.MAILBOX_TAKEN),
        ):
            if value and (key, value) in seen:
                message, fix = wording(value=value, other=seen[(key, value)] + 1)
                _Table(source, OFFICE, index, office=office.code).problem(key, message, fix)
            seen.setdefault((key, value), index)


def read_value(
    key: Key,
    raw: Mapping[str, Any],
    *,
    default: object = UNSET,
    required: bool | None = None,
    **context: Any,
) -> tuple[Any, list[Fault]]:
    """The value of `key` in the table `raw` (its default when absent or wrong), and what is
    wrong with it; `context` fills in the fix texts."""
    fallback = key.default if default is UNSET else default
    faults: list[Fault] = []

    def fault(wording: Wording, value: Any) -> None:
        message, fix = wording(key=key.name, value=value, default=fallback, **context)
        faults.append((key.name, message, fix))

    if key.name in raw:
        value = raw[key.name]
    elif fallback is None:
        return None, faults
    elif key.kind is Kind.TEXT and (key.required if required is None else required):
        fault(keys.MISSING, None)
        return "", faults
    else:
        value = "" if fallback is UNSET else fallback
    result = _convert(key, value, fallback, fault)
    if key.pattern is not None:
        texts = result if isinstance(result, tuple) else (result,)
        for text in texts:
            if (text or key.kind is not Kind.TEXT) and not key.pattern.match(text):
                fault(key.wording, text)
    if key.refused is not None and isinstance(result, str) and key.refused[0].match(result):
        fault(key.refused[1], result)
    return result, faults


def _convert(key: Key, value: Any, fallback: Any, fault: Any) -> Any:
    """`value` as its key's kind; a value not of the kind is reported and read as `fallback`."""
    kind = key.kind
    if kind is Kind.CODE:
        return str(value).strip()
    if kind is Kind.TEXT:
        if not isinstance(value, str):
            fault(keys.NOT_QUOTED, value)
        text = value.strip() if isinstance(value, str) else str(value)
        return text.lower() if key.lower else text
    if kind is Kind.TEXTS:
        if isinstance(value, str):
            fault(keys.NOT_A_LIST, value)
            return (value,)
        if not isinstance(value, list | tuple) or not all(
            isinstance(v, str) and v.strip() for v in value
        ):
            fault(keys.NOT_TEXTS, value)
            value = fallback
        return tuple(v.strip() for v in value)
    if kind in (Kind.WHOLE, Kind.NUMBER):
        number = isinstance(value, int | float) and not isinstance(value, bool)
        of_kind = kind is Kind.NUMBER or isinstance(value, int)
        if number and of_kind and key.low <= value <= key.high:
            return int(value) if kind is Kind.WHOLE else float(value)
    elif kind is Kind.ZONE:
        try:
            return ZoneInfo(str(value))
        except (ZoneInfoNotFoundError, ValueError):
            fault(key.wording, value)
            return ZoneInfo(fallback)
    elif kind is Kind.CLOCK:
        clock = _clock_time(value)
        if clock is not None:
            return clock
        fault(key.wording, value)
        return _clock_time(fallback)
    elif kind is Kind.SECURITY:
        try:
            return model.Security(str(value))
        except ValueError:
            fault(key.wording, str(value))
            return model.Security(fallback)
    elif (
        (kind is Kind.FLAG and isinstance(value, bool))
        or (kind is Kind.PATH and isinstance(value, str) and value.strip())
        or (kind is Kind.FILE and isinstance(value, str) and Path(value).is_file())
    ):
        return value
    fault(key.wording, value)
    return fallback


def _clock_time(value: Any) -> time | None:
    if isinstance(value, time):
        return value
    match = re.fullmatch(r"(\d{1,2}):(\d{2})", str(value).strip())
    if not match or int(match.group(1)) > 23 or int(match.group(2)) > 59:
        return None
    return time(int(match.group(1)), int(match.group(2)))


def _mapping(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _path(value: str | None) -> Path | None:
    return Path(value) if value else None


def _read_section(source: _File, section: Section, data: Mapping[str, Any]) -> dict[str, Any]:
    """Every key of a table other than `[[office]]`, by name."""
    raw = _mapping(data.get(section.name))
    table = _Table(source, section)
    table.unknown(raw)
    return {key.name: table.read(key.name, raw) for key in section.keys}


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


@dataclass
class _File:
    """The file being read: where its keys stand, and the problems found so far."""

    path: Path
    lines: _LineIndex
    problems: list[ConfigProblem]


@dataclass(frozen=True)
class _Table:
    """One table of the file: its keys are checked against `section`, and its problems recorded
    where it stands (an `[[office]]` by its index, a server table by its key as `prefix`)."""

    file: _File
    section: Section
    index: int = 0
    office: str | None = None
    prefix: str = ""

    def problem(
        self, key: str, message: str, fix: str, severity: Severity = Severity.ERROR
    ) -> None:
        table = "office" if self.office is not None else self.section.name
        line = self.file.lines.line(table, self.index, (self.prefix + key).split(".")[0])
        shown = f"office[{self.index + 1}]" if table == "office" else table
        where = (str(self.file.path), line, f"{shown}.{self.prefix}{key}")
        self.file.problems.append(ConfigProblem(*where, message, fix, severity, self.office))

    def record(self, faults: list[Fault]) -> None:
        for fault in faults:
            self.problem(*fault)

    def read(self, name: str, raw: Mapping[str, Any], **options: Any) -> Any:
        value, faults = read_value(self.section[name], raw, **options)
        self.record(faults)
        return value

    def unknown(self, raw: Mapping[str, Any]) -> None:
        for name, fix in self.section.unknown_keys(raw):
            self.problem(name, keys.UNKNOWN_KEY, fix, self.section.unknown)


def key_line(settings: Settings, table: str, key: str) -> int:
    """The line of `key` in `[table]` of the settings' file (its table's line when the key is
    absent; 0 when neither is there)."""
    text = settings.path.read_text(encoding="utf-8") if settings.path.exists() else ""
    return _LineIndex(text).line(table, 0, key)


def key_problems(settings: Settings, environ: Mapping[str, str]) -> list[ConfigProblem]:
    """What keeps the encryption key from being used (for `intake config check`)."""
    from intake.privacy import crypto

    def problem(line: int, key: str, message: str, fix: str) -> list[ConfigProblem]:
        return [ConfigProblem(str(settings.path), line, key, message, fix)]

    if environ.get(crypto.KEYS_ENV, "").strip():
        try:
            crypto.parse_keys(environ[crypto.KEYS_ENV], crypto.KEYS_ENV)
        except ConfigError as exc:
            return problem(0, crypto.KEYS_ENV, str(exc), "intake keys new")
        return []
    line = _LineIndex(settings.path.read_text(encoding="utf-8") if settings.path.exists() else "")
    key_file = settings.storage.key_file
    if key_file is None:
        return problem(
            line.line("storage", 0),
            "storage.key_file",
            "no encryption key: neither key_file nor INTAKE_KEYS is set",
            'add key_file = "/etc/intake/keys" under [storage], then run intake keys new',
        )
    try:
        crypto.load_keyring(key_file, {})
    except ConfigError as exc:
        message, _, fix = str(exc).partition(" (fix: ")
        where = line.line("storage", 0, "key_file")
        return problem(where, "storage.key_file", message, fix.rstrip(")") or "intake keys new")
    return []
