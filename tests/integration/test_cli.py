"""The `intake` command as scripts use it: JSON shapes, exit statuses, one-line reasons."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from vocabulary.offices import OFFICES

REPO = Path(__file__).resolve().parents[2]
SCENARIOS = REPO / "samples" / "scenarios"
DOCUMENTS = REPO / "samples" / "documents" / "out"


def intake(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "intake.commands.cli", *args],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, **(env or {})},
        cwd=REPO,
    )


def test_parse_json_shape() -> None:
    run = intake("parse", str(DOCUMENTS / "form_01_table.xlsx"), "--json")
    assert run.returncode == 0, run.stderr
    [document] = json.loads(run.stdout)
    truth = json.loads((DOCUMENTS / "form_01_table.xlsx.truth.json").read_text(encoding="utf-8"))[0]
    assert document["kind"] == "registration_form"
    assert set(document) >= {"file", "kind", "engine", "fields", "accounts", "confidence"}
    assert {k: v for k, v in document["fields"].items() if not k.endswith("_written")} == truth[
        "fields"
    ]
    assert document["accounts"] == truth["accounts"]


def test_parse_missing_file_fails_with_one_line() -> None:
    run = intake("parse", "/nonexistent/x.pdf", "--json")
    assert run.returncode == 1
    assert run.stderr.strip().splitlines() == [
        "intake: /nonexistent/x.pdf: No such file or directory"
    ]


def test_check_json_in_input_order() -> None:
    mails = [
        SCENARIOS / "individual_follow_up" / "01-form-only.eml",
        SCENARIOS / "not_a_filing" / "01-auto-reply.eml",
    ]
    run = intake("check", *map(str, mails), "--json", env={"INTAKE_CONFIG": "/nonexistent.toml"})
    assert run.returncode == 0, run.stderr
    first, second = json.loads(run.stdout)
    assert first["file"].endswith("01-form-only.eml") and first["status"] == "incomplete"
    assert first["filing"].startswith("XT130502-20200511-") and first["missing"] == ["id_card"]
    assert first["documents"] == [{"file": "登记备案表.docx", "kind": "registration_form"}]
    assert second["status"] == "ignored" and second["filing"] is None and second["reply"] == "none"
    assert second["received_by"] == "130581"


def test_digest_with_bad_date_is_a_usage_error(tmp_path: Path) -> None:
    config = (REPO / "config" / "intake.toml").read_text(encoding="utf-8")
    config = config.replace("sqlite:///var/intake.db", f"sqlite:///{tmp_path / 'x.db'}")
    config = config.replace('files = "var/files"', f'files = "{tmp_path / "files"}"')
    path = tmp_path / "intake.toml"
    path.write_text(config, encoding="utf-8")
    run = intake("digest", "--date", "2020-13-01", "--config", str(path))
    assert run.returncode == 2 and "is not a date" in run.stderr


def test_run_once_without_any_usable_office_says_why(tmp_path: Path) -> None:
    run = intake(
        "run",
        "--once",
        "--config",
        str(REPO / "config" / "intake.toml"),
        env={"INTAKE_PASSWORD_130582": ""},
    )
    assert run.returncode == 1
    assert run.stderr.strip().splitlines()[-1].startswith("intake: no office is enabled")


def test_config_check_renders_template_overrides(tmp_path: Path) -> None:
    config = (REPO / "config" / "intake.toml").read_text(encoding="utf-8")
    path = tmp_path / "intake.toml"
    path.write_text(config, encoding="utf-8")
    overrides = tmp_path / "templates"
    overrides.mkdir()
    builtin = (REPO / "notifications" / "templates" / "reply_ack.txt.j2").read_text(
        encoding="utf-8"
    )
    assert "reference" in builtin
    (overrides / "reply_ack.txt.j2").write_text(
        builtin.replace("reference", "refernce", 1), encoding="utf-8"
    )
    env = {f"INTAKE_PASSWORD_{office.code}": "x" * 16 for office in OFFICES}
    run = intake("config", "check", "--config", str(path), env=env)
    assert run.returncode == 1
    assert "reply_ack.txt.j2" in run.stdout and "refernce" in run.stdout
    (overrides / "reply_ack.txt.j2").write_text(builtin, encoding="utf-8")
    assert intake("config", "check", "--config", str(path), env=env).returncode == 0


def test_parse_and_check_follow_the_configs_limits(tmp_path: Path) -> None:
    from intake.commands.demo import local_config

    config = local_config(tmp_path, f"sqlite:///{tmp_path / 'i.db'}", tmp_path / "mailboxes")
    with config.open("a", encoding="utf-8") as handle:
        handle.write("\n[limits]\nmax_pages = 1\nmax_attachments = 1\n")
    run = intake("parse", str(DOCUMENTS / "filing_01_scan.pdf"), "--json", "--config", str(config))
    assert run.returncode == 0, run.stderr
    documents = json.loads(run.stdout)
    assert [d.get("unreadable") for d in documents][-1] == "too_many_pages"
    assert documents[0]["kind"] == "registration_form"
    mail = next((SCENARIOS / "individual_complete").glob("01-*.eml"))
    checked = intake("check", str(mail), "--json", "--config", str(config))
    assert checked.returncode == 0, checked.stderr
    [result] = json.loads(checked.stdout)
    assert len(result["documents"]) == 1  # the mail's other attachments are over the limit
