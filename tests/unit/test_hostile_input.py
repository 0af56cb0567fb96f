"""Named hostile input, case by case: each is refused within its limit, with a specific code that
the registrant's reply and the office's digest put into words; nothing raises, nothing balloons.

The cases of the pipeline as a whole (reply and digest line through a real store) are in
tests/integration/test_hostile_mail.py, and the PDF whose memory is measured in a process of
its own in tests/integration/test_hostile_pdf_memory.py; the builders are in tests/hostile.py.
"""

from __future__ import annotations

import io
import time
from dataclasses import replace
from datetime import UTC, datetime
from email import message_from_bytes
from email.policy import SMTP
from pathlib import Path

import pytest
from openpyxl import load_workbook

from intake.reading import LimitCode, ReadLimits, read_message
from intake.runtime.pipeline import PipelineContext, with_limits
from intake.settings import LimitsSettings, Severity, settings_from_data
from notifications.compose import compose_digest, compose_reply, outgoing_refusal
from notifications.digest import REGISTRY_COLUMNS, build_digest
from notifications.replies import ReplyRenderer, sample_contexts
from notifications.samples import sample_digest_input
from notifications.wording import LIMIT_WORDS, known_unreadable_reasons, unreadable_phrase
from parsers import ParseLimits, read_document
from parsers.archives import ArchiveLimits, expand_archive
from parsers.model import TextBox
from tests import hostile


class NoText:
    """An OCR engine that finds nothing (these cases are about limits, not recognition)."""

    name = "none"

    def recognise(self, image: object) -> list[TextBox]:
        return []


DEFAULT_LIMITS = ReadLimits()


def _problems(raw: bytes, limits: ReadLimits = DEFAULT_LIMITS) -> list[tuple[str, str | None]]:
    return [(a.name, a.problem) for a in read_message(raw, limits).attachments]


# --- archives -------------------------------------------------------------------------------


def test_zip_bomb_is_not_unpacked() -> None:
    bomb = hostile.zip_bomb(64 * 1024 * 1024)
    assert len(bomb) < 200_000
    reading = read_message(hostile.mail_with_files([("材料.zip", bomb)]))
    member = reading.attachments[1]
    assert (member.name, member.problem, member.size) == ("材料.zip/zeros.bin", "ratio_exceeded", 0)
    assert unreadable_phrase("ratio_exceeded") == "压缩包解压后过大，请直接发送文件"


def test_zip_member_that_lies_about_its_size_is_cut_at_the_declared_size() -> None:
    contents = expand_archive(hostile.lying_zip(real=8 * 1024 * 1024, declared=1000))
    assert [(m.name, m.problem, m.data) for m in contents.members] == [
        ("small.txt", "damaged", b"")
    ]


def test_nested_archives_stop_at_the_depth_limit() -> None:
    reading = read_message(hostile.mail_with_files([("套娃.zip", hostile.nested_zip(30))]))
    names = [(a.name, a.problem) for a in reading.attachments]
    assert names == [
        ("套娃.zip", None),
        ("套娃.zip/level2.zip", None),
        ("套娃.zip/level2.zip/level3.zip", None),
        ("套娃.zip/level2.zip/level3.zip/level4.zip", "nested_too_deep"),
    ]
    shallower = ReadLimits(max_archive_depth=1)
    assert _problems(hostile.mail_with_files([("套娃.zip", hostile.nested_zip(30))]), shallower)[
        -1
    ] == ("套娃.zip/level2.zip", "nested_too_deep")


def test_archive_with_too_many_members_and_total_size_limit() -> None:
    many = hostile.zip_bytes([(f"{i}.txt", b"x") for i in range(600)])
    contents = expand_archive(many, ArchiveLimits(max_members=500))
    assert contents.problem == "too_many_members" and len(contents.members) == 500
    big = hostile.zip_bytes([(f"{i}.bin", bytes(range(256)) * 4096) for i in range(4)])
    contents = expand_archive(big, ArchiveLimits(max_total_bytes=2 * 1024 * 1024 + 10))
    assert [m.problem for m in contents.members] == [None, None, "too_large", "too_large"]
    assert contents.problem == "too_large"


def test_encrypted_zip_in_a_mail_is_named_encrypted() -> None:
    raw = hostile.mail_with_files([("材料.zip", hostile.encrypted_zip())])
    assert _problems(raw) == [("材料.zip", "encrypted")]


