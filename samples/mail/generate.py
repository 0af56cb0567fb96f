"""Write the quirky sample mails in `samples/mail/quirks/` with their expected readings.

Each sample is built byte by byte (Python's `email` package would "fix" the very quirks they
show: GBK bytes in words labelled gb2312, raw 8-bit headers, a character split across two
encoded words, labels Python does not know, broken MIME). Next to each `NAME.eml` the
generator writes `NAME.expected.json`: what a faithful reader must read from it, written here
by hand from what the sample was built with. Run: `python samples/mail/generate.py`.
"""

from __future__ import annotations

import base64
import io
import json
import random
import struct
import sys
import zipfile
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote_from_bytes

HERE = Path(__file__).resolve().parent
OUT = HERE / "quirks"
CRLF = b"\r\n"
DATE = b"Date: Sun, 10 May 2020 09:30:00 +0800"
TO = b"To: xtwxb@163.com"


@dataclass
class Sample:
    """One sample mail and its expected reading."""

    name: str
    raw: bytes
    expected: dict[str, Any] = field(default_factory=dict)


def b64_lines(data: bytes) -> bytes:
    """Base64 in 76-character CRLF lines."""
    return base64.encodebytes(data).replace(b"\n", CRLF)


def word(text: str | bytes, charset: str = "gb18030", encoding: str = "B") -> bytes:
    """An RFC 2047 encoded word; `text` as str is encoded with `charset`, bytes are used as is."""
    data = text if isinstance(text, bytes) else text.encode(charset_codec(charset))
    if encoding == "B":
        payload = base64.b64encode(data)
    else:
        payload = b"".join(
            bytes([b]) if 33 <= b <= 126 and b not in b"=?_" else b"=%02X" % b for b in data
        )
    return b"=?" + charset.encode() + b"?" + encoding.encode() + b"?" + payload + b"?="


def charset_codec(label: str) -> str:
    """The codec used to produce bytes for a label in the samples (all GB labels: gb18030)."""
    return "utf-8" if label.lower() in ("utf-8", "utf8") else "gb18030"


def lines(*parts: bytes) -> bytes:
    """Join header and body lines with CRLF."""
    return CRLF.join(parts)


def jpeg(width: int, height: int, seed: int) -> bytes:
    """A deterministic noisy JPEG (noise keeps it from compressing to nothing)."""
    from PIL import Image

    rng = random.Random(seed)
    image = Image.new("RGB", (width, height))
    image.putdata(
        [
            (rng.randrange(256), rng.randrange(256), rng.randrange(256))
            for _ in range(width * height)
        ]
    )
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=70)
    return buffer.getvalue()


def png(width: int, height: int) -> bytes:
    """A tiny flat PNG such as a signature logo."""
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(buffer, "PNG")
    return buffer.getvalue()


PDF = b"%PDF-1.4\n1 0 obj<</Type/Catalog>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
PHOTO = jpeg(64, 64, 1)
PHOTO2 = jpeg(56, 56, 2)
LOGO = png(16, 16)


