"""The staff web console through Flask's test client on a real SQLite store: sign-in, sessions,
CSRF, the sign-in rate limit, and the office check on every route of the app's url_map (a
clerk of one office gets exactly the 404 of a missing record for another office's filing)."""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from argon2 import PasswordHasher
from flask import Flask
from flask.testing import FlaskClient
from openpyxl import load_workbook
from sqlalchemy import select
from sqlalchemy.orm import Session

from intake.commands.demo import local_config
from intake.runtime.service import Deployment, open_deployment
from intake.settings import load_settings
from intake.store.tables import AuditEntry, Filing, OutboxMail, WebAccount
from intake.web import accounts
from intake.web.app import WebOptions, create_app
from tests.web_seed import seed_filing

A, B, CITY = "130582", "130503", "130500"
PASSWORD = "correct horse battery"
BASE = "https://localhost"


def now() -> datetime:
    return datetime.now(UTC)


@dataclass
class World:
    deployment: Deployment
    app: Flask
    a_filing: int
    b_filing: int
    b_attachment: int
    b_outbox: int
    b_reference: str
    b_message: int


@pytest.fixture(scope="module")
def seeded(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    """One store for the module (migrating and seeding take a second or two); each test gets
    its own app (its own rate-limit counters) on it. Tests that change accounts use their own."""
    folder = tmp_path_factory.mktemp("web")
    (folder / "mailboxes").mkdir()
    settings = load_settings(local_config(folder), {})
    deployment = open_deployment(settings, {}, now)
    with deployment.store.session() as db:
        a_filing = seed_filing(db, deployment.files, A, 1, now())
        b_filing = seed_filing(db, deployment.files, B, 2, now())
        for name, office, admin in (
            ("clerk_a", A, False),
            ("clerk_b", B, False),
            ("clerk_c", A, False),
            ("admin_b", B, True),
            ("city", CITY, True),
        ):
            add_account(db, name, office, admin)
    with deployment.store.session() as db:
        b = db.get(Filing, b_filing)
        assert b is not None and b.reference
        from intake.store.tables import Attachment, Message

        b_attachment = (
            db.execute(select(Attachment.id).join(Message).where(Message.filing_id == b_filing))
            .scalars()
            .first()
        )
        b_outbox = db.execute(
            select(OutboxMail.id).where(OutboxMail.filing_id == b_filing)
        ).scalar_one()
        reference = b.reference
        b_message = uncertain_mail(db, B, "质询 张三2", now())
    assert b_attachment is not None
    yield World(deployment, None, a_filing, b_filing, b_attachment, b_outbox, reference, b_message)  # type: ignore[arg-type]
    deployment.close()


def uncertain_mail(db: Session, office: str, text: str, at: datetime) -> int:
    """A mail the classifier could not call (nature ``uncertain``): no filing, no reply."""
    from intake.store.tables import Message, MessageState

    raw = f"uncertain {office} {text}".encode()
    message = Message(
        sha256=hashlib.sha256(raw).hexdigest(),
        body_sha256=hashlib.sha256(raw + b"body").hexdigest(),
        message_id=f"<u.{office}.{len(text)}@test.example>",
        size=len(raw),
        office=office,
        folder="INBOX",
        stored_at=at,
        state=MessageState.DECIDED.value,
        from_addr="someone@example.com",
        subject="请问",
        sent_at=at,
        body_text=text,
        nature="uncertain",
        signals=["recipient:office_mailbox", "attachment:unread"],
    )
    db.add(message)
    db.flush()
    return message.id


@pytest.fixture
def world(seeded: World) -> World:
    app = create_app(
        seeded.deployment,
        WebOptions(login_per_account="3 per minute", login_per_address="5 per minute"),
    )
    return dataclasses.replace(seeded, app=app)


CHEAP = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1)
"""argon2id with small costs: the production costs take about half a second a hash, which
the tests would pay on every sign-in."""


@functools.cache
def password_hash() -> str:
    """The argon2 hash of PASSWORD, made once."""
    return CHEAP.hash(PASSWORD)


@pytest.fixture(autouse=True)
def _cheap_hashes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(accounts, "_hasher", CHEAP)
    monkeypatch.setattr(accounts, "_DUMMY_HASH", CHEAP.hash("nobody's password"))


