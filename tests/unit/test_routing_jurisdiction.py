"""County names old and new, addresses, ID region codes, the office decision and scope."""

from __future__ import annotations

import pytest

from routing.identity import id_check_character
from routing.jurisdiction import (
    JurisdictionBasis,
    address_to_office,
    county_to_office,
    decide_office,
    office_from_id_number,
)
from routing.scope import in_scope, names_a_local_place
from vocabulary.areas import (
    COUNTY_NAMES,
    REGION_CODE_OFFICES,
    WEAK_COUNTY_NAMES,
    XINGTAI_COUNTY_TOWNSHIPS,
)
from vocabulary.offices import OFFICE_CODES, OFFICES


def _id_from(region: str) -> str:
    first17 = f"{region}19900101001"
    return first17 + id_check_character(first17)


@pytest.mark.parametrize(
    ("written", "office"),
    [
        ("桥东区", "130502"),
        ("襄都区", "130502"),
        ("襄都", "130502"),
        ("桥西区", "130503"),
        ("信都区", "130503"),
        ("邢台县", "130521"),
        ("临城县", "130522"),
        ("内丘县", "130523"),
        ("内丘", "130523"),
        ("内邱", "130523"),
        ("中丘", "130523"),
        ("柏乡", "130524"),
        ("隆尧县", "130525"),
        ("尧山", "130525"),
        ("隆平", "130525"),
        ("任县", "130526"),
        ("任泽区", "130526"),
        ("任泽", "130526"),
        ("南和县", "130527"),
        ("南和区", "130527"),
        ("南和", "130527"),
        ("宁晋", "130528"),
        ("巨鹿", "130529"),
        ("钜鹿县", "130529"),
        ("鉅鹿", "130529"),
        ("新河县", "130530"),
        ("广宗县", "130531"),
        ("平乡", "130532"),
        ("威县", "130533"),
        ("清河县", "130534"),
        ("临西", "130535"),
        ("南宫市", "130581"),
        ("沙河市", "130582"),
        ("开发区", "130571"),
        ("经济开发区", "130571"),
        ("经开区", "130571"),
        ("邢台经开区", "130571"),
        ("邢台开发区", "130571"),
        ("邢台经济开发区", "130571"),
        ("邢台市经济开发区", "130571"),
        ("市经济开发区", "130571"),
        ("沙河市经济开发区", "130582"),
        ("邢台市", "130500"),
        ("市区", "130500"),
        ("邢台市区", "130500"),
        ("邢台", "130500"),
        ("河北省邢台市桥东区", "130502"),
        ("邢台市 沙河市", "130582"),
        ("河北邢台宁晋县", "130528"),
        ("南宫市网信办", "130581"),
        ("清河县互联网信息办公室", "130534"),
        ("威　县", "130533"),
    ],
)
def test_county_names_are_certain(written: str, office: str) -> None:
    match = county_to_office(written)
    assert match.office == office, written
    assert not match.uncertain


@pytest.mark.parametrize(("short", "office"), sorted(WEAK_COUNTY_NAMES.items()))
def test_weak_short_forms_alone_are_uncertain(short: str, office: str) -> None:
    match = county_to_office(short)
    assert match.office == office
    assert match.uncertain


def test_the_eight_weak_forms_of_the_spec() -> None:
    assert set(WEAK_COUNTY_NAMES) == {
        "桥东",
        "桥西",
        "信都",
        "清河",
        "沙河",
        "临城",
        "南宫",
        "新河",
    }


@pytest.mark.parametrize(
    ("township", "office"),
    [
        ("豫让桥街道", "130502"),
        ("晏家屯镇", "130502"),
        ("祝村镇", "130502"),
        ("东汪镇", "130502"),
        ("羊范镇", "130503"),
        ("皇寺镇", "130503"),
        ("将军墓镇", "130503"),
        ("太子井乡", "130503"),
    ],
)
def test_former_xingtai_county_townships(township: str, office: str) -> None:
    assert county_to_office(township).office == office
    assert county_to_office(f"邢台县{township}").office == office
    assert address_to_office(f"河北省邢台市邢台县{township}某村").office == office


