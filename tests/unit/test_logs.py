"""Log lines: ID numbers masked, Asia/Shanghai times, a correlation id per mail or poll."""

from __future__ import annotations

import io
import json
import logging
import logging.handlers
from pathlib import Path
from typing import Any

from intake.runtime.logs import (
    CorrelationFilter,
    JsonFormatter,
    MaskingFormatter,
    PollSeen,
    RoundTally,
    configure,
    correlated,
    mask_id_numbers,
    round_summary,
)


def capture(formatter: logging.Formatter) -> tuple[logging.Logger, io.StringIO]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)
    handler.addFilter(CorrelationFilter())
    logger = logging.getLogger(f"test-{id(stream)}")
    logger.handlers[:] = [handler]
    logger.propagate = False
    logger.setLevel(logging.INFO)
    return logger, stream


def test_id_numbers_are_masked_and_phones_are_not() -> None:
    assert (
        mask_id_numbers("身份证 11010519491231002X 电话 13803190000")
        == "身份证 110105********002X 电话 13803190000"
    )


def test_json_lines_carry_the_correlation_id_and_mask_numbers() -> None:
    logger, stream = capture(JsonFormatter())
    with correlated("mail-42"):
        logger.info("read %s", "440524188001010014")
    logger.info("outside")
    first, second = (json.loads(line) for line in stream.getvalue().splitlines())
    assert first["correlation"] == "mail-42" and first["message"] == "read 440524********0014"
    assert second["correlation"] == "-"
    assert first["time"][:2] == "20"


def test_text_lines_show_the_correlation_id() -> None:
    logger, stream = capture(MaskingFormatter("%(levelname)s [%(correlation)s] %(message)s"))
    with correlated("poll-130582"):
        logger.warning("poll failed")
    assert stream.getvalue().strip() == "WARNING [poll-130582] poll failed"


def test_a_round_of_polls_is_one_summary_line() -> None:
    polls = [
        PollSeen("130500", 0, failed=False, skipped=False),
        PollSeen("130582", 3, failed=False, skipped=False),
        PollSeen("130503", 1, failed=False, skipped=False),
    ]
    assert round_summary(polls) == (
        "round: 3 offices polled, 4 new mails from 2 offices, none failed"
    )
    quiet = [PollSeen("130500", 0, failed=True, skipped=False), PollSeen("130582", 0, False, True)]
    assert round_summary(quiet) == (
        "round: 2 offices polled, 0 new mails, 1 failed (130500), 1 skipped"
    )


def test_the_tally_says_the_round_once_every_office_has_polled() -> None:
    tally = RoundTally(frozenset({"130500", "130582"}))
    assert tally.add(PollSeen("130500", 1, False, False)) is None
    assert tally.add(PollSeen("130500", 0, False, False)) is None  # the same office again
    line = tally.add(PollSeen("130582", 0, False, False))
    assert line == "round: 2 offices polled, 0 new mails, none failed"
    assert tally.add(PollSeen("130582", 2, False, False)) is None  # a new round begins


def _configured_lines(tmp_path: Path, **options: Any) -> list[str]:
    stream = io.StringIO()
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    try:
        configure(stream=stream, **options)
        logging.getLogger("intake.fetching.fetcher").info("poll 130500 INBOX: +0")
        logging.getLogger("intake.runtime.service").info("round: 21 offices polled")
        logging.getLogger("intake.runtime.service").error("database unreachable")
        for handler in root.handlers:
            handler.flush()
            handler.close()
    finally:
        root.handlers[:], _ = saved
        root.setLevel(saved[1])
        logging.getLogger("intake.fetching.fetcher").setLevel(logging.NOTSET)
    log_file = options.get("log_file")
    text = log_file.read_text(encoding="utf-8") if log_file else stream.getvalue()
    return [line.split(": ", 1)[1] for line in text.splitlines()]


def test_quiet_leaves_only_errors_and_verbose_shows_every_folder(tmp_path: Path) -> None:
    assert _configured_lines(tmp_path) == ["round: 21 offices polled", "database unreachable"]
    assert _configured_lines(tmp_path, quiet=True) == ["database unreachable"]
    assert _configured_lines(tmp_path, verbose=True) == [
        "poll 130500 INBOX: +0",
        "round: 21 offices polled",
        "database unreachable",
    ]


def test_a_log_file_is_reopened_after_logrotate_moved_it(tmp_path: Path) -> None:
    log_file = tmp_path / "logs" / "intake.log"
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    try:
        configure(log_file=log_file)
        assert isinstance(root.handlers[0], logging.handlers.WatchedFileHandler)
        logging.getLogger("intake").info("before")
        log_file.rename(tmp_path / "logs" / "intake.log.1")
        logging.getLogger("intake").info("after")
        for handler in root.handlers:
            handler.close()
    finally:
        root.handlers[:], _ = saved
        root.setLevel(saved[1])
    assert "before" in (tmp_path / "logs" / "intake.log.1").read_text(encoding="utf-8")
    after = log_file.read_text(encoding="utf-8")
    assert "after" in after and "before" not in after
