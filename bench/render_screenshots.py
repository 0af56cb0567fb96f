"""Render every sample reply and a sample digest to HTML and take screenshots of them.

Usage: ``.venv/bin/python bench/render_screenshots.py [OUTPUT_FOLDER]`` (default
``demo-out/screenshots``). For each reply kind in `sample_contexts()` and for the city and a
county digest it writes ``<name>.html`` and ``<name>.txt``, then PNG screenshots at phone width
(390 px) and desktop width (1280 px) with headless Chromium (``apt-get install -y
chromium``). Each screenshot uses a fresh, throw-away Chromium profile and no network.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from notifications.digest import build_digest
from notifications.replies import ReplyRenderer, sample_contexts
from notifications.samples import sample_digest_input

CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome")
SIZES: tuple[tuple[str, int, int], ...] = (("phone", 390, 1800), ("desktop", 1280, 1400))


def find_chromium() -> str | None:
    """The first Chromium found on this machine, or None."""
    for candidate in CHROMIUM_CANDIDATES:
        found = shutil.which(candidate)
        if found:
            return found
    return None


def render_pages(folder: Path) -> list[Path]:
    """Write the HTML (and text) of every sample reply and digest; return the HTML files."""
    folder.mkdir(parents=True, exist_ok=True)
    renderer = ReplyRenderer()
    pages: list[Path] = []
    for index, context in enumerate(sample_contexts(), start=1):
        rendered = renderer.render(context)
        flavour = "question" if context.question else (context.subject_type or "unknown")
        name = f"reply-{index:02d}-{context.kind}-{flavour}"
        (folder / f"{name}.txt").write_text(f"Subject: {rendered.subject}\n\n{rendered.text}")
        (folder / f"{name}.html").write_text(rendered.html)
        pages.append(folder / f"{name}.html")
    for city in (True, False):
        digest = build_digest(sample_digest_input(city=city))
        name = f"digest-{'city' if city else 'county'}"
        (folder / f"{name}.txt").write_text(f"Subject: {digest.subject}\n\n{digest.text}")
        (folder / f"{name}.html").write_text(digest.html)
        (folder / digest.xlsx_name).write_bytes(digest.xlsx)
        pages.append(folder / f"{name}.html")
    return pages


def screenshot(chromium: str, page: Path, png: Path, width: int, height: int) -> bool:
    """One PNG of `page` at the given window size; False when Chromium failed."""
    with tempfile.TemporaryDirectory(prefix="xt-shot-") as profile:
        command = [
            chromium,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            f"--user-data-dir={profile}",
            f"--screenshot={png}",
            f"--window-size={width},{height}",
            page.resolve().as_uri(),
        ]
        try:
            subprocess.run(command, capture_output=True, timeout=90, check=False)
        except subprocess.TimeoutExpired:
            return False
    return png.exists() and png.stat().st_size > 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("output", nargs="?", default="demo-out/screenshots", type=Path)
    args = parser.parse_args(argv)
    output: Path = args.output
    pages = render_pages(output)
    print(f"wrote {len(pages)} HTML pages to {output}")
    chromium = find_chromium()
    if chromium is None:
        print("Chromium not found: install it with `apt-get install -y chromium`", file=sys.stderr)
        return 2
    failures = 0
    for page in pages:
        for label, width, height in SIZES:
            png = output / f"{page.stem}-{label}.png"
            if screenshot(chromium, page, png, width, height):
                print(f"  {png}")
            else:
                failures += 1
                print(f"  FAILED {png}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
