"""Value normalisation, check characters and snapping to the fixed lists (parsers.values, .vocabulary)."""

from __future__ import annotations

import pytest

from parsers.snapping import (
    snap_county,
    snap_filing_type,
    snap_platform,
    snap_subject_type,
)
from parsers.values import (
    credit_code_valid,
    id_number_valid,
    normalise_credit_code,
    normalise_date,
    normalise_followers,
    normalise_id_number,
    normalise_phone,
    org_code_valid,
    uscc_valid,
)


@pytest.mark.parametrize(
    "number",
    [
        "11010519491231002X",
        "440524188001010014",
        "360426199101010071",
        "44011320141005001X",
        "412723199010050012",
        "110102199101010078",
        "120110198012010073",
    ],
)
def test_valid_resident_ids_pass(number: str) -> None:
    assert id_number_valid(number)


@pytest.mark.parametrize(
    "number", ["36042619910102009X", "360426199113010079", "T60426199101010078"]
)
def test_invalid_resident_ids_fail(number: str) -> None:
    assert not id_number_valid(number)


@pytest.mark.parametrize(
    "code",
    [
        "91110000600037341L",
        "9144030071526726XG",
        "91310115MA1K3BTP2B",
        "121200004013590816",
        "92340603MA2PBMCG0U",
        "91320621MA1MRHG205",
    ],
)
def test_valid_uscc_pass(code: str) -> None:
    assert uscc_valid(code)
    assert credit_code_valid(code)


@pytest.mark.parametrize("code", ["91110000600037341N", "91320621MA1MRHG207"])
def test_invalid_uscc_fail(code: str) -> None:
    assert not uscc_valid(code)


@pytest.mark.parametrize("code", ["60003734-1", "71526726-X", "40135908-1", "MA1MRHG2-0"])
def test_organisation_codes(code: str) -> None:
    assert org_code_valid(code.replace("-", ""))
    assert credit_code_valid(code)
    assert not credit_code_valid(code[:-1] + ("2" if code[-1] != "2" else "3"))


def test_id_number_cleaned_of_spaces_full_width_and_lower_x() -> None:
    assert normalise_id_number("１１０１０５ 1949 1231 002x") == "11010519491231002X"
    assert normalise_id_number("号码：110105194912310021。") == "110105194912310021"
    assert normalise_id_number("1101051949") is None


def test_credit_code_forms() -> None:
    assert normalise_credit_code("９１３２０６２１ma1mrhg205") == "91320621MA1MRHG205"
    assert normalise_credit_code("60003734－1") == "60003734-1"
    assert normalise_credit_code("600037341") == "60003734-1"
    assert normalise_credit_code("无") is None


@pytest.mark.parametrize(
    ("written", "iso"),
    [
        ("2020年5月8日", "2020-05-08"),
        ("2020年05月08号", "2020-05-08"),
        ("2020.5.8", "2020-05-08"),
        ("2020/05/08", "2020-05-08"),
        ("2020-5-8", "2020-05-08"),
        ("20200508", "2020-05-08"),
        ("２０２０年５月８日", "2020-05-08"),
        ("2020 年 5 月 8 日", "2020-05-08"),
    ],
)
def test_dates_to_iso(written: str, iso: str) -> None:
    assert normalise_date(written) == iso


@pytest.mark.parametrize("written", ["2020年13月8日", "2020.2.30", "五月八日", ""])
def test_non_dates_are_not_guessed(written: str) -> None:
    assert normalise_date(written) is None


@pytest.mark.parametrize(
    ("written", "count"),
    [
        ("1.2万", "12000"),
        ("3万", "30000"),
        ("12,345", "12345"),
        ("约 800", "800"),
        ("５千", "5000"),
    ],
)
def test_followers(written: str, count: str) -> None:
    assert normalise_followers(written) == count


@pytest.mark.parametrize(
    ("written", "phone"),
    [
        ("138 1234 5678", "13812345678"),
        ("+86 138-1234-5678", "13812345678"),
        ("１３８１２３４５６７８", "13812345678"),
        ("0319-8921750", "0319-8921750"),
        ("（0319）8921750", "(0319)8921750"),
        ("0319 8921750", "03198921750"),
        ("8921750", "8921750"),
    ],
)
def test_phones(written: str, phone: str) -> None:
    assert normalise_phone(written) == phone


def test_not_a_phone() -> None:
    assert normalise_phone("见附件") is None


@pytest.mark.parametrize(
    ("written", "code"),
    [
        ("桥东区", "130502"),
        ("襄都区", "130502"),
        ("邢台市襄都区", "130502"),
        ("信都区", "130503"),
        ("内邱县", "130523"),
        ("钜鹿", "130529"),
        ("任泽区", "130526"),
        ("南和区", "130527"),
        ("邢台经济技术开发区", "130571"),
        ("邢台市", "130500"),
        ("市区", "130500"),
        ("威县", "130533"),
        ("沙河市", "130582"),
    ],
)
def test_county_names_and_aliases(written: str, code: str) -> None:
    assert snap_county(written) == (code, True)


@pytest.mark.parametrize(
    ("misread", "code"),
    [
        ("训都区", "130502"),
        ("圳都区", "130502"),
        ("囊都区", "130502"),
        ("巨麂县", "130529"),
        ("隆尭县", "130525"),
    ],
)
def test_county_misreads_snap_with_lower_certainty(misread: str, code: str) -> None:
    assert snap_county(misread) == (code, False)


def test_unknown_county_is_not_guessed() -> None:
    assert snap_county("石家庄市") is None
    assert snap_county("南X") is None  # one edit from both 南和 and 南宫


@pytest.mark.parametrize(
    ("written", "name"),
    [
        ("抖音", "抖音号"),
        ("微信公众号", "微信公众账号"),
        ("订阅号", "微信公众账号"),
        ("头条", "今日头条号"),
        ("微博", "新浪微博账号"),
        ("凤凰号", "大风号"),
        ("UC头条", "大鱼号"),
        ("百度百家号", "百家号"),
    ],
)
def test_platform_aliases(written: str, name: str) -> None:
    assert snap_platform(written) == (name, True)


def test_platform_outside_the_notice() -> None:
    assert snap_platform("小红书") is None


@pytest.mark.parametrize(
    ("written", "kind"),
    [
        ("个人", "individual"),
        ("企业", "organization"),
        ("事业单位", "organization"),
        ("公司", "organization"),
        ("机关", "organization"),
        ("社会组织", "organization"),
        ("☑个人 □企业", "individual"),
        ("□个人 ☑单位", "organization"),
    ],
)
def test_subject_types(written: str, kind: str) -> None:
    assert snap_subject_type(written) == kind


def test_unclear_subject_type_is_absent() -> None:
    assert snap_subject_type("个人/单位") is None


@pytest.mark.parametrize(
    ("written", "kind"),
    [("首次备案", "new"), ("新开通", "new"), ("变更", "change"), ("变更备案", "change")],
)
def test_filing_types(written: str, kind: str) -> None:
    assert snap_filing_type(written) == kind


def test_traditional_forms_outside_gb2312_become_simplified() -> None:
    from parsers.values import simplified

    assert simplified("邢臺云帆電子商務有限公司") == "邢台云帆电子商务有限公司"
    assert simplified("河北省宁晋县鋼铁路175號") == "河北省宁晋县钢铁路175号"
    # inside GB2312 (乾, 於), or without a traditional form (赟, 喆): kept as written
    assert simplified("徐勇赟 乾坤 於 喆") == "徐勇赟 乾坤 於 喆"
    assert simplified("ＡＢＣ abc 123") == "ＡＢＣ abc 123"
