"""Replies: every kind renders in Chinese, every code is put into words, overrides are checked."""

from __future__ import annotations

import logging
import re
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from notifications.replies import (
    BUILTIN_TEMPLATES,
    ReplyContext,
    ReplyRenderer,
    sample_contexts,
)
from notifications.samples import CITY_OFFICE, SHAHE_OFFICE
from notifications.wording import (
    is_known_code,
    known_unreadable_reasons,
    unreadable_phrase,
)
from vocabulary import FIELD_LABELS, Office

SUBJECT_ENDINGS = {"ack": "材料已收齐", "request_missing": "请补充材料"}

FIXED_CODES = (
    "registration_form",
    "id_card",
    "business_licence",
    "mismatch:id_number",
    "mismatch:credit_code",
    "mismatch:subject_name",
    "late",
    "out_of_scope",
    "link_only_attachment",
    "uncertain:county",
    "id_card_back_missing",
)
FIELD_CODES = tuple(f"field:{key}" for key in FIELD_LABELS)
INVALID_CODES = tuple(f"invalid:{key}" for key in FIELD_LABELS)
ALL_CODES = FIXED_CODES + FIELD_CODES + INVALID_CODES
CODE_PATTERN = re.compile(r"\b(?:field|invalid|mismatch|uncertain):[a-z_]+|\b[a-z]+_[a-z_]+\b")


RENDERER = ReplyRenderer()


def _request(**changes: object) -> ReplyContext:
    base = next(c for c in sample_contexts() if c.kind == "request_missing" and not c.question)
    return replace(base, **changes)  # type: ignore[arg-type]


def test_every_sample_renders_with_greeting_signature_and_subject() -> None:
    renderer = ReplyRenderer()
    kinds = set()
    for context in sample_contexts():
        reply = renderer.render(context)
        kinds.add(context.kind)
        if context.kind == "information":
            assert reply.subject == "新媒体账号登记备案所需材料"
            assert "XT" not in reply.text and "XT" not in reply.html
        else:
            assert reply.subject.startswith(f"[备案 {context.reference}] ")
        if context.kind == "information":
            pass
        elif context.kind == "transferred":
            assert context.holder is not None
            assert reply.subject.endswith(f"已转交{context.holder.name}")
        else:
            assert reply.subject.endswith(SUBJECT_ENDINGS[context.kind])
        for part in (reply.text, reply.html):
            assert "您好" in part
            assert "此致" in part
            assert context.office.name in part
            assert (context.written_on or context.received_on) in part
            assert context.reference in part
        assert reply.html.lstrip().startswith("<!DOCTYPE html>")
    assert kinds == {"ack", "request_missing", "transferred", "information"}


def test_ack_lists_accounts_and_office_contacts() -> None:
    context = sample_contexts()[1]
    reply = ReplyRenderer().render(context)
    for account in context.accounts:
        for value in (account.platform, account.account_name, account.account_id):
            assert value in reply.text
            assert value in reply.html
    for value in (
        CITY_OFFICE.address,
        CITY_OFFICE.phone,
        CITY_OFFICE.mailbox,
        *CITY_OFFICE.contacts,
    ):
        assert value in reply.text
    assert "超过规定期限" in reply.text  # late note
    assert "国徽面" in reply.text


@pytest.mark.parametrize("code", ALL_CODES)
def test_every_code_has_a_chinese_phrase_and_none_leaks(code: str) -> None:
    assert is_known_code(code)
    missing = (code,) if not code.startswith(("invalid:", "mismatch:", "uncertain:")) else ()
    problems = () if missing else (code,)
    reply = RENDERER.render(_request(missing=missing, problems=problems, unreadable=()))
    for part in (reply.text, reply.html):
        assert code not in part
    leaked = CODE_PATTERN.findall(reply.text)
    assert all(word in ("shahe", "KS2020shahe") for word in leaked), leaked


def test_field_codes_use_the_form_labels() -> None:
    reply = RENDERER.render(
        _request(missing=("field:phone", "field:manager_id_number"), problems=())
    )
    assert "备案表中“联系电话”一项未填写" in reply.text
    assert "备案表中“运维负责人身份证号码”一项未填写" in reply.text


def test_problem_phrases_named_as_the_brief_says() -> None:
    reply = RENDERER.render(
        _request(
            problems=(
                "invalid:credit_code",
                "invalid:id_number",
                "invalid:phone",
                "mismatch:id_number",
            )
        )
    )
    for phrase in (
        "统一社会信用代码校验不通过",
        "身份证号码校验不通过",
        "联系电话格式不正确",
        "身份证复印件上的号码与备案表不一致",
    ):
        assert phrase in reply.text


