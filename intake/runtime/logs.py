"""Logging set-up: Asia/Shanghai timestamps, ID numbers masked, JSON lines when asked."""

from __future__ import annotations

import json
import logging
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import datetime

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


def configure(verbose: bool = False, as_json: bool = False) -> None:
    """Send log lines to standard error."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(
        JsonFormatter()
        if as_json
        else MaskingFormatter("%(asctime)s %(levelname)s [%(correlation)s] %(name)s: %(message)s")
    )
    handler.addFilter(CorrelationFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(logging.DEBUG if verbose else logging.INFO)
    for noisy in ("apscheduler", "alembic", "sqlalchemy", "PIL", "pdfminer", "RapidOCR"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
