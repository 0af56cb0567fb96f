"""The office directory: any number of offices with any division code, from the config, so one
deployment may serve a province; the notice's 21 offices stay the default and decide as before."""

from __future__ import annotations

import tomllib
from datetime import date
from pathlib import Path

from intake.settings import settings_from_data
from routing.completeness import DocumentFacts
from routing.decision import FilingFacts, decide
from routing.jurisdiction import JurisdictionBasis, decide_office
from tests.factories import id_number
from vocabulary import FilingStatus, ReplyKind
from vocabulary.offices import (
    CITY_OFFICE,
    OFFICE_CODES,
    OFFICES,
    XINGTAI,
    Office,
    OfficeDirectory,
    directory_of,
)


def office(code: str, name: str) -> Office:
    return Office(code, name, "", f"o{code}@163.com", "某路1号", "1234567", ("某人",))


SHIJIAZHUANG = office("130100", "石家庄市互联网信息办公室")
CHANGAN = office("130102", "长安区互联网信息办公室")
PROVINCE = directory_of((CHANGAN, SHIJIAZHUANG))
PERSON_ID = id_number()
FORM = DocumentFacts("registration_form")
FRONT = DocumentFacts("id_card_front", id_number=PERSON_ID, name="张三")
BACK = DocumentFacts("id_card_back")
FIELDS = {
    "subject_type": "个人",
    "subject_name": "张三",
    "id_number": PERSON_ID,
    "county": "沙河市",
    "phone": "13812345678",
}


def facts(received_by: str, directory: OfficeDirectory) -> FilingFacts:
    return FilingFacts(
        received_by=received_by,
        received=date(2020, 5, 12),
        fields=FIELDS,
        accounts=({"platform": "抖音", "account_name": "美食日记", "account_id": "f1"},),
        documents=(FORM, FRONT, BACK),
        directory=directory,
    )


def test_a_directory_of_other_places_is_home_at_its_prefecture_office() -> None:
    assert PROVINCE.codes == {"130100", "130102"}
    assert PROVINCE.home == "130100"
    assert PROVINCE.home_of("130102") == "130102"
    assert PROVINCE.home_of("999999") == "130100"
    assert directory_of((CHANGAN,)).home == "130102"


def test_a_config_with_some_of_the_notices_offices_keeps_all_21_and_the_city_as_home() -> None:
    shahe = next(o for o in OFFICES if o.code == "130582")
    mixed = directory_of((shahe, CHANGAN))
    assert mixed.codes == OFFICE_CODES | {"130102"}
    assert mixed.home == CITY_OFFICE
    assert directory_of(()) == XINGTAI


def test_the_default_directory_decides_as_before() -> None:
    decision = decide(facts("130500", XINGTAI))
    assert decision.office == "130582"
    assert decision.transferred


def test_an_office_the_deployment_does_not_serve_is_never_given_a_filing() -> None:
    """A form naming 沙河市 (no office of this deployment) stays where it was received."""
    decision = decide(facts("130102", PROVINCE))
    assert decision.office == "130102"
    assert not decision.transferred
    assert decision.status is FilingStatus.COMPLETE
    assert decision.reply is ReplyKind.ACK
    assert decision.jurisdiction is not None
    assert decision.jurisdiction.basis is JurisdictionBasis.MAILBOX


def test_mail_to_a_mailbox_of_no_office_goes_to_the_directorys_home() -> None:
    assert decide_office(None, None, None, "000000", PROVINCE).office == "130100"
    assert decide_office(None, None, None, "000000").office == CITY_OFFICE


BASE = """\
[storage]
database = "sqlite:///x.db"
"""


def block(code: str, mailbox: str) -> str:
    return (
        f'\n[[office]]\ncode = "{code}"\nname = "办公室{code}"\nmailbox = "{mailbox}"\n'
        'password_env = "P"\n'
    )


def test_any_number_of_offices_with_division_codes_load_and_make_the_directory() -> None:
    text = BASE + "".join(block(f"{code}", f"o{code}@163.com") for code in ("130100", "130102"))
    settings = settings_from_data(Path("intake.toml"), text, tomllib.loads(text), {"P": "x"})
    assert settings.problems == ()
    assert settings.directory.codes == {"130100", "130102"}
    assert settings.directory.home == "130100"


def test_a_code_the_national_table_lacks_is_a_warning_and_the_office_stays_enabled() -> None:
    text = BASE + block("139999", "a@163.com") + block("130571", "b@163.com")
    settings = settings_from_data(Path("intake.toml"), text, tomllib.loads(text), {"P": "x"})
    assert [(p.key, p.severity.value) for p in settings.problems] == [("office[1].code", "warning")]
    assert "139999 is no division code" in str(settings.problems[0])
    assert [o.enabled for o in settings.offices] == [True, True]
