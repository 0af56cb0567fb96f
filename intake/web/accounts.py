"""Staff accounts of the web console, kept in the store (`web_accounts`).

Passwords are hashed with argon2id (argon2-cffi's defaults: memory-hard); nothing here stores
or logs a password. A lock or a password reset raises the account's session generation, which
ends every session signed in before (the web layer compares it on each request). The city
office's staff see every office; everyone else sees their own office only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from intake.errors import PermanentError
from intake.privacy.audit import record
from intake.store.tables import WebAccount
from vocabulary.offices import CITY_OFFICE, OFFICES

MIN_PASSWORD = 10
NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._@-]{1,63}$")
_hasher = PasswordHasher()
_DUMMY_HASH = _hasher.hash("not a password of anyone")


class AccountError(PermanentError):
    """An account command that cannot be done; the message says why (in Chinese and English)."""


@dataclass(frozen=True)
class Person:
    """The signed-in person as a request sees them."""

    account_id: int
    name: str
    office: str
    admin: bool
    generation: int

    @property
    def offices(self) -> frozenset[str]:
        """The office codes this person may see: every office for the city office's staff."""
        return offices_of(self.office)


def offices_of(office: str) -> frozenset[str]:
    """The offices a member of `office` may see."""
    if office == CITY_OFFICE:
        return frozenset(o.code for o in OFFICES)
    return frozenset({office})


def known_office(code: str) -> bool:
    return any(o.code == code for o in OFFICES)


def password_problem(password: str) -> str | None:
    """Why `password` cannot be used, or None."""
    if len(password) < MIN_PASSWORD:
        return (
            f"密码至少 {MIN_PASSWORD} 个字符 (a password needs at least {MIN_PASSWORD} characters)"
        )
    if password.strip() != password or not password.strip():
        return "密码首尾不能有空格 (no spaces at either end of a password)"
    return None


def add_account(
    db: Session, name: str, office: str, admin: bool, password: str, actor: str, now: datetime
) -> WebAccount:
    """Create an account; AccountError when the name is taken or invalid, the office unknown
    or the password too weak."""
    if not NAME_PATTERN.match(name):
        raise AccountError(
            "用户名只能由字母、数字和 . _ @ - 组成，2–64 个字符 "
            "(a user name is 2-64 letters, digits or . _ @ -)"
        )
    if not known_office(office):
        raise AccountError(f"没有这个办公室代码: {office} (unknown office code)")
    problem = password_problem(password)
    if problem:
        raise AccountError(problem)
    if find(db, name) is not None:
        raise AccountError(f"用户名 {name} 已存在 (the name {name} is taken)")
    account = WebAccount(
        name=name,
        office=office,
        admin=admin,
        password_hash=_hasher.hash(password),
        locked=False,
        session_generation=0,
        created_at=now,
        password_set_at=now,
    )
    db.add(account)
    record(
        db,
        now,
        "web account",
        f"added {name} (office {office}{', admin' if admin else ''})",
        actor=actor,
    )
    return account


def find(db: Session, name: str) -> WebAccount | None:
    return db.execute(select(WebAccount).where(WebAccount.name == name)).scalar_one_or_none()


def existing(db: Session, name: str) -> WebAccount:
    account = find(db, name)
    if account is None:
        raise AccountError(f"没有这个用户: {name} (no such account)")
    return account


def reset_password(db: Session, name: str, password: str, actor: str, now: datetime) -> None:
    """Set a new password and end the account's sessions."""
    account = existing(db, name)
    problem = password_problem(password)
    if problem:
        raise AccountError(problem)
    account.password_hash = _hasher.hash(password)
    account.password_set_at = now
    account.session_generation += 1
    record(db, now, "web account", f"password of {name} reset", actor=actor)


def set_locked(db: Session, name: str, locked: bool, actor: str, now: datetime) -> None:
    """Lock (ending its sessions) or unlock an account."""
    account = existing(db, name)
    account.locked = locked
    if locked:
        account.session_generation += 1
    record(db, now, "web account", f"{'locked' if locked else 'unlocked'} {name}", actor=actor)


def authenticate(db: Session, name: str, password: str, now: datetime) -> Person | None:
    """The person when the name and password match an unlocked account, else None. The time
    taken does not tell whether the name exists (a dummy hash is checked instead)."""
    account = find(db, name)
    if account is None:
        _verify(_DUMMY_HASH, password)
        return None
    if not _verify(account.password_hash, password) or account.locked:
        return None
    if _hasher.check_needs_rehash(account.password_hash):
        account.password_hash = _hasher.hash(password)
    account.last_login_at = now
    return person_of(account)


def _verify(hashed: str, password: str) -> bool:
    try:
        return _hasher.verify(hashed, password)
    except (VerificationError, InvalidHashError):
        return False


def person_of(account: WebAccount) -> Person:
    return Person(
        account.id, account.name, account.office, bool(account.admin), account.session_generation
    )


def current(db: Session, account_id: int, generation: int) -> Person | None:
    """The person of a session, or None when the account is gone, locked, or its sessions were
    ended (its generation moved on)."""
    account = db.get(WebAccount, account_id)
    if account is None or account.locked or account.session_generation != generation:
        return None
    return person_of(account)


def listing(db: Session, offices: frozenset[str]) -> list[WebAccount]:
    """The accounts of `offices`, by office and name."""
    rows = db.execute(
        select(WebAccount)
        .where(WebAccount.office.in_(sorted(offices)))
        .order_by(WebAccount.office, WebAccount.name)
    ).scalars()
    return list(rows)
