"""Phones, dates, e-mail addresses and follower counts as registrants write them."""

from __future__ import annotations

from datetime import date

import pytest

from routing.dates import DateProblem, parse_date
from routing.phones import PhoneKind, PhoneProblem, check_phone
from routing.values import (
    EmailProblem,
    FollowerNote,
    FollowerProblem,
    check_email,
    parse_followers,
)


@pytest.mark.parametrize(
    "written",
    [
        "13812345678",
        "138 1234 5678",
        "138-1234-5678",
        "+86 138 1234 5678",
        "+8613812345678",
        "8613812345678",
        "0086 13812345678",
        "１３８１２３４５６７８",
    ],
)
def test_mobiles(written: str) -> None:
    check = check_phone(written)
    assert check.valid
    assert check.value == "13812345678"
    assert check.kind is PhoneKind.MOBILE


@pytest.mark.parametrize("prefix", ["13", "14", "15", "16", "17", "18", "19"])
def test_every_mobile_prefix_from_13_to_19(prefix: str) -> None:
    assert check_phone(prefix + "812345678").kind is PhoneKind.MOBILE


@pytest.mark.parametrize(
    "written",
    [
        "0319-3699072",
        "0319 3699072",
        "(0319)3699072",
        "（0319）3699072",
        "(0319) 369-9072",
        "03193699072",
        "3699072",
        "369 9072",
        "+86 319 3699072",
        "０３１９－３６９９０７２",
    ],
)
def test_xingtai_landlines(written: str) -> None:
    check = check_phone(written)
    assert check.valid, written
    assert check.value == "0319-3699072"
    assert check.kind is PhoneKind.LANDLINE


@pytest.mark.parametrize(
    ("written", "reason"),
    [
        ("", PhoneProblem.EMPTY),
        ("   ", PhoneProblem.EMPTY),
        ("12812345678", PhoneProblem.NOT_A_PHONE_NUMBER),
        ("1381234567", PhoneProblem.NOT_A_PHONE_NUMBER),
        ("138123456789", PhoneProblem.NOT_A_PHONE_NUMBER),
        ("0369907", PhoneProblem.NOT_A_PHONE_NUMBER),
        ("无", PhoneProblem.NOT_A_PHONE_NUMBER),
        ("010-12345678", PhoneProblem.OTHER_AREA_CODE),
        ("0311-87654321", PhoneProblem.OTHER_AREA_CODE),
    ],
)
def test_phone_failures(written: str, reason: PhoneProblem) -> None:
    check = check_phone(written)
    assert not check.valid
    assert check.value is None
    assert check.reason is reason


def test_two_numbers_in_one_field_give_the_first_valid() -> None:
    assert check_phone("13812345678/3699072").value == "13812345678"
    assert check_phone("手机：无、3699072").value == "0319-3699072"
    assert check_phone("010-12345678/abc").reason is PhoneProblem.OTHER_AREA_CODE
    assert check_phone("13812345678  0319-3699072").value == "13812345678"
    assert check_phone("abc 3699072").value == "0319-3699072"


def test_extensions_are_dropped() -> None:
    assert check_phone("0319-3699072转801").value == "0319-3699072"
    assert check_phone("3699072 ext. 12").value == "0319-3699072"


@pytest.mark.parametrize(
    "written",
    [
        "2020年5月8日",
        "2020年05月08日",
        "2020年5月8号",
        "2020.5.8",
        "2020/05/08",
        "2020-5-8",
        "2020-05-08",
        "20200508",
        "２０２０年５月８日",
        "２０２０．５．８",
        "2020 年 5 月 8 日",
        "2020-05-08 10:30:00",
        "2020-05-08T10:30:00+08:00",
        "二〇二〇年五月八日",
        "二零二零年五月八日",
    ],
)
def test_dates_as_written(written: str) -> None:
    reading = parse_date(written)
    assert reading.value == date(2020, 5, 8)
    assert reading.iso == "2020-05-08"
    assert reading.reason is None


def test_chinese_tens() -> None:
    assert parse_date("二〇二〇年十二月三十一日").value == date(2020, 12, 31)
    assert parse_date("二〇二〇年十月十日").value == date(2020, 10, 10)


