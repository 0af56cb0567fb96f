"""Fixed value lists that read values are snapped to: offices (counties), platforms, subject types.

OCR misreads a character or two of short names (襄 as 训/圳/囊, 鹿, 尧), so snapping allows an
edit distance of 1 on names of two or three characters when exactly one entry is that close.
"""

from __future__ import annotations

import re

OTHER_PLATFORM = "其他"
CITY_CODE = "130500"

# office code -> names and aliases as registrants write them (longest names are tried first)
COUNTY_NAMES: dict[str, tuple[str, ...]] = {
    "130500": ("邢台市", "市区", "邢台市区", "市本级", "邢台市互联网信息办公室", "市网信办"),
    "130503": ("桥西区", "信都区", "桥西", "信都"),
    "130502": ("桥东区", "襄都区", "桥东", "襄都"),
    "130521": ("邢台县",),
    "130582": ("沙河市", "沙河"),
    "130523": ("内丘县", "内邱县", "内丘", "内邱", "中丘"),
    "130522": ("临城县", "临城"),
    "130525": ("隆尧县", "隆尧", "尧山", "隆平"),
    "130526": ("任县", "任泽区", "任泽"),
    "130524": ("柏乡县", "柏乡"),
    "130527": ("南和县", "南和区", "南和"),
    "130528": ("宁晋县", "宁晋"),
    "130529": ("巨鹿县", "钜鹿县", "鉅鹿县", "巨鹿", "钜鹿", "鉅鹿"),
    "130532": ("平乡县", "平乡"),
    "130530": ("新河县", "新河"),
    "130531": ("广宗县", "广宗"),
    "130581": ("南宫市", "南宫"),
    "130533": ("威县",),
    "130535": ("临西县", "临西"),
    "130534": ("清河县", "清河"),
    "130571": (
        "开发区",
        "经济开发区",
        "邢台经开区",
        "邢台开发区",
        "经开区",
        "邢台经济开发区",
        "市经济开发区",
    ),
}

# notice's platform name -> other names registrants use
PLATFORM_NAMES: dict[str, tuple[str, ...]] = {
    "今日头条号": ("今日头条号", "头条号", "今日头条", "头条"),
    "新浪微博账号": ("新浪微博账号", "新浪微博", "微博账号", "微博"),
    "微信公众账号": ("微信公众账号", "微信公众号", "公众号", "订阅号", "服务号", "微信公众平台"),
    "企鹅号": ("企鹅号", "腾讯企鹅号", "腾讯内容开放平台", "腾讯新闻"),
    "百家号": ("百家号", "百度百家号", "百度"),
    "网易号": ("网易号", "网易新闻", "网易媒体开放平台"),
    "一点号": ("一点号", "一点资讯"),
    "搜狐号": ("搜狐号", "搜狐新闻", "搜狐公众平台"),
    "抖音号": ("抖音号", "抖音"),
    "快手号": ("快手号", "快手"),
    "大风号": ("大风号", "凤凰号", "凤凰新闻", "凤凰网"),
    "大鱼号": ("大鱼号", "UC头条", "UC", "优酷", "土豆"),
}

ORGANIZATION_WORDS = (
    "企业",
    "单位",
    "公司",
    "事业单位",
    "社会组织",
    "机关",
    "组织",
    "法人",
    "机构",
)
INDIVIDUAL_WORDS = ("个人", "自然人", "个体")

_PLAIN = re.compile(r"[\s\u3000·.。,，:：()（）\[\]【】]+")


def edit_distance(a: str, b: str) -> int:
    """Levenshtein distance between two short strings."""
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, start=1):
        current = [i]
        for j, cb in enumerate(b, start=1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def _plain(text: str) -> str:
    return _PLAIN.sub("", text).upper()


def _snap(text: str, table: dict[str, tuple[str, ...]]) -> tuple[str, bool] | None:
    """The key whose name equals, is contained in, or is one edit away from `text`.

    Returns (key, exact); None when nothing or more than one key is close.
    """
    plain = _plain(text)
    if not plain:
        return None
    names = sorted(
        ((name.upper(), key) for key, names in table.items() for name in names),
        key=lambda pair: -len(pair[0]),
    )
    for name, key in names:
        if plain == name:
            return key, True
    contained = [key for name, key in names if len(name) >= 2 and name in plain]
    if contained:
        specific = [key for key in contained if key != CITY_CODE] or contained
        return specific[0], True
    close = {key for name, key in names if 2 <= len(name) <= 4 and _near(plain, name)}
    if len(close) == 1:
        return close.pop(), False
    return None


def _near(plain: str, name: str) -> bool:
    if abs(len(plain) - len(name)) > 1:
        return False
    if edit_distance(plain, name) != 1:
        return False
    # a single differing character is only accepted when at least two characters agree
    return sum(1 for ch in name if ch in plain) >= 2 or (len(name) == 2 and len(plain) == 2)


# characters OCR engines put in place of the rarer ones in county names (measured: 襄 鹿 尧)
OCR_CONFUSIONS = str.maketrans(
    {"训": "襄", "圳": "襄", "囊": "襄", "壤": "襄", "镶": "襄", "麂": "鹿", "尭": "尧", "荛": "尧"}
)


def snap_county(text: str) -> tuple[str, bool] | None:
    """The office code for a written county name (old or new name, alias, OCR misread).

    The flag is False when the name was repaired (a known OCR confusion or one edit away).
    """
    found = _snap(text, COUNTY_NAMES)
    if found is not None and found[1]:
        return found
    repaired = text.translate(OCR_CONFUSIONS)
    if repaired != text:
        again = _snap(repaired, COUNTY_NAMES)
        if again is not None:
            return again[0], False
    return found


def snap_platform(text: str) -> tuple[str, bool] | None:
    """The notice's platform name for a written platform; None when it is not one of the 12."""
    return _snap(text, PLATFORM_NAMES)


def snap_subject_type(text: str) -> str | None:
    """`individual` or `organization` from the written subject type; None when unclear."""
    plain = _plain(text)
    if not plain:
        return None
    has_org = any(word in plain for word in ORGANIZATION_WORDS)
    has_ind = any(word in plain for word in INDIVIDUAL_WORDS)
    # a ticked box (☑ / √ / ■) before one option decides between the two printed options
    ticked = re.search(r"[☑√✓✔■▣☒]\s*(个人|企业|单位|公司|事业单位|社会组织|机关|组织)", text)
    if ticked:
        return "individual" if ticked.group(1) == "个人" else "organization"
    if has_org and not has_ind:
        return "organization"
    if has_ind and not has_org:
        return "individual"
    return None


def snap_filing_type(text: str) -> str | None:
    """`new` or `change` from the written filing type."""
    plain = _plain(text)
    ticked = re.search(r"[☑√✓✔■▣☒]\s*(首次|新开|新增|新|变更)", text)
    if ticked:
        return "change" if ticked.group(1) == "变更" else "new"
    has_change = "变更" in plain
    has_new = any(word in plain for word in ("首次", "新开通", "新增", "新办", "新备案", "新"))
    if has_change and not has_new:
        return "change"
    if has_new and not has_change:
        return "new"
    return None
