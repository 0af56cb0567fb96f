"""The office table against the notice's published contact section, and its look-ups."""

from __future__ import annotations

import re

from routing.phones import PhoneKind, check_phone
from vocabulary.offices import (
    CITY_OFFICE,
    DEVELOPMENT_ZONE_OFFICE,
    OFFICE_CODES,
    OFFICES,
    office_by_code,
    office_by_mailbox,
)

NOTICE_CONTACTS = """\
四、联系方式
邢台市互联网信息办公室
地    址:新华南路328号
邮    箱:wlglhzfdck@163.com
联系电话:3699072
联 系 人:刘燕龙 韩涛

桥西区互联网信息办公室
地   址:桥西区创业服务中心1114室
邮   箱:xtqxqwwxb@163.com
联系电话:2027084
联 系 人:周冰

桥东区互联网信息办公室
地   址:桥东区顺德路201号
邮   箱:xtqdwxb@126.com
联系电话:3664526
联 系 人:张路

邢台县互联网信息办公室
地   址:桥东区顺德路229号
邮   箱:hbxtxwxb@163.com
联系电话:3663130
联 系 人:李敏华

沙河市互联网信息办公室
地   址:沙河市太行大街561号
邮   箱:shhlwxxb@163.com
联系电话:8921750
联 系 人:李晓静

内丘县互联网信息办公室
地   址:内丘县扁鹊大道269号
邮   箱:nqxwwxb@163.com
联系电话:6867112
联 系 人:吴素贞

临城县互联网信息办公室
地   址:临城县政府院
邮   箱:lcwxb9711@126.com
联系电话:7199711
联 系 人:张永辉

隆尧县互联网信息办公室
地   址:隆尧县新华街80号
邮   箱:lyxwwxb@126.com
联系电话:6636663
联 系 人:郝梦洁

任县互联网信息办公室
地   址:任县任城镇人民街389号
邮   箱:rxxwwxb@126.com
联系电话:7512970
联 系 人:张伟

柏乡县互联网信息办公室
地   址:柏乡县槐东路中共柏乡县委院内
邮   箱:bxwxbgz@163.com
联系电话:7759881
联 系 人:赵云霞

南和县互联网信息办公室
地   址:南和县和阳大街285号
邮   箱:nhxwwxb@126.com
联系电话:4567029
联 系 人:冯晓雷

宁晋县互联网信息办公室
地   址:宁晋县天宝西街369号方大科技园B10座108室
邮   箱:hbnjwxb@163.com
联系电话:5886182
联 系 人:李  伟、张战钦

巨鹿县互联网信息办公室
地   址:巨鹿县新华北街109号
邮   箱:jlwxb2019@163.com
联系电话:4323008
联 系 人:张伟

平乡县互联网信息办公室
地   址:平乡县中华路83号
邮   箱:px7837122@163.com
联系电话:7868122
联 系 人:段思远

新河县互联网信息办公室
地   址:新河县光明路锦绣大厦332
邮   箱:xhwxb111@126.com
联系电话:4982332
联 系 人:宋世广

广宗县互联网信息办公室
地   址:广宗县县政府三楼
邮   箱:gzxwwxb2019@163.com
联系电话:5049059
联 系 人:崔荣章

南宫市互联网信息办公室
地   址:南宫市东进大街8号(劳动就业服务中心1620室)
邮   箱:ngswxb5056083@163.com
联系电话:5056083
联 系 人:崔立欣

威县互联网信息办公室
地   址:威县东街88号
邮   箱:wxhlwbgs@163.com
联系电话:6154110
联 系 人:刘飞

临西县互联网信息办公室
地   址:临西县珠江路1号县委一楼东侧
邮   箱:lxwxb8560050@163.com
联系电话:8571050
联 系 人:赵一昊

清河县互联网信息办公室
地   址:清河县太行南路5号奥捷大厦303室
邮   箱:qhxwwxb@163.com
联系电话:8195208
联 系 人:张书庆

市经济开发区综合办公室
地   址:邢台市中兴东大街1888号
邮   箱:kfqxcb317@163.com
联系电话:3636317
联 系 人:刘彦伟
"""
"""Section 四 of the notice, verbatim but for trailing spaces (its no-break spaces kept)."""

