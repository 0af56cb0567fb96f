"""Render every sample reply and a sample digest to HTML and take screenshots of them.

Usage: ``.venv/bin/python bench/render_screenshots.py [OUTPUT_FOLDER]`` (default
``docs/screenshots``, where the outputs are committed for review). For each sample reply in
`sample_contexts()` (every kind and branch) and for the city and a county digest it writes
``<name>.html`` and ``<name>.txt``, then PNG screenshots at phone width (390 px) and desktop
width (1280 px) with headless Chromium (``scripts/apt-install chromium``), and a PDF of each
digest's printed 台账 (the 台账（打印） sheet) with ``libreoffice --headless --convert-to pdf``.
Each screenshot uses a fresh, throw-away Chromium profile and no network.
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from openpyxl import load_workbook

from notifications.digest import build_digest
from notifications.replies import ReplyRenderer, sample_contexts
from notifications.samples import sample_digest_input

CHROMIUM_CANDIDATES = ("/usr/bin/chromium", "chromium", "chromium-browser", "google-chrome")
SIZES: tuple[tuple[str, int, int], ...] = (("phone", 390, 2600), ("desktop", 1280, 1800))
PRINT_SHEET = "台账（打印）"


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
        (folder / f"{name}.xlsx").write_bytes(digest.xlsx)
        pages.append(folder / f"{name}.html")
    return pages


def print_sheet_only(xlsx: Path, target: Path) -> Path:
    """A copy of the workbook holding only the sheet a clerk prints (its page setup kept)."""
    book = load_workbook(xlsx)
    for sheet in list(book.worksheets):
        if sheet.title != PRINT_SHEET:
            book.remove(sheet)
    book.save(target)
    return target


def registry_pdf(xlsx: Path, folder: Path) -> Path | None:
    """The printed 台账 of one digest as PDF (LibreOffice, headless, throw-away profile)."""
    office = shutil.which("libreoffice") or shutil.which("soffice")
    if office is None:
        return None
    with tempfile.TemporaryDirectory(prefix="xt-print-") as work:
        only = print_sheet_only(xlsx, Path(work) / f"{xlsx.stem}-台账.xlsx")
        profile = Path(work) / "profile"
        command = [
            office,
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--convert-to",
            "pdf",
            "--outdir",
            work,
            str(only),
        ]
        try:
            subprocess.run(command, capture_output=True, timeout=180, check=False)
        except subprocess.TimeoutExpired:
            return None
        made = only.with_suffix(".pdf")
        if not made.exists():
            return None
        target = folder / f"{xlsx.stem}-台账-打印.pdf"
        shutil.copyfile(made, target)
        return target


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
    parser.add_argument("output", nargs="?", default="docs/screenshots", type=Path)
    args = parser.parse_args(argv)
    output: Path = args.output
    pages = render_pages(output)
    print(f"wrote {len(pages)} HTML pages to {output}")
    chromium = find_chromium()
    if chromium is None:
        print("Chromium not found: install it with `apt-get install -y chromium`", file=sys.stderr)
        return 2
    failures = 0
    for xlsx in sorted(output.glob("digest-*.xlsx")):
        pdf = registry_pdf(xlsx, output)
        if pdf is None:
            failures += 1
            print(f"  FAILED the PDF of {xlsx} (is LibreOffice installed?)", file=sys.stderr)
        else:
            print(f"  {pdf}")
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
