"""Hostile mail through the whole pipeline: dropped into a local folder mailbox, polled, read,
parsed, decided, replied to (written to `replies/`), and shown in the day's digest.

Each limit a mail hits must give the registrant a reply that names it and the office a digest
line; registrants' text never reaches a header, a formula or live HTML; nothing is sent but a
composed reply from the office's own mailbox to one plain mailbox, with no file attached.
"""

from __future__ import annotations

import base64
import io
import os
import pwd
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from pathlib import Path

import openpyxl
import pytest
from imap_tools import MailBoxUnencrypted
from sqlalchemy import select

from intake.commands.demo import local_config
from intake.digesting.digests import make_digest
from intake.fetching.ledger import Place, store_fetched, store_fetched_stream
from intake.mailbox.imap import ImapSession
from intake.runtime.clock import SHANGHAI
from intake.runtime.service import Deployment, open_deployment, run_once
from intake.settings import load_settings
from intake.store.database import Store
from intake.store.files import FileStore
from intake.store.tables import Attachment, Filing, Message, OutboxMail, OutboxState
from notifications.compose import outgoing_refusal
from tests import factories, hostile
from tests.servers import Dovecot, start_smtp

OFFICE = "130582"
MAILBOX = "shhlwxxb@163.com"


def now() -> datetime:
    return datetime.now(UTC)


def _deployment(tmp_path: Path, limits: str = "") -> Deployment:
    mailboxes = tmp_path / "mailboxes"
    (mailboxes / OFFICE).mkdir(parents=True)
    config = local_config(tmp_path, f"sqlite:///{tmp_path / 'intake.db'}", mailboxes)
    if limits:
        config.write_text(config.read_text(encoding="utf-8") + f"\n[limits]\n{limits}\n", "utf-8")
    return open_deployment(load_settings(config, {}), {}, now)


@pytest.fixture
def deployment(tmp_path: Path) -> Iterator[Deployment]:
    made = _deployment(tmp_path)
    yield made
    made.close()


def _run(deployment: Deployment, raw: bytes, name: str = "1.eml") -> list[EmailMessage]:
    mailboxes = deployment.settings.local_mailboxes
    assert mailboxes is not None
    (mailboxes / OFFICE / name).write_bytes(raw)
    report = run_once(deployment)
    assert report.pipeline.failed == 0 and report.pipeline.quarantined == 0
    return _replies(deployment)


def _replies(deployment: Deployment) -> list[EmailMessage]:
    folder = deployment.files.root.parent / "replies" / OFFICE
    out = []
    for path in sorted(folder.glob("*.eml")):
        message = message_from_bytes(path.read_bytes(), policy=default)
        assert isinstance(message, EmailMessage)
        out.append(message)
    return out


def _text(message: EmailMessage) -> str:
    body = message.get_body(("plain",))
    assert body is not None
    return str(body.get_content())  # type: ignore[attr-defined]


def _html(message: EmailMessage) -> str:
    body = message.get_body(("html",))
    assert body is not None
    return str(body.get_content())  # type: ignore[attr-defined]


def _digest(deployment: Deployment) -> tuple[str, openpyxl.Workbook]:
    office = deployment.settings.office(OFFICE)
    assert office is not None
    day = now().astimezone(SHANGHAI).date()
    made = make_digest(
        deployment.settings, deployment.store, deployment.files, office, day, now(), force=True
    )
    assert made is not None
    folder = deployment.files.root / "digests" / OFFICE
    html = (folder / f"{day.isoformat()}.html").read_text(encoding="utf-8")
    book = openpyxl.load_workbook(io.BytesIO((folder / f"{day.isoformat()}.xlsx").read_bytes()))
    return html, book


def _attention(book: openpyxl.Workbook) -> list[tuple[str, str]]:
    sheet = book["待人工处理"]
    return [
        (str(row[0].value), str(row[2].value)) for row in sheet.iter_rows(min_row=2) if row[0].value
    ]


def _only_plain_text_parts(message: EmailMessage) -> None:
    for part in message.walk():
        if part.is_multipart():
            continue
        assert part.get_content_type() in ("text/plain", "text/html")
        assert part.get_filename() is None and part.get_content_disposition() is None


