"""The command line's parser and pure parts: help and examples everywhere, the completion script,
the status table's names, the demo's refusal, the SQLite status reader's helpers."""

from __future__ import annotations

import argparse
import subprocess
from pathlib import Path

import pytest

from intake.commands.cli import build_parser, leaf_parsers
from intake.commands.completion import bash_script
from intake.commands.demo import MARKER, refusal
from intake.commands.status import (
    WAITING_STATES,
    OfficeStatus,
    as_table,
    display_width,
    short_name,
)
from intake.commands.status_sqlite import newest_revision, sqlite_file, stored_time
from intake.store.tables import MessageState


def _leaves() -> list[argparse.ArgumentParser]:
    return list(leaf_parsers(build_parser()))


def test_every_subcommand_has_an_example_and_every_option_a_help() -> None:
    leaves = _leaves()
    assert {p.prog for p in leaves} >= {
        "intake status",
        "intake keys rotate",
        "intake config check",
        "intake completion",
    }
    for parser in leaves:
        assert (parser.epilog or "").startswith("examples:\n  "), parser.prog
        assert parser.prog in (parser.epilog or ""), parser.prog
        for action in parser._actions:
            assert action.help, f"{parser.prog} {action.option_strings or action.dest}"
        assert "\nexamples:\n  " in parser.format_help(), parser.prog


def test_an_unknown_option_is_told_with_the_subcommands_usage(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from intake.commands.cli import main

    with pytest.raises(SystemExit) as stopped:
        main(["status", "--bogus"])
    assert stopped.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: intake status ")
    assert err.strip().endswith("intake status: error: unrecognized arguments: --bogus")


def _complete(script: str, *words: str) -> list[str]:
    quoted = " ".join(f"'{w}'" for w in words)
    program = (
        f"{script}\nCOMP_WORDS=({quoted}); COMP_CWORD={len(words) - 1}; _intake_complete; "
        'printf "%s\\n" "${COMPREPLY[@]}"'
    )
    run = subprocess.run(["bash", "-c", program], capture_output=True, text=True, check=True)
    return run.stdout.split()


def test_the_bash_completion_offers_commands_options_and_choices() -> None:
    script = bash_script(build_parser())
    assert script.rstrip().endswith("complete -o default -F _intake_complete intake")
    assert "completion" in _complete(script, "intake", "")
    assert _complete(script, "intake", "st") == ["status"]
    assert _complete(script, "intake", "keys", "") == ["new", "rotate", "check"]
    assert _complete(script, "intake", "keys", "rotate", "--d") == ["--drop-old"]
    assert _complete(script, "intake", "parse", "--engine", "") == ["rapidocr", "tesseract"]
    assert _complete(script, "intake", "status", "") == []  # bash then completes file names


def test_status_names_each_office_beside_its_code() -> None:
    assert short_name("邢台市互联网信息办公室") == "邢台市"
    assert short_name("市经济开发区综合办公室") == "市经济开发区"
    assert short_name("综合办公室") == "综合办公室"
    assert display_width("任县") == 4
    rows = [
        OfficeStatus("130500", "邢台市互联网信息办公室", True, "never", "-", None, 0, 0, 0),
        OfficeStatus("130526", "任县互联网信息办公室", False, "never", "-", None, 2, 1, 0),
    ]
    header, first, second = as_table(rows).splitlines()
    assert first.startswith("130500  邢台市 ") and second.startswith("130526  任县 (disabled)")
    # the columns after the name line up although the names are of different widths
    assert display_width(first[: first.index("never")]) == display_width(
        header[: header.index("last")]
    )
    assert display_width(second[: second.index("never")]) == display_width(
        header[: header.index("last")]
    )


def test_the_waiting_states_are_the_stores() -> None:
    assert set(WAITING_STATES) == {
        MessageState.STORED.value,
        MessageState.READ.value,
        MessageState.PARSED.value,
    }


def test_the_demo_uses_only_a_new_an_empty_or_its_own_folder(tmp_path: Path) -> None:
    assert refusal(tmp_path / "new") is None
    empty = tmp_path / "empty"
    empty.mkdir()
    assert refusal(empty) is None
    own = tmp_path / "own"
    own.mkdir()
    (own / MARKER).write_text("")
    (own / "intake.db").write_text("")
    assert refusal(own) is None
    other = tmp_path / "other"
    other.mkdir()
    (other / "important.txt").write_text("keep me")
    reason = refusal(other)
    assert reason is not None and "nothing was deleted" in reason and "fix:" in reason
    assert "fix:" in (refusal(other / "important.txt") or "")


def test_the_sqlite_reader_knows_its_urls_times_and_schema() -> None:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from intake.store.database import MIGRATIONS

    assert sqlite_file("sqlite:////var/lib/intake.db") == Path("/var/lib/intake.db")
    assert sqlite_file("sqlite:///var/intake.db") == Path("var/intake.db")
    assert sqlite_file("sqlite:///:memory:") is None
    assert sqlite_file("postgresql+psycopg://postgres@127.0.0.1/intake") is None
    moment = stored_time("2026-12-04 21:01:22.896422")
    assert moment is not None and moment.utcoffset() is not None and moment.hour == 21
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    assert newest_revision() == ScriptDirectory.from_config(config).get_current_head()
