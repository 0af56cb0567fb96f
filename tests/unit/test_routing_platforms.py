"""Platform names: the notice's twelve, their other names, and everything else as 其他."""

from __future__ import annotations

import pytest

from routing.platforms import normalise_platform
from vocabulary.platforms import OTHER_PLATFORM, PLATFORM_NAMES

NOTICE_PLATFORMS = "今日头条号、新浪微博账号、微信公众账号、企鹅号、百家号、网易号、一点号、搜狐号、抖音号、快手号、大风号、大鱼号"


def test_the_twelve_are_the_notices_list() -> None:
    assert tuple(PLATFORM_NAMES) == tuple(NOTICE_PLATFORMS.split("、"))


@pytest.mark.parametrize(
    ("name", "written"),
    [(name, written) for name, aliases in PLATFORM_NAMES.items() for written in (name, *aliases)],
)
def test_every_name_and_alias_of_the_table(name: str, written: str) -> None:
    match = normalise_platform(written)
    assert match.name == name
    assert match.written == written
    assert not match.is_other


@pytest.mark.parametrize(
    ("written", "name"),
    [
        (" 抖 音 ", "抖音号"),
        ("uc头条", "大鱼号"),
        ("ＵＣ", "大鱼号"),
        ("微信公众号（订阅号）", "微信公众账号"),
        ("抖音短视频", "抖音号"),
        ("快手极速版", "快手号"),
        ("新浪微博账号：邢台发布", "新浪微博账号"),
        ("UC头条号", "大鱼号"),
        ("今日头条APP", "今日头条号"),
    ],
)
def test_variants(written: str, name: str) -> None:
    assert normalise_platform(written).name == name


@pytest.mark.parametrize(
    "written",
    [
        "视频号",
        "微信视频号",
        "小红书",
        "哔哩哔哩",
        "B站",
        "西瓜视频",
        "知乎",
        "百度贴吧",
        "火山小视频",
        "其他",
        "",
    ],
)
def test_others_keep_their_written_name(written: str) -> None:
    match = normalise_platform(written)
    assert match.name == OTHER_PLATFORM
    assert match.is_other
    assert match.written == written


def test_none_is_other_with_empty_written_name() -> None:
    match = normalise_platform(None)
    assert match.is_other
    assert match.written == ""
