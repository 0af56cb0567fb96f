"""The config file: the shipped one is complete, and every mistake names line, key and fix."""

from __future__ import annotations

from pathlib import Path

import pytest

from intake.errors import ConfigError
from intake.settings import Security, Severity, load_settings
from vocabulary.offices import OFFICES

SHIPPED = Path(__file__).resolve().parents[2] / "config" / "intake.toml"
NOTICE = Path(__file__).resolve().parents[1] / "data" / "notice.txt"
ALL_SET = {f"INTAKE_PASSWORD_{office.code}": "x" * 16 for office in OFFICES}


def test_shipped_config_has_the_21_offices_of_the_notice() -> None:
    settings = load_settings(SHIPPED, ALL_SET)
    assert settings.problems == ()
    assert len(settings.offices) == 21 and len(settings.enabled_offices) == 21
    assert len({o.code for o in settings.offices}) == 21
    notice = NOTICE.read_text(encoding="utf-8")
    for office in settings.offices:
        assert office.mailbox in notice, office.mailbox
        assert office.phone in notice, office.phone
        assert office.address in notice, office.address
        for contact in office.contacts:
            assert contact in "".join(notice.split()), contact
    shahe = settings.office("130582")
    assert shahe is not None and shahe.name == "沙河市互联网信息办公室"
    assert (shahe.imap.host, shahe.imap.port, shahe.imap.security) == (
        "imap.163.com",
        993,
        Security.SSL,
    )
    qiaodong = settings.office("130502")
    assert (
        qiaodong is not None and qiaodong.smtp.host == "smtp.126.com" and qiaodong.smtp.port == 465
    )
    assert shahe.folders == ("INBOX", "垃圾邮件") and not shahe.folders_explicit


def test_missing_authorization_code_disables_only_that_office() -> None:
    env = dict(ALL_SET)
    del env["INTAKE_PASSWORD_130582"]
    settings = load_settings(SHIPPED, env)
    assert [o.code for o in settings.offices if not o.enabled] == ["130582"]
    (problem,) = settings.problems
    assert problem.line > 0 and "INTAKE_PASSWORD_130582" in problem.message
    assert "export INTAKE_PASSWORD_130582" in problem.fix


BROKEN = """\
[storage]
database = "sqlite:///var/x.db"
files = "var/files"

[schedule]
poll_every_minutes = 5

[[office]]
code = "130582"
name = "沙河市互联网信息办公室"
mailbox = "shhlwxxb@163.com"
password_env = "P1"
imap = { host = "imap.163.com", port = 99999, security = "tls" }

[[office]]
code = "130502"
name = "桥东区互联网信息办公室"
mailbox = "xtqdwxb@126.com"
password_env = "P2"
foldres = ["INBOX"]

[[office]]
code = "130503"
name = "桥西区"
mailbox = "someone@example.org"
password_env = "P3"
"""


def test_each_mistake_names_line_key_and_fix(tmp_path: Path) -> None:
    path = tmp_path / "intake.toml"
    path.write_text(BROKEN, encoding="utf-8")
    settings = load_settings(path, {"P1": "a", "P2": "b", "P3": "c"})
    by_key = {p.key: p for p in settings.problems}
    port = by_key["office[1].imap.port"]
    assert port.line == 13 and "99999" in port.message and port.fix == "port = 993"
    security = by_key["office[1].imap.security"]
    assert "tls" in security.message and "ssl" in security.fix
    typo = by_key["office[2].foldres"]
    assert typo.severity is Severity.WARNING and typo.line == 20 and '"folders"' in typo.fix
    no_server = by_key["office[3].imap"]
    assert "not at 163.com or 126.com" in no_server.message and no_server.line == 22
    assert str(port).startswith(f"{path}:13: office[1].imap.port:")
    enabled = {o.code: o.enabled for o in settings.offices}
    assert enabled == {"130582": False, "130502": True, "130503": False}


def test_storage_mistake_stops_the_file_with_its_line(tmp_path: Path) -> None:
    path = tmp_path / "intake.toml"
    path.write_text(BROKEN.replace('database = "sqlite:///var/x.db"', 'database = "mysql://x"'))
    with pytest.raises(ConfigError, match=r"intake.toml:2: storage.database: not a database URL"):
        load_settings(path, {})


def test_password_in_database_url_refused(tmp_path: Path) -> None:
    path = tmp_path / "intake.toml"
    path.write_text(BROKEN.replace("sqlite:///var/x.db", "postgresql+psycopg://u:secret@db/x"))
    with pytest.raises(ConfigError, match="password stands in the file"):
        load_settings(path, {})


def test_toml_syntax_error_names_the_line(tmp_path: Path) -> None:
    path = tmp_path / "intake.toml"
    path.write_text('[storage]\ndatabase = "sqlite:///x.db\n')
    with pytest.raises(ConfigError, match=r"line 2"):
        load_settings(path, {})


def test_missing_file_says_how_to_fix(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such config file"):
        load_settings(tmp_path / "nope.toml", {})


def test_duplicate_codes_disable_the_second(tmp_path: Path) -> None:
    path = tmp_path / "intake.toml"
    text = BROKEN.replace('code = "130502"', 'code = "130582"')
    path.write_text(text)
    settings = load_settings(path, {"P1": "a", "P2": "b", "P3": "c"})
    assert any("used by office[1] too" in p.message for p in settings.problems)


def test_bad_schedule_values(tmp_path: Path) -> None:
    path = tmp_path / "intake.toml"
    path.write_text(
        BROKEN.replace("poll_every_minutes = 5", 'poll_every_minutes = 0\ndigest_at = "25:00"')
    )
    with pytest.raises(ConfigError) as caught:
        load_settings(path, {})
    assert "poll_every_minutes" in str(caught.value) and "digest_at" in str(caught.value)


def test_the_shipped_configs_commented_defaults_are_the_real_defaults() -> None:
    """The optional tables shown commented out in config/intake.toml say what the code does."""
    import dataclasses
    import tomllib

    from intake.settings import LimitsSettings, RetentionSettings, SendingSettings

    shipped = (Path(__file__).resolve().parents[2] / "config" / "intake.toml").read_text("utf-8")
    shown: dict[str, dict[str, object]] = {}
    table = None
    for line in shipped.splitlines():
        text = line.removeprefix("# ").split("  #")[0].strip()
        if not line.startswith("# ") or not text:
            continue
        if text in ("[sending]", "[retention]", "[limits]"):
            table = text.strip("[]")
            shown[table] = {}
        elif table and " = " in text and text.split(" = ")[0].isidentifier():
            shown[table].update(tomllib.loads(text))
        else:
            table = None
    for name, cls in (
        ("sending", SendingSettings),
        ("retention", RetentionSettings),
        ("limits", LimitsSettings),
    ):
        defaults = {f.name: f.default for f in dataclasses.fields(cls)}
        assert shown[name] == defaults, name