def test_id_card_named_for_individuals_and_organisations() -> None:
    renderer = ReplyRenderer()
    individual = renderer.render(_request(subject_type="individual", missing=("id_card",)))
    organization = renderer.render(
        _request(
            subject_type="organization",
            missing=("id_card", "business_licence", "registration_form"),
        )
    )
    assert "本人身份证复印件" in individual.text
    assert "运维负责人身份证复印件" not in individual.text
    assert "运维负责人身份证复印件" in organization.text
    assert "营业执照（或组织机构代码证）复印件" in organization.text
    assert "《邢台市新媒体账号登记备案表》" in organization.text


def test_unknown_codes_get_generic_words_not_the_code() -> None:
    reply = RENDERER.render(
        _request(
            missing=("field:shoe_size", "mystery"), problems=("invalid:shoe_size", "weird:thing")
        )
    )
    for code in ("shoe_size", "mystery", "weird"):
        assert code not in reply.text
        assert code not in reply.html


@pytest.mark.parametrize(
    "reason",
    [
        "encrypted",
        "damaged",
        "empty",
        "too_large",
        "link_only",
        "unsupported",
        "timeout",
        "too_many_pixels",
        *known_unreadable_reasons(),
        "never_heard_of",
    ],
)
def test_unreadable_reasons_said_in_words(reason: str) -> None:
    reply = RENDERER.render(_request(unreadable=(("身份证.jpg", reason),)))
    assert f"身份证.jpg：{unreadable_phrase(reason)}" in reply.text
    assert reason not in reply.text
    assert reason not in reply.html


def test_request_says_how_to_answer_and_the_deadline() -> None:
    reply = RENDERER.render(_request(reply_by="2020年5月22日"))
    assert "请直接回复本邮件，保留主题中的备案编号" in reply.text
    assert "只需附上缺少或需要更正的材料" in reply.text
    assert "请于2020年5月22日前补充" in reply.text
    assert "<strong>2020年5月22日</strong>" in reply.html


def test_link_only_attachment_asks_for_the_file_itself() -> None:
    reply = RENDERER.render(_request(problems=("link_only_attachment",)))
    assert "超大附件只是一个下载链接" in reply.text
    assert "请将文件本身作为附件发送" in reply.text


def test_question_lists_both_sets_and_licence_for_organisations_only() -> None:
    context = next(c for c in sample_contexts() if c.question)
    text = ReplyRenderer().render(context).text
    individual, organization = text.split("以公司（单位）名义开设的账号：")
    individual = individual.split("个人开设的账号：")[1]
    organization = organization.split("营业执照（或组织机构代码证）复印件仅")[0]
    assert "本人身份证复印件" in individual and "营业执照" not in individual
    assert "运维负责人身份证复印件" in organization and "营业执照" in organization
    assert "仅以公司（单位）名义开设的账号需要提供" in text
    assert "已经收到的材料不必重复发送" not in text


def test_transferred_names_the_holder_with_all_contacts() -> None:
    context = next(c for c in sample_contexts() if c.kind == "transferred")
    assert context.holder is not None
    reply = ReplyRenderer().render(context)
    holder = context.holder
    for value in (holder.name, holder.mailbox, holder.phone, holder.address, *holder.contacts):
        assert value in reply.text
        assert value in reply.html


def test_request_after_a_move_names_the_new_holder() -> None:
    reply = RENDERER.render(_request(office=CITY_OFFICE, holder=SHAHE_OFFICE))
    assert f"现由{SHAHE_OFFICE.name}办理" in reply.text
    assert SHAHE_OFFICE.mailbox in reply.html


def test_hostile_registrant_values_are_escaped_and_kept_out_of_the_subject() -> None:
    hostile = "<script>alert(1)</script>\r\nBcc: evil@example.com\x00\x1b"
    context = _request(
        registrant=hostile,
        accounts=(replace(_request().accounts[0], account_name='<img src=x onerror="x()">'),),
        unreadable=(("<b>a.pdf</b>\r\n", "damaged"),),
    )
    reply = ReplyRenderer().render(context)
    assert "<script>" not in reply.html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in reply.html
    assert "<img" not in reply.html
    assert "&lt;b&gt;a.pdf&lt;/b&gt;" in reply.html
    assert "\r" not in reply.text and "\x00" not in reply.text and "\x1b" not in reply.text
    assert "<script>alert(1)</script> Bcc: evil@example.com：您好！" in reply.text
    assert reply.subject == f"[备案 {context.reference}] 请补充材料"


def test_unknown_kind_and_transfer_without_holder_are_refused() -> None:
    renderer = ReplyRenderer()
    with pytest.raises(ValueError):
        renderer.render(_request(kind="none"))
    with pytest.raises(ValueError):
        renderer.render(_request(kind="transferred", holder=None))


