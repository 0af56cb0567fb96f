"""The seed a crash test runs with: a fixed one by default, so every run of the suite plays the
same plan of mails and kills; `INTAKE_CRASH_SEED=<n>` repeats a given seed, and
`INTAKE_CRASH_SEED=random` draws a fresh one (to explore; a failure names its seed)."""

from __future__ import annotations

import os
import random


def crash_seed(fixed: int) -> int:
    """The seed from INTAKE_CRASH_SEED ("random" for a new one), else `fixed`."""
    wanted = os.environ.get("INTAKE_CRASH_SEED", "").strip()
    if wanted == "random":
        return random.SystemRandom().randrange(10**6)
    return int(wanted) if wanted else fixed
