"""Replies to registrants: Jinja2 templates rendered to a subject, a plain-text and an HTML part.

Kinds are ``ack`` (materials complete), ``request_missing`` (what to send and how) and
``transferred`` (another office now holds the filing). Templates live in
``notifications/templates`` (``reply_<kind>.html.j2`` / ``.txt.j2`` plus the shared
``_layout`` and ``_parts`` files); an admin overrides one by putting a file of the same name in
the override folder. `ReplyRenderer.check_overrides` renders every override with every sample
context and reports what is broken, with file and line; `ReplyRenderer.render` falls back to
the built-in templates (logging a warning) so a broken override never stops a reply.

Registrant values are cleaned of control characters and escaped by autoescape in HTML; the
subject carries only the reference and, for a transfer, the new office's name.
"""

from __future__ import annotations

import logging
import re
import traceback
from pathlib import Path
from typing import Any

from jinja2 import (
    BaseLoader,
    ChoiceLoader,
    Environment,
    FileSystemLoader,
    StrictUndefined,
    TemplateSyntaxError,
    select_autoescape,
)
from jinja2.sandbox import ImmutableSandboxedEnvironment

from notifications.model import (
    REPLY_KINDS,
    AccountLine,
    Reading,
    RenderedReply,
    ReplyContext,
)
from notifications.samples import sample_contexts
from notifications.wording import (
    REGISTRATION_FORM,
    clean_text,
    dialable_phone,
    mask_id,
    missing_phrase,
    problem_phrase,
    shown_reading,
    unreadable_phrase,
)
from vocabulary.offices import Office
from vocabulary.outcomes import ReplyKind
from vocabulary.subjects import SUBJECT_TYPE_WORDS

__all__ = [
    "BUILTIN_TEMPLATES",
    "NEEDS_INDIVIDUAL",
    "NEEDS_ORGANIZATION",
    "REPLY_TEMPLATE_NAMES",
    "AccountLine",
    "Office",
    "RenderedReply",
    "ReplyContext",
    "ReplyRenderer",
    "reply_subject",
    "reply_view",
    "sample_contexts",
]

logger = logging.getLogger(__name__)

BUILTIN_TEMPLATES = Path(__file__).parent / "templates"
"""The folder of the built-in templates (admins copy from here)."""

REPLY_TEMPLATE_NAMES: tuple[str, ...] = (
    "_layout.html.j2",
    "_layout.txt.j2",
    "_parts.html.j2",
    "_parts.txt.j2",
    *(f"reply_{kind.value}.{part}.j2" for kind in REPLY_KINDS for part in ("html", "txt")),
)
"""Template files a reply uses, each of which an admin may override."""

NEEDS_INDIVIDUAL: tuple[str, ...] = (
    f"{REGISTRATION_FORM}（填写完整）",
    "本人身份证复印件（正反两面）",
)
NEEDS_ORGANIZATION: tuple[str, ...] = (
    f"{REGISTRATION_FORM}（填写完整）",
    "营业执照（或组织机构代码证）复印件",
    "运维负责人身份证复印件（正反两面）",
)


def _environment(loader: BaseLoader, *, sandboxed: bool) -> Environment:
    factory = ImmutableSandboxedEnvironment if sandboxed else Environment
    return factory(
        loader=loader,
        autoescape=select_autoescape(
            enabled_extensions=("html.j2", "html"), default_for_string=False, default=False
        ),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _clean_office(office: Office) -> Office:
    return Office(
        code=clean_text(office.code, 20),
        name=clean_text(office.name, 60),
        area=clean_text(office.area, 60),
        mailbox=clean_text(office.mailbox, 120),
        address=clean_text(office.address, 120),
        phone=dialable_phone(office.phone),
        contacts=tuple(clean_text(person, 30) for person in office.contacts if person.strip()),
        area_now=clean_text(office.area_now, 60) if office.area_now else None,
    )


def _unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))


FORM_SOURCE = "备案表"
LINK_CODES = ("link_only_attachment",)
LINK_REASON = "link_only"


def _problem_item(code: str, context: ReplyContext) -> str:
    """A problem in words; for a mismatch, followed by what the form and each document show
    (ID numbers masked; when the masks look alike, which digits differ)."""
    phrase = problem_phrase(code, context.subject_type)
    seen = [r for r in context.readings if r.problem == code]
    if not seen:
        return phrase
    parts = [
        f"{'备案表填写' if r.source == FORM_SOURCE else clean_text(r.source, 60) + '识别为'} "
        f"{shown_reading(code, r.value)}"
        for r in seen
    ]
    note = _differing_digits(code, seen)
    return f"{phrase}：{'，'.join(parts)}{note}"


