"""Every test under tests/integration carries the `integration` marker.

These tests start servers, processes, LibreOffice or the OCR engines; `pytest -m "not
integration"` leaves them out and runs the unit suite alone, whatever paths are given.
"""

from __future__ import annotations

from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark the collected tests that live in this folder (the hook sees the whole session)."""
    for item in items:
        if item.path.resolve().is_relative_to(HERE):
            item.add_marker(pytest.mark.integration)