# --- images and PDFs ------------------------------------------------------------------------


def test_decompression_bomb_image_is_refused_from_its_header() -> None:
    bomb = hostile.png_bomb(50_000)  # 2.5 G pixels declared
    assert len(bomb) < 10_000
    started = time.monotonic()
    [document] = read_document("bomb.png", bomb, ParseLimits(), NoText())
    assert document.unreadable == "too_many_pixels"
    assert time.monotonic() - started < 2
    # under Pillow's own bomb threshold, the configured limit still decides
    [smaller] = read_document("bomb.png", hostile.png_bomb(9_000), ParseLimits(), NoText())
    assert smaller.unreadable == "too_many_pixels"
    [allowed] = read_document(
        "bomb.png", hostile.png_bomb(2_000), ParseLimits(orient_pages=False), NoText()
    )
    assert allowed.unreadable == "no_text"


def test_pdf_with_thousands_of_pages_reads_only_the_first_ones() -> None:
    pdf = hostile.many_pages_pdf(3000)
    documents = read_document(
        "many.pdf", pdf, ParseLimits(max_pages=3, orient_pages=False), NoText()
    )
    assert [(d.file, d.unreadable) for d in documents] == [
        ("many.pdf#page=1", "no_text"),
        ("many.pdf#page=2", "no_text"),
        ("many.pdf#page=3", "no_text"),
        ("many.pdf#page=4-3000", "too_many_pages"),
    ]


def test_multi_page_tiff_beyond_the_page_limit_says_so() -> None:
    from PIL import Image

    frames = [Image.new("L", (64, 64), 255) for _ in range(7)]
    out = io.BytesIO()
    frames[0].save(out, "TIFF", save_all=True, append_images=frames[1:])
    documents = read_document(
        "fax.tif", out.getvalue(), ParseLimits(max_pages=3, orient_pages=False), NoText()
    )
    assert [(d.file, d.unreadable) for d in documents] == [
        ("fax.tif#page=1", "no_text"),
        ("fax.tif#page=2", "no_text"),
        ("fax.tif#page=3", "no_text"),
        ("fax.tif#page=4-7", "too_many_pages"),
    ]


def test_pdf_page_too_big_to_render_is_refused() -> None:
    [document] = read_document("giant.pdf", hostile.giant_page_pdf(), ParseLimits(), NoText())
    assert document.unreadable == "too_many_pixels"


def test_encrypted_pdf_is_named_encrypted() -> None:
    [document] = read_document("secret.pdf", hostile.encrypted_pdf(), ParseLimits(), NoText())
    assert document.unreadable == "encrypted"


# --- mail structure -------------------------------------------------------------------------


def test_ten_thousand_attachments_read_up_to_the_limit_and_the_rest_named() -> None:
    raw = hostile.many_attachments(10_000)
    started = time.monotonic()
    reading = read_message(raw)
    assert time.monotonic() - started < 10
    assert len(reading.attachments) == 500
    [hit] = reading.limits_hit
    assert hit.code is LimitCode.TOO_MANY_ATTACHMENTS and hit.limit == 500
    assert hit.label == "第 500 个以后的 9500 个附件（每封邮件最多读取 500 个）"
    assert any("more than 500 attachments" in d for d in reading.defects)


def test_archive_members_count_against_the_attachment_limit() -> None:
    archive = hostile.zip_bytes([(f"{i}.txt", b"x") for i in range(30)])
    reading = read_message(
        hostile.mail_with_files([("a.zip", archive), ("b.pdf", b"%PDF-1.4")]),
        ReadLimits(max_attachments=10),
    )
    assert len(reading.attachments) == 10
    [hit] = reading.limits_hit
    assert hit.label.startswith("第 10 个以后的 22 个附件")  # 21 members and b.pdf


def test_fifty_level_nested_mime_reads_to_the_limit_and_says_so() -> None:
    raw = hostile.mime_nested(50)
    reading = read_message(raw)
    [hit] = reading.limits_hit
    assert hit.code is LimitCode.MIME_TOO_DEEP and hit.label == "嵌套超过 10 层的邮件内容"
    assert reading.envelope.subject == "深层嵌套"
    assert "最深处的正文" not in reading.text
    shallow = read_message(hostile.mime_nested(5))
    assert shallow.limits_hit == () and "最深处的正文" in shallow.text
    deeper = read_message(raw, ReadLimits(max_depth=60))
    assert deeper.limits_hit == () and "最深处的正文" in deeper.text