def test_fifty_level_mime_gets_a_reply_and_a_digest_line(deployment: Deployment) -> None:
    [reply] = _run(deployment, hostile.mime_nested(50))
    assert reply["To"] == "zhang@qq.com" and MAILBOX in reply["From"]
    assert (
        "嵌套超过 10 层的邮件内容：邮件层层转发、嵌套过深，深处的内容未读取，请将材料直接作为附件发送"
        in _text(reply)
    )
    html, book = _digest(deployment)
    assert "超出处理上限" in html and "邮件嵌套层数超过上限，深处内容未读取" in html
    assert (
        "超出处理上限",
        "邮件 #1（zhang@qq.com）：嵌套超过 10 层的邮件内容 — 邮件嵌套层数超过上限，深处内容未读取",
    ) in _attention(book)


def test_ten_thousand_attachments_read_to_the_limit_then_named(deployment: Deployment) -> None:
    [reply] = _run(deployment, hostile.many_attachments(10_000))
    with deployment.store.session() as db:
        rows = list(db.execute(select(Attachment).order_by(Attachment.ordinal)).scalars())
    assert len(rows) == 501
    assert (rows[-1].origin, rows[-1].problem, rows[-1].size) == (
        "limit",
        "too_many_attachments",
        0,
    )
    assert (
        "第 500 个以后的 9500 个附件（每封邮件最多读取 500 个）：附件数量过多，超出的部分未读取，"
        "请只发送备案所需的材料" in _text(reply)
    )
    _, book = _digest(deployment)
    lines = [detail for kind, detail in _attention(book) if kind == "超出处理上限"]
    assert lines == [
        "邮件 #1（zhang@qq.com）：第 500 个以后的 9500 个附件（每封邮件最多读取 500 个） — "
        "附件数量超过上限，其余未读取"
    ]


def test_mail_over_the_size_limit_is_kept_refused_and_answered(tmp_path: Path) -> None:
    deployment = _deployment(tmp_path, "max_mail_bytes = 1048576")
    try:
        raw = factories.mail(subject="大邮件", attachment=b"\x89PNG" + b"\x01" * 2_500_000)
        [reply] = _run(deployment, raw)
        with deployment.store.session() as db:
            message = db.execute(select(Message)).scalar_one()
            rows = list(db.execute(select(Attachment)).scalars())
        assert message.nature == "filing" and message.subject == "大邮件"
        assert [(r.problem, r.origin) for r in rows] == [("message_too_large", "limit")]
        assert (
            "整封邮件（3 MB，每封最多读取 1 MB）：邮件过大，其中的附件未读取，请压缩图片或分几封邮件发送"
            in _text(reply)
        )
        assert deployment.files.read("raw", message.sha256, ".eml") == raw  # kept whole
        _, book = _digest(deployment)
        assert any("邮件超过大小上限，附件未读取" in d for _, d in _attention(book))
    finally:
        deployment.close()


def test_bombs_and_locked_files_each_named_in_the_reply_and_digest(
    deployment: Deployment,
) -> None:
    raw = hostile.mail_with_files(
        [
            ("材料.zip", hostile.zip_bomb(32 * 1024 * 1024)),
            ("身份证.png", hostile.png_bomb(50_000)),
            ("备案表.pdf", hostile.encrypted_pdf()),
            ("加密.zip", hostile.encrypted_zip()),
            ("套娃.zip", hostile.nested_zip(10)),
        ]
    )
    [reply] = _run(deployment, raw)
    text = _text(reply)
    for line in (
        "材料.zip/zeros.bin：压缩包解压后过大，请直接发送文件",
        "身份证.png：图片尺寸过大，请缩小后重新发送",
        "备案表.pdf：文件设有密码（已加密），请去除密码后重新发送",
        "加密.zip：文件设有密码（已加密），请去除密码后重新发送",
        "套娃.zip/level2.zip/level3.zip/level4.zip：压缩包层层嵌套，请直接发送文件",
    ):
        assert line in text
    _only_plain_text_parts(reply)
    _, book = _digest(deployment)
    details = [d for kind, d in _attention(book) if kind == "超出处理上限"]
    assert any(
        "材料.zip/zeros.bin — 压缩包压缩比异常（疑似压缩炸弹），未解压" in d for d in details
    )
    assert any("身份证.png — 图片像素超过上限（疑似解压炸弹），未读取" in d for d in details)
    assert any("level4.zip — 压缩包嵌套层数超过上限，未解压" in d for d in details)


def _form(name: str, account: str) -> bytes:
    return factories.form_xlsx(name=name, account=account)


