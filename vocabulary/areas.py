"""The places the offices cover: county names old and new, aliases, the city, the zone, 邢台县.

Names. Registrants write the May 2020 names (桥东区, 桥西区, 邢台县, 任县, 南和县) and the
names after the June 2020 changes (襄都区, 信都区, 任泽区, 南和区), with or without 县/区/市,
and the old aliases (内邱, 钜鹿, 尧山 …). The offices keep the codes the notice's table gives
them: 襄都区 is 130502, 信都区 is 130503, and 任泽区 (statistical code 130505) and 南和区 (130506)
go to the existing 任县 (130526) and 南和县 (130527) offices.

Weak names. 桥东, 桥西, 信都, 清河, 沙河, 临城, 南宫 and 新河 on their own are also names of
other places (a 桥东 district is in several cities, 清河 is in Beijing, 沙河 in many provinces).

邢台县. It was abolished in June 2020 and its townships split: 豫让桥街道, 晏家屯镇, 祝村镇 and
东汪镇 went to 襄都 (130502), the others to 信都 (130503). Its office stays in the notice's table.

Region codes. The first six digits of an identity number name where it was issued: 1305xx, and
for numbers issued before 1993 in 邢台地区, 1322xx.
"""

from __future__ import annotations

from vocabulary.offices import CITY_OFFICE, DEVELOPMENT_ZONE_OFFICE, OFFICE_CODES

XIANGDU = "130502"
XINDU = "130503"
XINGTAI_COUNTY = "130521"
RENZE_REGION = "130505"
NANHE_REGION = "130506"

RENAMES_2020: dict[str, str] = {
    XIANGDU: "襄都区",
    XINDU: "信都区",
    "130526": "任泽区",
    "130527": "南和区",
}
"""The June 2020 new name of each office's area, by office code (the offices kept their codes)."""

COUNTY_NAMES: dict[str, tuple[str, ...]] = {
    "130502": ("桥东区", "襄都区", "襄都"),
    "130503": ("桥西区", "信都区"),
    "130521": ("邢台县",),
    "130522": ("临城县",),
    "130523": ("内丘县", "内丘", "内邱县", "内邱", "中丘"),
    "130524": ("柏乡县", "柏乡"),
    "130525": ("隆尧县", "隆尧", "尧山", "隆平"),
    "130526": ("任县", "任泽区", "任泽"),
    "130527": ("南和县", "南和区", "南和"),
    "130528": ("宁晋县", "宁晋"),
    "130529": ("巨鹿县", "巨鹿", "钜鹿县", "钜鹿", "鉅鹿县", "鉅鹿"),
    "130530": ("新河县",),
    "130531": ("广宗县", "广宗"),
    "130532": ("平乡县", "平乡"),
    "130533": ("威县",),
    "130534": ("清河县",),
    "130535": ("临西县", "临西"),
    "130581": ("南宫市",),
    "130582": ("沙河市",),
}
"""Names and aliases of each county (old and new) that decide it on their own."""

WEAK_COUNTY_NAMES: dict[str, str] = {
    "桥东": "130502",
    "桥西": "130503",
    "信都": "130503",
    "清河": "130534",
    "沙河": "130582",
    "临城": "130522",
    "南宫": "130581",
    "新河": "130530",
}
"""Short forms that are also other places' names: a guess that a person must confirm."""

CITY_OLD_NAMES: tuple[str, ...] = ("邢州", "牛城", "卧牛城", "邢襄", "襄国")
"""The city's historical and popular names."""

CITY_AMBIGUOUS_OLD_NAMES: tuple[str, ...] = ("顺德",)
"""Historical names of the city that name other places today (顺德 is a district of Foshan):
they put an account name in scope but decide no county field."""

CITY_NAMES: tuple[str, ...] = (
    "邢台市",
    "邢台",
    "市区",
    "邢台市区",
    "市本级",
    "邢台市本级",
    "市直",
    "邢台市直",
    *CITY_OLD_NAMES,
)
"""Names of the city as a whole, which the city office covers (in the county field)."""

CITY_OFFICE_NAMES: tuple[str, ...] = ("邢台市互联网信息办公室", "市网信办")
"""The city office's own names, which registrants also write in the county field."""

DEVELOPMENT_ZONE_NAMES: tuple[str, ...] = ("开发区", "经济开发区", "经开区", "经济技术开发区")
"""Bare development-zone words: the zone office when they are the whole county field."""

XINGTAI_DEVELOPMENT_ZONE_NAMES: tuple[str, ...] = (
    "邢台经济开发区",
    "邢台开发区",
    "邢台经开区",
    "市经济开发区",
)
"""The Xingtai zone's full names (a county's own zone, 沙河经济开发区, belongs to the county)."""

XINGTAI_COUNTY_TOWNSHIPS: dict[str, str] = {
    "豫让桥街道": XIANGDU,
    "晏家屯镇": XIANGDU,
    "祝村镇": XIANGDU,
    "东汪镇": XIANGDU,
    "南石门镇": XINDU,
    "羊范镇": XINDU,
    "皇寺镇": XINDU,
    "会宁镇": XINDU,
    "西黄村镇": XINDU,
    "路罗镇": XINDU,
    "将军墓镇": XINDU,
    "浆水镇": XINDU,
    "宋家庄镇": XINDU,
    "太子井乡": XINDU,
    "龙泉寺乡": XINDU,
    "北小庄乡": XINDU,
    "城计头乡": XINDU,
    "白岸乡": XINDU,
    "冀家村乡": XINDU,
}
"""Townships of the former 邢台县 and the district each joined in June 2020."""

REGION_CODE_OFFICES: dict[str, str] = {
    **{code: code for code in OFFICE_CODES},
    "130501": CITY_OFFICE,
    RENZE_REGION: "130526",
    NANHE_REGION: "130527",
    "132201": "130581",
    "132202": "130582",
    "132221": "130521",
    "132222": "130522",
    "132223": "130523",
    "132224": "130524",
    "132225": "130525",
    "132226": "130526",
    "132227": "130527",
    "132228": "130528",
    "132229": "130529",
    "132230": "130530",
    "132231": "130531",
    "132232": "130532",
    "132233": "130533",
    "132234": "130534",
    "132235": "130535",
}
"""Region codes (current, post-2020, and 邢台地区 before 1993) and the office now covering them."""

AREA_LABELS: dict[str, str] = {
    "130500": "邢台市",
    "130503": "桥西区（信都区）",
    "130502": "桥东区（襄都区）",
    "130521": "邢台县",
    "130582": "沙河市",
    "130523": "内丘县",
    "130522": "临城县",
    "130525": "隆尧县",
    "130526": "任县（任泽区）",
    RENZE_REGION: "任泽区",
    "130524": "柏乡县",
    "130527": "南和县（南和区）",
    NANHE_REGION: "南和区",
    "130528": "宁晋县",
    "130529": "巨鹿县",
    "130532": "平乡县",
    "130530": "新河县",
    "130531": "广宗县",
    "130581": "南宫市",
    "130533": "威县",
    "130535": "临西县",
    "130534": "清河县",
    DEVELOPMENT_ZONE_OFFICE: "经济开发区",
}
"""The area of each office code (and of the 2020 statistical codes) as office staff read it,
the new name in brackets where the area was renamed."""