FORM_SPEC_TABLE = {
    "130500": "wlglhzfdck@163.com",
    "130503": "xtqxqwwxb@163.com",
    "130502": "xtqdwxb@126.com",
    "130521": "hbxtxwxb@163.com",
    "130582": "shhlwxxb@163.com",
    "130523": "nqxwwxb@163.com",
    "130522": "lcwxb9711@126.com",
    "130525": "lyxwwxb@126.com",
    "130526": "rxxwwxb@126.com",
    "130524": "bxwxbgz@163.com",
    "130527": "nhxwwxb@126.com",
    "130528": "hbnjwxb@163.com",
    "130529": "jlwxb2019@163.com",
    "130532": "px7837122@163.com",
    "130530": "xhwxb111@126.com",
    "130531": "gzxwwxb2019@163.com",
    "130581": "ngswxb5056083@163.com",
    "130533": "wxhlwbgs@163.com",
    "130535": "lxwxb8560050@163.com",
    "130534": "qhxwwxb@163.com",
    "130571": "kfqxcb317@163.com",
}
"""The code/mailbox table of registration-form.md."""


def _published() -> list[dict[str, str]]:
    blocks = re.split(r"\n\s*\n", NOTICE_CONTACTS.split("\n", 1)[1].strip())
    offices = []
    for block in blocks:
        lines = [line.strip() for line in block.strip().splitlines()]
        entry = {"name": lines[0]}
        for line in lines[1:]:
            label, _, value = line.partition(":")
            entry[re.sub(r"\s", "", label)] = value.strip()
        offices.append(entry)
    return offices


def test_there_are_21_offices_with_distinct_codes_and_mailboxes() -> None:
    assert len(OFFICES) == 21
    assert len(OFFICE_CODES) == 21
    assert len({office.mailbox for office in OFFICES}) == 21


def test_codes_and_mailboxes_match_the_form_spec() -> None:
    assert {office.code: office.mailbox for office in OFFICES} == FORM_SPEC_TABLE


def test_every_office_is_as_published_in_the_notice_and_in_its_order() -> None:
    published = _published()
    assert len(published) == 21
    for office, entry in zip(OFFICES, published, strict=True):
        assert office.name == entry["name"]
        assert office.address == entry["地址"]
        assert office.mailbox == entry["邮箱"]
        assert office.phone == entry["联系电话"]
        written = re.split(r"[、 ]+", re.sub(r"(\S)\s{2,}(\S)(?=、|$)", r"\1\2", entry["联系人"]))
        assert office.contacts == tuple(written), entry["联系人"]


def test_phones_are_seven_digit_local_numbers() -> None:
    assert all(re.fullmatch(r"[2-9][0-9]{6}", office.phone) for office in OFFICES)


def test_lookups() -> None:
    city = office_by_code(CITY_OFFICE)
    assert city is not None
    assert city.name == "邢台市互联网信息办公室"
    assert city.contacts == ("刘燕龙", "韩涛")
    zone = office_by_code(DEVELOPMENT_ZONE_OFFICE)
    assert zone is not None
    assert zone.name == "市经济开发区综合办公室"
    assert office_by_code("130599") is None
    assert office_by_code(None) is None
    shahe = office_by_mailbox("SHHLWXXB@163.COM")
    assert shahe is not None
    assert shahe.code == "130582"
    assert office_by_mailbox("<xtqdwxb@126.com>") is not None
    assert office_by_mailbox("someone@163.com") is None


def test_renamed_areas_are_recorded() -> None:
    by_code = {office.code: office for office in OFFICES}
    assert by_code["130502"].area_now == "襄都区"
    assert by_code["130503"].area_now == "信都区"
    assert by_code["130526"].area_now == "任泽区"
    assert by_code["130527"].area_now == "南和区"
    assert by_code["130582"].area_now is None


def test_every_published_phone_is_a_valid_xingtai_landline() -> None:
    for office in OFFICES:
        check = check_phone(office.phone)
        assert check.kind is PhoneKind.LANDLINE
        assert check.value == f"0319-{office.phone}"