def test_registrant_text_never_reaches_a_header_a_formula_or_live_html(
    deployment: Deployment,
) -> None:
    name = '<script>alert("x")</script>张三'
    account = '=HYPERLINK("http://evil.example","点我")'
    raw = hostile.mail_with_files(
        [("备案表\r\nBcc: victim@example.com.xlsx", _form(name, account))], subject="PLACEHOLDER"
    )
    encoded = base64.b64encode("备案\r\nBcc: victim@example.com".encode()).decode()
    raw = raw.replace(b"Subject: PLACEHOLDER", f"Subject: =?utf-8?b?{encoded}?=".encode())
    [reply] = _run(deployment, raw)
    assert set(reply.keys()) <= {
        "From",
        "To",
        "Subject",
        "Date",
        "Message-ID",
        "In-Reply-To",
        "References",
        "Auto-Submitted",
        "X-Auto-Response-Suppress",
        "MIME-Version",
        "Content-Type",
    }
    assert reply["Bcc"] is None and reply["To"] == "zhang@qq.com"
    with deployment.store.session() as db:
        reference = db.execute(select(Filing.reference)).scalar_one()
    assert reply["Subject"] == f"[备案 {reference}] 请补充材料"  # no ID copy was sent
    assert "<script>" not in _html(reply) and "&lt;script&gt;" in _html(reply)
    html, book = _digest(deployment)
    assert "<script>" not in html and "&lt;script&gt;" in html
    cells = [c for row in book["台账"].iter_rows() for c in row if c.value == account]
    assert cells and all(c.data_type == "s" and c.quotePrefix for c in cells)
    for sheet in book.worksheets:
        assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)


def test_malformed_message_id_costs_the_threading_not_the_reply(deployment: Deployment) -> None:
    raw = factories.mail(attachment=_form("张三", "沙河生活"), attachment_name="备案表.xlsx")
    head, body = raw.split(b"\n\n", 1)
    head = b"\n".join(
        line
        if not line.startswith(b"Message-ID:")
        else b"Message-ID: <\xe4\xb8\xad\xe6\x96\x87 id@qq.com>"
        for line in head.split(b"\n")
    )
    [reply] = _run(deployment, head + b"\nReferences: not-an-id, <ok-1@qq.com>\n\n" + body)
    assert reply["In-Reply-To"] is None
    assert reply["References"] == "<ok-1@qq.com>"


def test_replies_carry_no_attachment_and_only_go_from_the_office(deployment: Deployment) -> None:
    raw = factories.mail(attachment=_form("张三", "沙河生活"), attachment_name="备案表.xlsx")
    [reply] = _run(deployment, raw)
    _only_plain_text_parts(reply)
    assert outgoing_refusal(reply.as_bytes(), MAILBOX, "zhang@qq.com") is None
    assert b"PK\x03\x04" not in reply.as_bytes()


def test_a_tampered_outbox_mail_is_never_sent_and_shows_in_the_digest(
    deployment: Deployment,
) -> None:
    mailboxes = deployment.settings.local_mailboxes
    assert mailboxes is not None
    (mailboxes / OFFICE / "1.eml").write_bytes(
        factories.mail(attachment=_form("张三", "沙河生活"), attachment_name="备案表.xlsx")
    )
    from intake.runtime.service import poll_one, process, send_due

    office = deployment.settings.office(OFFICE)
    assert office is not None
    poll_one(deployment, office, lambda: False)
    process(deployment, lambda: False)
    with deployment.store.session() as db:
        row = db.execute(select(OutboxMail)).scalar_one()
        raw = deployment.files.read("out", row.raw_sha256, ".eml")
        evil = raw.replace(b"To: zhang@qq.com\r\n", b"To: zhang@qq.com\r\nBcc: all@qq.com\r\n")
        row.raw_sha256, _ = deployment.files.put("out", evil, ".eml")
    report = send_due(deployment)
    assert report.failed == 1 and report.sent == 0
    assert _replies(deployment) == []
    with deployment.store.session() as db:
        row = db.execute(select(OutboxMail)).scalar_one()
    assert row.state == OutboxState.FAILED.value
    assert "refused before sending: header 'Bcc' is never written" in (row.last_error or "")
    html, _ = _digest(deployment)
    assert "回复发送失败" in html


# --- a mail far over the size limit, from a real IMAP server --------------------------------

BIG_MAIL_MB = int(os.environ.get("INTAKE_BIG_MAIL_MB", "200"))
RSS_GROWTH_LIMIT_MB = 200


