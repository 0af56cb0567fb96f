"""The labelled mail corpus of the classifier bench is the same on every run (filings, whose
forms take seconds to render, are left out here)."""

from __future__ import annotations

from collections import Counter

from samples.mail_corpus.generate import corpus


def test_the_corpus_is_deterministic_and_labelled() -> None:
    first = corpus(7, 24, 10, 4, 0)
    second = corpus(7, 24, 10, 4, 0)
    assert [m.raw for m in first] == [m.raw for m in second]
    assert Counter(m.label for m in first) == {
        "ordinary": 24,
        "spam": 10,
        "question": 4,
    }
    assert len({m.trap for m in first if m.label == "ordinary"}) >= 10
