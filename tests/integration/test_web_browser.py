"""The console in real Chromium (headless, Debian's chromium and chromium-driver via Selenium):
the clerk's whole day, and the attacker's. The console is served by waitress on loopback; the
reply the clerk approves goes out through the outbox to the test SMTP server."""

from __future__ import annotations

import dataclasses
import email
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from email.policy import default
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from intake.commands.demo import local_config
from intake.runtime.service import Deployment, open_deployment
from intake.settings import load_settings
from intake.store.tables import AuditEntry, OutboxMail
from intake.web import accounts
from intake.web.app import WebOptions, create_app
from notifications.smtp import SmtpEndpoint, SmtpSender
from tests.servers import start_smtp
from tests.web_browser import browser_available, chromium, serve
from tests.web_seed import CARD_ID, FORM_ID, seed_filing

pytestmark = pytest.mark.skipif(  # on CI scripts/setup-tests installs them: never skipped there
    not browser_available() and not os.environ.get("CI"),
    reason="chromium and chromium-driver: scripts/setup-tests",
)
A, B = "130582", "130503"
PASSWORD = "a clerk's long password"


def now() -> datetime:
    return datetime.now(UTC)


@pytest.fixture
def console(tmp_path: Path) -> Iterator[tuple[Deployment, str, dict[str, int]]]:
    """A store with one mismatch filing per office, office A holding every reply for review;
    the console served on loopback."""
    (tmp_path / "mailboxes").mkdir()
    settings = load_settings(local_config(tmp_path), {})
    settings = dataclasses.replace(
        settings,
        offices=tuple(
            dataclasses.replace(o, review="all") if o.code == A else o for o in settings.offices
        ),
    )
    deployment = open_deployment(settings, {}, now)
    cheap = accounts.PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
    original = accounts._hasher
    accounts._hasher = cheap
    try:
        with deployment.store.session() as db:
            ids = {
                "a": seed_filing(db, deployment.files, A, 1, now()),
                "b": seed_filing(db, deployment.files, B, 2, now()),
                "a2": seed_filing(db, deployment.files, A, 3, now()),
            }
            accounts.add_account(db, "clerk_a", A, False, PASSWORD, "test", now())
            accounts.add_account(db, "clerk_b", B, False, PASSWORD, "test", now())
        app = create_app(deployment, WebOptions(login_per_account="3 per minute"))
        url, stop = serve(app)
        yield deployment, url, ids
        stop()
    finally:
        accounts._hasher = original
        deployment.close()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    driver = chromium()
    driver.implicitly_wait(5)
    yield driver
    driver.quit()


def submit(browser: Any, button: Any) -> None:
    """Click a form's button and wait for the page it leads to (the button's page gone)."""
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    button.click()
    WebDriverWait(browser, 10).until(expected_conditions.staleness_of(button))


def sign_in(browser: Any, url: str, name: str, password: str = PASSWORD) -> None:
    from selenium.webdriver.common.by import By

    browser.delete_all_cookies()
    browser.get(url + "/login")
    browser.find_element(By.ID, "name").send_keys(name)
    browser.find_element(By.ID, "password").send_keys(password)
    submit(browser, browser.find_element(By.ID, "login"))


