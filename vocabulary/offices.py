"""The 21 offices of the notice: code, name, area, mailbox, address, phone and contact people.

Copied from the notice's section 四 (联系方式) as published in May 2020. Phone numbers are the
published 7-digit local numbers (area code 0319). The one liberty taken: the notice pads the
two-character name 李伟 to ``李  伟`` to line it up with three-character names; that padding is
typography, not part of the name, and is dropped. `area` is the county (or the city, or the
development zone) the office is responsible for, under its May 2020 name; `area_now` is the
name after the June 2020 changes where it differs (襄都区, 信都区, 任泽区, 南和区).

The shipped `config/intake.toml` lists the same offices; a unit test keeps the two in step.
"""

from __future__ import annotations

from dataclasses import dataclass

CITY_OFFICE = "130500"
DEVELOPMENT_ZONE_OFFICE = "130571"


@dataclass(frozen=True)
class Office:
    """One office that takes filings, with its mailbox and how to reach it.

    The one office type of the project: routing decides with it, the replies and digests show
    it, and the application's configured office (`intake.settings.OfficeSettings`) is one.
    `area` is empty for an office the notice does not list.
    """

    code: str
    name: str
    area: str
    mailbox: str
    address: str
    phone: str
    contacts: tuple[str, ...]
    area_now: str | None = None


OFFICES: tuple[Office, ...] = (
    Office(
        "130500",
        "邢台市互联网信息办公室",
        "邢台市",
        "wlglhzfdck@163.com",
        "新华南路328号",
        "3699072",
        ("刘燕龙", "韩涛"),
    ),
    Office(
        "130503",
        "桥西区互联网信息办公室",
        "桥西区",
        "xtqxqwwxb@163.com",
        "桥西区创业服务中心1114室",
        "2027084",
        ("周冰",),
        "信都区",
    ),
    Office(
        "130502",
        "桥东区互联网信息办公室",
        "桥东区",
        "xtqdwxb@126.com",
        "桥东区顺德路201号",
        "3664526",
        ("张路",),
        "襄都区",
    ),
    Office(
        "130521",
        "邢台县互联网信息办公室",
        "邢台县",
        "hbxtxwxb@163.com",
        "桥东区顺德路229号",
        "3663130",
        ("李敏华",),
    ),
    Office(
        "130582",
        "沙河市互联网信息办公室",
        "沙河市",
        "shhlwxxb@163.com",
        "沙河市太行大街561号",
        "8921750",
        ("李晓静",),
    ),
    Office(
        "130523",
        "内丘县互联网信息办公室",
        "内丘县",
        "nqxwwxb@163.com",
        "内丘县扁鹊大道269号",
        "6867112",
        ("吴素贞",),
    ),
    Office(
        "130522",
        "临城县互联网信息办公室",
        "临城县",
        "lcwxb9711@126.com",
        "临城县政府院",
        "7199711",
        ("张永辉",),
    ),
    Office(
        "130525",
        "隆尧县互联网信息办公室",
        "隆尧县",
        "lyxwwxb@126.com",
        "隆尧县新华街80号",
        "6636663",
        ("郝梦洁",),
    ),
    Office(
        "130526",
        "任县互联网信息办公室",
        "任县",
        "rxxwwxb@126.com",
        "任县任城镇人民街389号",
        "7512970",
        ("张伟",),
        "任泽区",
    ),
    Office(
        "130524",
        "柏乡县互联网信息办公室",
        "柏乡县",
        "bxwxbgz@163.com",
        "柏乡县槐东路中共柏乡县委院内",
        "7759881",
        ("赵云霞",),
    ),
    Office(
        "130527",
        "南和县互联网信息办公室",
        "南和县",
        "nhxwwxb@126.com",
        "南和县和阳大街285号",
        "4567029",
        ("冯晓雷",),
        "南和区",
    ),
    Office(
        "130528",
        "宁晋县互联网信息办公室",
        "宁晋县",
        "hbnjwxb@163.com",
        "宁晋县天宝西街369号方大科技园B10座108室",
        "5886182",
        ("李伟", "张战钦"),
    ),
    Office(
        "130529",
        "巨鹿县互联网信息办公室",
        "巨鹿县",
        "jlwxb2019@163.com",
        "巨鹿县新华北街109号",
        "4323008",
        ("张伟",),
    ),
    Office(
        "130532",
        "平乡县互联网信息办公室",
        "平乡县",
        "px7837122@163.com",
        "平乡县中华路83号",
        "7868122",
        ("段思远",),
    ),
    Office(
        "130530",
        "新河县互联网信息办公室",
        "新河县",
        "xhwxb111@126.com",
        "新河县光明路锦绣大厦332",
        "4982332",
        ("宋世广",),
    ),
    Office(
        "130531",
        "广宗县互联网信息办公室",
        "广宗县",
        "gzxwwxb2019@163.com",
        "广宗县县政府三楼",
        "5049059",
        ("崔荣章",),
    ),
    Office(
        "130581",
        "南宫市互联网信息办公室",
        "南宫市",
        "ngswxb5056083@163.com",
        "南宫市东进大街8号(劳动就业服务中心1620室)",
        "5056083",
        ("崔立欣",),
    ),
    Office(
        "130533",
        "威县互联网信息办公室",
        "威县",
        "wxhlwbgs@163.com",
        "威县东街88号",
        "6154110",
        ("刘飞",),
    ),
    Office(
        "130535",
        "临西县互联网信息办公室",
        "临西县",
        "lxwxb8560050@163.com",
        "临西县珠江路1号县委一楼东侧",
        "8571050",
        ("赵一昊",),
    ),
    Office(
        "130534",
        "清河县互联网信息办公室",
        "清河县",
        "qhxwwxb@163.com",
        "清河县太行南路5号奥捷大厦303室",
        "8195208",
        ("张书庆",),
    ),
    Office(
        "130571",
        "市经济开发区综合办公室",
        "邢台经济开发区",
        "kfqxcb317@163.com",
        "邢台市中兴东大街1888号",
        "3636317",
        ("刘彦伟",),
    ),
)
"""The offices in the notice's order."""

