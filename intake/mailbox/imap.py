"""The IMAP adapter, on imap-tools, written for NetEase (Coremail) servers.

It logs in without selecting a folder, sends the RFC 2971 `ID` command on every new connection
(163.com and 126.com refuse SELECT with "Unsafe Login" without it), asks a folder's STATUS, opens
folders read-only (EXAMINE) and fetches with `BODY.PEEK[]`, so nothing on the server changes.
Every failure leaves this module as a `MailboxPermanentError` or `MailboxTransientError` carrying
a `MailboxProblem`.

No command is sent that the work does not need: the capabilities a server names in its greeting
(RFC 3501, 7.1) are taken from there instead of asking again, the folder list is asked once per
connection, and a read-only folder needs no CLOSE before LOGOUT.
"""

from __future__ import annotations

import imaplib
import re
import socket
import ssl
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager, suppress
from typing import TypeVar

from imap_tools import MailBox, MailBoxStartTls, MailBoxUnencrypted
from imap_tools.errors import ImapToolsError, MailboxStarttlsError, UnexpectedCommandStatusError
from imap_tools.folder import FolderInfo
from imap_tools.mailbox import BaseMailBox
from imap_tools.utils import check_command_status

from intake.mailbox.base import (
    FetchedMail,
    FolderStatus,
    HeaderSummary,
    MailboxPermanentError,
    MailboxProblem,
    MailboxTransientError,
)
from intake.settings import Endpoint, Security

ID_ARGUMENT = '("name" "xt-intake" "version" "0.1.0" "vendor" "Xingtai new-media intake")'
SENT_FOLDER_NAMES = ("已发送", "Sent", "Sent Messages", "Sent Items", "INBOX.Sent")
FETCH_BATCH_BYTES = 16 * 1024 * 1024
FETCH_BATCH_COUNT = 50
STREAM_ABOVE = FETCH_BATCH_BYTES
STREAM_PIECE = 8 * 1024 * 1024
SIZE_QUERY_CHUNK = 500

_UID_RE = re.compile(rb"UID (\d+)")
_SIZE_RE = re.compile(rb"RFC822\.SIZE (\d+)")
_MESSAGE_ID_RE = re.compile(rb"^Message-ID:\s*(.*?)\s*$", re.IGNORECASE | re.MULTILINE)
T = TypeVar("T")


def ssl_context(endpoint: Endpoint) -> ssl.SSLContext:
    """A verifying TLS context, trusting `ca_file` too when the config names one."""
    context = ssl.create_default_context()
    if endpoint.ca_file:
        context.load_verify_locations(cafile=endpoint.ca_file)
    return context


def classify_imap_failure(text: str, during: str) -> MailboxProblem:
    """The problem behind a NO/BAD answer, from the server's words (Coremail's included)."""
    lowered = text.lower()
    if "unsafe login" in lowered:
        return MailboxProblem.UNSAFE_LOGIN
    if any(
        w in lowered
        for w in ("not enabled", "not open", "disabled", "no permission", "未开通", "未开启")
    ):
        return MailboxProblem.NOT_ENABLED
    if during == "login":
        return MailboxProblem.WRONG_PASSWORD
    if during in ("select", "status") and any(
        w in lowered
        for w in ("nonexistent", "not exist", "doesn't exist", "no such", "unknown mailbox")
    ):
        return MailboxProblem.FOLDER_MISSING
    return MailboxProblem.PROTOCOL


@contextmanager
def translated_errors(during: str) -> Iterator[None]:
    """Turn imaplib, imap-tools, socket and ssl exceptions into our typed mailbox errors."""
    try:
        yield
    except (MailboxPermanentError, MailboxTransientError):
        raise
    except imaplib.IMAP4.abort as exc:
        raise MailboxTransientError(MailboxProblem.DROPPED, f"{during}: {exc}") from exc
    except TimeoutError as exc:
        raise MailboxTransientError(
            MailboxProblem.TIMEOUT, f"{during}: {exc or 'timed out'}"
        ) from exc
    except ssl.SSLError as exc:
        raise MailboxPermanentError(MailboxProblem.TLS_FAILURE, f"{during}: {exc}") from exc
    except (ConnectionError, EOFError) as exc:
        if during == "connect":
            raise MailboxTransientError(MailboxProblem.UNREACHABLE, f"{during}: {exc}") from exc
        raise MailboxTransientError(
            MailboxProblem.DROPPED, f"{during}: {exc or type(exc).__name__}"
        ) from exc
    except socket.gaierror as exc:
        raise MailboxTransientError(MailboxProblem.UNREACHABLE, f"{during}: {exc}") from exc
    except OSError as exc:
        raise MailboxTransientError(MailboxProblem.UNREACHABLE, f"{during}: {exc}") from exc
    except (UnexpectedCommandStatusError, imaplib.IMAP4.error, ImapToolsError) as exc:
        text = _server_words(exc)
        problem = classify_imap_failure(text, during)
        error_type = (
            MailboxTransientError if problem is MailboxProblem.PROTOCOL else MailboxPermanentError
        )
        raise error_type(problem, f"{during}: {text[:300]}") from exc


