"""read_message as a whole: robustness, attachments and origins, limits, text choice, speed."""

from __future__ import annotations

import base64
import io
import os
import time
import zipfile
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from intake.reading import AttachmentOrigin, ReadLimits, read_message

QUIRKS = Path(__file__).resolve().parents[2] / "samples" / "mail" / "quirks"
JPEG = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 12


def _mixed(*parts: bytes, headers: bytes = b"From: a@163.com\r\nSubject: t\r\n") -> bytes:
    body = b"".join(b"--B\r\n" + part + b"\r\n" for part in parts)
    return headers + b'Content-Type: multipart/mixed; boundary="B"\r\n\r\n' + body + b"--B--\r\n"


def _file(data: bytes, *headers: bytes) -> bytes:
    return (
        b"\r\n".join(headers)
        + b"\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        + base64.encodebytes(data)
    )


def test_empty_input_gives_a_reading_with_defect() -> None:
    reading = read_message(b"")
    assert reading.envelope.subject == ""
    assert reading.envelope.from_ is None
    assert reading.attachments == ()
    assert "empty message" in reading.defects


@settings(max_examples=150, deadline=None)
@given(st.binary(max_size=3000))
def test_arbitrary_bytes_never_raise(raw: bytes) -> None:
    reading = read_message(raw)
    assert isinstance(reading.text, str)


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_mutilated_samples_never_raise(data: st.DataObject) -> None:
    samples = sorted(QUIRKS.glob("*.eml"))
    raw = bytearray(data.draw(st.sampled_from(samples)).read_bytes())
    for _ in range(data.draw(st.integers(min_value=1, max_value=20))):
        if not raw:
            break
        index = data.draw(st.integers(min_value=0, max_value=len(raw) - 1))
        action = data.draw(st.sampled_from(["flip", "cut", "dup"]))
        if action == "flip":
            raw[index] = data.draw(st.integers(min_value=0, max_value=255))
        elif action == "cut":
            del raw[index : index + data.draw(st.integers(min_value=1, max_value=500))]
        else:
            raw[index:index] = raw[index : index + 300]
    reading = read_message(bytes(raw))
    for attachment in reading.attachments:
        assert attachment.size == len(attachment.data)


def test_nameless_phone_photo_is_inline_and_named_by_type() -> None:
    raw = _mixed(
        b"Content-Type: text/plain\r\n\r\nsee photo", _file(JPEG, b"Content-Type: image/jpeg")
    )
    (photo,) = read_message(raw).attachments
    assert photo.name == "inline-1.jpg"
    assert photo.origin is AttachmentOrigin.INLINE
    assert photo.sniffed_type == "image/jpeg"
    assert photo.problem is None


def test_named_attachment_with_disposition_inline_not_shown_is_attachment() -> None:
    raw = _mixed(
        b"Content-Type: text/html\r\n\r\n<p>no images</p>",
        _file(
            JPEG,
            b'Content-Type: image/jpeg; name="id.jpg"',
            b"Content-Disposition: inline",
            b"Content-ID: <x1>",
        ),
    )
    (photo,) = read_message(raw).attachments
    assert photo.origin is AttachmentOrigin.ATTACHMENT


def test_declared_type_lies_sniffed_type_tells() -> None:
    raw = _mixed(_file(b"%PDF-1.7\n...", b'Content-Type: image/jpeg; name="scan.jpg"'))
    (scan,) = read_message(raw).attachments
    assert scan.declared_type == "image/jpeg"
    assert scan.sniffed_type == "application/pdf"


def test_attachment_names_are_safe_display_names() -> None:
    raw = _mixed(_file(JPEG, b'Content-Type: image/jpeg; name="C:\\Users\\x\\..\\id\x07.jpg"'))
    assert read_message(raw).attachments[0].name == "id.jpg"


