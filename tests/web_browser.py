"""The console served on loopback in a thread, and headless Chromium driven by Selenium
(Debian's `chromium` and `chromium-driver`), for the browser tests and the screenshot script."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

from flask import Flask

CHROMEDRIVER = Path("/usr/bin/chromedriver")
CHROMIUM = Path("/usr/bin/chromium")


def serve(app: Flask) -> tuple[str, Callable[[], None]]:
    """Serve `app` with waitress on a free loopback port; returns its URL and a stopper."""
    from waitress.server import create_server

    server = create_server(app, host="127.0.0.1", port=0, threads=4)
    port = server.effective_port  # type: ignore[union-attr]
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()

    def stop() -> None:
        server.close()
        for channel in list(server._map.values()):  # type: ignore[union-attr]
            channel.close()  # open keep-alive connections keep the loop going
        server.task_dispatcher.shutdown(timeout=1)  # type: ignore[union-attr]
        thread.join(timeout=2)

    return f"http://127.0.0.1:{port}", stop


def browser_available() -> bool:
    return CHROMEDRIVER.exists() and CHROMIUM.exists()


def chromium(width: int = 1280, height: int = 900):  # type: ignore[no-untyped-def]
    """A headless Chromium window of this size (the caller quits it)."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for argument in (
        "--headless=new",
        "--no-sandbox",
        "--disable-dev-shm-usage",
        "--disable-gpu",
        f"--window-size={width},{height}",
        "--lang=zh-CN",
    ):
        options.add_argument(argument)
    return webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