def _server_words(exc: Exception) -> str:
    """What the server said, decoded, rather than a repr of byte strings."""
    result = getattr(exc, "command_result", None)
    if not result:
        return str(exc)
    status, data = result[0], result[1] if len(result) > 1 else []
    parts = [
        item.decode("utf-8", "replace") if isinstance(item, bytes) else str(item)
        for item in (data if isinstance(data, list) else [data])
    ]
    return f"{status} " + " ".join(parts)


def _capabilities(client: imaplib.IMAP4) -> None:
    """Set `client.capabilities`: from the greeting's CAPABILITY code when the server put one
    there (Dovecot does), else by asking. After STARTTLS the server is always asked: what was
    said before TLS is not trusted."""
    told = None
    if not getattr(client, "_tls_established", False):
        told = client.untagged_responses.pop("CAPABILITY", None)
    if told and isinstance(told[-1], bytes):
        words = told[-1]
    else:
        _typ, data = client.capability()
        if not data or not isinstance(data[-1], bytes):
            raise client.error("no CAPABILITY response from server")
        words = data[-1]
    client.capabilities = tuple(words.decode("ascii", "replace").upper().split())


class _Imap4(imaplib.IMAP4):
    def _get_capabilities(self) -> None:
        _capabilities(self)


class _Imap4Ssl(imaplib.IMAP4_SSL):
    def _get_capabilities(self) -> None:
        _capabilities(self)


class _MailBoxSsl(MailBox):
    def _get_mailbox_client(self) -> imaplib.IMAP4:
        return _Imap4Ssl(
            self._host, self._port, ssl_context=self._ssl_context, timeout=self._timeout
        )


class _MailBoxStartTls(MailBoxStartTls):
    def _get_mailbox_client(self) -> imaplib.IMAP4:
        client = _Imap4(self._host, self._port, timeout=self._timeout)
        check_command_status(client.starttls(self._ssl_context), MailboxStarttlsError)
        return client


class _MailBoxPlain(MailBoxUnencrypted):
    def _get_mailbox_client(self) -> imaplib.IMAP4:
        return _Imap4(self._host, self._port, timeout=self._timeout)


def _connect(endpoint: Endpoint) -> BaseMailBox:
    timeout = endpoint.timeout_seconds
    if endpoint.security is Security.SSL:
        return _MailBoxSsl(
            endpoint.host, endpoint.port, timeout=timeout, ssl_context=ssl_context(endpoint)
        )
    if endpoint.security is Security.STARTTLS:
        return _MailBoxStartTls(
            endpoint.host, endpoint.port, timeout=timeout, ssl_context=ssl_context(endpoint)
        )
    return _MailBoxPlain(endpoint.host, endpoint.port, timeout=timeout)


def send_id(client: imaplib.IMAP4) -> None:
    """Send the RFC 2971 ID command, registered for every state so imaplib never refuses it."""
    imaplib.Commands.setdefault("ID", ("NONAUTH", "AUTH", "SELECTED"))
    typ, data = client._simple_command("ID", ID_ARGUMENT)
    client._untagged_response(typ, data, "ID")
    if typ != "OK":
        raise MailboxPermanentError(MailboxProblem.UNSAFE_LOGIN, f"ID refused: {data!r}")


