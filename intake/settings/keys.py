"""Every key `config/intake.toml` may hold, in one table: its kind, range, default and the fix
for a wrong value. The loader checks each value, and names each unknown key with the known key
it most resembles, from this table alone; the wording of every problem lives here."""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Iterator, Mapping
from dataclasses import KW_ONLY, dataclass
from enum import Enum, StrEnum
from typing import Any

from intake.settings.model import (
    DEFAULT_FOLDERS,
    ClusterSettings,
    FilesSettings,
    LimitsSettings,
    OcrSettings,
    RetentionSettings,
    SendingSettings,
    Severity,
)

EMAIL_RE = re.compile(r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")
ENV_NAME_RE = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
OFFICE_CODE_RE = re.compile(r"^\d{6}$")
DATABASE_URL_RE = re.compile(r"^(sqlite|postgresql)(\+\w+)?://")
PUBLIC_URL_RE = re.compile(r"^https?://[^\s\"'<>]+$")
REVIEW_RE = re.compile(r"^(off|risky|all)$")
BROKER_URL_RE = re.compile(r"^(amqp|amqps|pyamqp|redis|rediss)://")
PASSWORD_IN_BROKER_RE = re.compile(r"^\w+://[^/@]*:(?!guest@)[^/@]+@")
PASSWORD_IN_URL_RE = re.compile(r"^postgresql(\+\w+)?://[^/@]*:[^/@]+@")

NETEASE_HOSTS = {
    "163.com": ("imap.163.com", "smtp.163.com"),
    "126.com": ("imap.126.com", "smtp.126.com"),
}


class Kind(StrEnum):
    """What a value must be; the loader reads each kind in its own way."""

    CODE = "code"  # anything, read as its text (a code written without quotes still counts)
    TEXT = "text"  # text in quotes; anything else is reported and read as its text
    PATH = "path"  # a non-blank text: a database URL, a file or a folder
    FILE = "file"  # the path of a file that exists
    TEXTS = "texts"  # a list of non-empty texts
    FLAG = "flag"  # true or false
    WHOLE = "whole"  # a whole number from `low` to `high`
    NUMBER = "number"  # a whole or decimal number from `low` to `high`
    ZONE = "zone"  # a time zone name, e.g. "Asia/Shanghai"
    CLOCK = "clock"  # a time of day, "HH:MM"
    SECURITY = "security"  # ssl, starttls or none
    SERVER = "server"  # an inline table of the SERVER keys


class Unset(Enum):
    """The default of a key that has none: it must be given."""

    UNSET = "unset"


UNSET = Unset.UNSET


@dataclass(frozen=True)
class Wording:
    """A problem's message and its fix; `{key}`, `{value}`, `{default}` and the loader's
    context (`{code}`, `{port}`, `{name}`) are filled in by `str.format`."""

    message: str
    fix: str

    def __call__(self, **fields: Any) -> tuple[str, str]:
        return self.message.format(**fields), self.fix.format(**fields)


NOT_QUOTED = Wording("must be text in quotes, not {value!r}", '{key} = "{value}"')
MISSING = Wording("missing", 'add {key} = "…" to this office')
NOT_A_LIST = Wording("must be a list", '{key} = ["{value}"]')
NOT_TEXTS = Wording("must be a list of non-empty texts, not {value!r}", 'e.g. {key} = ["…"]')
PASSWORD_NOT_SET = Wording(
    "environment variable {name} is not set",
    "export {name}=<the mailbox's 16-character authorization code (授权码)>",
)
CODE_TAKEN = Wording(
    "code {value} is used by office[{other}] too", "give every office its own code"
)
MAILBOX_TAKEN = Wording(
    "mailbox {value} is used by office[{other}] too", "give every office its own mailbox"
)
UNKNOWN_DIVISION = Wording(
    "{value} is no division code in the national table (2020)",
    "use the six-digit code of the office's county, city or district, e.g. 130582 for 沙河市",
)
UNKNOWN_KEY = "unknown key"
UNKNOWN_TABLE = "unknown table"


@dataclass(frozen=True)
class Key:
    """One key of a section: what it takes, what it is when absent, and how to fix it."""

    name: str
    kind: Kind
    default: object = UNSET  # what an absent key means; UNSET: `required`, or found another way
    message: str = ""  # what a bad value is told; "" for the kind's own words (numbers, flags)
    fix: str = ""  # how to write a good value; "" when only the kind's own problems can arise
    _: KW_ONLY
    required: bool = False
    low: float = -math.inf
    high: float = math.inf
    unit: str = ""  # what a number counts, e.g. " of days"
    pattern: re.Pattern[str] | None = None  # a text (each text of a list) must match it
    lower: bool = False  # the text is read in lower case
    refused: tuple[re.Pattern[str], Wording] | None = None  # a text that matches is refused

    @property
    def wording(self) -> Wording:
        """The message and fix of a value that breaks this key's own rule (its pattern, its
        range); empty for a key with no rule beyond its kind."""
        if self.kind in (Kind.WHOLE, Kind.NUMBER) and not self.message:
            what = "a whole number" if self.kind is Kind.WHOLE else "a number"
            span = f"from {_plain(self.low)} to {_plain(self.high)}"
            return Wording(f"must be {what}{self.unit} {span}, not {{value!r}}", self.fix)
        if self.kind is Kind.FLAG and not self.message:
            return Wording("must be true or false, not {value!r}", self.fix)
        return Wording(self.message, self.fix)

    @property
    def wordings(self) -> tuple[Wording, ...]:
        """Every problem this key can be reported with."""
        kind = {
            Kind.TEXT: (NOT_QUOTED, MISSING) if self.required else (NOT_QUOTED,),
            Kind.TEXTS: (NOT_A_LIST, NOT_TEXTS),
        }.get(self.kind, ())
        own = (self.wording,) if self.wording.message else ()
        return (*kind, *own, *((self.refused[1],) if self.refused else ()))


def _plain(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else f"{number:g}"


def number(name: str, low: float, high: float, default: float, unit: str = "") -> Key:
    """A number within a range (whole when its default is), fixed by writing its default."""
    kind = Kind.WHOLE if isinstance(default, int) else Kind.NUMBER
    return Key(name, kind, default, fix="{key} = {default}", low=low, high=high, unit=unit)


@dataclass(frozen=True)
class Section:
    """A table of the file and the keys it may hold."""

    name: str
    keys: tuple[Key, ...]
    unknown: Severity = Severity.WARNING  # how bad a key not in `keys` is
    list_known: bool = True  # whether the fix for an unknown key lists the known ones

    def __getitem__(self, name: str) -> Key:
        return next(k for k in self.keys if k.name == name)

    @property
    def names(self) -> tuple[str, ...]:
        """The known keys, in the order the file documents them."""
        return tuple(k.name for k in self.keys)

    def unknown_keys(self, data: Mapping[str, Any]) -> Iterator[tuple[str, str]]:
        """Each key of `data` this section does not know, with its fix."""
        for name in data:
            if name not in self.names:
                yield name, rename_fix(name, self.names, self.list_known)


def rename_fix(name: str, known: tuple[str, ...], list_known: bool) -> str:
    """Rename an unknown name to the known one it resembles; else remove it."""
    close = difflib.get_close_matches(name, known, n=1)
    if close:
        return f'rename it to "{close[0]}"'
    return f"remove it; known keys: {', '.join(known)}" if list_known else "remove it"


STORE_RE = re.compile(r"^(folder|s3)$")
ENDPOINT_RE = re.compile(r"^https?://[^\s/\"'<>]+/?$")
BUCKET_RE = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
REGION_RE = re.compile(r"^[a-z0-9-]{1,40}$")
PREFIX_RE = re.compile(r"^([A-Za-z0-9._-]+/)*$")
BUCKET_MISSING = Wording(
    'store = "s3" names no bucket', 'add bucket = "xt-intake" (the bucket every worker shares)'
)
S3_KEYS_NOT_SET = Wording(
    "environment variable {name} is not set: a worker would refuse to start",
    "export {name}=<the object store's key> in the service's environment (never in this file)",
)
PASSWORD_IN_URL = Wording(
    "a password stands in the file",
    "remove it from the URL and set PGPASSWORD (or ~/.pgpass) in the service's environment",
)
_SEND, _LIMIT, _KEEP, _MB = SendingSettings(), LimitsSettings(), RetentionSettings(), 1024 * 1024
_CLUSTER = ClusterSettings()
PASSWORD_IN_BROKER = Wording(
    "a password stands in the file",
    "remove it from the URL and set INTAKE_BROKER_PASSWORD in the service's environment",
)
_OCR = OcrSettings()
_FILES = FilesSettings()
_SERVER = '{key} = {{ host = "{key}.163.com", port = {default}, security = "ssl" }}'
_MAIL = "not a mail address: {value!r}"

# One row a key: name, kind, default, then the message and fix of a value it does not take.
# fmt: off
STORAGE = Section("storage", (
    Key("database", Kind.PATH, "sqlite:///var/intake.db", "not a database URL: {value!r}",
        'use "sqlite:///var/intake.db" or "postgresql+psycopg://user@host/db"',
        pattern=DATABASE_URL_RE, refused=(PASSWORD_IN_URL_RE, PASSWORD_IN_URL)),
    Key("files", Kind.PATH, "var/files", "must be a folder path", 'e.g. files = "var/files"'),
    Key("key_file", Kind.PATH, None, "must be a file path",
        'e.g. key_file = "/etc/intake/keys" (made by intake keys new)'),
))
FILES = Section("files", (  # absent: the [storage] files folder holds the files
    Key("store", Kind.TEXT, "folder", "must be folder or s3, not {value!r}", 'store = "folder"',
        pattern=STORE_RE, lower=True),
    Key("endpoint", Kind.TEXT, None, "not an http(s) address of a server: {value!r}",
        'e.g. endpoint = "https://s3.example.internal:9000"', pattern=ENDPOINT_RE),
    Key("bucket", Kind.TEXT, None, "not a bucket name: {value!r}",
        'e.g. bucket = "xt-intake" (3-63 lower-case letters, digits, dots, hyphens)',
        pattern=BUCKET_RE),
    Key("region", Kind.TEXT, _FILES.region, "not a region name: {value!r}",
        'e.g. region = "us-east-1"', pattern=REGION_RE),
    Key("prefix", Kind.TEXT, _FILES.prefix, "must be empty or end with \"/\", not {value!r}",
        'e.g. prefix = "xingtai/"', pattern=PREFIX_RE),
    number("timeout_seconds", 1, 600, _FILES.timeout_seconds),
))
SCHEDULE = Section("schedule", (
    Key("timezone", Kind.ZONE, "Asia/Shanghai", "unknown time zone {value!r}",
        'use "Asia/Shanghai"'),
    Key("poll_every_minutes", Kind.WHOLE, 5, fix="e.g. poll_every_minutes = 5",
        low=1, high=1440, unit=" of minutes"),
    Key("digest_at", Kind.CLOCK, "17:30", "not a time of day: {value!r}",
        'write it as "HH:MM", e.g. "17:30"'),
))
MAILBOXES = Section("mailboxes", (
    Key("local_root", Kind.PATH, None, "must be a folder path",
        'e.g. local_root = "samples/demo/mailboxes"'),
))
SENDING = Section("sending", (
    number("replies_per_address_per_day", 1, 100,     _SEND.replies_per_address_per_day),
    number("replies_per_office_per_day",  1, 10000,   _SEND.replies_per_office_per_day),
    number("seconds_between_sends",       0, 600,     _SEND.seconds_between_sends),
    number("bounce_days",                 1, 3650,    _SEND.bounce_days),
    number("max_attempts",                1, 100,     _SEND.max_attempts),
    Key("mask_ids_in_xlsx", Kind.FLAG, _SEND.mask_ids_in_xlsx, "must be true or false",
        "mask_ids_in_xlsx = true"),
    # a field read below this confidence makes a reply "risky" (see the office key review)
    Key("review_confidence", Kind.NUMBER, _SEND.review_confidence, fix="review_confidence = 0.85",
        low=0, high=1),
))
LIMITS = Section("limits", (
    number("max_mail_bytes",       _MB,       4 * 1024**3, _LIMIT.max_mail_bytes),
    number("max_attachments",      1,         10_000,      _LIMIT.max_attachments),
    number("max_mime_depth",       2,         100,         _LIMIT.max_mime_depth),
    number("max_archive_members",  1,         100_000,     _LIMIT.max_archive_members),
    number("max_archive_depth",    1,         10,          _LIMIT.max_archive_depth),
    number("max_archive_ratio",    10,        10_000,      _LIMIT.max_archive_ratio),
    number("max_archive_bytes",    _MB,       4 * 1024**3, _LIMIT.max_archive_bytes),
    number("max_pages",            1,         1000,        _LIMIT.max_pages),
    number("max_pixels",           1_000_000, 500_000_000, _LIMIT.max_pixels),
    number("max_document_bytes",   _MB,       1024**3,     _LIMIT.max_document_bytes),
    number("seconds_per_document", 1,         3600,        _LIMIT.seconds_per_document),
    number("ocr_memory_mb",        300,       64_000,      _LIMIT.ocr_memory_mb),
))
OCR = Section("ocr", (  # workers = 0: one reader process per core
    number("workers", 0, 64, _OCR.workers),
))
RETENTION = Section("retention", (
    number("days_after_complete",      1, 36500, _KEEP.days_after_complete, " of days"),
    number("days_after_last_activity", 1, 36500, _KEEP.days_after_last_activity, " of days"),
))
WEB = Section("web", (
    # absent: digests carry no links to the staff console
    Key("public_url", Kind.TEXT, None, "not a web address: {value!r}",
        'e.g. public_url = "https://beian.example.gov.cn"', pattern=PUBLIC_URL_RE),
))
CLUSTER = Section("cluster", (  # absent: the single-machine worker (`intake run`)
    Key("broker", Kind.TEXT, None, "not a broker URL: {value!r}",
        'e.g. broker = "amqp://guest@127.0.0.1:5672//" or "redis://127.0.0.1:6379/0"',
        pattern=BROKER_URL_RE, refused=(PASSWORD_IN_BROKER_RE, PASSWORD_IN_BROKER)),
    number("concurrency",         1, 256,  _CLUSTER.concurrency),
    number("sweep_seconds",       1, 3600, _CLUSTER.sweep_seconds),
    number("redelivery_seconds",  10, 86400, _CLUSTER.redelivery_seconds),
    number("idle_connections",    0, 10000, _CLUSTER.idle_connections),
))
SERVER = Section("server", (  # an office's imap or smtp table; an unknown key is an error
    # absent: the NetEase server of the mailbox's domain
    Key("host", Kind.TEXT, None, "no server: the mailbox is not at 163.com or 126.com",
        'add {key} = {{ host = "…", port = {port}, security = "ssl" }}'),
    # absent: the office key's default, 993 for imap and 465 for smtp
    Key("port", Kind.WHOLE, 993, "must be a port number 1-65535, not {value!r}",
        "port = {default}", low=1, high=65535),
    Key("security", Kind.SECURITY, "ssl", "must be ssl, starttls or none, not {value!r}",
        'security = "ssl"'),
    Key("ca_file", Kind.FILE, None, "no such file: {value!r}",
        "point it at a PEM file of trusted certificates"),
    Key("timeout_seconds", Kind.NUMBER, 60.0, "must be a positive number, not {value!r}",
        "timeout_seconds = 60", low=math.ulp(0.0)),  # the smallest number above 0
), unknown=Severity.ERROR, list_known=False)
OFFICE = Section("office", (
    Key("code", Kind.CODE, UNSET, "must be the six-digit office code, not {value!r}",
        'e.g. code = "130582"', required=True, pattern=OFFICE_CODE_RE),
    Key("name", Kind.TEXT, required=True),
    Key("mailbox", Kind.TEXT, UNSET, _MAIL, 'e.g. mailbox = "shhlwxxb@163.com"',
        required=True, pattern=EMAIL_RE, lower=True),
    Key("address", Kind.TEXT, ""),
    Key("phone", Kind.TEXT, ""),
    Key("contacts", Kind.TEXTS, ()),
    # not required with [mailboxes] local_root
    Key("password_env", Kind.TEXT, UNSET, "not an environment variable name: {value!r}",
        'e.g. password_env = "INTAKE_PASSWORD_{code}" (the code itself never goes in this file)',
        required=True, pattern=ENV_NAME_RE),
    # absent: the NetEase servers of the mailbox's domain, at these ports, over ssl
    Key("imap", Kind.SERVER, 993, "must be a table", _SERVER),
    Key("smtp", Kind.SERVER, 465, "must be a table", _SERVER),
    Key("folders", Kind.TEXTS, DEFAULT_FOLDERS),
    # absent: the office's own mailbox
    Key("digest_to", Kind.TEXTS, (), _MAIL, 'list plain addresses, e.g. ["a@163.com"]',
        pattern=EMAIL_RE),
    Key("enabled", Kind.FLAG, True, fix="enabled = true"),
    # which replies wait for a person before they go out: none, risky ones, or all
    Key("review", Kind.TEXT, "risky", "must be off, risky or all, not {value!r}",
        'review = "risky"', pattern=REVIEW_RE, lower=True),
))
# fmt: on
SECTIONS = (
    STORAGE,
    FILES,
    SCHEDULE,
    OFFICE,
    MAILBOXES,
    SENDING,
    LIMITS,
    OCR,
    RETENTION,
    WEB,
    CLUSTER,
)
TABLES = tuple(s.name for s in SECTIONS)
