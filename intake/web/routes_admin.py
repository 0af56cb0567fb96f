"""The admin's pages: staff accounts (add, reset a password, lock, unlock) and the mailboxes'
health with a "test connection" button and the config's findings (read-only).

Only admins reach them (a 404 for anyone else, as for an unknown address); an admin manages the
accounts of the offices they see (the city office's admins: every office).
"""

from __future__ import annotations

from flask import Flask, abort, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from intake.privacy.audit import record
from intake.web import accounts, health
from intake.web.app import deployment_of, person


def _admin() -> accounts.Person:
    who = person()
    if not who.admin:
        abort(404)
    return who


def register(app: Flask) -> None:
    """Add the admin routes to `app`."""
    deployment = deployment_of(app)
    store = deployment.store
    environ = app.extensions["intake.environ"]

    @app.get("/admin/accounts")
    def admin_accounts() -> ResponseReturnValue:
        who = _admin()
        with store.session() as db:
            rows = accounts.listing(db, who.offices)
        return render_template("accounts.html", rows=rows, offices=sorted(who.offices))

    @app.post("/admin/accounts")
    def admin_add_account() -> ResponseReturnValue:
        who = _admin()
        form = request.form
        office = form.get("office", "")
        if office not in who.offices:
            abort(404)
        try:
            with store.session() as db:
                accounts.add_account(
                    db,
                    form.get("name", "").strip(),
                    office,
                    form.get("admin") == "1",
                    form.get("password", ""),
                    who.name,
                    deployment.clock(),
                )
        except accounts.AccountError as error:
            flash(str(error), "error")
        else:
            flash("账号已添加。", "ok")
        return redirect(url_for("admin_accounts"))

    def managed(name: str) -> None:
        """404 unless the account exists and is of an office the admin sees."""
        who = _admin()
        with store.session() as db:
            account = accounts.find(db, name)
            if account is None or account.office not in who.offices:
                abort(404)

    @app.post("/admin/accounts/<name>/password")
    def admin_reset_password(name: str) -> ResponseReturnValue:
        managed(name)
        try:
            with store.session() as db:
                accounts.reset_password(
                    db, name, request.form.get("password", ""), person().name, deployment.clock()
                )
        except accounts.AccountError as error:
            flash(str(error), "error")
        else:
            flash(f"{name} 的密码已重置，其已登录的会话全部失效。", "ok")
        return redirect(url_for("admin_accounts"))

    @app.post("/admin/accounts/<name>/lock")
    def admin_lock(name: str) -> ResponseReturnValue:
        managed(name)
        with store.session() as db:
            accounts.set_locked(db, name, True, person().name, deployment.clock())
        flash(f"{name} 已锁定。", "ok")
        return redirect(url_for("admin_accounts"))

    @app.post("/admin/accounts/<name>/unlock")
    def admin_unlock(name: str) -> ResponseReturnValue:
        managed(name)
        with store.session() as db:
            accounts.set_locked(db, name, False, person().name, deployment.clock())
        flash(f"{name} 已解锁。", "ok")
        return redirect(url_for("admin_accounts"))

    @app.get("/admin/mailboxes")
    def admin_mailboxes() -> ResponseReturnValue:
        who = _admin()
        rows = health.mailbox_health(deployment.settings, store, who.offices, deployment.clock())
        return render_template("mailboxes.html", rows=rows, probes={}, settings=deployment.settings)

    @app.post("/admin/mailboxes/<code>/test")
    def admin_test_connection(code: str) -> ResponseReturnValue:
        who = _admin()
        office = deployment.settings.office(code)
        if office is None or code not in who.offices:
            abort(404)
        lines = health.test_connection(office, environ)
        with store.session() as db:
            record(
                db,
                deployment.clock(),
                "web test connection",
                f"office {code}: "
                + ", ".join(f"{x.service} {'ok' if x.ok else 'failed'}" for x in lines),
                actor=who.name,
            )
        rows = health.mailbox_health(deployment.settings, store, who.offices, deployment.clock())
        return render_template(
            "mailboxes.html", rows=rows, probes={code: lines}, settings=deployment.settings
        )
