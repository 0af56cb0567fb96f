"""Charset repair: GB-family labels, mislabelled words, split characters, raw 8-bit headers."""

from __future__ import annotations

import base64

import pytest
from hypothesis import given
from hypothesis import strategies as st

from intake.reading.charsets import (
    codec_for,
    decode_base64_lenient,
    decode_bytes,
    decode_header_bytes,
    decode_header_text,
    decode_raw_text,
)

GBK_ONLY = "喆镕堃珺"


def _word(data: bytes, label: str) -> bytes:
    return b"=?" + label.encode() + b"?B?" + base64.b64encode(data) + b"?="


@pytest.mark.parametrize(
    "label",
    [
        "gb2312",
        "GB2312",
        "gbk",
        "x-gbk",
        "gb_2312-80",
        "csgb2312",
        "windows-936",
        "x-gb18030",
        "cp936",
        "euc-cn",
        '"gb2312"',
        "gb18030",
    ],
)
def test_whole_gb_family_maps_to_gb18030(label: str) -> None:
    assert codec_for(label) == "gb18030"


def test_other_labels() -> None:
    assert codec_for("utf8") == "utf-8"
    assert codec_for("UTF-8*zh-cn") == "utf-8"
    assert codec_for("big5") == "big5hkscs"
    assert codec_for("iso-8859-1") == "cp1252"
    assert codec_for("no-such-charset") is None
    assert codec_for("") is None


def test_gb2312_word_with_gbk_only_characters() -> None:
    raw = _word(f"张{GBK_ONLY}".encode("gbk"), "gb2312")
    assert decode_header_bytes(raw) == f"张{GBK_ONLY}"


def test_character_split_across_two_words_joins_bytes() -> None:
    data = "邢台市".encode()
    raw = _word(data[:4], "utf-8") + b"\r\n " + _word(data[4:], "UTF-8")
    assert decode_header_bytes(raw) == "邢台市"


def test_split_across_words_with_different_gb_labels() -> None:
    data = "堃珺".encode("gbk")
    raw = _word(data[:1], "gb2312") + b" " + _word(data[1:], "x-gbk")
    assert decode_header_bytes(raw) == "堃珺"


def test_text_between_words_is_kept_and_space_between_words_dropped() -> None:
    raw = b"Re: " + _word("登记".encode(), "utf-8") + b"  " + _word("表".encode(), "utf-8") + b" ok"
    assert decode_header_bytes(raw) == "Re: 登记表 ok"


def test_q_encoding_word() -> None:
    assert decode_header_bytes(b"=?utf-8?Q?a_b=E4=B8=AD?=") == "a b中"


def test_raw_gbk_and_raw_utf8_header_bytes() -> None:
    assert decode_header_bytes("沙河市 登记".encode("gbk")) == "沙河市 登记"
    assert decode_header_bytes("沙河市 登记".encode()) == "沙河市 登记"


def test_surrogate_escaped_header_text_is_recovered() -> None:
    escaped = f"新媒体{GBK_ONLY}".encode("gbk").decode("ascii", errors="surrogateescape")
    assert decode_header_text(escaped) == f"新媒体{GBK_ONLY}"


def test_word_labelled_utf8_carrying_gbk_bytes() -> None:
    assert decode_header_bytes(_word("南宫".encode("gbk"), "utf-8")) == "南宫"


def test_iso_2022_jp_is_not_taken_for_ascii() -> None:
    assert decode_header_bytes(b"=?ISO-2022-JP?B?GyRCJUYlOSVIGyhC?=") == "テスト"


def test_decode_bytes_reports_repair() -> None:
    assert decode_bytes("堃".encode("gbk"), "gb2312") == ("堃", False)
    assert decode_bytes("堃".encode("gbk"), "utf-8") == ("堃", True)
    assert decode_bytes(b"plain", "x-unknown") == ("plain", True)
    text, repaired = decode_bytes(b"\xff\xfe\xfd\x00\x81", "utf-8")
    assert repaired and text


def test_raw_text_falls_back_to_cp1252() -> None:
    assert decode_raw_text(b"caf\xe9 ") == "café "


def test_base64_lenient() -> None:
    good = base64.b64encode(b"registration form")
    assert decode_base64_lenient(good) == (b"registration form", False)
    assert decode_base64_lenient(good.rstrip(b"="))[0] == b"registration form"
    assert decode_base64_lenient(good[:8] + b"!*" + good[8:]) == (b"registration form", True)
    joined = base64.b64encode(b"ab") + base64.b64encode(b"cd")
    assert decode_base64_lenient(joined) == (b"abcd", True)
    assert decode_base64_lenient(b"") == (b"", False)


@given(
    st.text(alphabet=st.characters(min_codepoint=0x4E00, max_codepoint=0x9FA5), min_size=1),
    st.data(),
)
def test_any_split_of_gb18030_words_decodes_back(text: str, data: st.DataObject) -> None:
    encoded = text.encode("gb18030")
    cut = data.draw(st.integers(min_value=0, max_value=len(encoded)))
    label = data.draw(st.sampled_from(["gb2312", "gbk", "GB18030", "x-gbk"]))
    pieces = [p for p in (encoded[:cut], encoded[cut:]) if p]
    raw = b" ".join(_word(p, label) for p in pieces)
    assert decode_header_bytes(raw) == text


@given(st.binary(max_size=200))
def test_header_decoding_never_raises(raw: bytes) -> None:
    assert isinstance(decode_header_bytes(raw), str)