def test_fifty_forwarded_mails_inside_each_other() -> None:
    inner = b"From: a@qq.com\r\nSubject: inner\r\n\r\ninnermost text\r\n"
    for level in range(50):
        inner = (
            b"From: f%d@qq.com\r\nSubject: Fw\r\nContent-Type: message/rfc822\r\n\r\n" % level
            + inner
        )
    reading = read_message(
        hostile.mail_head("转发") + b"Content-Type: message/rfc822\r\n\r\n" + inner
    )
    assert [h.code for h in reading.limits_hit] == [LimitCode.MIME_TOO_DEEP]


def test_control_characters_in_attachment_names_never_survive() -> None:
    raw = hostile.mail_with_files([("备案表\r\nBcc: evil@example.com\x00\x1b.xlsx", b"PK\x03\x04")])
    [(name, _)] = _problems(raw)
    assert name == "备案表Bcc: evil@example.com.xlsx"
    assert not any(ord(ch) < 0x20 for ch in name)


# --- what the registrant and the office are told --------------------------------------------


@pytest.mark.parametrize("code", [c.value for c in LimitCode])
def test_every_limit_has_words_for_the_registrant_and_the_office(code: str) -> None:
    assert code in known_unreadable_reasons()
    assert code in LIMIT_WORDS
    assert "_" not in unreadable_phrase(code) and "_" not in LIMIT_WORDS[code]


@pytest.mark.parametrize(
    "code",
    [
        "ratio_exceeded",
        "too_many_members",
        "nested_too_deep",
        "too_large",
        "too_many_pages",
        "too_many_pixels",
        "timeout",
    ],
)
def test_every_archive_and_document_limit_has_office_words(code: str) -> None:
    assert code in LIMIT_WORDS and code in known_unreadable_reasons()


def test_reply_names_what_a_limit_kept_unread() -> None:
    base = next(c for c in sample_contexts() if c.kind == "request_missing" and not c.question)
    label = "第 500 个以后的 9500 个附件（每封邮件最多读取 500 个）"
    reply = ReplyRenderer().render(replace(base, unreadable=((label, "too_many_attachments"),)))
    line = f"{label}：附件数量过多，超出的部分未读取，请只发送备案所需的材料"
    assert line in reply.text
    assert label in reply.html


def test_html_is_escaped_by_jinja2_autoescape_in_the_digest() -> None:
    data = sample_digest_input(city=False)
    hostile_name = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    registry = (replace(data.registry[0], subject_name=hostile_name), *data.registry[1:])
    built = build_digest(replace(data, registry=registry))
    assert "<script>" not in built.html and "<img src=x" not in built.html
    assert "&lt;script&gt;" in built.html


def test_full_width_formula_starts_are_kept_as_text_too() -> None:
    data = sample_digest_input(city=False)
    values = ("＝1+1", "＋1", "－1", "＠SUM(A1)", '=HYPERLINK("http://x","y")')
    registry = tuple(
        replace(data.registry[0], reference=f"R{i}", subject_name=value)
        for i, value in enumerate(values)
    )
    book = load_workbook(io.BytesIO(build_digest(replace(data, registry=registry)).xlsx))
    name_column = [label for label, _ in REGISTRY_COLUMNS].index("主体名称") + 1
    cells = [book["台账"].cell(row=r, column=name_column) for r in range(2, 2 + len(values))]
    assert [c.value for c in cells] == list(values)
    assert all(c.data_type == "s" and c.quotePrefix for c in cells)


# --- limits as settings ---------------------------------------------------------------------


BASE_CONFIG = """
[storage]
database = "sqlite:///x.db"
files = "files"

[schedule]
timezone = "Asia/Shanghai"

[[office]]
code = "130582"
name = "沙河市互联网信息办公室"
mailbox = "shhlwxxb@163.com"
password_env = "INTAKE_PASSWORD_130582"
"""