def test_townships_split_four_to_xiangdu_and_the_rest_to_xindu() -> None:
    to_xiangdu = {name for name, code in XINGTAI_COUNTY_TOWNSHIPS.items() if code == "130502"}
    assert to_xiangdu == {"豫让桥街道", "晏家屯镇", "祝村镇", "东汪镇"}
    assert set(XINGTAI_COUNTY_TOWNSHIPS.values()) == {"130502", "130503"}


@pytest.mark.parametrize(
    ("code", "office"),
    [
        ("130582", "130582"),
        ("130502", "130502"),
        ("130571", "130571"),
        ("130500", "130500"),
        ("130505", "130526"),
        ("130506", "130527"),
        ("１３０５８２", "130582"),
    ],
)
def test_codes_in_the_county_field(code: str, office: str) -> None:
    assert county_to_office(code).office == office


@pytest.mark.parametrize("written", ["", None, "北京市朝阳区", "130105", "石家庄", "不详"])
def test_unknown_counties(written: str | None) -> None:
    match = county_to_office(written)
    assert match.office is None
    assert match.matched is None


def test_every_office_area_and_current_name_resolves_to_it() -> None:
    for office in OFFICES:
        assert county_to_office(office.area).office == office.code, office.area
        if office.area_now:
            assert county_to_office(office.area_now).office == office.code
        assert county_to_office(office.code).office == office.code
        assert county_to_office(office.name).office == office.code, office.name


def test_every_county_name_in_the_table_resolves_to_its_office() -> None:
    for code, names in COUNTY_NAMES.items():
        for name in names:
            assert county_to_office(name).office == code


@pytest.mark.parametrize(
    ("address", "office", "uncertain"),
    [
        ("河北省邢台市信都区中兴西大街100号", "130503", False),
        ("邢台市桥东区顺德路201号", "130502", False),
        ("沙河市太行大街561号", "130582", False),
        ("邢台市中兴东大街1888号邢台经济开发区", "130571", False),
        ("邢台经济技术开发区某路", "130571", False),
        ("宁晋经济开发区某路", "130528", False),
        ("沙河经济开发区", "130582", True),
        ("沙河市经济开发区", "130582", False),
        ("南宫市经济开发区某路", "130581", False),
        ("河北省邢台市经济开发区", "130571", False),
        ("内丘扁鹊大道269号", "130523", False),
        ("清河县太行南路5号", "130534", False),
        ("河北清河某村", "130534", True),
        ("邢台市桥东区和沙河市之间", "130502", True),
        ("邢台市任泽区", "130526", False),
    ],
)
def test_addresses(address: str, office: str, uncertain: bool) -> None:
    match = address_to_office(address)
    assert match.office == office
    assert match.uncertain is uncertain


@pytest.mark.parametrize(
    "address", ["邢台市中兴东大街1888号", "上海市巨鹿路100号", "北京市海淀区", "", "隆尧路5号"]
)
def test_addresses_that_name_no_county(address: str) -> None:
    assert address_to_office(address).office is None


def test_region_codes() -> None:
    assert office_from_id_number(_id_from("130582")) == "130582"
    assert office_from_id_number(_id_from("132201")) == "130581"
    assert office_from_id_number(_id_from("132221")) == "130521"
    assert office_from_id_number(_id_from("132226")) == "130526"
    assert office_from_id_number(_id_from("130505")) == "130526"
    assert office_from_id_number(_id_from("110105")) is None
    valid = _id_from("130582")
    bad_check = valid[:-1] + ("1" if valid[-1] == "0" else "0")
    assert office_from_id_number(bad_check) is None  # a misread number is no hint
    assert office_from_id_number("130582900101001") == "130582"  # 15 digits: still a hint
    assert office_from_id_number("not a number") is None
    assert set(REGION_CODE_OFFICES.values()) <= OFFICE_CODES


