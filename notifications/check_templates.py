"""Command-line check of an admin's reply template overrides.

``python -m notifications.check_templates [FOLDER]`` (default ``config/templates``) renders
every override with sample replies of every kind and prints each fault as
``file:line: what is wrong``; the exit status is 1 when there is a fault, 0 otherwise.
"""

from __future__ import annotations

import sys
from pathlib import Path

from notifications.replies import ReplyRenderer


def main(argv: list[str] | None = None) -> int:
    arguments = sys.argv[1:] if argv is None else argv
    folder = Path(arguments[0]) if arguments else Path("config/templates")
    messages = ReplyRenderer(folder).check_overrides()
    for message in messages:
        print(message)
    if not messages:
        print(f"{folder}: reply template overrides are fine")
    return 1 if messages else 0


if __name__ == "__main__":
    raise SystemExit(main())