def test_the_clerks_day(console: tuple[Deployment, str, dict[str, int]], browser: Any) -> None:
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support.ui import WebDriverWait

    deployment, url, _ids = console
    sign_in(browser, url, "clerk_a")
    # the queue: the mismatch filing, waiting for a person
    assert browser.find_element(By.ID, "count-total").text != "0"
    shown = [e.text for e in browser.find_elements(By.CSS_SELECTOR, "a.open-filing")]
    assert shown[:2] == [f"XT{A}-20200510-0003", f"XT{A}-20200510-0001"]  # oldest first
    link = browser.find_element(By.LINK_TEXT, f"XT{A}-20200510-0001")
    assert f"XT{B}" not in browser.page_source
    submit(browser, link)
    assert "身份证复印件上的号码与备案表不一致" in browser.find_element(By.ID, "problems").text
    # the card's picture is shown beside the fields read from it
    image = browser.find_element(By.CSS_SELECTOR, ".page img")
    WebDriverWait(browser, 10).until(
        lambda b: b.execute_script(
            "return arguments[0].complete && arguments[0].naturalWidth", image
        )
    )
    # correct the ID number read from the card: decided again at once
    row = browser.find_element(By.XPATH, f"//tr[td[@class='value' and text()='{CARD_ID}']]")
    box = row.find_element(By.NAME, "value")
    box.clear()
    box.send_keys(FORM_ID)
    submit(browser, row.find_element(By.TAG_NAME, "button"))
    assert "不一致" not in browser.find_element(By.ID, "problems").text
    assert "已保存更正" in browser.page_source
    # the new reply waits for review (office A holds every reply); its text is in the edit form
    body = browser.find_element(By.CSS_SELECTOR, ".state-held textarea[name=body]")
    assert f"XT{A}-20200510-0001" in body.get_attribute("value")
    # approve it as it is
    submit(browser, browser.find_element(By.CSS_SELECTOR, "button.approve"))
    flashes = [e.text for e in browser.find_elements(By.CSS_SELECTOR, ".flash")]
    assert any("回复已批准" in t for t in flashes), flashes
    # the outbox sends it once, to the test SMTP server
    server = start_smtp({"shhlwxxb@163.com": "code"})
    try:
        office = deployment.settings.office(A)
        assert office is not None
        endpoint = SmtpEndpoint("127.0.0.1", server.port, "none", None, 10.0)
        report = deployment.outbox().drain(
            (office,), lambda o: SmtpSender(endpoint, o.mailbox, "code")
        )
        again = deployment.outbox().drain(
            (office,), lambda o: SmtpSender(endpoint, o.mailbox, "code")
        )
    finally:
        server.stop()
    assert report.sent == 1 and again.sent == 0
    ((mail_from, rcpt, raw),) = server.received
    assert rcpt == ["zhang@qq.com"] and mail_from == "shhlwxxb@163.com"
    assert f"XT{A}-20200510-0001" in str(email.message_from_bytes(raw, policy=default)["Subject"])
    # the filing has left the queue; the other one the clerk settles by hand with a note
    browser.get(url + "/")
    assert f"XT{A}-20200510-0001" not in browser.page_source
    second = f"XT{A}-20200510-0003"
    submit(browser, browser.find_element(By.LINK_TEXT, second))
    buttons = browser.find_elements(By.CSS_SELECTOR, "button.resolve")
    assert buttons
    while buttons:
        buttons[0].find_element(By.XPATH, "..").find_element(By.NAME, "note").send_keys(
            "已电话核实"
        )
        submit(browser, buttons[0])
        buttons = browser.find_elements(By.CSS_SELECTOR, "button.resolve")
    assert "已电话核实" in browser.find_element(By.CSS_SELECTOR, ".history").text
    browser.get(url + "/")
    assert second not in browser.page_source
    assert browser.find_element(By.ID, "count-total").text == "0"
    submit(browser, browser.find_element(By.CSS_SELECTOR, ".logout button"))
    assert browser.current_url.startswith(url + "/login")
    browser.get(url + "/")
    assert browser.current_url.startswith(url + "/login")
    with deployment.store.session() as db:
        actions = set(
            db.execute(select(AuditEntry.action).where(AuditEntry.actor == "clerk_a")).scalars()
        )
        sent = db.execute(select(OutboxMail).where(OutboxMail.state == "sent")).scalars().all()
    assert {"web login", "web logout"} <= actions and len(actions) >= 4
    assert len(sent) == 1


def test_the_attackers_day(console: tuple[Deployment, str, dict[str, int]], browser: Any) -> None:
    from selenium.webdriver.common.by import By

    _deployment, url, ids = console
    sign_in(browser, url, "clerk_b")
    for path in (f"/filing/{ids['a']}", f"/filing/{ids['a'] + 1000}"):
        browser.get(url + path)
        assert "未找到该页面或记录，或您无权查看" in browser.page_source
        assert f"XT{A}" not in browser.page_source
    # a form sent without its CSRF token is refused
    browser.get(url + f"/filing/{ids['b']}")
    browser.execute_script(
        "document.querySelectorAll('input[name=csrf_token]').forEach(e => e.remove())"
    )
    submit(browser, browser.find_element(By.CSS_SELECTOR, "form.correct button"))
    assert "表单已过期或来源无效" in browser.page_source
    # guessing a password: refused, then no more tries
    texts = []
    for _ in range(4):
        sign_in(browser, url, "clerk_a", "guess " + "x" * 10)
        texts.append(browser.page_source)
    assert all("用户名或密码错误" in t for t in texts[:3]) and "登录尝试过多" in texts[3]
    sign_in(browser, url, "clerk_a")  # the right password is refused while the limit lasts
    assert "登录尝试过多" in browser.page_source
