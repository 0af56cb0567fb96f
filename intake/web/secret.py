"""The key the console's session cookies are signed with: random, made once, kept beside the
store's files (`<files>/web/session.key`, mode 0600), never in the repository or the config."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

KEY_BYTES = 32


def session_key(files_root: Path) -> bytes:
    """The signing key of this deployment (made on first use; 0600 in a 0700 folder)."""
    folder = files_root / "web"
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    path = folder / "session.key"
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        key = path.read_bytes()
        if len(key) >= KEY_BYTES:
            path.chmod(0o600)
            return key
        raise
    with os.fdopen(fd, "wb") as out:
        key = secrets.token_bytes(KEY_BYTES)
        out.write(key)
        out.flush()
        os.fsync(out.fileno())
    return key