# --- overrides -------------------------------------------------------------------------------


def test_no_override_folder_means_no_messages(tmp_path: Path) -> None:
    assert ReplyRenderer().check_overrides() == []
    assert ReplyRenderer(tmp_path).check_overrides() == []
    assert "does not exist" in ReplyRenderer(tmp_path / "nope").check_overrides()[0]


def test_good_override_is_used(tmp_path: Path) -> None:
    source = (BUILTIN_TEMPLATES / "reply_ack.txt.j2").read_text()
    (tmp_path / "reply_ack.txt.j2").write_text(source.replace("接下来：", "后续安排："))
    renderer = ReplyRenderer(tmp_path)
    assert renderer.check_overrides() == []
    context = sample_contexts()[0]
    assert "后续安排：" in renderer.render(context).text
    assert "后续安排：" not in ReplyRenderer().render(context).text


def test_undefined_variable_reported_with_file_and_line_and_render_falls_back(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    override = tmp_path / "reply_ack.txt.j2"
    override.write_text("{{ registrant }}您好\n\n备案编号 {{ refernce }}\n")
    renderer = ReplyRenderer(tmp_path)
    messages = renderer.check_overrides()
    assert len(messages) == 1
    assert messages[0].startswith(f"{override}:3: UndefinedError:")
    assert "'refernce' is undefined" in messages[0]
    context = sample_contexts()[0]
    with caplog.at_level(logging.WARNING, logger="notifications.replies"):
        reply = renderer.render(context)
    assert reply.text == ReplyRenderer().render(context).text
    assert any(
        "falling back" in r.getMessage() or "built-in" in r.getMessage() for r in caplog.records
    )


def test_syntax_error_reported_with_line(tmp_path: Path) -> None:
    override = tmp_path / "reply_request_missing.html.j2"
    override.write_text("<p>ok</p>\n{% if question %}\n<p>{{ reference }</p>\n")
    messages = ReplyRenderer(tmp_path).check_overrides()
    assert len(messages) == 1
    assert messages[0].startswith(f"{override}:3: syntax error:")


def test_broken_shared_part_is_located_in_the_part(tmp_path: Path) -> None:
    source = (BUILTIN_TEMPLATES / "_parts.txt.j2").read_text()
    lines = source.splitlines()
    at = next(i for i, line in enumerate(lines) if "地址：{{ o.address }}" in line)
    lines[at] = "  地址：{{ o.street }}"
    (tmp_path / "_parts.txt.j2").write_text("\n".join(lines) + "\n")
    messages = ReplyRenderer(tmp_path).check_overrides()
    assert messages, "a broken partial must be reported"
    assert all(m.startswith(f"{tmp_path / '_parts.txt.j2'}:{at + 1}:") for m in messages)
    assert "street" in messages[0]


def test_override_breaking_only_one_branch_is_caught(tmp_path: Path) -> None:
    source = (BUILTIN_TEMPLATES / "reply_request_missing.txt.j2").read_text()
    broken = source.replace("{{ parts.item_list(needs_organization) }}", "{{ needs_companies }}")
    (tmp_path / "reply_request_missing.txt.j2").write_text(broken)
    messages = ReplyRenderer(tmp_path).check_overrides()
    assert len(messages) == 1 and "needs_companies" in messages[0]
    assert "question" not in messages[0] or "XT130500-20200509-0001" in messages[0]


def test_stray_file_is_reported(tmp_path: Path) -> None:
    shutil.copy(BUILTIN_TEMPLATES / "reply_ack.html.j2", tmp_path / "reply_akc.html.j2")
    (tmp_path / "README.md").write_text("notes")
    messages = ReplyRenderer(tmp_path).check_overrides()
    assert len(messages) == 1 and "reply_akc.html.j2" in messages[0]


def test_office_values_are_cleaned() -> None:
    office = Office(
        "130582", "沙河市\r\n互联网信息办公室", "沙河市", "shhlwxxb@163.com", "地址", "电话", ()
    )
    reply = ReplyRenderer().render(replace(sample_contexts()[0], office=office))
    assert "\r" not in reply.subject and "\n" not in reply.subject


def test_command_line_check(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from notifications.check_templates import main

    assert main([str(tmp_path)]) == 0
    (tmp_path / "reply_transferred.html.j2").write_text("{{ holder.fax }}\n")
    assert main([str(tmp_path)]) == 1
    assert "reply_transferred.html.j2:1:" in capsys.readouterr().out


def test_package_is_a_leaf() -> None:
    folder = BUILTIN_TEMPLATES.parent
    for module in folder.glob("*.py"):
        source = module.read_text()
        assert not re.search(r"^\s*(from|import)\s+(intake|parsers|routing)\b", source, re.M), (
            module
        )
