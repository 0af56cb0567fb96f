"""Builds the sample day of `intake demo`: the scenario mails in the mailboxes they were sent to.

Every mail of `samples/scenarios/*/` is copied to `samples/demo/mailboxes/<office code>/` (the
office whose mailbox it is addressed to), named so that each office's mails keep their order.

    .venv/bin/python samples/demo/build.py
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

HERE = Path(__file__).resolve().parent
SCENARIOS = HERE.parent / "scenarios"


def build(target: Path = HERE / "mailboxes") -> int:
    """Write the mailboxes; returns the number of mails."""
    if target.exists():
        shutil.rmtree(target)
    count = 0
    for folder in sorted(p for p in SCENARIOS.iterdir() if (p / "expected.json").exists()):
        expected = json.loads((folder / "expected.json").read_text(encoding="utf-8"))["mails"]
        for name, state in expected.items():
            office = target / str(state["received_by"])
            office.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(folder / name, office / f"{folder.name}-{name}")
            count += 1
    return count


if __name__ == "__main__":
    print(f"{build()} mails written to {HERE / 'mailboxes'}")
