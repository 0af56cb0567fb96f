"""Log lines: ID numbers masked, Asia/Shanghai times, a correlation id per mail or poll."""

from __future__ import annotations

import io
import json
import logging

from intake.runtime.logs import (
    CorrelationFilter,
    JsonFormatter,
    MaskingFormatter,
    correlated,
    mask_id_numbers,
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
