"""The configuration as the rest of the program reads it: frozen values, no file handling.

`intake.settings.loader` builds these from `config/intake.toml`; `intake.settings.keys` says
which keys the file may hold.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import time
from enum import StrEnum
from functools import cached_property
from pathlib import Path
from zoneinfo import ZoneInfo

from vocabulary.offices import Office, OfficeDirectory, directory_of

JUNK_FOLDER = "垃圾邮件"
DEFAULT_FOLDERS = ("INBOX", JUNK_FOLDER)


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
    review: str = "risky"
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


class FilesStoreKind(StrEnum):
    """Where the shared files live (`[files] store`)."""

    FOLDER = "folder"  # the `[storage] files` folder (local disk, or NFS/CephFS for several hosts)
    S3 = "s3"  # a bucket of an S3-compatible object store


@dataclass(frozen=True)
class FilesSettings:
    """The files store (`[files]`): the `[storage] files` folder, or an S3-compatible bucket.
    With S3, `[storage] files` still names this machine's own folder (locks, the console's
    session key, digest copies); the keys come from the environment, never from the file."""

    store: FilesStoreKind = FilesStoreKind.FOLDER
    endpoint: str | None = None  # None: the provider's default for the region
    bucket: str | None = None
    region: str = "us-east-1"
    prefix: str = ""  # "" or a text ending in "/": several deployments may share a bucket
    timeout_seconds: float = 10.0


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
    review_confidence: float = 0.85


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
class OcrSettings:
    """How documents are read (`[ocr]`): `workers` reader processes read files at once, each
    under the `[limits]` time and memory limits; 0 means one per core."""

    workers: int = 0


@dataclass(frozen=True)
class RetentionSettings:
    """How long raw mail and attachments are kept (`[retention]`), in days: after a filing is
    complete, and after the last activity of a filing that never completed (or of a mail that
    belongs to no filing). The decision record is kept for ever."""

    days_after_complete: int = 180
    days_after_last_activity: int = 365


@dataclass(frozen=True)
class WebSettings:
    """The staff console (`[web]`): `public_url` is the address staff open it at, used for the
    links in digests (None: digests carry no links)."""

    public_url: str | None = None


@dataclass(frozen=True)
class ClusterSettings:
    """Workers on several hosts (`[cluster]`): the broker they share, and how each one works.
    Without a broker the deployment is one machine's `intake run`."""

    broker: str | None = None
    concurrency: int = 4  # tasks one `intake worker` runs at once (threads)
    sweep_seconds: int = 10  # how often work that no queued task carries is looked for
    redelivery_seconds: int = 600  # Redis: a task a dead worker held is given out again after it
    idle_connections: int = 20  # IMAP IDLE connections one worker keeps at most (0: none)


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
    web: WebSettings = WebSettings()
    cluster: ClusterSettings = ClusterSettings()
    ocr: OcrSettings = OcrSettings()
    files: FilesSettings = FilesSettings()

    @property
    def enabled_offices(self) -> tuple[OfficeSettings, ...]:
        """Offices that are enabled and have no error against them."""
        return tuple(o for o in self.offices if o.enabled)

    @property
    def directory(self) -> OfficeDirectory:
        """The offices this deployment serves, as decisions read them: every configured office
        (enabled or not: a disabled office still holds its filings)."""
        return directory_of(tuple(self.offices))

    def office(self, code: str) -> OfficeSettings | None:
        """The office with this code, or None (a look-up, not a search: a province's
        thousands of offices are asked for at every poll)."""
        return self._by_code.get(code)

    @cached_property
    def _by_code(self) -> dict[str, OfficeSettings]:
        found: dict[str, OfficeSettings] = {}
        for office in self.offices:
            found.setdefault(office.code, office)  # the first of a code, as a search finds
        return found

    def office_for_address(self, address: str) -> OfficeSettings | None:
        """The office whose mailbox is this address (case-insensitive), or None."""
        wanted = address.strip().lower()
        return next((o for o in self.offices if o.mailbox.lower() == wanted), None)