def test_decide_by_county() -> None:
    decision = decide_office("沙河市", "邢台市桥东区", _id_from("130502"), "130500")
    assert decision.office == "130582"
    assert decision.basis is JurisdictionBasis.COUNTY
    assert not decision.uncertain
    assert decision.problems == ()


def test_weak_county_confirmed_by_address_mailbox_or_id() -> None:
    by_address = decide_office("桥东", "邢台市桥东区某路", None, "130500")
    assert (by_address.office, by_address.uncertain) == ("130502", False)
    by_mailbox = decide_office("清河", None, None, "130534")
    assert (by_mailbox.office, by_mailbox.uncertain) == ("130534", False)
    by_id = decide_office("南宫", None, _id_from("132201"), "130500")
    assert (by_id.office, by_id.uncertain) == ("130581", False)


def test_weak_county_alone_is_uncertain() -> None:
    decision = decide_office("清河", None, None, "130500")
    assert decision.office == "130534"
    assert decision.basis is JurisdictionBasis.COUNTY
    assert decision.uncertain
    assert decision.problems == ("uncertain:county",)


def test_certain_address_overrules_a_weak_county_but_stays_uncertain() -> None:
    decision = decide_office("清河", "沙河市褡裢镇", None, "130500")
    assert decision.office == "130582"
    assert decision.basis is JurisdictionBasis.ADDRESS
    assert decision.uncertain


def test_decide_by_address_then_id_then_mailbox() -> None:
    by_address = decide_office(None, "河北省邢台市隆尧县某村", _id_from("130582"), "130500")
    assert (by_address.office, by_address.basis) == ("130525", JurisdictionBasis.ADDRESS)
    by_id = decide_office("", "邢台市某路", _id_from("132228"), "130500")
    assert (by_id.office, by_id.basis) == ("130528", JurisdictionBasis.ID_REGION)
    by_mailbox = decide_office(None, None, _id_from("110105"), "130529")
    assert (by_mailbox.office, by_mailbox.basis) == ("130529", JurisdictionBasis.MAILBOX)


def test_weak_address_is_uncertain_unless_confirmed() -> None:
    weak = decide_office(None, "清河某村", None, "130500")
    assert (weak.office, weak.uncertain, weak.problems) == ("130534", True, ("uncertain:county",))
    confirmed = decide_office(None, "清河某村", None, "130534")
    assert not confirmed.uncertain


def test_unknown_county_is_invalid_and_falls_through() -> None:
    decision = decide_office("北京市朝阳区", None, None, "130582")
    assert decision.office == "130582"
    assert decision.basis is JurisdictionBasis.MAILBOX
    assert decision.problems == ("invalid:county",)


def test_unknown_mailbox_falls_back_to_the_city() -> None:
    decision = decide_office(None, None, None, "999999")
    assert (decision.office, decision.basis) == ("130500", JurisdictionBasis.MAILBOX)
    assert decide_office(None, None, None, None).office == "130500"


@pytest.mark.parametrize(
    "name",
    [
        "邢台发布",
        "邢州故事",
        "牛城生活",
        "卧牛城",
        "邢襄文化",
        "襄国古都",
        "顺德府",
        "沙河新闻",
        "内邱人",
        "钜鹿之战",
        "尧山文化",
        "任泽在线",
        "襄都区融媒",
        "清河羊绒",
        "威县发布",
        "邢台经开区",
    ],
)
def test_local_account_names(name: str) -> None:
    assert names_a_local_place(name)
    assert in_scope([name], None, None)


def test_scope() -> None:
    assert not in_scope(["美食日记"], None, None)
    assert not in_scope(["美食日记"], None, "北京市朝阳区")
    assert in_scope(["美食日记"], "130582", None)
    assert in_scope(["美食日记"], "130500", None)
    assert not in_scope(["美食日记"], "110105", None)
    assert in_scope(["美食日记"], None, "河北省邢台市某路")
    assert in_scope(["美食日记"], None, "宁晋县某村")
    assert in_scope(["美食日记", "邢台美食"], None, None)
    assert not in_scope([], None, "")
