"""Screenshots of the staff console for reviewers: the queue, a filing page and both at phone
width, written to docs/screenshots/ (PNG). Runs the console on a throw-away store in a temporary
folder (filings written straight into it by tests/web_seed.py) and photographs it with headless
Chromium (Debian's chromium and chromium-driver, as the browser tests use).

    .venv/bin/python bench/web_screenshots.py [--out docs/screenshots]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from intake.commands.demo import local_config
from intake.runtime.service import open_deployment
from intake.settings import load_settings
from intake.web import accounts
from intake.web.app import create_app
from tests.web_browser import chromium, serve
from tests.web_seed import seed_filing

REPO = Path(__file__).resolve().parents[1]
OFFICE = "130582"
PASSWORD = "screenshot password"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=REPO / "docs" / "screenshots")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    from selenium.webdriver.common.by import By

    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder)
        (out / "mailboxes").mkdir()
        deployment = open_deployment(load_settings(local_config(out), {}), {})
        now = datetime.now(UTC)
        with deployment.store.session() as db:
            target = seed_filing(db, deployment.files, OFFICE, 1, now)
            for n, sender in ((3, "li@163.com"), (5, "wang@126.com"), (8, "zhao@qq.com")):
                seed_filing(db, deployment.files, OFFICE, n, now, sender=sender)
            accounts.add_account(db, "zhoubing", OFFICE, True, PASSWORD, "screenshots", now)
        url, stop = serve(create_app(deployment))
        browser = chromium(1280, 800)
        try:
            browser.get(url + "/login")
            browser.find_element(By.ID, "name").send_keys("zhoubing")
            browser.find_element(By.ID, "password").send_keys(PASSWORD)
            browser.find_element(By.ID, "login").click()
            browser.find_element(By.ID, "count-total")
            shots = []
            for name, path, width in (
                ("web-queue.png", "/", 1280),
                ("web-filing.png", f"/filing/{target}", 1280),
                ("web-phone-queue.png", "/", 390),
                ("web-phone-filing.png", f"/filing/{target}", 390),
            ):
                browser.set_window_size(width, 800)
                browser.get(url + path)
                browser.execute_script(
                    "return Promise.all(Array.from(document.images).map(i => i.decode()"
                    ".catch(() => null)))"
                )
                height = browser.execute_script("return document.documentElement.scrollHeight")
                browser.set_window_size(width, min(int(height) + 20, 4000))
                target_file = args.out / name
                browser.save_screenshot(str(target_file))
                shots.append(target_file)
            for shot in shots:
                print(f"{shot.relative_to(REPO) if shot.is_relative_to(REPO) else shot}")
        finally:
            browser.quit()
            stop()
            deployment.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