OFFICE_CODES: frozenset[str] = frozenset(office.code for office in OFFICES)

OFFICE_NAMES: dict[str, str] = {office.code: office.name for office in OFFICES}
"""Each office's name by its code."""


def office_by_code(code: str | None) -> Office | None:
    """The office with this six-character code, or None."""
    return next((office for office in OFFICES if office.code == (code or "").strip()), None)


def office_by_mailbox(address: str | None) -> Office | None:
    """The office whose mailbox this is (case-insensitive), or None."""
    wanted = (address or "").strip().strip("<>").lower()
    return next((office for office in OFFICES if office.mailbox == wanted), None)


@dataclass(frozen=True)
class OfficeDirectory:
    """The offices one deployment serves: any number, each with its own six-digit division
    code, so one deployment may serve a city (the notice's 21, the default) or a province.

    `home` takes what no rule places elsewhere (a mail to a mailbox that is no office's);
    decisions place filings only on offices of the directory."""

    offices: tuple[Office, ...]
    home: str

    @property
    def codes(self) -> frozenset[str]:
        return frozenset(office.code for office in self.offices)

    def by_code(self, code: str | None) -> Office | None:
        """The directory's office with this code, or None."""
        wanted = (code or "").strip()
        return next((office for office in self.offices if office.code == wanted), None)

    def home_of(self, received_by: str | None) -> str:
        """The office a mail received by `received_by` belongs to when nothing else says."""
        return received_by if received_by in self.codes else self.home


def directory_of(offices: tuple[Office, ...]) -> OfficeDirectory:
    """The directory of these offices. When any of them is one of the notice's, the notice's
    others belong to it too (a city deployment that configures a few of its offices still
    transfers a filing to the others) and home is the city office; otherwise home is the first
    prefecture-level office (a code ending in 00), else the first office."""
    codes = [office.code for office in offices]
    if not codes:
        return XINGTAI
    if OFFICE_CODES.intersection(codes):
        others = tuple(office for office in OFFICES if office.code not in codes)
        return OfficeDirectory((*offices, *others), CITY_OFFICE)
    home = next((c for c in codes if c.endswith("00")), codes[0])
    return OfficeDirectory(offices, home)


XINGTAI = OfficeDirectory(OFFICES, CITY_OFFICE)
"""The notice's 21 offices, with the city office as home: the shipped default."""
