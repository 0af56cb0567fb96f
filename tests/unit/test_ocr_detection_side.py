"""The detector's page size: A4-proportioned pages can be detected smaller, other shapes not."""

from __future__ import annotations

from parsers.ocr import RapidOcrEngine, detection_side


def test_an_a4_page_either_way_up_gets_the_a4_side() -> None:
    assert detection_side(2339, 1654, 1280, 960) == 960  # A4 at 200 dpi, portrait
    assert detection_side(1240, 1754, 1280, 960) == 960  # A4 at 150 dpi, landscape
    assert detection_side(3508, 2480, 1280, 800) == 800  # A4 at 300 dpi


def test_other_shapes_keep_the_lean_side() -> None:
    assert detection_side(630, 1000, 1280, 960) == 1280  # an ID-card photo
    assert detection_side(1000, 1000, 1280, 960) == 1280  # a square photo
    assert detection_side(3000, 1000, 1280, 960) == 1280  # a long strip
    assert detection_side(0, 0, 1280, 960) == 1280


def test_the_a4_side_never_enlarges_the_detection() -> None:
    assert detection_side(2339, 1654, 800, 960) == 800


def test_the_engine_detects_a4_pages_at_full_size_by_default() -> None:
    """Fewer pixels lose fields on blurred forms: the A4 size is the lean size unless set."""
    engine = RapidOcrEngine()
    assert (engine.lean_side, engine.a4_side) == (1280, 1280)
    assert detection_side(2339, 1654, engine.lean_side, engine.a4_side) == 1280