def add_account(db: Session, name: str, office: str, admin: bool) -> None:
    """An account as `accounts.add_account` makes it, with the hash made once."""
    db.add(
        WebAccount(
            name=name,
            office=office,
            admin=admin,
            password_hash=password_hash(),
            locked=False,
            session_generation=0,
            created_at=now(),
            password_set_at=now(),
        )
    )


def token(client: FlaskClient, path: str = "/login") -> str:
    page = client.get(path).get_data(as_text=True)
    found = re.search(r'name="csrf_token" value="([^"]+)"', page)
    assert found, page[:500]
    return found.group(1)


def sign_in(
    app: Flask, name: str, password: str = PASSWORD, address: str = "10.0.0.1"
) -> FlaskClient:
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    answer = client.post(
        "/login",
        base_url=BASE,
        data={"name": name, "password": password, "csrf_token": token(client)},
    )
    assert answer.status_code == 302, answer.get_data(as_text=True)[:300]
    return client


@pytest.fixture(autouse=True)
def _https_client(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every test request goes over https, as the Secure cookie needs."""
    original = FlaskClient.open

    def open_https(self: FlaskClient, *args: object, **kwargs: object) -> object:
        kwargs.setdefault("base_url", BASE)
        kwargs.setdefault("headers", {"Referer": BASE + "/"})  # as a browser sends it
        return original(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(FlaskClient, "open", open_https)


def test_the_cookie_is_secure_httponly_samesite_and_expires(world: World) -> None:
    client = world.app.test_client()
    client.get("/login")
    answer = client.post(
        "/login", data={"name": "clerk_a", "password": PASSWORD, "csrf_token": token(client)}
    )
    cookie = answer.headers["Set-Cookie"]
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Expires=" in cookie
    assert answer.headers["Cache-Control"] == "no-store"


def test_passwords_are_argon2_and_wrong_or_locked_ones_fail(world: World) -> None:
    with world.deployment.store.session() as db:
        row = db.execute(select(WebAccount).where(WebAccount.name == "clerk_a")).scalar_one()
        assert row.password_hash.startswith("$argon2id$") and PASSWORD not in row.password_hash
    client = world.app.test_client()
    wrong = client.post(
        "/login",
        data={"name": "clerk_a", "password": "wrong password!", "csrf_token": token(client)},
    )
    assert wrong.status_code == 401 and "用户名或密码错误" in wrong.get_data(as_text=True)
    assert client.get("/").status_code == 302  # still signed out
    with world.deployment.store.session() as db:
        with pytest.raises(accounts.AccountError):
            accounts.add_account(db, "weak", A, False, "short", "test", now())
        entries = db.execute(select(AuditEntry.action, AuditEntry.actor)).all()
    assert ("web login failed", "clerk_a") in entries


def test_every_route_needs_a_sign_in(world: World) -> None:
    client = world.app.test_client()
    for rule in world.app.url_map.iter_rules():
        if rule.endpoint in ("login", "static"):
            continue
        url = _url(rule.rule, world, own=False)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            answer = client.open(url, method=method, data={"csrf_token": "x"})
            assert answer.status_code in (302, 400, 401), (rule.rule, method, answer.status_code)
            if answer.status_code == 302:
                assert answer.headers["Location"].startswith("/login")


def test_a_form_without_its_csrf_token_changes_nothing(world: World) -> None:
    client = sign_in(world.app, "clerk_a")
    answer = client.post(
        f"/filing/{world.a_filing}/correct", data={"field": "id_number", "value": "1"}
    )
    assert answer.status_code == 400 and "表单已过期" in answer.get_data(as_text=True)
    forged = client.post(
        f"/filing/{world.a_filing}/correct",
        data={"field": "id_number", "value": "1", "csrf_token": "forged"},
    )
    assert forged.status_code == 400
    assert client.post("/logout").status_code == 400
    assert client.get("/").status_code == 200  # still signed in: the logout form was refused


def test_sign_in_is_rate_limited_per_account_and_per_address(world: World) -> None:
    client = world.app.test_client()
    client.environ_base["REMOTE_ADDR"] = "10.0.0.2"
    csrf = token(client)
    codes = [
        client.post(
            "/login", data={"name": "clerk_b", "password": "guess", "csrf_token": csrf}
        ).status_code
        for _ in range(4)
    ]
    assert codes == [401, 401, 401, 429]
    # the right password does not get through the limit either, even from another address
    other = world.app.test_client()
    other.environ_base["REMOTE_ADDR"] = "10.0.0.3"
    right = other.post(
        "/login", data={"name": "clerk_b", "password": PASSWORD, "csrf_token": token(other)}
    )
    assert right.status_code == 429
    # per address: many names from one address
    spray = world.app.test_client()
    spray.environ_base["REMOTE_ADDR"] = "10.0.0.4"
    csrf = token(spray)
    sprayed = [
        spray.post(
            "/login", data={"name": f"user{i}", "password": "x", "csrf_token": csrf}
        ).status_code
        for i in range(6)
    ]
    assert sprayed[-1] == 429 and 429 not in sprayed[:5]


def test_lock_and_password_reset_end_existing_sessions(world: World) -> None:
    client = sign_in(world.app, "clerk_c")
    assert client.get("/").status_code == 200
    with world.deployment.store.session() as db:
        accounts.set_locked(db, "clerk_c", True, "test", now())
    assert client.get("/").status_code == 302
    with world.deployment.store.session() as db:
        accounts.set_locked(db, "clerk_c", False, "test", now())
    client = sign_in(world.app, "clerk_c", address="10.0.0.5")
    admin = sign_in(world.app, "city", address="10.0.0.6")
    answer = admin.post(
        "/admin/accounts/clerk_c/password",
        data={"password": "another long password", "csrf_token": token(admin, "/admin/accounts")},
    )
    assert answer.status_code == 302
    assert client.get("/").status_code == 302
    sign_in(world.app, "clerk_c", "another long password", address="10.0.0.7")


def _url(rule: str, world: World, own: bool, missing: bool = False) -> str:
    """The rule with every id of office B (or of A when `own`), or an id nobody has."""
    values = {
        "filing_id": world.a_filing if own else world.b_filing,
        "attachment_id": world.b_attachment,
        "outbox_id": world.b_outbox,
        "message_pk": world.b_message,
        "number": 1,
        "name": "clerk_b",
        "code": B,
    }
    if missing:
        values.update(
            filing_id=999999,
            attachment_id=999999,
            outbox_id=999999,
            message_pk=999999,
            name="nobody",
            code="999999",
        )
    out = rule
    for key, value in values.items():
        out = re.sub(rf"<(?:\w+:)?{key}>", str(value), out)
    assert "<" not in out, f"a route parameter the test does not know: {rule}"
    return out


ROUTES_WITH_AN_ID = {
    "filing",
    "mail",
    "attachment",
    "attachment_page",
    "correct",
    "approve",
    "edit",
    "resend",
    "compose",
    "transfer",
    "admin_reset_password",
    "admin_lock",
    "admin_unlock",
    "admin_test_connection",
}
ROUTES_WITHOUT = {
    "queue",
    "search",
    "export",
    "resolve",
    "reopen",
    "logout",
    "admin_accounts",
    "admin_add_account",
    "admin_mailboxes",
    "login",
    "static",
}


def _form(world: World) -> dict[str, str]:
    """Every form field any route reads, each naming office B's things."""
    return {
        "field": "id_number",
        "value": "130582199001011237",
        "subject": "x",
        "body": "x",
        "canned": "x",
        "extra": "x",
        "item": f"filing:{world.b_filing}",
        "note": "x",
        "to_office": A,
        "name": "sneaky",
        "office": B,
        "password": "a long password 1",
        "next": "/",
    }


def test_a_clerk_of_one_office_cannot_reach_another_offices_filing_by_any_route(
    world: World,
) -> None:
    endpoints = {rule.endpoint for rule in world.app.url_map.iter_rules()}
    assert endpoints == ROUTES_WITH_AN_ID | ROUTES_WITHOUT, "a new route: add it to this test"
    client = sign_in(world.app, "clerk_a")
    csrf = token(client, "/")
    form = {**_form(world), "csrf_token": csrf}
    before = _snapshot(world)
    for rule in world.app.url_map.iter_rules():
        if rule.endpoint in ("login", "static", "logout"):
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            data = form if method == "POST" else None
            client.get("/")  # shows (and so clears) any message an earlier request left
            answer = client.open(_url(rule.rule, world, own=False), method=method, data=data)
            body = answer.get_data()
            assert world.b_reference.encode() not in body, (rule.rule, method)
            assert b"\xe5\xbc\xa0\xe4\xb8\x892" not in body, (rule.rule, method)  # B's name 张三2
            if rule.endpoint in ROUTES_WITH_AN_ID:
                missing = client.open(
                    _url(rule.rule, world, own=False, missing=True), method=method, data=data
                )
                assert answer.status_code == 404, (rule.rule, method, answer.status_code)
                assert _tokenless(body) == _tokenless(missing.get_data()), (rule.rule, method)
            elif rule.endpoint in ("resolve", "reopen") or rule.endpoint.startswith("admin"):
                assert answer.status_code == 404, (rule.rule, method)
    assert _snapshot(world) == before  # nothing of B's changed
    # the search by B's reference and the export find nothing of B's
    found = client.get("/search", query_string={"reference": world.b_reference})
    page = found.get_data(as_text=True)
    assert found.status_code == 200 and "没有符合条件的备案" in page
    assert f"/filing/{world.b_filing}" not in page
    export = client.get("/export", query_string={"start": "2000-01-01", "end": "2100-01-01"})
    assert export.status_code == 200
    cells = [
        str(c.value)
        for s in load_workbook(io.BytesIO(export.get_data())).worksheets
        for row in s.iter_rows()
        for c in row
        if c.value is not None
    ]
    assert not any(world.b_reference in c for c in cells)


def test_an_admin_of_one_office_manages_only_its_accounts(world: World) -> None:
    admin = sign_in(world.app, "admin_b")
    csrf = token(admin, "/admin/accounts")
    page = admin.get("/admin/accounts").get_data(as_text=True)
    assert "clerk_b" in page and "clerk_a" not in page
    assert admin.post("/admin/accounts/clerk_a/lock", data={"csrf_token": csrf}).status_code == 404
    added = admin.post(
        "/admin/accounts",
        data={"name": "x_a", "office": A, "password": "a long password 1", "csrf_token": csrf},
    )
    assert added.status_code == 404
    assert admin.post(f"/admin/mailboxes/{A}/test", data={"csrf_token": csrf}).status_code == 404


def test_a_mail_that_waits_for_a_person_is_queued_read_and_resolved(world: World) -> None:
    """An uncertain mail (no filing, no reply) is in its office's queue, opens on its own page
    with the classifier's signals, and leaves the queue when resolved."""
    with world.deployment.store.session() as db:
        mail = uncertain_mail(db, A, "我想问一下怎么办理", now())
    client = sign_in(world.app, "clerk_a", address="10.0.0.15")
    queue_page = client.get("/").get_data(as_text=True)
    assert f'href="/mail/{mail}"' in queue_page and "来信待人工判断" in queue_page
    page = client.get(f"/mail/{mail}").get_data(as_text=True)
    assert "我想问一下怎么办理" in page and "recipient:office_mailbox" in page
    answer = client.post(
        "/item/resolve",
        data={"item": f"message:{mail}", "note": "已电话联系", "csrf_token": token(client, "/")},
    )
    assert answer.status_code == 302
    assert f'href="/mail/{mail}"' not in client.get("/").get_data(as_text=True)
    with world.deployment.store.session() as db:
        actions = db.execute(select(AuditEntry.action, AuditEntry.actor)).all()
    assert ("staff:view", "clerk_a") in actions


def test_the_city_office_sees_every_office(world: World) -> None:
    city = sign_in(world.app, "city")
    assert city.get(f"/filing/{world.b_filing}").status_code == 200
    assert city.get(f"/filing/{world.a_filing}").status_code == 200


def _tokenless(page: bytes) -> bytes:
    """A page without its CSRF token values (signed with the time: they differ by the second)."""
    return re.sub(rb'name="csrf_token" value="[^"]*"', b"", page)


def _snapshot(world: World) -> list[tuple[object, ...]]:
    with world.deployment.store.session() as db:
        filings = db.execute(select(Filing.id, Filing.office, Filing.status, Filing.fields)).all()
        outbox = db.execute(select(OutboxMail.id, OutboxMail.state, OutboxMail.subject)).all()
        users = db.execute(
            select(WebAccount.name, WebAccount.locked, WebAccount.password_hash)
        ).all()
    return [*map(tuple, filings), *map(tuple, outbox), *map(tuple, users)]


def test_views_and_downloads_are_audited_with_the_person(world: World) -> None:
    client = sign_in(world.app, "city", address="10.0.0.8")
    assert client.get(f"/filing/{world.b_filing}").status_code == 200
    download = client.get(f"/attachment/{world.b_attachment}")
    assert download.status_code == 200 and download.headers["Cache-Control"] == "no-store"
    assert download.headers["Content-Disposition"].startswith("attachment")
    with world.deployment.store.session() as db:
        rows = db.execute(
            select(AuditEntry.action, AuditEntry.filing_id).where(AuditEntry.actor == "city")
        ).all()
    touching_b = [action for action, filing_id in rows if filing_id == world.b_filing]
    assert len(touching_b) >= 2, rows  # the page view and the download


def test_a_session_ends_after_its_absolute_lifetime(world: World) -> None:
    client = sign_in(world.app, "clerk_a", address="10.0.0.9")
    assert client.get("/").status_code == 200
    with client.session_transaction() as session:
        session["since"] -= 13 * 3600
    assert client.get("/").status_code == 302


def test_behind_a_proxy_the_forwarded_scheme_and_address_count(seeded: World) -> None:
    app = create_app(seeded.deployment, WebOptions(behind_proxy=True))
    client = app.test_client()
    forwarded = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "203.0.113.9"}
    page = client.get("/login", base_url="http://127.0.0.1:8080", headers=forwarded)
    assert page.status_code == 200
    found = re.search(r'name="csrf_token" value="([^"]+)"', page.get_data(as_text=True))
    assert found
    answer = client.post(
        "/login",
        base_url="http://127.0.0.1:8080",
        headers={**forwarded, "Referer": "https://127.0.0.1:8080/login"},
        data={"name": "clerk_b", "password": PASSWORD, "csrf_token": found.group(1)},
    )
    assert answer.status_code == 302 and "Secure" in answer.headers["Set-Cookie"]
    with seeded.deployment.store.session() as db:
        details = (
            db.execute(select(AuditEntry.detail).where(AuditEntry.action == "web login"))
            .scalars()
            .all()
        )
    assert "from 203.0.113.9" in details


