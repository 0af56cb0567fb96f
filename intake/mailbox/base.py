"""What the fetcher needs from a mailbox, and the typed errors a mailbox adapter raises.

An adapter opens a `MailboxSession` for one office; the session lists folders, tells a folder's
UIDVALIDITY and UIDNEXT without opening it, opens one (giving its UIDVALIDITY), lists UIDs, and
fetches raw bytes without changing anything on the server.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from intake.errors import PermanentError, TransientError


class MailboxProblem(StrEnum):
    """What went wrong with a mailbox, in words an admin acts on."""

    WRONG_PASSWORD = "wrong_password"
    NOT_ENABLED = "not_enabled"
    UNSAFE_LOGIN = "unsafe_login"
    UNREACHABLE = "unreachable"
    TLS_FAILURE = "tls_failure"
    FOLDER_MISSING = "folder_missing"
    DROPPED = "dropped"
    TIMEOUT = "timeout"
    NO_PASSWORD = "no_password"
    PROTOCOL = "protocol"


ADVICE: dict[MailboxProblem, str] = {
    MailboxProblem.WRONG_PASSWORD: (
        "wrong authorization code: the server refused the login. Use the 16-character "
        "authorization code (授权码) from the mailbox's web settings, not the web password"
    ),
    MailboxProblem.NOT_ENABLED: (
        "the service is not enabled for this account: turn on IMAP/SMTP in the mailbox's web "
        "settings (设置 → POP3/SMTP/IMAP)"
    ),
    MailboxProblem.UNSAFE_LOGIN: (
        '"Unsafe Login": the server refused to open folders because it did not accept the IMAP '
        "ID command; the login itself worked. Check that nothing between us and the server strips "
        "the ID command, or contact NetEase support (kefu@188.com) about this account"
    ),
    MailboxProblem.UNREACHABLE: "server unreachable: check the host name, port and network",
    MailboxProblem.TLS_FAILURE: (
        "TLS failure: the secure connection could not be made; check port and security "
        "(993/ssl for IMAP, 465/ssl for SMTP at 163.com and 126.com)"
    ),
    MailboxProblem.FOLDER_MISSING: "the folder does not exist on the server: fix `folders` in the config",
    MailboxProblem.DROPPED: "the server closed the connection; retried at the next poll",
    MailboxProblem.TIMEOUT: "the server did not answer in time; retried at the next poll",
    MailboxProblem.NO_PASSWORD: "the environment variable holding the authorization code is not set",
    MailboxProblem.PROTOCOL: "the server answered something unexpected",
}


class MailboxPermanentError(PermanentError):
    """A mailbox error that needs a person: wrong code, service off, missing folder, TLS."""

    def __init__(self, problem: MailboxProblem, detail: str) -> None:
        super().__init__(f"{ADVICE[problem]} ({detail})")
        self.problem = problem
        self.detail = detail


class MailboxTransientError(TransientError):
    """A mailbox error worth retrying at the next poll: dropped, timed out, unreachable."""

    def __init__(self, problem: MailboxProblem, detail: str) -> None:
        super().__init__(f"{ADVICE[problem]} ({detail})")
        self.problem = problem
        self.detail = detail


@dataclass(frozen=True)
class FetchedMail:
    """One message's raw bytes, as the server holds them, with its UID.

    A mail too large to hold in memory comes as `stream` (its bytes in pieces, read from the
    server while they are consumed; `raw` is then empty)."""

    uid: int
    raw: bytes
    stream: Iterator[bytes] | None = None


@dataclass(frozen=True)
class FolderStatus:
    """A folder's UIDVALIDITY and UIDNEXT as the server tells them without opening it (IMAP
    STATUS): while UIDVALIDITY stays, UIDNEXT changes whenever a mail is added and never
    otherwise (RFC 3501, 2.3.1.1)."""

    uidvalidity: int
    uidnext: int


@dataclass(frozen=True)
class HeaderSummary:
    """A message's Message-ID and size, fetched without its body (for UIDVALIDITY re-scans)."""

    uid: int
    message_id: str | None
    size: int


class MailboxSession(Protocol):
    """An open connection to one office's mailbox."""

    def list_folders(self) -> list[str]:
        """Folder names, decoded (e.g. 垃圾邮件)."""
        ...

    def junk_folders(self) -> list[str]:
        """Folders the server marks as junk (SPECIAL-USE \\Junk), decoded."""
        ...

    def status(self, folder: str) -> FolderStatus | None:
        """The folder's UIDVALIDITY and UIDNEXT without opening it; None when the mailbox
        cannot tell them (the caller then looks at every UID)."""
        ...

    def select(self, folder: str) -> int:
        """Open `folder` read-only and return its UIDVALIDITY."""
        ...

    def uids(self) -> list[int]:
        """Every UID in the selected folder."""
        ...

    def sizes(self, uids: Sequence[int]) -> dict[int, int]:
        """The size of each message, fetched without its body."""
        ...

    def headers(self, uids: Sequence[int]) -> list[HeaderSummary]:
        """Message-ID and size of each message, fetched without its body."""
        ...

    def fetch(self, uids: Sequence[int]) -> Iterator[FetchedMail]:
        """Raw bytes of each message, never marking anything seen."""
        ...

    def sent_folder(self) -> str | None:
        """The folder where sent mail is kept, or None when there is none."""
        ...

    def contains_message_id(self, folder: str, message_id: str) -> bool:
        """Whether the folder holds a mail with this Message-ID."""
        ...

    def append(self, folder: str, raw: bytes) -> None:
        """Store a copy of a mail in the folder."""
        ...

    def close(self) -> None:
        """Log out; never raises."""
        ...


class MailboxAdapter(Protocol):
    """Opens sessions; one adapter serves every office of a deployment."""

    def open(self, office_code: str) -> MailboxSession:
        """Log in to the office's mailbox. Raises Mailbox*Error."""
        ...
