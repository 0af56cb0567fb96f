"""A hostile PDF measured in a process of its own: one page holding a huge image is rendered
in bounded memory.

The case is one of tests/unit/test_hostile_input.py (its builder is in tests/hostile.py); it is
here because it starts a Python process to measure that process's peak memory.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests import hostile

REPO = Path(__file__).resolve().parents[2]


def test_pdf_with_a_huge_image_renders_in_bounded_memory(tmp_path: Path) -> None:
    """A 14,000 x 14,000 RGB image (590 MB decoded) on one page: the page is rendered at the
    page's size, so the process grows by far less than the image would take."""
    pdf = tmp_path / "huge.pdf"
    pdf.write_bytes(hostile.huge_image_pdf(14_000))
    script = f"""
import resource, sys
sys.path.insert(0, {str(REPO)!r})
from parsers import ParseLimits, read_document
from tests.unit.test_hostile_input import NoText
data = open({str(pdf)!r}, "rb").read()
import parsers.pdf, pdfplumber, pypdfium2  # imports before the baseline
before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
[document] = read_document("huge.pdf", data, ParseLimits(orient_pages=False), NoText())
after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
print(document.unreadable, (after - before) // 1024)
"""
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=120, check=True
    )
    reason, growth_mb = done.stdout.split()
    assert reason == "no_text"
    assert int(growth_mb) < 250, done.stdout