def _write_big_mail(path: Path, megabytes: int) -> int:
    """A mail with one base64 attachment of about `megabytes` MB, written in pieces (LF line
    ends, as Maildir keeps them); returns its size as the server serves it (CRLF line ends)."""
    line = base64.b64encode(bytes(range(256))[:57]) + b"\n"
    block = line * (1024 * 1024 // len(line))
    head = (
        f"From: zhang@qq.com\nTo: {MAILBOX}\nSubject: 大附件\n"
        "Date: Sun, 10 May 2020 09:30:00 +0800\nMessage-ID: <big-1@qq.com>\nMIME-Version: 1.0\n"
        'Content-Type: multipart/mixed; boundary="B"\n\n--B\nContent-Type: text/plain; '
        "charset=utf-8\n\n备案材料见附件\n--B\nContent-Type: application/pdf\n"
        'Content-Disposition: attachment; filename="scan.pdf"\n'
        "Content-Transfer-Encoding: base64\n\n"
    ).encode()
    tail = b"--B--\n"
    with path.open("wb") as out:
        out.write(head)
        for _ in range(megabytes):
            out.write(block)
        out.write(tail)
    lines = head.count(b"\n") + megabytes * block.count(b"\n") + 1
    return len(head) + megabytes * len(block) + len(tail) + lines


def _config(tmp_path: Path, dovecot: Dovecot, smtp_port: int) -> Path:
    return factories.loopback_config(
        tmp_path,
        imap_port=dovecot.port,
        smtp_port=smtp_port,
        offices={OFFICE: MAILBOX},
        password_env="INTAKE_PASSWORD_{code}",
    )


def _run_once_peak_mb(config: Path) -> int:
    """`intake run --once` in a fresh process; the peak resident size of that process in MB."""
    env = {**os.environ, "INTAKE_CONFIG": str(config), f"INTAKE_PASSWORD_{OFFICE}": "code-130582"}
    wrapper = (
        "import resource, subprocess, sys\n"
        "done = subprocess.run([sys.executable, '-m', 'intake.commands.cli', 'run', '--once'])\n"
        "print(done.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss // 1024)\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", wrapper], env=env, capture_output=True, text=True, timeout=900
    )
    code, peak = result.stdout.split()[-2:]
    assert code == "0", result.stderr[-2000:]
    return int(peak)


def test_mail_far_over_the_limit_is_streamed_from_imap_kept_refused_and_answered(
    dovecot: Dovecot, tmp_path: Path
) -> None:
    smtp = start_smtp({MAILBOX: "code-130582"})
    try:
        config = _config(tmp_path, dovecot, smtp.port)
        with MailBoxUnencrypted("127.0.0.1", dovecot.port) as box:
            box.login(MAILBOX, "code-130582", initial_folder=None)
            box.append(factories.mail(subject="小邮件"), "INBOX", flag_set=())
        baseline = _run_once_peak_mb(config)

        maildir = dovecot.folder / "mail" / MAILBOX / "new"
        big = maildir / f"{int(time.time())}.big1.intake"
        size = _write_big_mail(big, BIG_MAIL_MB)
        owner = pwd.getpwnam("dovecot")
        os.chown(big, owner.pw_uid, owner.pw_gid)
        peak = _run_once_peak_mb(config)
    finally:
        smtp.stop()
        for left in (dovecot.folder / "mail" / MAILBOX).rglob("*.big1.intake*"):
            left.unlink()  # the Dovecot folder outlives the test; the big mail need not

    settings = load_settings(config, {f"INTAKE_PASSWORD_{OFFICE}": "code-130582"})
    deployment = open_deployment(settings, {}, now)
    try:
        with deployment.store.session() as db:
            messages = list(db.execute(select(Message).order_by(Message.id)).scalars())
            assert [m.subject for m in messages] == ["小邮件", "大附件"], [
                (m.subject, m.size, m.state, m.last_error) for m in messages
            ]
            message = messages[1]
            rows = list(
                db.execute(select(Attachment).where(Attachment.message_pk == message.id)).scalars()
            )
        # stored whole, byte for byte as the server serves it (CRLF), without being held whole
        assert message.size == size
        with deployment.files.open_read("raw", message.sha256, ".eml") as stream:
            assert stream.read(20) == b"From: zhang@qq.com\r\n"
        assert [(r.problem, r.origin) for r in rows] == [("message_too_large", "limit")]
        assert message.state == "decided" and message.nature == "filing"
        replies = [m for _, to, m in smtp.received if to == ["zhang@qq.com"]]
        assert len(replies) == 2  # the small mail's, then the big one's
        reply = replies[1]
        text = _text(message_from_bytes(reply, policy=default))  # type: ignore[arg-type]
        assert "邮件过大，其中的附件未读取，请压缩图片或分几封邮件发送" in text
        _, book = _digest(deployment)
        assert any("邮件超过大小上限，附件未读取" in d for _, d in _attention(book))
    finally:
        deployment.close()
    growth = peak - baseline
    print(f"big mail {size / 2**20:.0f} MB: peak RSS {peak} MB, baseline {baseline} MB")
    assert growth < RSS_GROWTH_LIMIT_MB, (peak, baseline)


