"""A mailbox made of local folders of .eml files, for `intake demo` and fast tests.

Layout: `<root>/<office code>/*.eml` is the INBOX; `<root>/<office code>/<folder>/*.eml` is any
other folder (e.g. `垃圾邮件`). Like an IMAP server, each folder keeps stable UIDs and a
UIDVALIDITY, in a `.uids.json` file beside the mails; a new file gets the next UID.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from intake.fetching.ledger import header_message_id
from intake.mailbox.base import (
    FetchedMail,
    FolderStatus,
    HeaderSummary,
    MailboxPermanentError,
    MailboxProblem,
)

INBOX = "INBOX"
SENT_FOLDER = "已发送"
UID_FILE = ".uids.json"


class LocalFolderSession:
    """One office's local mailbox; read-only except for its own UID bookkeeping."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._folder: Path | None = None
        self._uids: dict[int, str] = {}

    def _path(self, folder: str) -> Path:
        return self.root if folder.upper() == INBOX else self.root / folder

    def list_folders(self) -> list[str]:
        names = [INBOX] if self.root.is_dir() else []
        if self.root.is_dir():
            names += sorted(
                p.name for p in self.root.iterdir() if p.is_dir() and not p.name.startswith(".")
            )
        return names

    def junk_folders(self) -> list[str]:
        return []

    def status(self, folder: str) -> FolderStatus | None:
        """None: a local folder is cheap to look at in full (its UIDs are assigned by a look)."""
        return None

    def select(self, folder: str) -> int:
        path = self._path(folder)
        if not path.is_dir():
            raise MailboxPermanentError(MailboxProblem.FOLDER_MISSING, f"select: no folder {path}")
        state = _assign_uids(path)
        self._folder = path
        self._uids = {uid: name for name, uid in state.files.items()}
        return state.uidvalidity

    def uids(self) -> list[int]:
        return sorted(self._uids)

    def sizes(self, uids: Sequence[int]) -> dict[int, int]:
        folder = self._require_folder()
        return {u: (folder / self._uids[u]).stat().st_size for u in uids if u in self._uids}

    def headers(self, uids: Sequence[int]) -> list[HeaderSummary]:
        folder = self._require_folder()
        result = []
        for uid in uids:
            if uid in self._uids:
                data = (folder / self._uids[uid]).read_bytes()
                result.append(HeaderSummary(uid, header_message_id(data), len(data)))
        return result

    def fetch(self, uids: Sequence[int]) -> Iterator[FetchedMail]:
        folder = self._require_folder()
        for uid in sorted(uids):
            if uid in self._uids:
                yield FetchedMail(uid, (folder / self._uids[uid]).read_bytes())

    def sent_folder(self) -> str | None:
        return SENT_FOLDER

    def contains_message_id(self, folder: str, message_id: str) -> bool:
        path = self._path(folder) / _file_name(message_id)
        return path.exists()

    def append(self, folder: str, raw: bytes) -> None:
        target = self._path(folder)
        target.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, tmp = tempfile.mkstemp(dir=target, prefix=".in-")
        with os.fdopen(fd, "wb") as handle:
            handle.write(raw)
        os.replace(tmp, target / _file_name(header_message_id(raw) or "unnamed"))

    def close(self) -> None:
        self._folder = None

    def _require_folder(self) -> Path:
        if self._folder is None:
            raise MailboxPermanentError(MailboxProblem.PROTOCOL, "no folder selected")
        return self._folder


def _file_name(message_id: str) -> str:
    """A file name for a sent mail, from its Message-ID (safe characters only)."""
    safe = re.sub(r"[^A-Za-z0-9._@-]", "_", message_id.strip("<>"))[:200]
    return f"{safe}.eml"


@dataclass
class UidMap:
    """A local folder's UIDVALIDITY, next UID and the UID of each file."""

    uidvalidity: int
    next_uid: int
    files: dict[str, int]


def _assign_uids(folder: Path) -> UidMap:
    """Read the folder's UID map, give new .eml files the next UIDs, and save it atomically."""
    uid_file = folder / UID_FILE
    try:
        raw = json.loads(uid_file.read_text(encoding="utf-8"))
        state = UidMap(
            int(raw["uidvalidity"]),
            int(raw["next"]),
            {str(k): int(v) for k, v in raw["files"].items()},
        )
    except (FileNotFoundError, ValueError, KeyError, TypeError, AttributeError):
        state = UidMap(int(time.time()), 1, {})
    present = sorted(p.name for p in folder.iterdir() if p.is_file() and p.suffix.lower() == ".eml")
    changed = not uid_file.exists()
    for name in present:
        if name not in state.files:
            state.files[name] = state.next_uid
            state.next_uid += 1
            changed = True
    for name in [n for n in state.files if n not in present]:
        del state.files[name]
        changed = True
    if changed:
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".uids-")
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(
                {"uidvalidity": state.uidvalidity, "next": state.next_uid, "files": state.files},
                handle,
                ensure_ascii=False,
                indent=1,
            )
        os.replace(tmp, uid_file)
    return state


class LocalFolderAdapter:
    """Opens the local mailbox of each office under one root folder."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def open(self, office_code: str) -> LocalFolderSession:
        path = self.root / office_code
        if not path.is_dir():
            raise MailboxPermanentError(
                MailboxProblem.UNREACHABLE, f"no local mailbox folder {path}"
            )
        return LocalFolderSession(path)
