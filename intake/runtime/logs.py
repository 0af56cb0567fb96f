"""Logging set-up: Asia/Shanghai timestamps, ID numbers masked, JSON lines when asked.

Log lines go to standard error, or with `--log-file` to a file that logrotate may move
(`WatchedFileHandler`: it reopens the file once it was moved; several processes of one deployment,
the worker and an admin's `intake run --once`, can append to the same file). `-q` leaves only
errors. `RoundTally` makes the one summary line of a polling round.
"""

from __future__ import annotations

import json
import logging
import logging.handlers
import re
import sys
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TextIO

from intake.runtime.clock import SHANGHAI

CORRELATION: ContextVar[str] = ContextVar("correlation", default="-")
"""The id of the mail (or poll) being worked on, carried by every log line it causes."""


@contextmanager
def correlated(value: str) -> Iterator[None]:
    """Log lines inside carry `value` as their correlation id (e.g. ``mail-42``, ``poll-130582``)."""
    token = CORRELATION.set(value)
    try:
        yield
    finally:
        CORRELATION.reset(token)


class CorrelationFilter(logging.Filter):
    """Puts the current correlation id on every record as `correlation`."""

    def filter(self, record: logging.LogRecord) -> bool:
        record.correlation = CORRELATION.get()
        return True


_ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])(\d{6})(\d{8})(\d{3}[\dXx])(?![0-9A-Za-z])")


def mask_id_numbers(text: str) -> str:
    """Resident ID numbers shown as their first 6 and last 4 characters only."""
    return _ID_NUMBER.sub(lambda m: f"{m.group(1)}********{m.group(3)}", text)


class MaskingFormatter(logging.Formatter):
    """Formats in Asia/Shanghai time and masks ID numbers in the whole line."""

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:
        moment = datetime.fromtimestamp(record.created, SHANGHAI)
        return moment.strftime(datefmt or "%Y-%m-%d %H:%M:%S")

    def format(self, record: logging.LogRecord) -> str:
        return mask_id_numbers(super().format(record))


class JsonFormatter(MaskingFormatter):
    """One JSON object per line, for log collectors."""

    def format(self, record: logging.LogRecord) -> str:
        payload = {
            "time": self.formatTime(record),
            "level": record.levelname.lower(),
            "logger": record.name,
            "correlation": getattr(record, "correlation", CORRELATION.get()),
            "message": mask_id_numbers(record.getMessage()),
        }
        if record.exc_info:
            payload["error"] = mask_id_numbers(self.formatException(record.exc_info))
        return json.dumps(payload, ensure_ascii=False)


LINE_FORMAT = "%(asctime)s %(levelname)s [%(correlation)s] %(name)s: %(message)s"

QUIET_LOGGERS = ("apscheduler", "alembic", "sqlalchemy", "PIL", "pdfminer", "RapidOCR")
"""Libraries whose INFO lines say nothing to an operator."""

REPEATED_LOGGERS = ("intake.fetching.fetcher",)
"""Loggers whose INFO lines repeat what a summary line says (each folder of a poll, told again
in the poll's own line); their warnings and errors still show."""


def configure(
    verbose: bool = False,
    as_json: bool = False,
    quiet: bool = False,
    log_file: Path | None = None,
    stream: TextIO | None = None,
) -> None:
    """Send log lines to standard error (or `stream`), or to `log_file` when given.

    `quiet` leaves only errors; `verbose` adds debug lines, the repeated ones included."""
    handler: logging.Handler
    if log_file is not None:
        log_file.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.handlers.WatchedFileHandler(log_file, encoding="utf-8")
    else:
        handler = logging.StreamHandler(stream or sys.stderr)
    handler.setFormatter(JsonFormatter() if as_json else MaskingFormatter(LINE_FORMAT))
    handler.addFilter(CorrelationFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.ERROR if quiet else logging.DEBUG if verbose else logging.INFO)
    for noisy in QUIET_LOGGERS:
        logging.getLogger(noisy).setLevel(logging.WARNING)
    for repeated in REPEATED_LOGGERS:
        logging.getLogger(repeated).setLevel(logging.NOTSET if verbose else logging.WARNING)


@dataclass(frozen=True)
class PollSeen:
    """What one poll of one office did, as the round's summary counts it."""

    office: str
    fetched: int
    failed: bool
    skipped: bool


@dataclass
class RoundTally:
    """The polls of one round (each enabled office once); `add` returns the round's summary line
    when the poll completes a round, else None. The offices' jobs run in several threads."""

    offices: frozenset[str]
    seen: dict[str, PollSeen] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, poll: PollSeen) -> str | None:
        with self.lock:
            self.seen[poll.office] = poll
            if not self.offices <= set(self.seen):
                return None
            line = round_summary(self.seen.values())
            self.seen = {}
            return line


def round_summary(polls: Iterable[PollSeen]) -> str:
    """One line for a round of polls: how many offices, mails taken in, failures, skips."""
    polls = list(polls)
    fetched = sum(p.fetched for p in polls)
    found = sum(1 for p in polls if p.fetched)
    failed = sorted(p.office for p in polls if p.failed)
    skipped = sum(1 for p in polls if p.skipped)
    return (
        f"round: {_counted(len(polls), 'office')} polled, {_counted(fetched, 'new mail')}"
        + (f" from {_counted(found, 'office')}" if fetched else "")
        + (f", {len(failed)} failed ({', '.join(failed)})" if failed else ", none failed")
        + (f", {skipped} skipped" if skipped else "")
    )


def _counted(n: int, noun: str) -> str:
    return f"{n} {noun}" + ("" if n == 1 else "s")
