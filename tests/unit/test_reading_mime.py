"""MIME structure and parameters: boundaries, nesting limits, transfer encodings, RFC 2231."""

from __future__ import annotations

import base64

from intake.reading.mime import decode_payload, parse_entity
from intake.reading.params import parse_header_value


def test_rfc2231_single_extended_value() -> None:
    value = parse_header_value(b"attachment; filename*=utf-8''%E7%99%BB%E8%AE%B0.pdf")
    assert value.value == "attachment"
    assert value.params["filename"] == "登记.pdf"


def test_rfc2231_continuations_with_gbk_charset() -> None:
    encoded = "".join(f"%{b:02X}" for b in "营业执照.pdf".encode("gbk"))
    raw = (
        b"attachment; filename*0*=gbk''"
        + encoded[:12].encode()
        + b"; filename*1*="
        + encoded[12:].encode()
    )
    assert parse_header_value(raw).params["filename"] == "营业执照.pdf"


def test_rfc2231_plain_continuations_holding_encoded_words() -> None:
    word = b"=?gb2312?B?" + base64.b64encode("邢台县".encode("gbk")) + b"?="
    raw = b'attachment; filename*0="' + word[:9] + b'"; filename*1="' + word[9:] + b'.doc"'
    assert parse_header_value(raw).params["filename"] == "邢台县.doc"


def test_extended_value_wins_over_plain_value() -> None:
    raw = b"attachment; filename=\"fallback.pdf\"; filename*=UTF-8''%E8%A1%A8.pdf"
    assert parse_header_value(raw).params["filename"] == "表.pdf"


def test_quoted_values_semicolons_escapes_and_unquoted_spaces() -> None:
    value = parse_header_value(b'Application/PDF; name="a;b \\"c\\".pdf"; x=This is it')
    assert value.value == "application/pdf"
    assert value.params["name"] == 'a;b "c".pdf'
    assert value.params["x"] == "This is it"


def test_missing_closing_quote_and_encoded_word_in_quotes() -> None:
    word = b"=?gb18030?B?" + base64.b64encode("南和区.jpg".encode("gb18030")) + b"?="
    assert parse_header_value(b'image/jpeg; name="' + word).params["name"] == "南和区.jpg"


def test_raw_gbk_bytes_in_quoted_filename() -> None:
    raw = b'attachment; filename="' + "威县登记.xls".encode("gbk") + b'"'
    assert parse_header_value(raw).params["filename"] == "威县登记.xls"


def _multipart(boundary: bytes, parts: list[bytes], close: bool = True) -> bytes:
    body = b"".join(b"--" + boundary + b"\r\n" + part + b"\r\n" for part in parts)
    end = b"--" + boundary + b"--\r\n" if close else b""
    return (
        b'Content-Type: multipart/mixed; boundary="'
        + boundary
        + b'"\r\n\r\npreamble\r\n'
        + body
        + end
        + b"epilogue"
    )


def test_similar_boundaries_are_not_confused() -> None:
    inner = _multipart(b"abc-inner", [b"Content-Type: text/plain\r\n\r\ninner"])
    raw = _multipart(b"abc", [b"Content-Type: text/plain\r\n\r\nfirst", inner])
    entity = parse_entity(raw)
    assert [child.mime_type for child in entity.children] == ["text/plain", "multipart/mixed"]
    assert bytes(entity.children[0].body) == b"first"
    assert bytes(entity.children[1].children[0].body) == b"inner"
    assert entity.defects == []


def test_missing_closing_boundary_keeps_last_part_and_records_defect() -> None:
    raw = _multipart(b"B", [b"\r\nfirst", b"Content-Type: text/html\r\n\r\nlast"], close=False)
    entity = parse_entity(raw)
    assert len(entity.children) == 2
    assert bytes(entity.children[1].body).startswith(b"last")
    assert any("closing boundary" in d for d in entity.defects)


def test_nesting_beyond_limit_stops_with_defect() -> None:
    raw = b"Content-Type: text/plain\r\n\r\nleaf"
    for level in range(30):
        raw = _multipart(b"L%d" % level, [raw])
    entity = parse_entity(raw, max_depth=5)
    depth = 0
    node = entity
    while node.children:
        node = node.children[0]
        depth += 1
    assert depth == 5
    assert any("deeper than 5" in d for d in node.defects)


def test_message_rfc822_child_and_base64_encoded_message() -> None:
    inner = b"Subject: inner\r\n\r\nhello"
    raw = b"Content-Type: message/rfc822\r\n\r\n" + inner
    assert parse_entity(raw).children[0].header("subject") == b"inner"
    encoded = b"Content-Type: message/rfc822\r\nContent-Transfer-Encoding: base64\r\n\r\n"
    child = parse_entity(encoded + base64.b64encode(inner)).children[0]
    assert child.header("subject") == b"inner"


def test_headers_unfold_and_whitespace_only_line_continues() -> None:
    entity = parse_entity(b"Subject: a\r\n b\r\n\t\r\n c\r\nX-Other: 1\r\n\r\nbody")
    assert entity.header("subject") == b"a b c"
    assert entity.header("x-other") == b"1"
    assert bytes(entity.body) == b"body"


def test_junk_header_line_starts_the_body() -> None:
    entity = parse_entity(b"Subject: x\r\nthis is not a header\r\nmore")
    assert entity.header("subject") == b"x"
    assert bytes(entity.body).startswith(b"this is not")
    assert entity.defects


def test_transfer_encodings() -> None:
    qp = parse_entity(b"Content-Transfer-Encoding: Quoted-Printable\r\n\r\n=E4=B8=AD=\r\nx")
    assert decode_payload(qp) == ("中x".encode(), None)
    odd = parse_entity(b"Content-Transfer-Encoding: 7-bit;\r\n\r\nplain")
    assert decode_payload(odd) == (b"plain", None)
    unknown = parse_entity(b"Content-Transfer-Encoding: x-spam\r\n\r\nbody")
    data, defect = decode_payload(unknown)
    assert data == b"body" and defect and "x-spam" in defect


def test_uuencode_body() -> None:
    import binascii

    line = binascii.b2a_uu(b"uuencoded form")
    entity = parse_entity(
        b"Content-Transfer-Encoding: x-uuencode\r\n\r\nbegin 644 f.txt\r\n" + line + b"`\r\nend\r\n"
    )
    assert decode_payload(entity)[0] == b"uuencoded form"


def test_unreadable_content_type_defaults_to_text() -> None:
    entity = parse_entity(b"Content-Type: garbage\r\n\r\nx")
    assert entity.mime_type == "text/plain"
    assert entity.defects
