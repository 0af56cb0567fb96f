"""The notice's twelve platforms, the other names registrants write for them, and look-alikes.

`PLATFORM_NAMES` maps the notice's name of each platform to the other names in use (the
notice's name itself is not repeated). `KNOWN_OTHER_PLATFORMS` are platforms outside the list
whose names contain an alias of a listed one (百度贴吧 contains 百度, which is 百家号's).
"""

from __future__ import annotations

OTHER_PLATFORM = "其他"
"""What a platform outside the notice's twelve is called."""

PLATFORM_NAMES: dict[str, tuple[str, ...]] = {
    "今日头条号": ("头条号", "今日头条", "头条"),
    "新浪微博账号": ("新浪微博", "微博账号", "微博"),
    "微信公众账号": ("微信公众号", "公众号", "订阅号", "服务号", "微信公众平台"),
    "企鹅号": ("腾讯企鹅号", "腾讯内容开放平台", "腾讯新闻"),
    "百家号": ("百度百家号", "百度"),
    "网易号": ("网易新闻", "网易媒体开放平台"),
    "一点号": ("一点资讯",),
    "搜狐号": ("搜狐新闻", "搜狐公众平台"),
    "抖音号": ("抖音",),
    "快手号": ("快手",),
    "大风号": ("凤凰号", "凤凰新闻", "凤凰网"),
    "大鱼号": ("UC头条", "UC", "优酷", "土豆"),
}
"""The notice's name of each platform (in the notice's order) and the other names written."""

KNOWN_OTHER_PLATFORMS: tuple[str, ...] = (
    "视频号",
    "小红书",
    "哔哩哔哩",
    "B站",
    "西瓜视频",
    "知乎",
    "贴吧",
    "火山",
    "微视",
    "QQ空间",
    "豆瓣",
    "虎牙",
    "斗鱼",
    "皮皮虾",
    "美篇",
)
"""Platforms outside the notice's list whose names contain one of the listed names' aliases."""
