"""The table of config keys: complete, consistent with the model, and what the loader says."""

from __future__ import annotations

import dataclasses
import math
import re
import tomllib
from pathlib import Path

import pytest

from intake.errors import ConfigError
from intake.settings import (
    ClusterSettings,
    LimitsSettings,
    RetentionSettings,
    SendingSettings,
    settings_from_data,
)
from intake.settings.keys import (
    CLUSTER,
    FILES,
    LIMITS,
    OFFICE,
    RETENTION,
    SECTIONS,
    SENDING,
    SERVER,
    UNSET,
    Key,
    Kind,
    Section,
)
from intake.settings.loader import load_settings, read_value
from intake.settings.model import FilesSettings
from vocabulary.offices import OFFICES

SHIPPED = Path(__file__).resolve().parents[2] / "config" / "intake.toml"
ALL_SET = {f"INTAKE_PASSWORD_{office.code}": "x" * 16 for office in OFFICES}
ALL_KEYS = [(s, k) for s in (*SECTIONS, SERVER) for k in s.keys]
FIELDS = {"key": "k", "value": "v", "default": "d", "code": "130582", "port": 993, "name": "N"}


def _id(pair: tuple[Section, Key]) -> str:
    return f"{pair[0].name}.{pair[1].name}"


@pytest.mark.parametrize("pair", ALL_KEYS, ids=[_id(p) for p in ALL_KEYS])
def test_every_key_has_a_kind_a_default_or_is_required_and_a_fix(
    pair: tuple[Section, Key],
) -> None:
    _, key = pair
    assert isinstance(key.kind, Kind)
    assert key.required or key.default is not UNSET
    assert key.wordings, "a key that can never be wrong"
    for wording in key.wordings:
        message, fix = wording(**FIELDS)
        assert message.strip() and fix.strip()


@pytest.mark.parametrize("pair", ALL_KEYS, ids=[_id(p) for p in ALL_KEYS])
def test_every_default_passes_its_own_check(pair: tuple[Section, Key]) -> None:
    _, key = pair
    if key.default in (UNSET, None) or key.kind is Kind.SERVER:
        return
    _, faults = read_value(key, {key.name: key.default}, code="130582")
    assert faults == []


def test_section_names_and_keys_are_unique() -> None:
    assert len({s.name for s in SECTIONS}) == len(SECTIONS)
    for section in (*SECTIONS, SERVER):
        assert len(set(section.names)) == len(section.names), section.name


@pytest.mark.parametrize(
    ("section", "model"),
    [
        (SENDING, SendingSettings),
        (LIMITS, LimitsSettings),
        (RETENTION, RetentionSettings),
        (CLUSTER, ClusterSettings),
        (FILES, FilesSettings),
    ],
)
def test_the_table_and_the_model_agree_on_keys_and_defaults(section: Section, model: type) -> None:
    fields = {f.name: f.default for f in dataclasses.fields(model)}
    assert {k.name: k.default for k in section.keys} == fields


NUMBERS = [(s, k) for s in SECTIONS for k in s.keys if k.kind in (Kind.WHOLE, Kind.NUMBER)]
BASE = """\
[storage]
database = "sqlite:///x.db"

[[office]]
code = "130582"
name = "沙河市互联网信息办公室"
mailbox = "shhlwxxb@163.com"
password_env = "P"
"""


def _plain(number: float) -> str:
    return str(int(number)) if float(number).is_integer() else f"{number:g}"


@pytest.mark.parametrize("pair", NUMBERS, ids=[_id(p) for p in NUMBERS])
def test_a_number_out_of_range_names_the_range_and_the_default(
    pair: tuple[Section, Key],
) -> None:
    section, key = pair
    assert math.isfinite(key.low) and math.isfinite(key.high)
    too_big = key.high + 1 if key.kind is Kind.WHOLE else key.high * 2
    text = f"{BASE}\n[{section.name}]\n{key.name} = {too_big!r}\n"
    with pytest.raises(ConfigError) as raised:
        settings_from_data(Path("intake.toml"), text, tomllib.loads(text), {"P": "x"})
    where = f"intake.toml:{text.count(chr(10))}: {section.name}.{key.name}: "
    span = f"from {_plain(key.low)} to {_plain(key.high)}, not {too_big!r}"
    assert str(raised.value).startswith(where) and span in str(raised.value)
    assert str(raised.value).endswith(f"{key.name} = {key.default})")


@pytest.mark.parametrize("section", [*SECTIONS, SERVER], ids=lambda s: s.name)
def test_a_misspelt_key_of_any_section_is_told_its_right_name(section: Section) -> None:
    for name in section.names:
        typo = name[:-1] + "_" if len(name) > 4 else name + "x"
        ((found, fix),) = section.unknown_keys({typo: 1})
        assert found == typo and fix == f'rename it to "{name}"', (typo, fix)


def test_a_key_like_none_of_an_office_lists_the_known_ones() -> None:
    ((_, fix),) = OFFICE.unknown_keys({"qqqqqq": 1})
    assert fix == "remove it; known keys: " + ", ".join(OFFICE.names)
    ((_, server_fix),) = SERVER.unknown_keys({"qqqqqq": 1})
    assert server_fix == "remove it"