def test_mails_fetched_in_pieces_are_the_same_bytes_at_every_piece_boundary(
    dovecot: Dovecot, tmp_path: Path
) -> None:
    """Pieces of 1,000 bytes: mails just under, at, and over one and several pieces, each
    streamed and equal to the mail fetched whole; stored once with the same hash either way."""
    mails = [factories.mail(subject=f"m{n}", size_padding=n) for n in (0, 400, 700, 1500, 3000)]
    with MailBoxUnencrypted("127.0.0.1", dovecot.port) as box:
        box.login(MAILBOX, "code-130582", initial_folder=None)
        for raw in mails:
            box.append(raw, "INBOX", flag_set=())
    office = factories.office(port=dovecot.port)
    whole = ImapSession(office.imap, MAILBOX, "code-130582")
    pieces = ImapSession(office.imap, MAILBOX, "code-130582")
    try:
        whole.select("INBOX")
        pieces.select("INBOX")
        uids = whole.uids()
        expected = {m.uid: m.raw for m in whole.fetch(uids)}
        sizes = pieces.sizes(uids)
        piece = min(sizes.values()) + 1  # the smallest mail fits in one piece, the others not
        pieces.stream_above, pieces.stream_piece = piece - 1, piece
        fetched = list(pieces.fetch(uids))
        streamed = {m.uid: b"".join(m.stream) for m in fetched if m.stream is not None}
        assert sorted(streamed) == sorted(u for u in uids if sizes[u] > piece - 1)
        assert len(streamed) == len(uids) - 1
        for uid, raw in streamed.items():
            assert raw == expected[uid] and len(raw) == sizes[uid]
        # a piece exactly the size of a mail: the last fetch past its end brings nothing
        last = uids[-1]
        pieces.stream_above, pieces.stream_piece = 0, sizes[last]
        [exact] = list(pieces.fetch([last]))
        assert exact.stream is not None and b"".join(exact.stream) == expected[last]
        pieces.stream_piece = sizes[last] // 3 + (1 if sizes[last] % 3 else 0)
        [thirds] = list(pieces.fetch([last]))
        assert thirds.stream is not None and b"".join(thirds.stream) == expected[last]
    finally:
        whole.close()
        pieces.close()

    store = Store.open(f"sqlite:///{tmp_path / 's.db'}")
    files = FileStore(tmp_path / "files")
    try:
        place = Place(OFFICE, "INBOX", 1, 1)
        raw = expected[uids[-1]]
        chunks = [raw[i : i + 7] for i in range(0, len(raw), 7)]
        first = store_fetched_stream(store, files, place, iter(chunks), now())
        again = store_fetched(store, files, Place(OFFICE, "Junk", 1, 9), raw, now())
        assert first.new and not again.new and again.message_pk == first.message_pk
        with store.session() as db:
            message = db.execute(select(Message)).scalar_one()
        assert message.size == len(raw) and message.message_id is not None
        assert files.read("raw", message.sha256, ".eml") == raw
    finally:
        store.close()


@pytest.mark.parametrize(
    "sender",
    [
        b"not-an-address",
        b"=?utf-8?b?5byg5LiJ?=",
        b"\xe7\x94\xa8\xe6\x88\xb7@qq.com",
        b"a@qq.com\x00b@evil.example",
        b"undisclosed-recipients:;",
        b"zhang@qq.com, victim@163.com",
        b"=?utf-8?b?5byg5LiJ?= <zhang@qq.com>, <victim@163.com>",
    ],
)
def test_no_reply_to_a_sender_that_is_not_one_plain_mailbox(
    deployment: Deployment, sender: bytes
) -> None:
    raw = factories.mail(attachment=_form("张三", "沙河生活"), attachment_name="备案表.xlsx")
    raw = raw.replace(b"From: zhang@qq.com", b"From: " + sender, 1)
    assert _run(deployment, raw) == []
    with deployment.store.session() as db:
        message = db.execute(select(Message)).scalar_one()
        queued = db.execute(select(OutboxMail)).scalars().all()
    assert message.state == "decided" and queued == []
