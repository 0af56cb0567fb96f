"""Which office a filing belongs to: county names old and new, addresses, ID region codes.

Names. Registrants write the May 2020 names (桥东区, 桥西区, 邢台县, 任县, 南和县) and the
names after the June 2020 changes (襄都区, 信都区, 任泽区, 南和区), with or without 县/区/市,
and the old aliases (内邱, 钜鹿, 尧山 …). The offices keep the codes the notice's table gives
them: 襄都区 is 130502, 信都区 is 130503, and 任泽区 (statistical code 130505) and 南和区 (130506)
go to the existing 任县 (130526) and 南和县 (130527) offices.

邢台县. It was abolished in June 2020 and its townships split: 豫让桥街道, 晏家屯镇, 祝村镇 and
东汪镇 went to 襄都 (130502), the others to 信都 (130503). A township named on a form or in an
address therefore decides the district outright. But 邢台县 written on its own cannot be split,
and its office is still in the notice's table with a working mailbox, so it stays 130521 for as
long as that office exists in the table; that office knows where to pass it on. When a text
names both 邢台县 and one of its townships, the township (the more specific place) wins.

Weak names. 桥东, 桥西, 信都, 清河, 沙河, 临城, 南宫 and 新河 on their own are also names of
other places (a 桥东 district is in several cities, 清河 is in Beijing, 沙河 in many provinces):
they give a best guess with ``uncertain`` set, for a person to confirm. With their suffix
(桥东区, 清河县, 沙河市) they are certain.

Development zone. 开发区, 经济开发区, 经开区 alone, and 邢台(经济)开发区 / 邢台经开区 anywhere, are
the development zone office 130571. A county's own zone (沙河经济开发区) belongs to the county.

ID numbers. The region code of an identity number records where the number was issued, so it
is only a hint, used when neither the county field nor the address decides: 1305xx and, for
numbers issued before 1993 in 邢台地区, 1322xx are mapped where the code is known.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from enum import StrEnum

from routing.characters import compact
from routing.identity import IdNumberProblem, check_id_number
from vocabulary.areas import (
    CITY_NAMES,
    COUNTY_NAMES,
    DEVELOPMENT_ZONE_NAMES,
    REGION_CODE_OFFICES,
    WEAK_COUNTY_NAMES,
    XINGTAI_COUNTY_TOWNSHIPS,
)
from vocabulary.fields import invalid_field
from vocabulary.offices import (
    CITY_OFFICE,
    DEVELOPMENT_ZONE_OFFICE,
    XINGTAI,
    OfficeDirectory,
)
from vocabulary.outcomes import Problem

XINGTAI_DEVELOPMENT_ZONE = re.compile(
    r"(?:邢台市?|^市)(?:"
    + "|".join(re.escape(name) for name in sorted(DEVELOPMENT_ZONE_NAMES, key=len, reverse=True))
    + ")"
)
"""The Xingtai zone named anywhere in a text (``沙河市经济开发区`` is 沙河's own zone)."""

_STREET_AFTER = re.compile(r"(?:路|街|大街|大道|道|巷|胡同)")
_PREFIXES = ("中国", "河北省", "河北", "邢台市")
_OFFICE_SUFFIXES = ("互联网信息办公室", "网信办", "互联网信息管理部门", "网信")


class JurisdictionBasis(StrEnum):
    """What decided the office."""

    COUNTY = "county"
    ADDRESS = "address"
    ID_REGION = "id_region"
    MAILBOX = "mailbox"


@dataclass(frozen=True)
class CountyMatch:
    """An office found in a county field or an address.

    `office` is None when nothing was recognised; `uncertain` is set when only a weak short
    form, or several conflicting places, decided; `matched` is the name that decided.
    """

    office: str | None
    uncertain: bool = False
    matched: str | None = None


@dataclass(frozen=True)
class JurisdictionDecision:
    """The office that holds a filing, what decided it and what a person should look at."""

    office: str
    basis: JurisdictionBasis
    uncertain: bool = False
    problems: tuple[str, ...] = field(default_factory=tuple)


_STRONG: dict[str, str] = {name: code for code, names in COUNTY_NAMES.items() for name in names}
_STRONG_BY_LENGTH = tuple(sorted(_STRONG, key=len, reverse=True))
_WEAK_BY_LENGTH = tuple(sorted(WEAK_COUNTY_NAMES, key=len, reverse=True))


def _strip_suffixes(text: str) -> str:
    """``沙河市互联网信息办公室`` -> ``沙河市``."""
    for suffix in _OFFICE_SUFFIXES:
        if text.endswith(suffix) and len(text) > len(suffix):
            return text[: -len(suffix)]
    return text


def _strip_prefixes(text: str) -> str:
    """``河北省邢台市沙河市`` -> ``沙河市`` (邢台市 alone is kept)."""
    changed = True
    while changed:
        changed = False
        for prefix in _PREFIXES:
            if text.startswith(prefix) and len(text) > len(prefix):
                text, changed = text[len(prefix) :], True
    return text


def _exact(text: str) -> CountyMatch | None:
    if text in _STRONG:
        return CountyMatch(_STRONG[text], False, text)
    if text in WEAK_COUNTY_NAMES:
        return CountyMatch(WEAK_COUNTY_NAMES[text], True, text)
    if text in XINGTAI_COUNTY_TOWNSHIPS:
        return CountyMatch(XINGTAI_COUNTY_TOWNSHIPS[text], False, text)
    if text in CITY_NAMES:
        return CountyMatch(CITY_OFFICE, False, text)
    if text in DEVELOPMENT_ZONE_NAMES:
        return CountyMatch(DEVELOPMENT_ZONE_OFFICE, False, text)
    return None


def _occurrences(text: str, names: tuple[str, ...]) -> list[tuple[int, str]]:
    """Where each name occurs, longest names first, skipping street names and overlaps."""
    taken: list[range] = []
    found: list[tuple[int, str]] = []
    for name in names:
        for match in re.finditer(re.escape(name), text):
            span = range(match.start(), match.end())
            if any(span.start < other.stop and other.start < span.stop for other in taken):
                continue
            if not name.endswith(("县", "区", "市")) and _STREET_AFTER.match(text, match.end()):
                continue
            taken.append(span)
            found.append((match.start(), name))
    return sorted(found)


def address_to_office(text: str | None) -> CountyMatch:
    """The office for the place an address (or any longer text) names, if it names one.

    The Xingtai development zone wins, then a former 邢台县 township, then county names. Several
    different counties, or only a weak short form, make the match uncertain. 邢台市 alone
    decides nothing here: the address did not say which county.
    """
    cleaned = compact(text or "")
    if not cleaned:
        return CountyMatch(None)
    zone = XINGTAI_DEVELOPMENT_ZONE.search(cleaned)
    if zone:
        return CountyMatch(DEVELOPMENT_ZONE_OFFICE, False, zone.group(0))
    for township, code in XINGTAI_COUNTY_TOWNSHIPS.items():
        if township in cleaned:
            return CountyMatch(code, False, township)
    strong = _occurrences(cleaned, _STRONG_BY_LENGTH)
    if strong:
        offices = {_STRONG[name] for _, name in strong}
        first = strong[0][1]
        return CountyMatch(_STRONG[first], len(offices) > 1, first)
    weak = _occurrences(cleaned, _WEAK_BY_LENGTH)
    if weak:
        first = weak[0][1]
        return CountyMatch(WEAK_COUNTY_NAMES[first], True, first)
    return CountyMatch(None)


def office_from_region_code(code: str | None) -> str | None:
    """The office now covering a region code of ours (1305xx, 1322xx), or None."""
    return REGION_CODE_OFFICES.get((code or "").strip())


def county_to_office(text: str | None) -> CountyMatch:
    """The office for what a registrant wrote in the county field (属地).

    Accepts office codes and region codes (the parsers report the county as a code), names
    old and new with or without 县/区/市, aliases, 邢台县 townships, the development zone and
    the city as a whole (邢台市, 市区). Anything else is ``CountyMatch(None)``.
    """
    cleaned = compact(text or "")
    if not cleaned:
        return CountyMatch(None)
    if re.fullmatch(r"[0-9]{6}", cleaned):
        office = office_from_region_code(cleaned)
        return CountyMatch(office, False, cleaned if office else None)
    without_suffix = _strip_suffixes(cleaned)
    stripped = _strip_prefixes(without_suffix)
    for candidate in (cleaned, without_suffix, stripped):
        exact = _exact(candidate)
        if exact is not None:
            return exact
    return address_to_office(stripped)


def office_from_id_number(id_number: str | None) -> str | None:
    """The office an identity number's region code hints at, for valid or 15-digit numbers."""
    check = check_id_number(id_number)
    if check.valid or check.reason is IdNumberProblem.EXPIRED_15_DIGIT:
        return office_from_region_code(check.region_code)
    return None


def decide_office(
    form_county: str | None,
    address: str | None,
    id_number: str | None,
    received_by: str | None,
    directory: OfficeDirectory = XINGTAI,
) -> JurisdictionDecision:
    """Decide the office: the form's county, else the address, else the ID region, else the mailbox.

    A weak county name is confirmed by a certain address, the ID region or the receiving
    mailbox naming the same office; a certain address naming another office overrules it but
    leaves the decision uncertain. A county that names nowhere of ours is ``invalid:county``.
    A mailbox that is not one of ours falls back to the directory's home (the city office).
    An office the names point to that the `directory` does not hold (a deployment that serves
    other places) is passed over, as if nothing were named.
    """
    problems: list[str] = []
    county = _served(county_to_office(form_county), directory)
    if compact(form_county or "") and county_to_office(form_county).office is None:
        problems.append(invalid_field("county"))
    place = _served(address_to_office(address), directory)
    region = office_from_id_number(id_number)
    region = region if region in directory.codes else None
    mailbox = directory.home_of(received_by)

    if county.office is not None and not county.uncertain:
        return _decision(county.office, JurisdictionBasis.COUNTY, False, problems)
    if county.office is not None:
        if place.office is not None and not place.uncertain:
            if place.office == county.office:
                return _decision(county.office, JurisdictionBasis.COUNTY, False, problems)
            return _decision(place.office, JurisdictionBasis.ADDRESS, True, problems)
        confirmed = county.office in (region, received_by)
        return _decision(county.office, JurisdictionBasis.COUNTY, not confirmed, problems)
    if place.office is not None:
        confirmed = place.office in (region, received_by)
        uncertain = place.uncertain and not confirmed
        return _decision(place.office, JurisdictionBasis.ADDRESS, uncertain, problems)
    if region is not None:
        return _decision(region, JurisdictionBasis.ID_REGION, False, problems)
    return _decision(mailbox, JurisdictionBasis.MAILBOX, False, problems)


def _served(match: CountyMatch, directory: OfficeDirectory) -> CountyMatch:
    """The match, or no office when the directory does not hold the one it names."""
    if match.office is None or match.office in directory.codes:
        return match
    return replace(match, office=None)


def _decision(
    office: str, basis: JurisdictionBasis, uncertain: bool, problems: list[str]
) -> JurisdictionDecision:
    if uncertain:
        problems = [*problems, Problem.UNCERTAIN_COUNTY.value]
    return JurisdictionDecision(office, basis, uncertain, tuple(problems))