@pytest.mark.parametrize(
    ("written", "reason"),
    [
        ("", DateProblem.EMPTY),
        (None, DateProblem.EMPTY),
        ("2020-02-30", DateProblem.IMPOSSIBLE),
        ("2020年13月1日", DateProblem.IMPOSSIBLE),
        ("20201301", DateProblem.IMPOSSIBLE),
        ("2020年5月", DateProblem.NO_DAY),
        ("2020.5", DateProblem.NO_DAY),
        ("20.5.8", DateProblem.UNRECOGNISED),
        ("去年", DateProblem.UNRECOGNISED),
        ("202005081", DateProblem.UNRECOGNISED),
        ("1900-01-01", DateProblem.OUT_OF_RANGE),
    ],
)
def test_date_failures(written: str | None, reason: DateProblem) -> None:
    reading = parse_date(written)
    assert reading.value is None
    assert reading.iso is None
    assert reading.reason is reason


def test_leap_day() -> None:
    assert parse_date("2020年2月29日").value == date(2020, 2, 29)
    assert parse_date("2019年2月29日").reason is DateProblem.IMPOSSIBLE


@pytest.mark.parametrize(
    ("written", "count", "note"),
    [
        ("12000", 12000, FollowerNote.EXACT),
        ("1,234", 1234, FollowerNote.EXACT),
        ("1，234", 1234, FollowerNote.EXACT),
        ("1.2万", 12000, FollowerNote.EXACT),
        ("1.2 万", 12000, FollowerNote.EXACT),
        ("3千", 3000, FollowerNote.EXACT),
        ("2k", 2000, FollowerNote.EXACT),
        ("2K", 2000, FollowerNote.EXACT),
        ("1.5W", 15000, FollowerNote.EXACT),
        ("10w+", 100000, FollowerNote.AT_LEAST),
        ("10万+", 100000, FollowerNote.AT_LEAST),
        ("3000+", 3000, FollowerNote.AT_LEAST),
        ("3000余", 3000, FollowerNote.AT_LEAST),
        ("3000多人", 3000, FollowerNote.AT_LEAST),
        ("5万以上", 50000, FollowerNote.AT_LEAST),
        ("超过2万", 20000, FollowerNote.AT_LEAST),
        ("约5000", 5000, FollowerNote.ABOUT),
        ("5万左右", 50000, FollowerNote.ABOUT),
        ("1.2亿", 120000000, FollowerNote.EXACT),
        ("12000人", 12000, FollowerNote.EXACT),
        ("１２３４", 1234, FollowerNote.EXACT),
        ("0", 0, FollowerNote.EXACT),
        ("无", 0, FollowerNote.EXACT),
        ("暂无", 0, FollowerNote.EXACT),
    ],
)
def test_follower_counts(written: str, count: int, note: FollowerNote) -> None:
    reading = parse_followers(written)
    assert reading.valid
    assert reading.value == count
    assert reading.note is note


@pytest.mark.parametrize(
    ("written", "reason"),
    [
        ("", FollowerProblem.EMPTY),
        ("很多", FollowerProblem.UNRECOGNISED),
        ("1.5", FollowerProblem.UNRECOGNISED),
        ("12a", FollowerProblem.UNRECOGNISED),
    ],
)
def test_follower_failures(written: str, reason: FollowerProblem) -> None:
    reading = parse_followers(written)
    assert reading.value is None
    assert reading.reason is reason


@pytest.mark.parametrize(
    ("written", "value"),
    [
        ("someone@163.com", "someone@163.com"),
        ("Some.One@QQ.COM", "Some.One@qq.com"),
        (" someone@126.com ", "someone@126.com"),
        ("ｓｏｍｅｏｎｅ＠１６３．ｃｏｍ", "someone@163.com"),
        ("someone@163。com", "someone@163.com"),
        ("mailto:someone@163.com", "someone@163.com"),
        ("<someone@163.com>", "someone@163.com"),
        ("a+tag@mail.example.com.cn", "a+tag@mail.example.com.cn"),
    ],
)
def test_email_addresses(written: str, value: str) -> None:
    check = check_email(written)
    assert check.valid
    assert check.value == value


@pytest.mark.parametrize(
    ("written", "reason"),
    [
        ("", EmailProblem.EMPTY),
        ("someone", EmailProblem.BAD_SHAPE),
        ("someone@163", EmailProblem.BAD_SHAPE),
        ("some..one@163.com", EmailProblem.BAD_SHAPE),
        (".someone@163.com", EmailProblem.BAD_SHAPE),
        ("someone@@163.com", EmailProblem.BAD_SHAPE),
        ("someone@-163.com", EmailProblem.BAD_SHAPE),
        ("张三@163.com", EmailProblem.BAD_SHAPE),
    ],
)
def test_email_failures(written: str, reason: EmailProblem) -> None:
    check = check_email(written)
    assert check.value is None
    assert check.reason is reason
