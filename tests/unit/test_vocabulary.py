"""The domain's words have one home: `vocabulary` agrees with the shipped config, and the
parsers' snapping and routing's reading give every word of it the same answer."""

from __future__ import annotations

import tomllib
from pathlib import Path

import pytest

from intake.replying.queue import holder_info
from intake.settings import OfficeSettings, load_settings
from parsers.snapping import snap_county, snap_filing_type, snap_platform, snap_subject_type
from routing.form_choices import filing_type_from_text, subject_type_from_text
from routing.jurisdiction import county_to_office
from routing.platforms import normalise_platform
from tests.factories import office as configured_office
from vocabulary import (
    CITY_NAMES,
    CITY_OFFICE,
    COUNTY_NAMES,
    DEVELOPMENT_ZONE_NAMES,
    DEVELOPMENT_ZONE_OFFICE,
    OFFICES,
    PLATFORM_NAMES,
    RENAMES_2020,
    WEAK_COUNTY_NAMES,
    Office,
    office_by_code,
)
from vocabulary.areas import XINGTAI_DEVELOPMENT_ZONE_NAMES

CONFIG = Path(__file__).resolve().parents[2] / "config" / "intake.toml"


def test_shipped_config_lists_the_vocabulary_offices() -> None:
    listed = tomllib.loads(CONFIG.read_text(encoding="utf-8"))["office"]
    assert len(OFFICES) == 21
    assert [entry["code"] for entry in listed] == [office.code for office in OFFICES]
    for entry, office in zip(listed, OFFICES, strict=True):
        assert entry["name"] == office.name, office.code
        assert entry["mailbox"] == office.mailbox, office.code
        assert entry["address"] == office.address, office.code
        assert entry["phone"] == office.phone, office.code
        assert tuple(entry["contacts"]) == office.contacts, office.code


def test_june_2020_renames_are_the_offices_new_area_names() -> None:
    renamed = {office.code: office.area_now for office in OFFICES if office.area_now}
    assert (
        renamed
        == RENAMES_2020
        == {
            "130502": "襄都区",
            "130503": "信都区",
            "130526": "任泽区",
            "130527": "南和区",
        }
    )
    for code, new_name in RENAMES_2020.items():
        assert new_name in COUNTY_NAMES[code]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("个体工商户", "organization"),
        ("个体户", "organization"),
        ("法人", "organization"),
        ("社会团体", "organization"),
        ("☑个体工商户 □个人", "organization"),
        ("□企业 ☑个人", "individual"),
        ("个人", "individual"),
        ("自然人", "individual"),
        ("企业", "organization"),
        ("事业单位", "organization"),
    ],
)
def test_subject_type_words_read_the_same_in_parsers_and_routing(text: str, expected: str) -> None:
    assert snap_subject_type(text) == expected
    assert subject_type_from_text(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("首次备案", "new"), ("新开通", "new"), ("变更", "change"), ("更新", "change")],
)
def test_filing_type_words_read_the_same_in_parsers_and_routing(text: str, expected: str) -> None:
    assert snap_filing_type(text) == expected
    assert filing_type_from_text(text) == expected


def _county_names() -> list[tuple[str, str]]:
    return [(name, code) for code, names in COUNTY_NAMES.items() for name in names]


@pytest.mark.parametrize(("name", "code"), _county_names())
def test_every_county_name_snaps_and_routes_to_its_office(name: str, code: str) -> None:
    assert snap_county(name) == (code, True)
    match = county_to_office(name)
    assert (match.office, match.uncertain) == (code, False)


@pytest.mark.parametrize(("name", "code"), sorted(WEAK_COUNTY_NAMES.items()))
def test_weak_names_snap_to_their_office_and_stay_uncertain_in_routing(
    name: str, code: str
) -> None:
    assert snap_county(name) == (code, True)
    match = county_to_office(name)
    assert (match.office, match.uncertain) == (code, True)


@pytest.mark.parametrize("name", CITY_NAMES)
def test_city_names_snap_and_route_to_the_city_office(name: str) -> None:
    assert snap_county(name) == (CITY_OFFICE, True)
    assert county_to_office(name).office == CITY_OFFICE


@pytest.mark.parametrize("name", DEVELOPMENT_ZONE_NAMES + XINGTAI_DEVELOPMENT_ZONE_NAMES)
def test_zone_names_snap_and_route_to_the_zone_office(name: str) -> None:
    assert snap_county(name) == (DEVELOPMENT_ZONE_OFFICE, True)
    assert county_to_office(name).office == DEVELOPMENT_ZONE_OFFICE


def _platform_names() -> list[tuple[str, str]]:
    return [
        (written, name) for name, aliases in PLATFORM_NAMES.items() for written in (name, *aliases)
    ]


@pytest.mark.parametrize(("written", "name"), _platform_names())
def test_every_platform_name_snaps_and_normalises_alike(written: str, name: str) -> None:
    assert len(PLATFORM_NAMES) == 12
    assert snap_platform(written) == (name, True)
    assert normalise_platform(written).name == name


def test_configured_office_is_the_one_office_type() -> None:
    configured = configured_office("130582")
    assert isinstance(configured, OfficeSettings)
    assert isinstance(configured, Office)
    assert holder_info({"130582": configured}, "130582") is configured
    assert holder_info({}, "130502") == office_by_code("130502")


def test_loaded_offices_are_the_directory_offices_with_their_areas() -> None:
    environ = {f"INTAKE_PASSWORD_{office.code}": "x" * 16 for office in OFFICES}
    settings = load_settings(CONFIG, environ)
    assert settings.problems == ()
    for loaded, published in zip(settings.offices, OFFICES, strict=True):
        as_office = Office(
            loaded.code,
            loaded.name,
            loaded.area,
            loaded.mailbox,
            loaded.address,
            loaded.phone,
            loaded.contacts,
            loaded.area_now,
        )
        assert as_office == published