def test_the_account_commands(seeded: World, monkeypatch: pytest.MonkeyPatch) -> None:
    from intake.commands.cli import main

    config = str(seeded.deployment.settings.path)
    monkeypatch.delenv("INTAKE_KEYS", raising=False)  # the store's key is its key_file
    monkeypatch.setattr("sys.stdin", io.StringIO("a long enough password\n"))
    assert (
        main(["web", "add-user", "cli_user", "--office", A, "--password-stdin", "--config", config])
        == 0
    )
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    assert (
        main(["web", "add-user", "cli_two", "--office", A, "--password-stdin", "--config", config])
        == 1
    )
    assert main(["web", "lock", "cli_user", "--config", config]) == 0
    with seeded.deployment.store.session() as db:
        row = db.execute(select(WebAccount).where(WebAccount.name == "cli_user")).scalar_one()
        assert row.locked and row.session_generation == 1 and row.office == A
        assert db.execute(select(WebAccount).where(WebAccount.name == "cli_two")).first() is None
    assert main(["web", "unlock", "cli_user", "--config", config]) == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("another long password\n"))
    assert main(["web", "reset-password", "cli_user", "--password-stdin", "--config", config]) == 0
    with seeded.deployment.store.session() as db:
        row = db.execute(select(WebAccount).where(WebAccount.name == "cli_user")).scalar_one()
        assert not row.locked and row.session_generation == 2