def _settings(extra: str) -> object:
    import tomllib

    text = BASE_CONFIG + extra
    environ = {"INTAKE_PASSWORD_130582": "abcdefghijklmnop"}
    return settings_from_data(Path("intake.toml"), text, tomllib.loads(text), environ)


def test_limits_default_and_flow_into_the_pipeline() -> None:
    settings = _settings("")
    assert settings.limits == LimitsSettings()  # type: ignore[attr-defined]
    custom = _settings(
        "\n[limits]\nmax_attachments = 50\nmax_mime_depth = 20\nmax_mail_bytes = 2097152\n"
        "max_pages = 5\nmax_pixels = 2000000\nmax_archive_ratio = 50\nmax_archive_members = 40\n"
        "max_archive_depth = 2\nmax_archive_bytes = 5242880\nmax_document_bytes = 3145728\n"
        "seconds_per_document = 30\nocr_memory_mb = 900\n"
    )
    limits = custom.limits  # type: ignore[attr-defined]
    context = with_limits(PipelineContext(None, None, lambda: datetime.now(UTC)), limits)  # type: ignore[arg-type]
    assert context.max_read_bytes == 2097152
    assert context.read_limits == ReadLimits(
        max_attachments=50,
        max_depth=20,
        max_archive_total_bytes=5242880,
        max_archive_members=40,
        max_archive_depth=2,
        max_compression_ratio=50,
    )
    assert context.parse_limits == ParseLimits(
        max_pages=5,
        max_pixels=2000000,
        seconds_per_document=30.0,
        max_bytes=3145728,
        ocr_memory_mb=900,
    )


def test_a_bad_limit_is_named_with_its_line_range_and_fix() -> None:
    from intake.errors import ConfigError

    with pytest.raises(ConfigError) as raised:
        _settings('\n[limits]\nmax_attachments = 0\nmax_pixels = "lots"\n')
    message = str(raised.value)
    assert (
        "intake.toml:16: limits.max_attachments: must be a whole number from 1 to 10000, not 0 "
        "(fix: max_attachments = 500)"
    ) in message
    assert (
        "intake.toml:17: limits.max_pixels: must be a whole number from 1000000 to 500000000, "
        "not 'lots' (fix: max_pixels = 60000000)"
    ) in message


def test_unknown_limit_key_is_a_warning_with_the_close_name() -> None:
    settings = _settings("\n[limits]\nmax_attachment = 10\n")
    [problem] = settings.problems  # type: ignore[attr-defined]
    assert problem.severity is Severity.WARNING
    assert (
        problem.key == "limits.max_attachment" and 'rename it to "max_attachments"' in problem.fix
    )


def test_ocr_workers_default_to_one_per_core_and_flow_into_the_parse_limits() -> None:
    from intake.settings import OcrSettings

    assert _settings("").ocr == OcrSettings(workers=0)  # type: ignore[attr-defined]
    settings = _settings("\n[ocr]\nworkers = 3\n")
    assert settings.problems == ()  # type: ignore[attr-defined]
    context = with_limits(
        PipelineContext(None, None, lambda: datetime.now(UTC)),  # type: ignore[arg-type]
        settings.limits,  # type: ignore[attr-defined]
        settings.ocr,  # type: ignore[attr-defined]
    )
    assert context.parse_limits.workers == 3


def test_a_bad_worker_count_is_named_with_its_fix() -> None:
    from intake.errors import ConfigError

    with pytest.raises(ConfigError) as raised:
        _settings("\n[ocr]\nworkers = -1\n")
    expected = "ocr.workers: must be a whole number from 0 to 64, not -1 (fix: workers = 0)"
    assert expected in str(raised.value)


def test_sending_and_limits_tables_are_known_tables() -> None:
    settings = _settings("\n[sending]\nbounce_days = 30\n\n[limits]\nmax_pages = 10\n")
    assert settings.problems == ()  # type: ignore[attr-defined]


# --- sending safety: what leaves the building -----------------------------------------------


def _reply(**changes: str) -> bytes:
    base = next(c for c in sample_contexts() if c.kind == "ack")
    values = {"from_addr": "shhlwxxb@163.com", "to_addr": "zhang@qq.com", **changes}
    return compose_reply(
        from_name="沙河市互联网信息办公室",
        from_addr=values["from_addr"],
        to_addr=values["to_addr"],
        rendered=ReplyRenderer().render(base),
        message_id="r1@xt-intake.163.com",
        in_reply_to="<m1@qq.com>",
        references=(),
        date=datetime(2020, 5, 10, 2, 0, tzinfo=UTC),
    )


