"""Errors raised at the edges of the adapters (IMAP, SMTP, SQL, files, OCR).

Nothing above an adapter sees `imaplib`, `smtplib`, `ssl`, `socket` or SQLAlchemy exceptions:
each adapter turns them into one of two kinds. A transient error is retried at the next poll
or send; a permanent one is recorded and shown to a person.
"""

from __future__ import annotations


class IntakeError(Exception):
    """Base of every error this project raises on purpose."""


class TransientError(IntakeError):
    """Worth retrying later: a dropped connection, a timeout, a busy server, a locked file."""


class PermanentError(IntakeError):
    """Not worth retrying until a person changes something: a wrong code, a missing folder."""


class ConfigError(PermanentError):
    """The configuration is unusable as written."""