def test_the_queue_page_counts_as_the_digest_does(world: World) -> None:
    from intake.staff import queue
    from intake.web.routes_work import counts_of

    with world.deployment.store.session() as db:
        for offices in ({A}, {A, B}, {B}):
            items = queue.open_work(db, offices, now())
            assert counts_of(items) == queue.queue_counts(db, offices, now())
    client = sign_in(world.app, "clerk_b", address="10.0.0.10")
    page = client.get("/").get_data(as_text=True)
    with world.deployment.store.session() as db:
        total = queue.queue_counts(db, {B}, now())["total"]
    assert total > 0 and f'<b id="count-total">{total}</b>' in page


def test_every_form_needs_its_csrf_token(world: World) -> None:
    client = sign_in(world.app, "city", address="10.0.0.11")
    before = _snapshot(world)
    posts = [r for r in world.app.url_map.iter_rules() if "POST" in (r.methods or ())]
    assert len(posts) >= 14
    for rule in posts:
        answer = client.post(_url(rule.rule, world, own=True), data=_form(world))
        assert answer.status_code == 400, (rule.rule, answer.status_code)
    assert _snapshot(world) == before


def test_a_session_ends_after_30_idle_minutes(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    import time

    from itsdangerous import TimestampSigner

    client = sign_in(world.app, "clerk_a", address="10.0.0.12")
    assert client.get("/").status_code == 200
    monkeypatch.setattr(TimestampSigner, "get_timestamp", lambda self: int(time.time()) + 31 * 60)
    assert client.get("/").status_code == 302


def test_each_value_s_box_is_drawn_over_its_page(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Each field's stored box (`documents.boxes`) is a rectangle over its page image; a box laid
    over the view is drawn where it says."""
    from intake.staff import views

    client = sign_in(world.app, "clerk_a", address="10.0.0.13")
    plain = client.get(f"/filing/{world.a_filing}").get_data(as_text=True)
    original = views.filing_view

    def with_boxes(*args: object, **kwargs: object) -> views.FilingView:
        view = original(*args, **kwargs)  # type: ignore[arg-type]
        documents = tuple(
            dataclasses.replace(
                d,
                fields=tuple(
                    dataclasses.replace(f, box=(0, 0.1, 0.7, 0.9, 0.8))
                    if f.key == "id_number"
                    else f
                    for f in d.fields
                ),
            )
            for d in view.documents
        )
        return dataclasses.replace(view, documents=documents)

    monkeypatch.setattr(views, "filing_view", with_boxes)
    boxed = client.get(f"/filing/{world.a_filing}").get_data(as_text=True)
    rects = re.findall(
        r'<rect data-field="(\d+)-id_number" x="0.1" y="0.7" width="([\d.]+)"', boxed
    )
    assert len(rects) == 2 and all(abs(float(w) - 0.8) < 1e-9 for _d, w in rects)
    assert boxed.count("无位置") <= plain.count("无位置")
    # the boxes the readers stored (documents.boxes) are drawn too, inside their page
    stored = re.findall(
        r'<rect data-field="\d+-\w+" x="([\d.]+)" y="([\d.]+)" width="([\d.]+)" '
        r'height="([\d.]+)"',
        plain,
    )
    assert stored, "no stored box drawn on the filing page"
    for x, y, w, h in stored:
        assert 0 <= float(x) <= 1 and 0 <= float(y) <= 1
        assert 0 < float(x) + float(w) <= 1.000001 and 0 < float(y) + float(h) <= 1.000001


def test_the_admin_sees_mailbox_health_and_tests_a_connection(world: World) -> None:
    admin = sign_in(world.app, "admin_b", address="10.0.0.14")
    page = admin.get("/admin/mailboxes").get_data(as_text=True)
    assert "桥西区互联网信息办公室" in page and "沙河市互联网信息办公室" not in page
    assert "测试连接" in page and "只读" in page
    tested = admin.post(f"/admin/mailboxes/{B}/test", data={"csrf_token": token(admin, "/")})
    text = tested.get_data(as_text=True)
    assert tested.status_code == 200 and "未设置存放授权码的环境变量" in text
    with world.deployment.store.session() as db:
        audited = (
            db.execute(
                select(AuditEntry.detail).where(
                    AuditEntry.actor == "admin_b", AuditEntry.action == "web test connection"
                )
            )
            .scalars()
            .all()
        )
    assert audited == [f"office {B}: IMAP+SMTP failed"]


def test_compose_a_reply_then_transfer_the_filing(world: World) -> None:
    from intake.staff import actions

    with world.deployment.store.session() as db:
        filing_id = seed_filing(db, world.deployment.files, A, 7, now())
    clerk = sign_in(world.app, "clerk_a", address="10.0.0.15")
    page = clerk.get(f"/filing/{filing_id}").get_data(as_text=True)
    canned = actions.canned_texts()[0]
    assert canned.title in page
    csrf = token(clerk, "/")
    composed = clerk.post(
        f"/filing/{filing_id}/compose",
        data={"canned": canned.key, "extra": "请于三日内回复。", "csrf_token": csrf},
    )
    assert composed.status_code == 302
    with world.deployment.store.session() as db:
        rows = (
            db.execute(select(OutboxMail.state).where(OutboxMail.filing_id == filing_id))
            .scalars()
            .all()
        )
    assert len(rows) == 2 and "queued" in rows
    moved = clerk.post(
        f"/filing/{filing_id}/transfer",
        data={"to_office": B, "note": "属桥西区", "csrf_token": csrf},
    )
    assert moved.status_code == 302
    assert clerk.get(f"/filing/{filing_id}").status_code == 404  # no longer office A's
    other = sign_in(world.app, "clerk_b", address="10.0.0.16")
    queue_page = other.get("/").get_data(as_text=True)
    assert f"XT{A}-20200510-0007" in queue_page and "由沙河市互联网信息办公室转来" in queue_page