def test_a_composed_reply_passes_the_last_check() -> None:
    assert outgoing_refusal(_reply(), "shhlwxxb@163.com", "zhang@qq.com") is None
    digest = compose_digest(
        from_name="沙河市互联网信息办公室",
        from_addr="shhlwxxb@163.com",
        to_addrs=("staff@163.com",),
        subject="日报",
        html="<p>x</p>",
        text="x",
        xlsx=b"PK\x03\x04",
        xlsx_name="台账.xlsx",
        message_id="d1@xt-intake.163.com",
        date=datetime(2020, 5, 10, 2, 0, tzinfo=UTC),
    )
    assert outgoing_refusal(digest, "shhlwxxb@163.com", "staff@163.com", digest=True) is None
    refusal = outgoing_refusal(digest, "shhlwxxb@163.com", "staff@163.com")
    assert refusal is not None and "attachments are never sent out" in refusal


def test_reply_from_another_account_is_refused() -> None:
    raw = _reply(from_addr="other@163.com")
    assert "From is not the office's own mailbox" in (
        outgoing_refusal(raw, "shhlwxxb@163.com", "zhang@qq.com") or ""
    )


def test_reply_to_anyone_but_the_one_recipient_is_refused() -> None:
    raw = _reply()
    assert "To is not exactly" in (outgoing_refusal(raw, "shhlwxxb@163.com", "li@qq.com") or "")
    two = raw.replace(b"To: zhang@qq.com", b"To: zhang@qq.com, li@qq.com")
    assert "To is not exactly" in (outgoing_refusal(two, "shhlwxxb@163.com", "zhang@qq.com") or "")
    bcc = raw.replace(b"To: zhang@qq.com\r\n", b"To: zhang@qq.com\r\nBcc: li@qq.com\r\n")
    assert "'Bcc' is never written" in (
        outgoing_refusal(bcc, "shhlwxxb@163.com", "zhang@qq.com") or ""
    )


def test_header_injection_in_the_bytes_is_refused() -> None:
    raw = _reply()
    injected = raw.replace(b"Subject: ", b"Subject: x\rBcc: li@qq.com\r\n X: ", 1)
    assert "malformed header line" in (
        outgoing_refusal(injected, "shhlwxxb@163.com", "zhang@qq.com") or ""
    )
    junk = raw.replace(b"Subject: ", b"no colon here\r\nSubject: ", 1)
    assert "malformed header line" in (
        outgoing_refusal(junk, "shhlwxxb@163.com", "zhang@qq.com") or ""
    )


def test_an_attachment_in_a_reply_is_refused() -> None:
    message = message_from_bytes(_reply(), policy=SMTP)
    message.make_mixed()  # type: ignore[attr-defined]
    message.add_attachment(b"ID card", maintype="image", subtype="jpeg", filename="id.jpg")  # type: ignore[attr-defined]
    refusal = outgoing_refusal(message.as_bytes(), "shhlwxxb@163.com", "zhang@qq.com")
    assert refusal is not None and "image/jpeg" in refusal


@pytest.mark.parametrize(
    "recipient",
    ["a@qq.com\r\nBcc: b@qq.com", "a@qq.com, b@qq.com", "名字 <a@qq.com>", "a@qq.com\n", "x"],
)
def test_no_reply_is_composed_to_anything_but_one_plain_mailbox(recipient: str) -> None:
    with pytest.raises(ValueError):
        _reply(to_addr=recipient)


def test_a_reader_out_of_memory_says_too_much_memory_not_damaged(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Under an address-space cap (`prlimit --as`, `ulimit -v`) a reader meets MemoryError before
    the watcher sees its resident memory pass the limit: the file is too big to read, not
    damaged (the reply must not tell the registrant the file is broken)."""
    from parsers import reader

    def exhausted(*_args: object, **_kwargs: object) -> object:
        raise MemoryError

    monkeypatch.setattr(reader, "_read", exhausted)
    [document] = read_document("台账.xlsx", b"PK\x03\x04", ParseLimits())
    assert document.unreadable == "too_much_memory", document
