"""Hypothesis runs the same examples on every run of the unit suite.

Property tests draw their examples from a seed derived from each test, so a failure seen once
is seen every time and a passing suite stays passing; nothing is stored between runs. To look
for new failures with fresh random examples, run with INTAKE_HYPOTHESIS=explore.
"""

from __future__ import annotations

import os

from hypothesis import settings

settings.register_profile("unit", derandomize=True, database=None)
settings.register_profile("explore", derandomize=False, database=None)
settings.load_profile(os.environ.get("INTAKE_HYPOTHESIS", "unit"))