def _differing_digits(code: str, seen: list[Reading]) -> str:
    """``（第11、12位不同）`` when masking hides where two ID numbers differ, else empty."""
    if code != "mismatch:id_number" or len(seen) < 2:
        return ""
    values = ["".join(r.value.split()).upper() for r in seen]
    if len({mask_id(v) for v in values}) > 1:
        return ""
    first = values[0]
    positions = sorted(
        {i + 1 for v in values[1:] for i in range(min(len(first), len(v))) if first[i] != v[i]}
    )
    if not positions:
        return ""
    return "（第" + "、".join(str(p) for p in positions) + "位不同）"


def reply_subject(context: ReplyContext) -> str:
    """``[备案 <reference>] 材料已收齐`` / ``请补充材料`` / ``已转交<office name>``; the answer
    to a question carries no reference (it opens no filing)."""
    reference = clean_text(context.reference, 40)
    if context.kind == ReplyKind.ACK:
        return f"[备案 {reference}] 材料已收齐"
    if context.kind == ReplyKind.REQUEST_MISSING:
        return f"[备案 {reference}] 请补充材料"
    if context.kind == ReplyKind.TRANSFERRED:
        if context.holder is None:
            raise ValueError("a transferred reply needs the holder office")
        return f"[备案 {reference}] 已转交{clean_text(context.holder.name, 60)}"
    if context.kind == ReplyKind.INFORMATION:
        return "新媒体账号登记备案所需材料"
    raise ValueError(f"no reply template for kind {context.kind!r}")


def reply_view(context: ReplyContext) -> dict[str, Any]:
    """The variables every reply template sees (all text cleaned, codes put into words).

    ``reference, subject, kind, office, holder, registrant, subject_type, subject_type_word,
    accounts, missing_items, problem_items (a mismatch with what each source shows), notes,
    unreadable_items (name, reason), question, link_stated (the large-attachment link is named
    above, so the advice does not repeat it), received_on, reply_by, late, written_on,
    needs_individual, needs_organization``.
    """
    subject = reply_subject(context)
    link_stated = any(reason == LINK_REASON for _, reason in context.unreadable)
    phrases = [
        _problem_item(code, context)
        for code in context.problems
        if code != "late" and not (link_stated and code in LINK_CODES)
    ]
    missing = [code for code in context.missing if not (link_stated and code in LINK_CODES)]
    accounts = [
        AccountLine(
            platform=clean_text(line.platform, 30),
            account_name=clean_text(line.account_name, 80),
            account_id=clean_text(line.account_id, 120),
        )
        for line in context.accounts
    ]
    return {
        "reference": clean_text(context.reference, 40),
        "subject": subject,
        "kind": context.kind,
        "office": _clean_office(context.office),
        "holder": _clean_office(context.holder) if context.holder else None,
        "registrant": clean_text(context.registrant, 60),
        "subject_type": context.subject_type,
        "subject_type_word": SUBJECT_TYPE_WORDS.get(context.subject_type or "", ""),
        "accounts": accounts,
        "missing_items": _unique([missing_phrase(code, context.subject_type) for code in missing]),
        "problem_items": _unique(phrases),
        "notes": _unique(phrases),
        "unreadable_items": [
            {"name": clean_text(name, 80) or "（未命名附件）", "reason": unreadable_phrase(reason)}
            for name, reason in context.unreadable
        ],
        "question": context.question,
        "link_stated": link_stated or any(code in LINK_CODES for code in context.problems),
        "received_on": clean_text(context.received_on, 30),
        "reply_by": clean_text(context.reply_by, 30) or None,
        "late": context.late or "late" in context.problems,
        "written_on": clean_text(context.written_on or context.received_on, 30),
        "needs_individual": list(NEEDS_INDIVIDUAL),
        "needs_organization": list(NEEDS_ORGANIZATION),
    }


def _tidy_text(text: str) -> str:
    """Trailing spaces off, at most one blank line in a row, one final newline."""
    lines = [line.rstrip() for line in text.strip("\n").splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)) + "\n"


