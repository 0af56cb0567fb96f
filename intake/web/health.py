"""The mailboxes' health as the admin page shows it: last poll, its error in plain Chinese, the
outbox, held sending and quarantined mail (the same reading as `intake status`), and the
"test connection" check of one office (the same probes as `intake config check --connect`)."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select

from intake.commands.status import OfficeStatus, office_statuses
from intake.mailbox.base import ADVICE, MailboxProblem
from intake.settings import ConfigProblem, OfficeSettings, Settings
from intake.store.database import Store
from intake.store.tables import OutboxMail

PROBLEM_WORDS: dict[MailboxProblem, str] = {
    MailboxProblem.WRONG_PASSWORD: "授权码错误：请使用邮箱网页设置中的16位授权码，而不是登录密码",
    MailboxProblem.NOT_ENABLED: "邮箱未开启 IMAP/SMTP 服务：请在邮箱网页设置（POP3/SMTP/IMAP）中开启",
    MailboxProblem.UNSAFE_LOGIN: "服务器拒绝打开文件夹（Unsafe Login）：登录成功，但未接受 IMAP ID 命令",
    MailboxProblem.UNREACHABLE: "无法连接服务器：请检查主机名、端口和网络",
    MailboxProblem.TLS_FAILURE: "加密连接失败：请检查端口和加密方式（IMAP 993/ssl，SMTP 465/ssl）",
    MailboxProblem.FOLDER_MISSING: "服务器上没有配置的文件夹：请修改配置中的 folders",
    MailboxProblem.DROPPED: "服务器断开了连接，下次收信时自动重试",
    MailboxProblem.TIMEOUT: "服务器未及时响应，下次收信时自动重试",
    MailboxProblem.NO_PASSWORD: "未设置存放授权码的环境变量",
    MailboxProblem.PROTOCOL: "服务器的回答不符合预期",
}


def plain_words(error: str | None) -> str | None:
    """A stored poll or send error in plain Chinese (the original kept after it)."""
    if not error:
        return None
    for problem, advice in ADVICE.items():
        if error.startswith(advice[:40]):
            return f"{PROBLEM_WORDS[problem]}（{error}）"
    return f"出错：{error}"


@dataclass(frozen=True)
class MailboxHealth:
    """One office's row on the admin page."""

    status: OfficeStatus
    error_words: str | None
    outbox: dict[str, int]
    config_problems: tuple[ConfigProblem, ...]
    office: OfficeSettings


def mailbox_health(
    settings: Settings, store: Store, offices: Collection[str], now: datetime
) -> list[MailboxHealth]:
    """The health of each configured office in `offices`."""
    rows = [r for r in office_statuses(settings, store, now) if r.office in offices]
    with store.session() as db:
        counts: dict[str, dict[str, int]] = {}
        for code, state, n in db.execute(
            select(OutboxMail.office, OutboxMail.state, func.count())
            .where(OutboxMail.office.in_(sorted(offices)))
            .group_by(OutboxMail.office, OutboxMail.state)
        ):
            counts.setdefault(code, {})[state] = int(n)
    out = []
    for row in rows:
        office = settings.office(row.office)
        if office is None:
            continue
        problems = tuple(p for p in settings.problems if p.office == row.office)
        out.append(
            MailboxHealth(
                row, plain_words(row.last_error), counts.get(row.office, {}), problems, office
            )
        )
    return out


@dataclass(frozen=True)
class ProbeLine:
    """One service's answer to "test connection"."""

    service: str
    ok: bool
    words: str


def test_connection(office: OfficeSettings, environ: Mapping[str, str]) -> list[ProbeLine]:
    """Log in to the office's IMAP and SMTP servers as `intake config check --connect` does."""
    from intake.commands.connect_check import probe_office

    lines = []
    for result in probe_office(office, environ):
        words = (
            "正常"
            if result.ok
            else (PROBLEM_WORDS[result.problem] if result.problem else "失败")
            + f"（{result.message}）"
        )
        lines.append(ProbeLine(result.service, result.ok, words))
    return lines