class ImapSession:
    """A logged-in IMAP connection to one mailbox.

    `stream_above` and `stream_piece` (bytes) say which mails are fetched in pieces, and how
    large a piece is."""

    def __init__(self, endpoint: Endpoint, user: str, password: str) -> None:
        self._folders: list[FolderInfo] | None = None
        self.stream_above = STREAM_ABOVE
        self.stream_piece = STREAM_PIECE
        with translated_errors("connect"):
            self._box = _connect(endpoint)
        try:
            with translated_errors("login"):
                self._box.login(user, password, initial_folder=None)
            with translated_errors("id"):
                send_id(self._box.client)
        except BaseException:
            self.close()
            raise

    def _call(self, during: str, action: Callable[[], T]) -> T:
        with translated_errors(during):
            return action()

    def _folder_list(self) -> list[FolderInfo]:
        """The server's folders, asked once per connection."""
        if self._folders is None:
            self._folders = self._call("list", lambda: list(self._box.folder.list()))
        return self._folders

    def list_folders(self) -> list[str]:
        return [f.name for f in self._folder_list()]

    def junk_folders(self) -> list[str]:
        folders = self._folder_list()
        return [f.name for f in folders if any(flag.lower() == "\\junk" for flag in f.flags)]

    def _require(self, folder: str, during: str) -> None:
        if folder.upper() != "INBOX" and folder not in self.list_folders():
            raise MailboxPermanentError(
                MailboxProblem.FOLDER_MISSING, f"{during}: no folder {folder!r}"
            )

    def status(self, folder: str) -> FolderStatus | None:
        """UIDVALIDITY and UIDNEXT by STATUS, without opening the folder; None when the server
        refuses STATUS or leaves either out (the caller then opens the folder)."""
        self._require(folder, "status")
        try:
            with translated_errors("status"):
                values = self._box.folder.status(folder, ["UIDVALIDITY", "UIDNEXT"])
        except MailboxTransientError as exc:
            if exc.problem is MailboxProblem.PROTOCOL:
                return None
            raise
        except (IndexError, ValueError):  # an answer imap-tools could not parse
            return None
        if "UIDVALIDITY" not in values or "UIDNEXT" not in values:
            return None
        return FolderStatus(int(values["UIDVALIDITY"]), int(values["UIDNEXT"]))

    def select(self, folder: str) -> int:
        self._require(folder, "select")
        with translated_errors("select"):
            self._box.folder.set(folder, readonly=True)
            values = self._box.client.untagged_responses.get("UIDVALIDITY")
            if values and isinstance(values[0], bytes):
                return int(values[0])
            status = self._box.folder.status(folder, ["UIDVALIDITY"])
            return int(status["UIDVALIDITY"])

    def uids(self) -> list[int]:
        return self._call("search", lambda: [int(u) for u in self._box.uids("ALL")])

    def sizes(self, uids: Sequence[int]) -> dict[int, int]:
        result: dict[int, int] = {}
        for start in range(0, len(uids), SIZE_QUERY_CHUNK):
            chunk = uids[start : start + SIZE_QUERY_CHUNK]
            for head, _body in self._fetch_items(chunk, "(UID RFC822.SIZE)"):
                uid, size = _UID_RE.search(head), _SIZE_RE.search(head)
                if uid and size:
                    result[int(uid.group(1))] = int(size.group(1))
        return result

    def headers(self, uids: Sequence[int]) -> list[HeaderSummary]:
        result: list[HeaderSummary] = []
        for start in range(0, len(uids), SIZE_QUERY_CHUNK):
            chunk = uids[start : start + SIZE_QUERY_CHUNK]
            query = "(UID RFC822.SIZE BODY.PEEK[HEADER.FIELDS (MESSAGE-ID)])"
            for head, body in self._fetch_items(chunk, query):
                uid, size = _UID_RE.search(head), _SIZE_RE.search(head)
                if not (uid and size):
                    continue
                found = _MESSAGE_ID_RE.search(body or b"")
                message_id = (
                    found.group(1).decode("ascii", "replace").strip("<>") if found else None
                )
                result.append(
                    HeaderSummary(int(uid.group(1)), message_id or None, int(size.group(1)))
                )
        return result

    def fetch(self, uids: Sequence[int]) -> Iterator[FetchedMail]:
        """Mails in ascending UID order; one above `stream_above` bytes comes as a stream of
        partial fetches (RFC 3501 ``BODY.PEEK[]<offset.length>``), never whole in memory."""
        sizes = self.sizes(uids)
        for batch in _batches(uids, sizes, self.stream_above):
            if len(batch) == 1 and sizes.get(batch[0], 0) > self.stream_above:
                yield FetchedMail(batch[0], b"", stream=self._pieces(batch[0]))
                continue
            for head, body in self._fetch_items(batch, "(UID RFC822.SIZE BODY.PEEK[])"):
                uid = _UID_RE.search(head)
                if uid and body is not None:
                    yield FetchedMail(int(uid.group(1)), body)

    def _pieces(self, uid: int) -> Iterator[bytes]:
        """The mail `uid` in pieces of `stream_piece` bytes, each fetched when it is wanted."""
        offset, length = 0, self.stream_piece
        while True:
            query = f"(UID BODY.PEEK[]<{offset}.{length}>)"
            items = self._fetch_items([uid], query)
            piece = next((body for _, body in items if body is not None), None)
            if piece is None:
                if offset == 0:
                    raise MailboxTransientError(
                        MailboxProblem.PROTOCOL, f"fetch: no body for UID {uid}"
                    )
                return
            if piece:
                yield piece
            offset += len(piece)
            if len(piece) < length:
                return

    def _fetch_items(self, uids: Sequence[int], query: str) -> list[tuple[bytes, bytes | None]]:
        if not uids:
            return []
        with translated_errors("fetch"):
            typ, data = self._box.client.uid("FETCH", ",".join(str(u) for u in uids), query)
        if typ != "OK":
            raise MailboxTransientError(MailboxProblem.PROTOCOL, f"fetch: {typ} {data!r}"[:300])
        items: list[tuple[bytes, bytes | None]] = []
        for item in data:
            if isinstance(item, tuple):
                items.append((item[0], item[1]))
            elif isinstance(item, bytes) and _UID_RE.search(item):
                items.append((item, None))
        return items

    def sent_folder(self) -> str | None:
        """The folder for sent mail: the one marked \\Sent, else a usual name (已发送 at NetEase)."""
        folders = self._folder_list()
        for info in folders:
            if any(flag.lower() == "\\sent" for flag in info.flags):
                return str(info.name)
        names = {str(info.name) for info in folders}
        return next((n for n in SENT_FOLDER_NAMES if n in names), None)

    def contains_message_id(self, folder: str, message_id: str) -> bool:
        """Whether `folder` holds a mail with this Message-ID (searched on the server)."""
        self.select(folder)
        if not re.fullmatch(r"[!-~]+", message_id) or '"' in message_id:
            return False
        criteria = f'HEADER Message-ID "<{message_id}>"'
        return bool(self._call("search", lambda: self._box.uids(criteria)))

    def append(self, folder: str, raw: bytes) -> None:
        """Put a copy of a sent mail into `folder`, marked seen, as mail clients do."""
        with translated_errors("append"):
            self._box.append(raw, folder, flag_set=["\\Seen"])

    def supports_idle(self) -> bool:
        """Whether the server offers IMAP IDLE (RFC 2177); NetEase's Coremail does not."""
        capabilities = self._call("capability", lambda: self._box.client.capabilities)
        return "IDLE" in {str(c).upper() for c in capabilities}

    def wait_for_change(self, folder: str, seconds: float) -> bool:
        """Open `folder` read-only and wait in IDLE up to `seconds` for the server to tell of a
        change (new mail, an expunge); whether it told of one."""
        self.select(folder)
        responses = self._call("idle", lambda: self._box.idle.wait(timeout=seconds))
        return bool(responses)

    def close(self) -> None:
        box = getattr(self, "_box", None)
        if box is None:
            return
        try:  # LOGOUT alone: a folder opened read-only has nothing for CLOSE to do
            box.client.logout()
        except Exception:
            with suppress(Exception):
                box.client.shutdown()


def _batches(
    uids: Sequence[int], sizes: dict[int, int], alone_above: int = STREAM_ABOVE
) -> Iterator[list[int]]:
    """UIDs in ascending batches of bounded count and bytes, so memory stays flat; a mail
    above `alone_above` bytes is a batch of its own."""
    batch: list[int] = []
    total = 0
    for uid in sorted(uids):
        size = sizes.get(uid, 0)
        full = len(batch) >= FETCH_BATCH_COUNT or total + size > FETCH_BATCH_BYTES
        if batch and (full or size > alone_above or total > alone_above):
            yield batch
            batch, total = [], 0
        batch.append(uid)
        total += size
    if batch:
        yield batch


class ImapAdapter:
    """Opens IMAP sessions for offices, given each office's endpoint and authorization code."""

    def __init__(self, endpoints: dict[str, tuple[Endpoint, str, str | None]]) -> None:
        self._endpoints = endpoints

    def open(self, office_code: str) -> ImapSession:
        endpoint, user, password = self._endpoints[office_code]
        if not password:
            raise MailboxPermanentError(MailboxProblem.NO_PASSWORD, f"office {office_code}")
        return ImapSession(endpoint, user, password)