class ReplyRenderer:
    """Renders replies from the built-in templates, or from an admin's overrides."""

    def __init__(self, override_dir: Path | None = None) -> None:
        self.override_dir = override_dir
        builtin = FileSystemLoader(str(BUILTIN_TEMPLATES))
        self._builtin = _environment(builtin, sandboxed=False)
        self._overridden: Environment | None = None
        if override_dir is not None:
            self._overridden = _environment(
                ChoiceLoader([FileSystemLoader(str(override_dir)), builtin]), sandboxed=True
            )

    def _override_files(self) -> list[Path]:
        folder = self.override_dir
        if folder is None or not folder.is_dir():
            return []
        return sorted(path for path in folder.iterdir() if path.suffix == ".j2")

    def _has_overrides(self) -> bool:
        return any(path.name in REPLY_TEMPLATE_NAMES for path in self._override_files())

    @staticmethod
    def _render_with(environment: Environment, view: dict[str, Any]) -> tuple[str, str]:
        kind = view["kind"]
        text = environment.get_template(f"reply_{kind}.txt.j2").render(view)
        html = environment.get_template(f"reply_{kind}.html.j2").render(view)
        return _tidy_text(text), html.strip() + "\n"

    def render(self, context: ReplyContext) -> RenderedReply:
        """Subject, text and HTML of one reply; ValueError for an unknown kind or a transfer
        without a holder office."""
        view = reply_view(context)
        if self._overridden is not None and self._has_overrides():
            try:
                text, html = self._render_with(self._overridden, view)
                return RenderedReply(subject=view["subject"], text=text, html=html)
            except Exception as exc:
                logger.warning(
                    "reply template override in %s failed (%s); using the built-in template",
                    self.override_dir,
                    _describe_error(exc, self.override_dir),
                )
        text, html = self._render_with(self._builtin, view)
        return RenderedReply(subject=view["subject"], text=text, html=html)

    def check_overrides(self) -> list[str]:
        """Render every override with every sample context; one message per fault found
        (``file:line: what is wrong``), empty when all is well."""
        folder = self.override_dir
        if folder is None:
            return []
        if not folder.is_dir():
            return [f"{folder}: the template override folder does not exist"]
        messages: list[str] = []
        files = self._override_files()
        for path in files:
            if path.name not in REPLY_TEMPLATE_NAMES:
                messages.append(
                    f"{path}: not a reply template name, so it is never used "
                    f"(names: {', '.join(REPLY_TEMPLATE_NAMES)})"
                )
        assert self._overridden is not None
        broken: set[str] = set()
        for path in files:
            if path.name not in REPLY_TEMPLATE_NAMES:
                continue
            try:
                self._overridden.get_template(path.name)
            except TemplateSyntaxError as exc:
                messages.append(f"{path}:{exc.lineno}: syntax error: {exc.message}")
                broken.add(path.name)
            except Exception as exc:
                messages.append(f"{path}: cannot be read: {exc}")
                broken.add(path.name)
        if broken or not self._has_overrides():
            return messages
        for context in sample_contexts():
            view = reply_view(context)
            for part in ("txt", "html"):
                name = f"reply_{context.kind}.{part}.j2"
                try:
                    self._overridden.get_template(name).render(view)
                except Exception as exc:
                    where = _describe_error(exc, folder, name)
                    message = f"{where} (sample {context.kind} {context.reference})"
                    if not any(m.startswith(where) for m in messages):
                        messages.append(message)
        return messages


def _describe_error(exc: BaseException, folder: Path | None, name: str | None = None) -> str:
    """``<file>:<line>: <ErrorType>: <message>`` pointing into the override folder where the
    traceback passes through it (Jinja2 rewrites frames to template file and line)."""
    location = name or "template"
    if isinstance(exc, TemplateSyntaxError):
        location = f"{exc.filename or exc.name or location}:{exc.lineno}"
    else:
        frames = traceback.extract_tb(exc.__traceback__)
        inside = [
            frame
            for frame in frames
            if folder is not None and _within(Path(frame.filename), folder)
        ]
        templates = [frame for frame in frames if frame.filename.endswith(".j2")]
        chosen = inside[-1] if inside else (templates[-1] if templates else None)
        if chosen is not None:
            location = f"{chosen.filename}:{chosen.lineno}"
    message = getattr(exc, "message", None) or str(exc)
    return f"{location}: {type(exc).__name__}: {message}"


def _within(path: Path, folder: Path) -> bool:
    try:
        path.resolve().relative_to(folder.resolve())
    except (ValueError, OSError):
        return False
    return True
