"""Progress bars on standard error for the slow commands (demo, parse, check, keys rotate, purge).

Shown only when standard error is a terminal and `-q` was not given, so pipes, log files and
scripts see nothing of them. A bar without a total shows the time taken so far; a bar is redrawn
twice a second even when nothing advanced (reading one scan takes many seconds), and log lines
written while it is shown appear above it instead of through it. tqdm draws the bars (it is
small and pure Python; rich would bring a whole rendering library for one bar).
"""

from __future__ import annotations

import logging
import sys
import threading
from types import TracebackType
from typing import TYPE_CHECKING, Any, TextIO

if TYPE_CHECKING:
    from tqdm import tqdm

REDRAW_SECONDS = 0.5
COUNTED = "{desc}: {n_fmt}/{total_fmt} |{bar:20}| [{elapsed}]{postfix}"
UNCOUNTED = "{desc} [{elapsed}]{postfix}"


def wanted(quiet: bool = False, stream: TextIO | None = None) -> bool:
    """Whether to show bars: standard error (or `stream`) is a terminal and `-q` was not given."""
    target = stream or sys.stderr
    try:
        return not quiet and target.isatty()
    except (AttributeError, ValueError):
        return False


class _AboveTheBar:
    """A stream for log handlers while a bar is shown: each line is written above the bar."""

    def __init__(self, target: TextIO) -> None:
        self.target = target

    def write(self, text: str) -> int:
        from tqdm import tqdm

        tqdm.write(text.rstrip("\n"), file=self.target)
        return len(text)

    def flush(self) -> None:
        self.target.flush()


class Progress:
    """One bar (`with Progress("parse", total=3, shown=...) as bar: bar.advance(note=name)`);
    does nothing at all when `shown` is false."""

    def __init__(
        self, label: str, total: int | None = None, *, shown: bool, stream: TextIO | None = None
    ) -> None:
        self.label = label
        self.total = total
        self.shown = shown
        self.stream = stream or sys.stderr
        self._bar: tqdm[Any] | None = None
        self._stop = threading.Event()
        self._redraw: threading.Thread | None = None
        self._moved: list[tuple[logging.StreamHandler[Any], Any]] = []

    def __enter__(self) -> Progress:
        if not self.shown:
            return self
        from tqdm import tqdm

        self._bar = tqdm(
            total=self.total,
            desc=self.label,
            file=self.stream,
            leave=False,
            dynamic_ncols=True,
            bar_format=COUNTED if self.total is not None else UNCOUNTED,
        )
        for handler in logging.getLogger().handlers:
            if isinstance(handler, logging.StreamHandler) and handler.stream is self.stream:
                self._moved.append((handler, handler.setStream(_AboveTheBar(self.stream))))
        self._redraw = threading.Thread(target=self._redraw_often, daemon=True)
        self._redraw.start()
        return self

    def _redraw_often(self) -> None:
        while not self._stop.wait(REDRAW_SECONDS):
            bar = self._bar
            if bar is not None:
                bar.refresh()

    def advance(self, steps: int = 1, note: str | None = None) -> None:
        """`steps` more done; `note` (e.g. the file now in hand) shown beside the count."""
        if self._bar is not None:
            if note is not None:
                self._bar.set_postfix_str(note, refresh=False)
            self._bar.update(steps)

    def note(self, text: str) -> None:
        """Show `text` (the item now in hand) beside the count."""
        if self._bar is not None:
            self._bar.set_postfix_str(text)

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self._stop.set()
        if self._redraw is not None:
            self._redraw.join()
        for handler, stream in self._moved:
            handler.setStream(stream)
        if self._bar is not None:
            self._bar.refresh()  # the last count, however soon it came after the one before
            self._bar.close()
            self._bar = None
