"""Whether an account falls under the notice at all (登记备案范围).

The notice covers accounts registered in Xingtai, accounts whose name contains 邢台 or the
name (or alias) of one of its counties, and accounts whose content is mainly about Xingtai.
From what a form carries this is: an account name with a local name in it, a county of ours
given, or an address in Xingtai. Content is not judged here; a person can always override.
"""

from __future__ import annotations

from collections.abc import Iterable

from routing.characters import compact
from routing.jurisdiction import address_to_office
from vocabulary.areas import (
    CITY_AMBIGUOUS_OLD_NAMES,
    CITY_OLD_NAMES,
    COUNTY_NAMES,
    DEVELOPMENT_ZONE_NAMES,
    WEAK_COUNTY_NAMES,
)
from vocabulary.offices import OFFICE_CODES

CITY_ALIASES: tuple[str, ...] = ("邢台", *CITY_OLD_NAMES, *CITY_AMBIGUOUS_OLD_NAMES)

LOCAL_NAMES: tuple[str, ...] = tuple(
    dict.fromkeys(
        (
            *CITY_ALIASES,
            *DEVELOPMENT_ZONE_NAMES,
            *WEAK_COUNTY_NAMES,
            *(name for names in COUNTY_NAMES.values() for name in names),
        )
    )
)
"""Every name that puts an account name in scope."""


def names_a_local_place(account_name: str) -> bool:
    """True when an account name contains 邢台, a county's name or an alias of either."""
    cleaned = compact(account_name)
    return any(name in cleaned for name in LOCAL_NAMES)


def in_scope(account_names: Iterable[str], county_office: str | None, address: str | None) -> bool:
    """True when the notice covers the filing: local account name, county of ours, or address."""
    if county_office in OFFICE_CODES:
        return True
    if any(names_a_local_place(name) for name in account_names):
        return True
    cleaned = compact(address or "")
    return "邢台" in cleaned or address_to_office(cleaned).office is not None
