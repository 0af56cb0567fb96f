"""The clerk's pages: the queue, a filing, its documents, corrections, replies, resolving and
transferring, search and the 台账 export.

Every page hands the signed-in person's offices to the staff layer, which raises `NotFound` for
a filing, attachment, reply or item of another office exactly as for a missing one: that is a
404 here, the same page as for any unknown address.
"""

from __future__ import annotations

import io
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime

from flask import (
    Flask,
    abort,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask.typing import ResponseReturnValue
from sqlalchemy.orm import Session

from intake import staff
from intake.staff import actions, queue, views
from intake.web import pages
from intake.web.app import _safe_next, deployment_of, person
from intake.web.reply_text import reply_texts
from vocabulary.offices import OFFICES

NATURE_WORDS = {
    "uncertain": "待人工判断",
    "question": "咨询",
    "filing": "备案",
    "ignored": "与备案无关",
}
"""What the classifier made of a mail, in Chinese (Message.nature)."""
INLINE_TYPES = frozenset({"image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf"})


def register(app: Flask) -> None:
    """Add the clerk's routes to `app`."""
    deployment = deployment_of(app)
    store = deployment.store
    known_pages: dict[int, int] = {}  # attachment id → page images (attachments never change)
    replies = deployment.pipeline().replies
    assert replies is not None  # a deployment's pipeline always has its reply adapters
    threshold = replies.review_confidence

    @contextmanager
    def work() -> Iterator[tuple[Session, frozenset[str], str, datetime]]:
        """A store session (committed at the end) with the person's offices, name and now;
        NotFound becomes a 404."""
        who = person()
        try:
            with store.session() as db:
                yield db, who.offices, who.name, deployment.clock()
        except staff.NotFound:
            abort(404)

    def acted(back: str, action: Callable[[], object], done: str) -> ResponseReturnValue:
        """Run a change: NotFound is a 404; Conflict and Invalid are shown on the page."""
        try:
            action()
        except staff.NotFound:
            abort(404)
        except (staff.Conflict, staff.Invalid) as error:
            flash(str(error), "error")
        else:
            flash(done, "ok")
        return redirect(back)

    @app.get("/", endpoint="queue")
    def queue_page() -> ResponseReturnValue:
        with work() as (db, offices, _who, now):
            items = queue.open_work(db, offices, now, review_confidence=threshold)
        counts = counts_of(items)
        return render_template(
            "queue.html", items=items, counts=counts, kinds=queue.WORK_KIND_WORDS
        )

    @app.get("/filing/<int:filing_id>")
    def filing(filing_id: int) -> ResponseReturnValue:
        with work() as (db, offices, who, now):
            view = views.filing_view(db, offices, filing_id, deployment.keyring, who, now)
            texts = reply_texts(
                db, deployment.files, view.filing_id, [r.outbox_id for r in view.replies]
            )
            types = {a.id: a.content_type for m in view.messages for a in m.attachments}
            page_counts: dict[int, int] = {}
            for document in view.documents:
                aid = document.attachment_id
                if aid in page_counts:
                    continue
                kind = types.get(aid, "")
                if aid in known_pages:
                    page_counts[aid] = known_pages[aid]
                elif pages.is_image(kind):
                    page_counts[aid] = 1
                else:  # a PDF (or unknown): count its pages once, attachments never change
                    _name, kind, data = views.attachment_bytes(
                        db, offices, aid, deployment.files, deployment.keyring, who, now
                    )
                    page_counts[aid] = known_pages[aid] = pages.page_count(kind, data)
        try:
            canned = actions.canned_texts()
        except NotImplementedError:
            canned = []
        return render_template(
            "filing.html",
            view=view,
            page_counts=page_counts,
            texts=texts,
            canned=canned,
            offices=[o for o in OFFICES if o.code != view.office],
        )

    @app.get("/mail/<int:message_pk>")
    def mail(message_pk: int) -> ResponseReturnValue:
        with work() as (db, offices, who, now):
            view = views.mail_view(db, offices, message_pk, who, now)
        return render_template("mail.html", view=view, NATURE_WORDS=NATURE_WORDS)

    @app.get("/attachment/<int:attachment_id>")
    def attachment(attachment_id: int) -> ResponseReturnValue:
        with work() as (db, offices, who, now):
            name, kind, data = views.attachment_bytes(
                db, offices, attachment_id, deployment.files, deployment.keyring, who, now
            )
        inline = request.args.get("inline") == "1" and kind in INLINE_TYPES
        response = send_file(
            io.BytesIO(data),
            mimetype=kind if inline else "application/octet-stream",
            as_attachment=not inline,
            download_name=name or f"attachment-{attachment_id}",
            max_age=0,
        )
        response.headers["Cache-Control"] = "no-store"
        return response

    @app.get("/attachment/<int:attachment_id>/page/<int:number>")
    def attachment_page(attachment_id: int, number: int) -> ResponseReturnValue:
        with work() as (db, offices, who, now):
            _name, kind, data = views.attachment_bytes(
                db, offices, attachment_id, deployment.files, deployment.keyring, who, now
            )
        image = pages.page_image(kind, data, number)
        if image is None:
            abort(404)
        response = send_file(io.BytesIO(image[1]), mimetype=image[0], max_age=0)
        response.headers["Cache-Control"] = "no-store"
        return response

    @app.post("/filing/<int:filing_id>/correct")
    def correct(filing_id: int) -> ResponseReturnValue:
        field, value = request.form.get("field", ""), request.form.get("value", "")

        def run() -> None:
            with work() as (db, offices, who, now):
                result = actions.correct_field(
                    db, offices, filing_id, field, value, who, now, replies=replies
                )
            if result.status_before != result.status_after:
                flash(f"已重新判定：{result.status_before} → {result.status_after}", "ok")
            if result.held:
                flash("新的回复已生成，等待审核后发送。", "ok")

        return acted(url_for("filing", filing_id=filing_id), run, "已保存更正。")

    @app.post("/reply/<int:outbox_id>/approve")
    def approve(outbox_id: int) -> ResponseReturnValue:
        def run() -> None:
            with work() as (db, offices, who, now):
                actions.approve_reply(db, offices, outbox_id, who, now, review_confidence=threshold)

        return acted(_back(), run, "回复已批准，将按顺序发出。")

    @app.post("/reply/<int:outbox_id>/edit")
    def edit(outbox_id: int) -> ResponseReturnValue:
        subject, body = request.form.get("subject", ""), request.form.get("body", "")

        def run() -> None:
            with work() as (db, offices, who, now):
                actions.edit_reply(db, offices, outbox_id, subject, body, who, now, replies=replies)

        return acted(_back(), run, "回复已修改。")

    @app.post("/reply/<int:outbox_id>/resend")
    def resend(outbox_id: int) -> ResponseReturnValue:
        def run() -> None:
            with work() as (db, offices, who, now):
                actions.resend_reply(db, offices, outbox_id, who, now, replies=replies)

        return acted(_back(), run, "已重新排队发送。")

    @app.post("/filing/<int:filing_id>/compose")
    def compose(filing_id: int) -> ResponseReturnValue:
        keys, extra = request.form.getlist("canned"), request.form.get("extra", "")

        def run() -> None:
            with work() as (db, offices, who, now):
                actions.compose_reply(
                    db, offices, filing_id, keys, extra, who, now, replies=replies
                )

        return acted(url_for("filing", filing_id=filing_id), run, "回复已写好并排队发送。")

    @app.post("/item/resolve")
    def resolve() -> ResponseReturnValue:
        key, note = request.form.get("item", ""), request.form.get("note", "")

        def run() -> None:
            with work() as (db, offices, who, now):
                actions.resolve(db, offices, key, note, who, now)

        return acted(_back(), run, "已标记为处理完毕。")

    @app.post("/item/reopen")
    def reopen() -> ResponseReturnValue:
        key, note = request.form.get("item", ""), request.form.get("note", "")

        def run() -> None:
            with work() as (db, offices, who, now):
                actions.reopen(db, offices, key, note, who, now)

        return acted(_back(), run, "已重新打开。")

    @app.post("/filing/<int:filing_id>/transfer")
    def transfer(filing_id: int) -> ResponseReturnValue:
        to_office, note = request.form.get("to_office", ""), request.form.get("note", "")

        def run() -> None:
            with work() as (db, offices, who, now):
                actions.transfer(db, offices, filing_id, to_office, note, who, now)

        # after a transfer the filing may be out of the person's offices: back to the queue
        return acted(url_for("queue"), run, "已转交。")

    @app.get("/search")
    def search() -> ResponseReturnValue:
        args = request.args
        asked = any(
            args.get(k)
            for k in (
                "reference",
                "name",
                "account",
                "sender",
                "id_number",
                "start",
                "end",
                "status",
            )
        )
        rows: list[views.FilingRow] = []
        if asked:
            query = views.SearchQuery(
                reference=_text(args.get("reference")),
                name=_text(args.get("name")),
                account=_text(args.get("account")),
                sender=_text(args.get("sender")),
                id_number=_text(args.get("id_number")),
                start=_day(args.get("start")),
                end=_day(args.get("end")),
                status=_text(args.get("status")),
            )
            with work() as (db, offices, who, now):
                rows = views.search(db, offices, query, who, now)
        return render_template("search.html", rows=rows, asked=asked, args=args)

    @app.get("/export")
    def export() -> ResponseReturnValue:
        start, end = _day(request.args.get("start")), _day(request.args.get("end"))
        if start is None or end is None or end < start:
            flash("请填写正确的起止日期。", "error")
            return redirect(url_for("search"))
        with work() as (db, offices, who, now):
            data = views.export_registry(db, offices, start, end, who, now)
        response = send_file(
            io.BytesIO(data),
            mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            as_attachment=True,
            download_name=f"台账-{start:%Y%m%d}-{end:%Y%m%d}.xlsx",
            max_age=0,
        )
        response.headers["Cache-Control"] = "no-store"
        return response


def counts_of(items: list[queue.WorkItem]) -> dict[str, int]:
    """The queue's counts, as `queue.queue_counts` makes them, from items already listed (the
    page would otherwise read the open work twice)."""
    counts = Counter(item.kind.value for item in items)
    out = {kind.value: counts.get(kind.value, 0) for kind in queue.WorkKind}
    out["total"] = sum(counts.values())
    out["for_person"] = out["total"] - out[queue.WorkKind.WAITING_REGISTRANT.value]
    return out


def _back() -> str:
    return _safe_next(request.form.get("next"))


def _text(value: str | None) -> str | None:
    value = (value or "").strip()
    return value or None


def _day(value: str | None) -> date | None:
    try:
        return date.fromisoformat((value or "").strip())
    except ValueError:
        return None
