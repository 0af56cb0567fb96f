"""The console's Flask application: configuration, sign-in, sessions and the office check.

Sessions are Flask's signed cookies (Secure, HttpOnly, SameSite=Lax) holding the account id,
its session generation and the sign-in time only. They expire after `idle_minutes` without a
request (the cookie's signed age) and `absolute_hours` after signing in; a lock or a password
reset ends them (the generation is compared on every request). CSRF is Flask-WTF's on every
POST. Sign-in is rate-limited per account name and per address by Flask-Limiter with in-memory
counters: right for the one-process server `intake web` runs (waitress, many threads).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, abort, flash, g, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_wtf.csrf import CSRFError, CSRFProtect
from werkzeug.middleware.proxy_fix import ProxyFix

from intake.privacy.audit import record
from intake.runtime.clock import SHANGHAI
from intake.runtime.service import Deployment
from intake.web import accounts
from intake.web.secret import session_key
from vocabulary.offices import OFFICES

PUBLIC_ENDPOINTS = frozenset({"login", "static"})
DOCUMENT_WORDS = {
    "registration_form": "备案登记表",
    "id_card_front": "身份证（人像面）",
    "id_card_back": "身份证（国徽面）",
    "business_licence": "营业执照",
    "org_code_certificate": "组织机构代码证",
    "other": "其他材料",
}
REPLY_WORDS = {"ack": "确认收到", "request_missing": "请补充材料", "transferred": "转交通知"}


@dataclass(frozen=True)
class WebOptions:
    """How the console behaves; the defaults are the production ones."""

    idle_minutes: int = 30
    absolute_hours: int = 12
    login_per_account: str = "5 per 5 minutes"
    login_per_address: str = "20 per 5 minutes"
    behind_proxy: bool = False
    secure_cookies: bool = True


def create_app(
    deployment: Deployment,
    options: WebOptions | None = None,
    environ: Mapping[str, str] | None = None,
) -> Flask:
    """The console on `deployment` (its store, files, keys and settings)."""
    options = options or WebOptions()
    app = Flask(__name__)
    app.config.update(
        SECRET_KEY=session_key(deployment.files.root),
        SESSION_COOKIE_NAME="intake_session",
        SESSION_COOKIE_SECURE=options.secure_cookies,
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        PERMANENT_SESSION_LIFETIME=timedelta(minutes=options.idle_minutes),
        SESSION_REFRESH_EACH_REQUEST=True,
        WTF_CSRF_TIME_LIMIT=options.absolute_hours * 3600,
        WTF_CSRF_SSL_STRICT=True,
        MAX_CONTENT_LENGTH=2 * 1024 * 1024,
        RATELIMIT_STORAGE_URI="memory://",
        RATELIMIT_HEADERS_ENABLED=False,
    )
    app.extensions["intake"] = deployment
    app.extensions["intake.options"] = options
    app.extensions["intake.environ"] = dict(environ or deployment.environ)
    if options.behind_proxy:
        app.wsgi_app = ProxyFix(  # type: ignore[method-assign]
            app.wsgi_app, x_for=1, x_proto=1, x_host=1, x_port=1, x_prefix=1
        )
    CSRFProtect(app)
    # a moving window: N tries in any span of the period (a fixed window would allow 2N
    # around its edge)
    limiter = Limiter(
        get_remote_address, app=app, storage_uri="memory://", strategy="moving-window"
    )
    app.jinja_env.filters["local"] = _local
    app.jinja_env.filters["age"] = _age
    app.jinja_env.globals["office_name"] = office_name
    app.jinja_env.globals["OFFICES"] = OFFICES
    app.jinja_env.globals["DOCUMENT_WORDS"] = DOCUMENT_WORDS
    app.jinja_env.globals["REPLY_WORDS"] = REPLY_WORDS
    _register_auth(app, limiter, options)
    from intake.web import routes_admin, routes_work

    routes_work.register(app)
    routes_admin.register(app)

    @app.after_request
    def _headers(response: Any) -> Any:
        response.headers.setdefault("Cache-Control", "no-store")
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["X-Frame-Options"] = "DENY"
        response.headers["Referrer-Policy"] = "same-origin"
        response.headers["Content-Security-Policy"] = (
            "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
            "frame-ancestors 'none'; form-action 'self'"
        )
        return response

    @app.errorhandler(404)
    def _not_found(_error: Exception) -> ResponseReturnValue:
        return render_template(
            "error.html", title="未找到", text="未找到该页面或记录，或您无权查看。"
        ), 404

    @app.errorhandler(CSRFError)
    def _csrf(_error: CSRFError) -> ResponseReturnValue:
        return render_template(
            "error.html", title="请求已失效", text="表单已过期或来源无效，请返回后刷新页面重试。"
        ), 400

    @app.errorhandler(429)
    def _too_many(_error: Exception) -> ResponseReturnValue:
        return render_template("login.html", error="登录尝试过多，请稍后再试。", name=""), 429

    return app


def deployment_of(app: Flask) -> Deployment:
    deployment: Deployment = app.extensions["intake"]
    return deployment


def office_name(code: str) -> str:
    for office in OFFICES:
        if office.code == code:
            return office.name
    return code


def _local(moment: Any, fmt: str = "%Y-%m-%d %H:%M") -> str:
    if moment is None:
        return "-"
    return str(moment.astimezone(SHANGHAI).strftime(fmt))


def _age(delta: timedelta) -> str:
    minutes = int(delta.total_seconds() // 60)
    if minutes < 60:
        return f"{max(minutes, 0)} 分钟"
    hours = minutes // 60
    if hours < 48:
        return f"{hours} 小时"
    return f"{hours // 24} 天"


def person() -> accounts.Person:
    """The signed-in person of this request (the before-request hook set it)."""
    found: accounts.Person = g.person
    return found


def _register_auth(app: Flask, limiter: Limiter, options: WebOptions) -> None:
    store = deployment_of(app).store
    clock = deployment_of(app).clock

    @app.before_request
    def _signed_in() -> ResponseReturnValue | None:
        if request.endpoint in PUBLIC_ENDPOINTS or request.endpoint is None:
            return None
        uid, generation, since = session.get("uid"), session.get("gen"), session.get("since")
        found = None
        fresh = isinstance(since, int | float) and (
            time.time() - since <= options.absolute_hours * 3600
        )
        if isinstance(uid, int) and isinstance(generation, int) and fresh:
            with store.session() as db:
                found = accounts.current(db, uid, generation)
        if found is None:
            session.clear()
            if request.method == "GET":
                return redirect(url_for("login", next=request.full_path.rstrip("?")))
            abort(401)
        g.person = found
        return None

    def _account_key() -> str:
        return "account:" + (request.form.get("name") or "").strip().lower()

    @app.route("/login", methods=["GET", "POST"])
    @limiter.limit(options.login_per_address, methods=["POST"])
    @limiter.limit(options.login_per_account, methods=["POST"], key_func=_account_key)
    def login() -> ResponseReturnValue:
        if request.method == "GET":
            return render_template("login.html", error=None, name="")
        name = (request.form.get("name") or "").strip()
        password = request.form.get("password") or ""
        now = clock()
        with store.session() as db:
            found = accounts.authenticate(db, name, password, now)
            address = request.remote_addr or "-"
            record(
                db,
                now,
                "web login" if found else "web login failed",
                f"from {address}",
                actor=name[:64] or "-",
            )
        if found is None:
            return render_template(
                "login.html", error="用户名或密码错误，或账号已被锁定。", name=name
            ), 401
        session.clear()
        session.permanent = True
        session["uid"] = found.account_id
        session["gen"] = found.generation
        session["since"] = int(time.time())
        return redirect(_safe_next(request.args.get("next")))

    @app.post("/logout")
    def logout() -> ResponseReturnValue:
        with store.session() as db:
            record(db, clock(), "web logout", None, actor=person().name)
        session.clear()
        flash("已退出登录。")
        return redirect(url_for("login"))


def _safe_next(target: str | None) -> str:
    """Only a path of this site: never another host (an open redirect)."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return url_for("queue")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or "\\" in target:
        return url_for("queue")
    return target