def test_the_shipped_config_loads_with_no_problem() -> None:
    settings = load_settings(SHIPPED, ALL_SET)
    assert settings.problems == () and len(settings.enabled_offices) == 21


def test_every_key_the_shipped_config_shows_commented_out_is_known() -> None:
    """Uncommenting the optional keys the file documents gives a file with no problem."""
    shown = re.compile(r"^# ((\[\w+\])|(\w+ = .*))$")
    lines = []
    for line in SHIPPED.read_text(encoding="utf-8").splitlines():
        match = shown.match(line.split("  #")[0].rstrip())
        lines.append(match.group(1) if match else line)
    text = "\n".join(lines) + "\n"
    assert "\n[limits]\n" in text and "\nimap = {" in text and "\nkey_file = " in text
    settings = settings_from_data(SHIPPED, text, tomllib.loads(text), ALL_SET)
    assert settings.problems == ()
    assert settings.local_mailboxes == Path("samples/demo/mailboxes")


MIXED = """\
[storage]
database = "sqlite:///x.db"

[[office]]
code = 12
name = 5
mailbox = "Bad"
address = 1
phone = 2
contacts = "c"
password_env = "1x"
imap = 5
smtp = { host = 1, port = 0, security = "x", ca_file = "/nope", timeout_seconds = 0, hots = 1 }
folders = 3
digest_to = ["a", 3]
enabled = "yes"
foo = 1
"""


def test_an_office_full_of_mistakes_is_told_each_in_the_order_of_before() -> None:
    settings = settings_from_data(Path("intake.toml"), MIXED, tomllib.loads(MIXED), {})
    known = ", ".join(OFFICE.names)
    assert [str(p) for p in settings.problems] == [
        f"intake.toml:17: office[1].foo: unknown key (fix: remove it; known keys: {known})",
        "intake.toml:5: office[1].code: must be the six-digit office code, not '12' "
        '(fix: e.g. code = "130582")',
        'intake.toml:6: office[1].name: must be text in quotes, not 5 (fix: name = "5")',
        "intake.toml:7: office[1].mailbox: not a mail address: 'bad' "
        '(fix: e.g. mailbox = "shhlwxxb@163.com")',
        "intake.toml:11: office[1].password_env: not an environment variable name: '1x' "
        '(fix: e.g. password_env = "INTAKE_PASSWORD_12" (the code itself never goes in this file))',
        "intake.toml:12: office[1].imap: must be a table "
        '(fix: imap = { host = "imap.163.com", port = 993, security = "ssl" })',
        "intake.toml:12: office[1].imap: no server: the mailbox is not at 163.com or 126.com "
        '(fix: add imap = { host = "…", port = 993, security = "ssl" })',
        'intake.toml:13: office[1].smtp.hots: unknown key (fix: rename it to "host")',
        "intake.toml:13: office[1].smtp: no server: the mailbox is not at 163.com or 126.com "
        '(fix: add smtp = { host = "…", port = 465, security = "ssl" })',
        "intake.toml:13: office[1].smtp.port: must be a port number 1-65535, not 0 "
        "(fix: port = 465)",
        "intake.toml:13: office[1].smtp.security: must be ssl, starttls or none, not 'x' "
        '(fix: security = "ssl")',
        "intake.toml:13: office[1].smtp.ca_file: no such file: '/nope' "
        "(fix: point it at a PEM file of trusted certificates)",
        "intake.toml:13: office[1].smtp.timeout_seconds: must be a positive number, not 0 "
        "(fix: timeout_seconds = 60)",
        "intake.toml:14: office[1].folders: must be a list of non-empty texts, not 3 "
        '(fix: e.g. folders = ["…"])',
        "intake.toml:15: office[1].digest_to: must be a list of non-empty texts, not ['a', 3] "
        '(fix: e.g. digest_to = ["…"])',
        "intake.toml:15: office[1].digest_to: not a mail address: 'bad' "
        '(fix: list plain addresses, e.g. ["a@163.com"])',
        "intake.toml:16: office[1].enabled: must be true or false, not 'yes' (fix: enabled = true)",
        'intake.toml:8: office[1].address: must be text in quotes, not 1 (fix: address = "1")',
        'intake.toml:9: office[1].phone: must be text in quotes, not 2 (fix: phone = "2")',
        'intake.toml:10: office[1].contacts: must be a list (fix: contacts = ["c"])',
    ]
    severities = [p.severity.value for p in settings.problems]
    assert severities == ["warning"] + ["error"] * 19
    assert [o.enabled for o in settings.offices] == [False]


def test_a_timeout_that_is_not_a_number_is_refused() -> None:
    text = BASE + "imap = { timeout_seconds = nan }\n"
    settings = settings_from_data(Path("intake.toml"), text, tomllib.loads(text), {"P": "x"})
    (problem,) = settings.problems
    assert problem.key == "office[1].imap.timeout_seconds" and "nan" in problem.message