def expect(
    subject: str,
    from_addr: str | None,
    attachments: list[dict[str, Any]],
    *,
    from_name: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """The expected-reading object of one sample."""
    out: dict[str, Any] = {"subject": subject, "from_addr": from_addr}
    if from_name is not None:
        out["from_name"] = from_name
    out["attachments"] = attachments
    out["attachment_count"] = len(attachments)
    out.update(extra)
    return out


def att(
    name: str,
    size: int,
    origin: str = "attachment",
    sniffed: str | None = None,
    problem: str | None = None,
    container: str | None = None,
) -> dict[str, Any]:
    """One expected attachment."""
    out: dict[str, Any] = {"name": name, "size": size, "origin": origin, "problem": problem}
    if sniffed:
        out["sniffed_type"] = sniffed
    if container:
        out["container"] = container
    return out


def mixed(headers: list[bytes], parts: list[bytes], boundary: bytes = b"==b1==") -> bytes:
    """A multipart/mixed message from header lines and already-built parts."""
    body = [b"--" + boundary + CRLF + part + CRLF for part in parts]
    return (
        lines(*headers, b'Content-Type: multipart/mixed; boundary="' + boundary + b'"', b"", b"")
        + b"".join(body)
        + b"--"
        + boundary
        + b"--"
        + CRLF
    )


def text_part(text: str, charset: str = "utf-8", label: str | None = None) -> bytes:
    """A base64 text/plain part; `label` overrides the declared charset (to mislabel it)."""
    return lines(
        b"Content-Type: text/plain; charset=" + (label or charset).encode(),
        b"Content-Transfer-Encoding: base64",
        b"",
        b64_lines(text.encode(charset_codec(charset) if charset != "utf-8" else "utf-8")),
    )


def file_part(data: bytes, header_lines: list[bytes]) -> bytes:
    """A base64 file part with the given Content-* header lines."""
    return lines(*header_lines, b"Content-Transfer-Encoding: base64", b"", b64_lines(data))


# --- archives -----------------------------------------------------------------------------


def zip_with_gbk_names(members: list[tuple[str, bytes]]) -> bytes:
    """A zip whose member names are CP936 bytes without the UTF-8 flag, as Chinese Windows makes.

    `zipfile` would store non-ASCII names as flagged UTF-8, so ASCII placeholders of the same
    byte length are written first and then replaced by the GBK bytes.
    """
    buffer = io.BytesIO()
    swaps: list[tuple[bytes, bytes]] = []
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for index, (name, data) in enumerate(members):
            gbk = name.encode("gbk")
            placeholder = f"~{index}~".ljust(len(gbk), "~").encode()
            swaps.append((placeholder, gbk))
            info = zipfile.ZipInfo(placeholder.decode(), (2020, 5, 10, 9, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    raw = buffer.getvalue()
    for placeholder, gbk in swaps:
        raw = raw.replace(placeholder, gbk)
    return raw


def zip_utf8(members: list[tuple[str, bytes]]) -> bytes:
    """A plain zip with UTF-8 flagged names."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members:
            archive.writestr(zipfile.ZipInfo(name, (2020, 5, 10, 9, 0, 0)), data)
    return buffer.getvalue()


def encrypted_zip(name: str, data: bytes) -> bytes:
    """A zip whose only member claims traditional PKWARE encryption (flag bit 0)."""
    crc = zlib.crc32(data)
    raw_name = name.encode()
    local = struct.pack(
        "<4sHHHHHIIIHH",
        b"PK\x03\x04",
        20,
        1,
        0,
        0,
        0,
        crc,
        len(data) + 12,
        len(data),
        len(raw_name),
        0,
    )
    payload = bytes(random.Random(7).randrange(256) for _ in range(12)) + data
    central = struct.pack(
        "<4sHHHHHHIIIHHHHHII",
        b"PK\x01\x02",
        20,
        20,
        1,
        0,
        0,
        0,
        crc,
        len(data) + 12,
        len(data),
        len(raw_name),
        0,
        0,
        0,
        0,
        0,
        0,
    )
    body = local + raw_name + payload
    directory = central + raw_name
    end = struct.pack("<4sHHHHIIH", b"PK\x05\x06", 0, 0, 1, 1, len(directory), len(body), 0)
    return body + directory + end


def seven_zip(members: list[tuple[str, bytes]]) -> bytes:
    """A 7z archive made with py7zr from files with a fixed time, so every run is identical."""
    import os
    import tempfile

    import py7zr

    buffer = io.BytesIO()
    fixed = 1589074200  # 2020-05-10 09:30 +08:00
    with tempfile.TemporaryDirectory() as folder, py7zr.SevenZipFile(buffer, "w") as archive:
        for index, (name, data) in enumerate(members):
            path = Path(folder) / f"m{index}"
            path.write_bytes(data)
            os.utime(path, (fixed, fixed))
            archive.write(path, name)
    return buffer.getvalue()


FAKE_RAR = b"Rar!\x1a\x07\x01\x00" + bytes(range(64))


# --- the samples --------------------------------------------------------------------------


def qq_encoded_filename() -> Sample:
    subject = "新媒体账号登记备案-沙河市-张喆"
    file_name = "新媒体账号登记表（张喆）.pdf"
    raw = mixed(
        [
            b"From: " + word("张喆", "gb18030") + b" <ZhangZhe@QQ.COM>",
            TO,
            b"Subject: " + word(subject, "gb18030"),
            DATE,
            b"Message-ID: <qq-1@qq.com>",
            b"X-Mailer: QQMail 2.x",
            b"MIME-Version: 1.0",
        ],
        [
            text_part("请查收登记表。", "gb18030", "gb18030"),
            file_part(
                PDF,
                [
                    b'Content-Type: application/octet-stream; name="' + word(file_name) + b'"',
                    b'Content-Disposition: attachment; filename="' + word(file_name) + b'"',
                ],
            ),
        ],
    )
    return Sample(
        "qq_encoded_word_in_quoted_filename",
        raw,
        expect(
            subject,
            "ZhangZhe@qq.com",
            [att(file_name, len(PDF), sniffed="application/pdf")],
            from_name="张喆",
            text_contains=["请查收登记表"],
        ),
    )


def gb2312_label_gbk_bytes() -> Sample:
    subject = "登记表 朱镕基 王堃 李珺 张喆"
    file_name = "王堃身份证.jpg"
    raw = mixed(
        [
            b"From: " + word("李珺", "gb2312") + b" <lijun@163.com>",
            TO,
            b"Subject: " + word(subject, "gb2312"),
            DATE,
            b"MIME-Version: 1.0",
            b"X-Mailer: Foxmail 7.2",
        ],
        [
            text_part("联系人：王堃，电话 0319-8921750", "gb18030", "gb2312"),
            file_part(
                PHOTO,
                [
                    b'Content-Type: image/jpeg; name="' + word(file_name, "GB2312") + b'"',
                    b'Content-Disposition: attachment; filename="'
                    + word(file_name, "GB2312")
                    + b'"',
                ],
            ),
        ],
    )
    return Sample(
        "gb2312_label_with_gbk_characters",
        raw,
        expect(
            subject,
            "lijun@163.com",
            [att(file_name, len(PHOTO), sniffed="image/jpeg")],
            from_name="李珺",
            text_contains=["联系人：王堃"],
        ),
    )


def split_character() -> Sample:
    subject = "邢台市新媒体登记"
    utf8 = subject.encode("utf-8")
    gbk = "附件：堃珺.docx".encode("gb18030")
    subject_words = word(utf8[:4], "utf-8") + b"\r\n " + word(utf8[4:], "utf-8")
    name_words = word(gbk[:3], "gbk") + b" " + word(gbk[3:], "gbk")
    raw = mixed(
        [
            b"From: =?utf-8?B?"
            + base64.b64encode("邢台".encode()[:2])
            + b"?= =?utf-8?B?"
            + base64.b64encode("邢台".encode()[2:])
            + b"?= <office@126.com>",
            TO,
            b"Subject: " + subject_words,
            DATE,
            b"MIME-Version: 1.0",
        ],
        [
            text_part("见附件"),
            file_part(
                PDF,
                [
                    b"Content-Type: application/pdf",
                    b'Content-Disposition: attachment; filename="' + name_words + b'"',
                ],
            ),
        ],
    )
    return Sample(
        "character_split_across_encoded_words",
        raw,
        expect(
            subject,
            "office@126.com",
            [att("附件：堃珺.docx", len(PDF), sniffed="application/pdf")],
            from_name="邢台",
        ),
    )


def rfc2231_names() -> Sample:
    first = "沙河市新媒体账号登记表.xlsx"
    second = "营业执照（副本）扫描件.pdf"
    encoded_first = quote_from_bytes(first.encode("utf-8"), safe="").encode()
    encoded_second = quote_from_bytes(second.encode("gbk"), safe="").encode()
    half = len(encoded_second) // 2
    while encoded_second[half - 1 : half] == b"%" or encoded_second[half - 2 : half - 1] == b"%":
        half += 1
    xlsx = zip_utf8([("[Content_Types].xml", b"<Types/>"), ("xl/workbook.xml", b"<workbook/>")])
    raw = mixed(
        [
            b"From: Office <office@sina.com>",
            TO,
            b"Subject: RFC 2231 names",
            DATE,
            b"MIME-Version: 1.0",
        ],
        [
            text_part("two files"),
            file_part(
                xlsx,
                [
                    b"Content-Type: application/octet-stream",
                    b"Content-Disposition: attachment;\r\n filename*=utf-8''" + encoded_first,
                ],
            ),
            file_part(
                PDF,
                [
                    b"Content-Type: application/pdf",
                    b"Content-Disposition: attachment;\r\n filename*0*=gbk''"
                    + encoded_second[:half]
                    + b";\r\n filename*1*="
                    + encoded_second[half:],
                ],
            ),
        ],
    )
    return Sample(
        "rfc2231_filenames_and_continuations",
        raw,
        expect(
            "RFC 2231 names",
            "office@sina.com",
            [
                att(
                    first,
                    len(xlsx),
                    sniffed="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                ),
                att(second, len(PDF), sniffed="application/pdf"),
            ],
        ),
    )


def raw_8bit_headers() -> Sample:
    subject = "关于邢台县新媒体账号备案的报告"
    raw = mixed(
        [
            b"From: " + "邢台县网信办".encode("gbk") + b" <xtx@163.com>",
            TO,
            b"Subject: " + subject.encode("gbk"),
            DATE,
            b"MIME-Version: 1.0",
        ],
        [
            text_part("报告见附件"),
            file_part(
                PDF,
                [
                    b'Content-Type: application/pdf; name="' + "备案报告.pdf".encode("gbk") + b'"',
                    b'Content-Disposition: attachment; filename="'
                    + "备案报告.pdf".encode("gbk")
                    + b'"',
                ],
            ),
            file_part(
                PHOTO2,
                [
                    b'Content-Type: image/jpeg; name="' + "堃的照片.jpg".encode() + b'"',
                    b"Content-Disposition: attachment",
                ],
            ),
        ],
    )
    return Sample(
        "raw_8bit_gbk_and_utf8_headers",
        raw,
        expect(
            subject,
            "xtx@163.com",
            [
                att("备案报告.pdf", len(PDF), sniffed="application/pdf"),
                att("堃的照片.jpg", len(PHOTO2), sniffed="image/jpeg"),
            ],
            from_name="邢台县网信办",
        ),
    )


def raw_utf8_headers() -> Sample:
    subject = "巨鹿县 新媒体登记 – 抖音号"
    raw = lines(
        b"From: " + "巨鹿县融媒体中心".encode() + b" <JLX@Example.COM>",
        TO,
        b"Subject: " + subject.encode(),
        DATE,
        b"MIME-Version: 1.0",
        b"Content-Type: text/plain; charset=utf-8",
        b"Content-Transfer-Encoding: 8bit",
        b"",
        "账号名称：巨鹿发布".encode(),
        b"",
    )
    return Sample(
        "raw_utf8_headers",
        raw,
        expect(
            subject,
            "JLX@example.com",
            [],
            from_name="巨鹿县融媒体中心",
            text_contains=["账号名称：巨鹿发布"],
        ),
    )


def unknown_labels() -> Sample:
    pieces = ["宁晋", "县", "新媒体", "登记", "表"]
    labels = ["x-gbk", "gb_2312-80", "csgb2312", "windows-936", "x-gb18030"]
    subject_raw = b" ".join(word(p, label) for p, label in zip(pieces, labels, strict=True))
    name = "宁晋县登记表.pdf"
    raw = mixed(
        [
            b"From: " + word("宁晋县网信办", "x-gbk") + b" <njx@126.com>",
            TO,
            b"Subject: " + subject_raw,
            DATE,
            b"MIME-Version: 1.0",
        ],
        [
            text_part("宁晋县 镕 登记", "gb18030", "x-gbk"),
            file_part(
                PDF,
                [
                    b'Content-Type: application/pdf; name="' + word(name, "windows-936") + b'"',
                ],
            ),
        ],
    )
    return Sample(
        "charset_labels_python_does_not_know",
        raw,
        expect(
            "".join(pieces),
            "njx@126.com",
            [att(name, len(PDF), sniffed="application/pdf")],
            from_name="宁晋县网信办",
            text_contains=["宁晋县 镕 登记"],
        ),
    )


def name_only_in_content_type() -> Sample:
    name = "隆尧县登记表.docx"
    docx = zip_utf8([("[Content_Types].xml", b"<Types/>"), ("word/document.xml", b"<w:document/>")])
    raw = mixed(
        [b"From: lyx@163.com", TO, b"Subject: " + word("隆尧县登记", "utf-8"), DATE],
        [
            text_part("附件"),
            file_part(
                docx, [b'Content-Type: application/msword; name="' + word(name, "gbk") + b'"']
            ),
        ],
    )
    return Sample(
        "name_only_in_content_type",
        raw,
        expect(
            "隆尧县登记",
            "lyx@163.com",
            [
                att(
                    name,
                    len(docx),
                    sniffed="application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                )
            ],
        ),
    )


def mislabelled_bodies() -> Sample:
    html = "<html><body><p>申报单位：<b>邢台喆镕文化传媒有限公司</b></p></body></html>"
    raw = lines(
        b"From: sender@163.com",
        TO,
        b"Subject: body labels",
        DATE,
        b"MIME-Version: 1.0",
        b'Content-Type: multipart/alternative; boundary="alt"',
        b"",
        b"--alt",
        b"Content-Type: text/plain; charset=utf-8",
        b"Content-Transfer-Encoding: 8bit",
        b"",
        "申报单位：邢台喆镕文化传媒有限公司".encode("gbk"),
        b"--alt",
        b"Content-Type: text/html; charset=gb2312",
        b"Content-Transfer-Encoding: quoted-printable",
        b"",
        b"".join(b"=%02X" % b if b > 126 or b == 61 else bytes([b]) for b in html.encode("gbk")),
        b"--alt--",
        b"",
    )
    return Sample(
        "body_parts_mislabelled",
        raw,
        expect(
            "body labels",
            "sender@163.com",
            [],
            text_contains=["申报单位：邢台喆镕文化传媒有限公司"],
            has_defects=True,
        ),
    )


def missing_end_boundary() -> Sample:
    raw = lines(
        b"From: a@163.com",
        TO,
        b"Subject: no closing boundary",
        DATE,
        b'Content-Type: multipart/mixed; boundary="XX"',
        b"",
        b"--XX",
        b"Content-Type: text/plain; charset=utf-8",
        b"",
        "正文".encode(),
        b"--XX",
        b'Content-Type: image/jpeg; name="id.jpg"',
        b"Content-Transfer-Encoding: base64",
        b"",
        b64_lines(PHOTO),
    )
    return Sample(
        "malformed_missing_end_boundary",
        raw,
        expect(
            "no closing boundary",
            "a@163.com",
            [att("id.jpg", len(PHOTO), sniffed="image/jpeg")],
            has_defects=True,
            text_contains=["正文"],
        ),
    )


def bad_base64() -> Sample:
    encoded = base64.b64encode(PDF).rstrip(b"=")
    broken = encoded[:20] + b"!!*" + encoded[20:40] + b"\r\n  " + encoded[40:]
    raw = mixed(
        [b"From: a@163.com", TO, b"Subject: bad base64", DATE],
        [
            text_part("x"),
            lines(
                b'Content-Type: application/pdf; name="form.pdf"',
                b"Content-Transfer-Encoding: base64",
                b"",
                broken,
            ),
        ],
    )
    return Sample(
        "malformed_bad_base64",
        raw,
        expect(
            "bad base64",
            "a@163.com",
            [att("form.pdf", len(PDF), sniffed="application/pdf")],
            has_defects=True,
        ),
    )


def truncated() -> Sample:
    full = mixed(
        [b"From: a@163.com", TO, b"Subject: truncated", DATE],
        [
            text_part("前半"),
            file_part(PHOTO, [b'Content-Type: image/jpeg; name="cut.jpg"']),
        ],
    )
    cut = full[: full.index(b'name="cut.jpg"') + 200]
    return Sample(
        "malformed_truncated",
        cut,
        expect(
            "truncated",
            "a@163.com",
            [att("cut.jpg", -1, sniffed="image/jpeg")],
            has_defects=True,
            text_contains=["前半"],
        ),
    )


def deep_nesting() -> Sample:
    depth = 50
    inner = lines(b"Content-Type: text/plain", b"", b"deep text", b"")
    for level in range(depth, 0, -1):
        boundary = b"L%d" % level
        inner = lines(
            b'Content-Type: multipart/mixed; boundary="' + boundary + b'"',
            b"",
            b"--" + boundary,
            inner,
            b"--" + boundary + b"--",
            b"",
        )
    raw = lines(b"From: a@163.com", TO, b"Subject: deep", DATE) + CRLF + inner
    return Sample(
        "malformed_50_level_nesting",
        raw,
        expect("deep", "a@163.com", [], has_defects=True, text_not_contains=["deep text"]),
    )


def garbage() -> Sample:
    rng = random.Random(3)
    raw = bytes(rng.randrange(256) for _ in range(3000))
    return Sample("malformed_garbage_bytes", raw, expect("", None, [], has_defects=True))


def empty() -> Sample:
    return Sample("malformed_empty_input", b"", expect("", None, [], has_defects=True))


def netease_large() -> Sample:
    url = "https://mail.163.com/large-attachment-download/index.html?p=X66ABCD&file=XT1"
    html = (
        '<div>请下载附件</div><div id="divNeteaseBigAttach" style="clear:both">'
        '<div style="background:#eee"><b>从网易163邮箱发来的超大附件</b></div>'
        '<div><a href="' + url + '" target="_blank"><img src="https://mimg.127.net/x.png"></a>'
        '<div><a href="' + url + '">南宫市新媒体登记材料.zip</a></div>'
        "<div>(80.96M, 2026年8月17日 0:49 到期)</div>"
        '<a href="' + url + '">下载</a></div></div>'
    )
    raw = lines(
        b"From: " + word("南宫市网信办", "utf-8") + b" <ngs@163.com>",
        TO,
        b"Subject: " + word("南宫市登记材料（超大附件）", "utf-8"),
        DATE,
        b"MIME-Version: 1.0",
        b"Content-Type: text/html; charset=utf-8",
        b"Content-Transfer-Encoding: base64",
        b"",
        b64_lines(html.encode()),
    )
    return Sample(
        "netease_large_attachment_link",
        raw,
        expect(
            "南宫市登记材料（超大附件）",
            "ngs@163.com",
            [],
            large_links=[
                {
                    "provider": "netease",
                    "file_name": "南宫市新媒体登记材料.zip",
                    "url": url,
                    "size_text": "80.96M",
                    "expires_text": "2026年8月17日 0:49 到期",
                }
            ],
            text_contains=["从网易163邮箱发来的超大附件"],
        ),
    )


def qq_large() -> Sample:
    url = "https://mail.qq.com/cgi-bin/ftnExs_download?k=2a3b&amp;t=exs_ftn_download&amp;code=9f"
    plain_url = url.replace("&amp;", "&")
    html = (
        "<p>材料较大，用超大附件发送。</p>"
        '<div style="padding:2px"><div>从QQ邮箱发来的超大附件</div>'
        '<div><a href="' + url + '" target="_blank">新河县账号登记扫描件.pdf</a>'
        "<span>(1.2G, 2026年9月1日 12:00 到期)</span></div>"
        '<div><a href="' + url + '">进入下载页面</a></div></div>'
    )
    raw = lines(
        b"From: " + word("新河县", "gb18030") + b" <12345678@qq.com>",
        TO,
        b"Subject: " + word("新河县登记", "gb18030"),
        DATE,
        b"MIME-Version: 1.0",
        b'Content-Type: multipart/alternative; boundary="----=_NextPart_QQ"',
        b"",
        b"------=_NextPart_QQ",
        b'Content-Type: text/plain; charset="gb18030"',
        b"Content-Transfer-Encoding: base64",
        b"",
        b64_lines(
            ("材料较大，用超大附件发送。\r\n从QQ邮箱发来的超大附件\r\n" + plain_url).encode(
                "gb18030"
            )
        ),
        b"------=_NextPart_QQ",
        b'Content-Type: text/html; charset="gb18030"',
        b"Content-Transfer-Encoding: base64",
        b"",
        b64_lines(html.encode("gb18030")),
        b"------=_NextPart_QQ--",
        b"",
    )
    return Sample(
        "qq_large_attachment_link",
        raw,
        expect(
            "新河县登记",
            "12345678@qq.com",
            [],
            large_links=[
                {
                    "provider": "qq",
                    "file_name": "新河县账号登记扫描件.pdf",
                    "url": plain_url,
                    "size_text": "1.2G",
                    "expires_text": "2026年9月1日 12:00 到期",
                }
            ],
        ),
    )


def auto_reply() -> Sample:
    raw = lines(
        b"From: " + word("清河县网信办", "gb2312") + b" <qhx@163.com>",
        TO,
        b"Subject: " + word("自动回复: 新媒体账号登记", "gb2312"),
        DATE,
        b"Auto-Submitted: auto-replied",
        b"X-Auto-Response-Suppress: All",
        b"Content-Type: text/plain; charset=gb2312",
        b"",
        "您好，我已休假。".encode("gbk"),
        b"",
    )
    return Sample(
        "auto_reply_rfc3834",
        raw,
        expect(
            "自动回复: 新媒体账号登记",
            "qhx@163.com",
            [],
            auto_reply="auto_submitted",
            is_bounce=False,
        ),
    )


def suppress_is_not_marker() -> Sample:
    raw = lines(
        b"From: Outlook User <user@xtu.edu.cn>",
        TO,
        b"Subject: =?utf-8?B?" + base64.b64encode("登记表".encode()) + b"?=",
        DATE,
        b"X-Auto-Response-Suppress: All",
        b"Auto-Submitted: no",
        b"Precedence: normal",
        b"Content-Type: text/plain; charset=utf-8",
        b"",
        b"hello",
        b"",
    )
    return Sample(
        "outlook_suppress_header_is_no_marker",
        raw,
        expect("登记表", "user@xtu.edu.cn", [], auto_reply=None, is_bounce=False),
    )


def out_of_office_subject() -> Sample:
    raw = lines(
        b"From: someone@126.com",
        TO,
        b"Subject: Out of Office: registration",
        DATE,
        b"Content-Type: text/plain",
        b"",
        b"away",
        b"",
    )
    return Sample(
        "out_of_office_subject",
        raw,
        expect(
            "Out of Office: registration",
            "someone@126.com",
            [],
            auto_reply="out_of_office_subject",
        ),
    )


def bounce_dsn() -> Sample:
    raw = lines(
        b"From: MAILER-DAEMON@163.com",
        b"To: xtwxb@163.com",
        b"Subject: " + word("系统退信", "gb2312"),
        DATE,
        b"MIME-Version: 1.0",
        b'Content-Type: multipart/report; report-type=delivery-status; boundary="R"',
        b"",
        b"--R",
        b"Content-Type: text/plain; charset=utf-8",
        b"",
        "邮件无法投递。".encode(),
        b"--R",
        b"Content-Type: message/delivery-status",
        b"",
        b"Reporting-MTA: dns; m1.163.com",
        b"",
        b"Final-Recipient: rfc822; Nobody@Example.COM",
        b"Action: failed",
        b"Status: 5.1.1",
        b"",
        b"Final-Recipient: rfc822; later@example.com",
        b"Action: delayed",
        b"Status: 4.4.1",
        b"",
        b"--R",
        b"Content-Type: message/rfc822",
        b"",
        b"From: xtwxb@163.com",
        b"To: nobody@example.com",
        b"Subject: reply",
        b"",
        b"original",
        b"--R--",
        b"",
    )
    return Sample(
        "bounce_delivery_status",
        raw,
        expect(
            "系统退信",
            "MAILER-DAEMON@163.com",
            [],
            is_bounce=True,
            bounced_recipients=["nobody@example.com"],
        ),
    )


def bounce_plain() -> Sample:
    body = (
        "This is the mail system at host smtp.126.com.\n\n"
        "I'm sorry to have to inform you that your message could not\n"
        "be delivered to one or more recipients.\n\n"
        "<wrong.address@qq.com>: host mx3.qq.com said: 550 Mailbox not found\n"
    )
    raw = lines(
        b"From: Mail Delivery System <postmaster@126.com>",
        TO,
        b"Subject: Undelivered Mail Returned to Sender",
        DATE,
        b"Content-Type: text/plain; charset=us-ascii",
        b"",
        body.replace("\n", "\r\n").encode(),
    )
    return Sample(
        "bounce_plain_body",
        raw,
        expect(
            "Undelivered Mail Returned to Sender",
            "postmaster@126.com",
            [],
            is_bounce=True,
            bounced_recipients=["wrong.address@qq.com"],
        ),
    )


def forwarded() -> Sample:
    inner = mixed(
        [
            b"From: " + word("任县网信办", "gbk") + b" <rx@163.com>",
            b"To: colleague@163.com",
            b"Subject: " + word("任县登记材料", "gbk"),
            DATE,
        ],
        [
            text_part("原始邮件正文"),
            file_part(
                PDF,
                [b'Content-Type: application/pdf; name="' + word("任县登记表.pdf", "gbk") + b'"'],
            ),
        ],
        boundary=b"inner-b",
    )
    eml_file = mixed(
        [b"From: other@163.com", b"To: x@163.com", b"Subject: second", DATE],
        [
            text_part("second body"),
            file_part(PHOTO2, [b'Content-Type: image/jpeg; name="' + "身份证.jpg".encode() + b'"']),
        ],
        boundary=b"eml-b",
    )
    raw = mixed(
        [
            b"From: colleague@163.com",
            TO,
            b"Subject: " + word("转发：任县登记材料", "utf-8"),
            DATE,
        ],
        [
            text_part("请看转发的邮件"),
            lines(b"Content-Type: message/rfc822", b"Content-Disposition: inline", b"", inner),
            file_part(
                eml_file,
                [
                    b'Content-Type: application/octet-stream; name="second.eml"',
                    b'Content-Disposition: attachment; filename="second.eml"',
                ],
            ),
        ],
    )
    return Sample(
        "forwarded_messages",
        raw,
        expect(
            "转发：任县登记材料",
            "colleague@163.com",
            [
                att(
                    "任县登记表.pdf",
                    len(PDF),
                    "forwarded",
                    "application/pdf",
                    container="任县登记材料.eml",
                ),
                att("身份证.jpg", len(PHOTO2), "forwarded", "image/jpeg", container="second.eml"),
            ],
            text_contains=["请看转发的邮件", "原始邮件正文", "second body"],
        ),
    )


def archives() -> Sample:
    inner = zip_with_gbk_names([("营业执照.jpg", PHOTO2)])
    outer = zip_with_gbk_names(
        [("材料/身份证正面.jpg", PHOTO), ("../../etc/登记表.pdf", PDF), ("内层.zip", inner)]
    )
    locked = encrypted_zip("secret.pdf", PDF)
    seven = seven_zip([("平乡县/登记表.pdf", PDF)])
    raw = mixed(
        [b"From: pxx@163.com", TO, b"Subject: archives", DATE],
        [
            text_part("压缩包"),
            file_part(outer, [b'Content-Type: application/zip; name="' + word("材料.zip") + b'"']),
            file_part(locked, [b'Content-Type: application/zip; name="locked.zip"']),
            file_part(seven, [b'Content-Type: application/octet-stream; name="pxx.7z"']),
            file_part(FAKE_RAR, [b'Content-Type: application/x-rar-compressed; name="old.rar"']),
        ],
    )
    zip_type = "application/zip"
    return Sample(
        "archives_zip_gbk_7z_rar_encrypted",
        raw,
        expect(
            "archives",
            "pxx@163.com",
            [
                att("材料.zip", len(outer), sniffed=zip_type),
                att(
                    "材料.zip/材料/身份证正面.jpg",
                    len(PHOTO),
                    "archive_member",
                    "image/jpeg",
                    container="材料.zip",
                ),
                att(
                    "材料.zip/etc/登记表.pdf",
                    len(PDF),
                    "archive_member",
                    "application/pdf",
                    container="材料.zip",
                ),
                att(
                    "材料.zip/内层.zip",
                    len(inner),
                    "archive_member",
                    zip_type,
                    container="材料.zip",
                ),
                att(
                    "材料.zip/内层.zip/营业执照.jpg",
                    len(PHOTO2),
                    "archive_member",
                    "image/jpeg",
                    container="材料.zip",
                ),
                att("locked.zip", len(locked), sniffed=zip_type, problem="encrypted"),
                att("pxx.7z", len(seven), sniffed="application/x-7z-compressed"),
                att(
                    "pxx.7z/平乡县/登记表.pdf",
                    len(PDF),
                    "archive_member",
                    "application/pdf",
                    container="pxx.7z",
                ),
                att(
                    "old.rar",
                    len(FAKE_RAR),
                    sniffed="application/vnd.rar",
                    problem="rar_unsupported",
                ),
            ],
        ),
    )


def inline_images() -> Sample:
    html = (
        '<html><body><p>照片如下</p><img src="cid:photo001@qq.com">'
        '<img src="cid:logo@corp"></body></html>'
    )
    raw = lines(
        b"From: phone@139.com",
        TO,
        b"Subject: inline",
        DATE,
        b'Content-Type: multipart/mixed; boundary="M"',
        b"",
        b"--M",
        b'Content-Type: multipart/related; boundary="R"',
        b"",
        b"--R",
        b"Content-Type: text/html; charset=utf-8",
        b"",
        html.encode(),
        b"--R",
        b"Content-Type: image/jpeg",
        b"Content-ID: <photo001@qq.com>",
        b"Content-Transfer-Encoding: base64",
        b"",
        b64_lines(PHOTO),
        b"--R",
        b'Content-Type: image/png; name="logo.png"',
        b"Content-ID: <logo@corp>",
        b'Content-Disposition: inline; filename="logo.png"',
        b"Content-Transfer-Encoding: base64",
        b"",
        b64_lines(LOGO),
        b"--R--",
        b"--M",
        b"Content-Type: image/jpeg",
        b"Content-Transfer-Encoding: base64",
        b"",
        b64_lines(PHOTO2),
        b"--M--",
        b"",
    )
    return Sample(
        "inline_images_cid_and_nameless",
        raw,
        expect(
            "inline",
            "phone@139.com",
            [
                att("inline-1.jpg", len(PHOTO), "inline", "image/jpeg"),
                att("logo.png", len(LOGO), "inline", "image/png", problem="tiny_image"),
                att("inline-2.jpg", len(PHOTO2), "inline", "image/jpeg"),
            ],
            text_contains=["照片如下"],
        ),
    )


def latin1_label_gbk_bytes() -> Sample:
    """Encoded words labelled iso-8859-1 that hold GBK bytes (二则学术报告通知), as old
    webmail wrote them; a real latin-1 name beside them stays as it is."""
    raw = lines(
        b"From: "
        + word("M\u00fcller".encode("latin-1"), "iso-8859-1", "Q")
        + b" <mueller@example.de>",
        TO,
        b"Subject: " + word("二则学术报告通知".encode("gbk"), "iso-8859-1"),
        DATE,
        b"MIME-Version: 1.0",
        b"Content-Type: text/plain; charset=iso-8859-1",
        b"Content-Transfer-Encoding: 8bit",
        b"",
        "报告时间：周五下午三点".encode("gbk"),
        b"",
    )
    return Sample(
        "latin1_label_gbk_bytes",
        raw,
        expect(
            "二则学术报告通知",
            "mueller@example.de",
            [],
            from_name="M\u00fcller",
            text_contains=["报告时间：周五下午三点"],
            has_defects=True,
        ),
    )


def utf8_encoded_twice() -> Sample:
    """GBK text read as latin-1 and encoded to UTF-8 again (``2005ÄêÕÐÊÕ``), in the subject
    and the body."""
    twice = "2005年招收研究生简章".encode("gbk").decode("latin-1").encode("utf-8")
    raw = lines(
        b"From: yjs@xtu.edu.cn",
        TO,
        b"Subject: " + word(twice, "utf-8"),
        DATE,
        b"MIME-Version: 1.0",
        b"Content-Type: text/plain; charset=utf-8",
        b"Content-Transfer-Encoding: 8bit",
        b"",
        "报名时间：十月".encode("gbk").decode("latin-1").encode("utf-8"),
        b"",
    )
    return Sample(
        "utf8_encoded_twice",
        raw,
        expect(
            "2005年招收研究生简章",
            "yjs@xtu.edu.cn",
            [],
            text_contains=["报名时间：十月"],
            has_defects=True,
        ),
    )


def stale_base64_label() -> Sample:
    """A part that says base64 but holds plain GBK text: read as it is, not decoded."""
    raw = lines(
        b"From: office@xtu.edu.cn",
        TO,
        b"Subject: " + word("通知"),
        DATE,
        b"MIME-Version: 1.0",
        b"Content-Type: text/plain; charset=gb2312",
        b"Content-Transfer-Encoding: base64",
        b"",
        "各位老师：本周五下午召开全院大会，请准时参加。".encode("gbk"),
        b"",
    )
    return Sample(
        "stale_base64_label",
        raw,
        expect(
            "通知",
            "office@xtu.edu.cn",
            [],
            text_contains=["各位老师：本周五下午召开全院大会，请准时参加。"],
            has_defects=True,
        ),
    )


def fold_without_whitespace() -> Sample:
    """A subject folded onto a line without leading whitespace, before the From line."""
    raw = lines(
        TO,
        b"Subject: " + word("新媒体账号"),
        word("登记备案"),
        b"From: " + word("王芳") + b" <wangfang@163.com>",
        DATE,
        b"MIME-Version: 1.0",
        b"Content-Type: text/plain; charset=utf-8",
        b"",
        "您好".encode(),
        b"",
    )
    return Sample(
        "fold_without_whitespace",
        raw,
        expect(
            "新媒体账号登记备案",
            "wangfang@163.com",
            [],
            from_name="王芳",
            text_contains=["您好"],
            has_defects=True,
        ),
    )


SAMPLES: list[Callable[[], Sample]] = [
    qq_encoded_filename,
    gb2312_label_gbk_bytes,
    split_character,
    rfc2231_names,
    raw_8bit_headers,
    raw_utf8_headers,
    unknown_labels,
    name_only_in_content_type,
    mislabelled_bodies,
    missing_end_boundary,
    bad_base64,
    truncated,
    deep_nesting,
    garbage,
    empty,
    netease_large,
    qq_large,
    auto_reply,
    suppress_is_not_marker,
    out_of_office_subject,
    bounce_dsn,
    bounce_plain,
    forwarded,
    archives,
    inline_images,
    latin1_label_gbk_bytes,
    utf8_encoded_twice,
    stale_base64_label,
    fold_without_whitespace,
]


def main() -> int:
    """Write every sample and its expected reading; print the total size."""
    OUT.mkdir(parents=True, exist_ok=True)
    total = 0
    for make in SAMPLES:
        sample = make()
        (OUT / f"{sample.name}.eml").write_bytes(sample.raw)
        text = json.dumps(sample.expected, ensure_ascii=False, indent=1) + "\n"
        (OUT / f"{sample.name}.expected.json").write_text(text, encoding="utf-8")
        total += len(sample.raw) + len(text.encode())
    print(f"{len(SAMPLES)} samples, {total} bytes in {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
