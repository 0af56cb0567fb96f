"""Whether a reply waits for a person before it goes out (review before sending).

Each office sets `review`:

- ``off``: no reply waits.
- ``all``: every reply waits.
- ``risky`` (the default): a reply waits when the decision it carries rests on something a
  machine may have got wrong — a mismatch between documents (``mismatch:*``), a field read with
  a confidence below the threshold, or an uncertain county (``uncertain:county``). An
  acknowledgement of a clean filing and a plain request for missing documents go at once.

A reply that says nothing (``none``) never waits: there is nothing to send.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from enum import StrEnum

from vocabulary import Problem, ReplyKind


class ReviewMode(StrEnum):
    """An office's `review` setting."""

    OFF = "off"
    RISKY = "risky"
    ALL = "all"


DEFAULT_REVIEW_CONFIDENCE = 0.85
"""A field read with a lower confidence than this makes a reply risky."""

LOW_CONFIDENCE = "low_confidence"
"""The reason code prefix of a field read below the threshold (``low_confidence:<field>``)."""

REVIEW_ALL = "review:all"
"""The reason of a reply held because the office reviews every reply."""


@dataclass(frozen=True)
class ReviewVerdict:
    """Hold the reply or send it, and why it is held (reason codes; empty when sent)."""

    hold: bool
    reasons: tuple[str, ...] = ()


def low_confidence_fields(
    confidences: Iterable[Mapping[str, float]], threshold: float
) -> tuple[str, ...]:
    """The fields (each once, in order met) read below `threshold` in any of the documents."""
    found: dict[str, None] = {}
    for confidence in confidences:
        for key, value in confidence.items():
            if value < threshold:
                found[key] = None
    return tuple(found)


def risky_reasons(problems: Iterable[str], low_fields: Iterable[str]) -> tuple[str, ...]:
    """What makes a decision rest on something a person should check: mismatches, an uncertain
    county, fields read below the threshold (``low_confidence:<field>``)."""
    reasons = [
        p for p in problems if p.startswith("mismatch:") or p == Problem.UNCERTAIN_COUNTY.value
    ]
    reasons += [f"{LOW_CONFIDENCE}:{field}" for field in low_fields]
    return tuple(dict.fromkeys(reasons))


def review_verdict(
    mode: str, reply_kind: str, problems: Iterable[str], low_fields: Iterable[str]
) -> ReviewVerdict:
    """Whether a reply of `reply_kind`, on a decision with `problems` and fields read below the
    threshold (`low_fields`), waits for a person under the office's review `mode`. An unknown
    mode counts as ``risky``."""
    if reply_kind == ReplyKind.NONE.value:
        return ReviewVerdict(False)
    try:
        chosen = ReviewMode(mode)
    except ValueError:
        chosen = ReviewMode.RISKY
    if chosen is ReviewMode.OFF:
        return ReviewVerdict(False)
    reasons = risky_reasons(problems, low_fields)
    if chosen is ReviewMode.ALL:
        return ReviewVerdict(True, reasons or (REVIEW_ALL,))
    return ReviewVerdict(bool(reasons), reasons)