def test_attachment_limit_and_hash() -> None:
    parts = [
        _file(JPEG + bytes([i]), b'Content-Type: image/jpeg; name="p%d.jpg"' % i) for i in range(5)
    ]
    reading = read_message(_mixed(*parts), ReadLimits(max_attachments=3))
    assert [a.name for a in reading.attachments] == ["p0.jpg", "p1.jpg", "p2.jpg"]
    assert any("more than 3 attachments" in d for d in reading.defects)
    import hashlib

    assert reading.attachments[0].sha256 == hashlib.sha256(JPEG + b"\x00").hexdigest()


def test_archive_members_follow_the_archive_within_limits() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for index in range(4):
            archive.writestr(f"m{index}.txt", b"member")
    raw = _mixed(_file(buffer.getvalue(), b'Content-Type: application/zip; name="files.zip"'))
    reading = read_message(raw, ReadLimits(max_archive_members=2))
    names = [(a.name, a.origin.value, a.problem) for a in reading.attachments]
    assert names == [
        ("files.zip", "attachment", "too_many_members"),
        ("files.zip/m0.txt", "archive_member", None),
        ("files.zip/m1.txt", "archive_member", None),
    ]


def test_plain_alternative_preferred_and_html_used_when_plain_is_empty() -> None:
    alternative = (
        b'Content-Type: multipart/alternative; boundary="A"\r\n\r\n--A\r\n'
        b"Content-Type: text/plain; charset=utf-8\r\n\r\nplain words\r\n--A\r\n"
        b"Content-Type: text/html; charset=utf-8\r\n\r\n<p>html words</p>\r\n--A--"
    )
    assert read_message(_mixed(alternative)).text == "plain words"
    html_only = alternative.replace(b"plain words", b"  ")
    assert read_message(_mixed(html_only)).text == "html words"


def test_html_text_drops_style_and_keeps_cells_apart() -> None:
    html = (
        "<html><head><style>p{color:red}</style></head><body><table><tr><td>账号名称</td>"
        "<td>邢台发布</td></tr></table><script>x()</script>&amp;&nbsp;ok</body></html>"
    )
    raw = b"Content-Type: text/html; charset=utf-8\r\n\r\n" + html.encode()
    text = read_message(raw).text
    assert "color" not in text and "x()" not in text
    assert "账号名称 邢台发布" in text
    assert "& ok" in text


def test_html_meta_charset_used_when_header_has_none() -> None:
    html = '<meta charset="gbk"><p>临西县</p>'.encode("gbk")
    assert read_message(b"Content-Type: text/html\r\n\r\n" + html).text == "临西县"


def test_three_megabyte_mail_reads_fast() -> None:
    payload = b"\xff\xd8\xff" + os.urandom(2_250_000)
    raw = _mixed(
        b"Content-Type: text/plain\r\n\r\nbig",
        _file(payload, b'Content-Type: image/jpeg; name="big.jpg"'),
    )
    assert len(raw) > 3_000_000
    best = min(_timed(raw) for _ in range(3))
    assert best < 0.1
    assert read_message(raw).attachments[0].data == payload


def _timed(raw: bytes) -> float:
    start = time.perf_counter()
    read_message(raw)
    return time.perf_counter() - start


def test_data_uri_images_in_html_are_inline_attachments() -> None:
    encoded = base64.b64encode(JPEG)
    html = b'<p>\xe5\x9b\xbe</p><img src="data:image/jpeg;base64,' + encoded + b'">'
    reading = read_message(b"Content-Type: text/html; charset=utf-8\r\n\r\n" + html)
    (image,) = reading.attachments
    assert (image.name, image.origin, image.data) == ("inline-1.jpg", AttachmentOrigin.INLINE, JPEG)
    assert reading.text == "图"


def test_forwarded_message_named_by_subject_without_slashes() -> None:
    inner = (
        b"Subject: a/b\r\nContent-Type: multipart/mixed; boundary=I\r\n\r\n--I\r\n"
        b'Content-Type: application/pdf; name="f.pdf"\r\n\r\n%PDF-1\r\n--I--\r\n'
    )
    raw = _mixed(b"Content-Type: message/rfc822\r\n\r\n" + inner)
    (pdf,) = read_message(raw).attachments
    assert (pdf.name, pdf.origin, pdf.container) == ("f.pdf", AttachmentOrigin.FORWARDED, "a_b.eml")
