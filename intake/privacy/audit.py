"""The audit log: who or what read or changed a filing, and when.

Rows are written for every decision and change the pipeline makes (under the actor of the store
that made the session: `worker`, or `intake check`; recorded with the filing event, in the same
transaction, by a hook in `intake.store.tables`), for each digest (one row per digest: how many
filings it lists), for each requeue, backup and restore, for the purge and for key rotation. Commands a person runs are recorded under
the operating-system user name. `intake audit` prints the log in Asia/Shanghai time.
"""

from __future__ import annotations

import getpass
import os
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from intake.runtime.clock import SHANGHAI
from intake.store.database import Store
from intake.store.tables import AuditEntry, Filing, session_actor


def os_user() -> str:
    """The operating-system user running this command (the actor of CLI commands)."""
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return f"uid {os.getuid()}"


def record(
    db: Session,
    at: datetime,
    action: str,
    detail: str | None = None,
    *,
    actor: str | None = None,
    filing: Filing | None = None,
) -> None:
    """Add one audit row to the session (committed with the session); the actor defaults to
    the one of the store the session comes from."""
    db.add(
        AuditEntry(
            at=at,
            actor=(actor or session_actor(db))[:64],
            action=action,
            filing_id=filing.id if filing else None,
            reference=filing.reference if filing else None,
            detail=detail,
        )
    )


def record_now(
    store: Store, at: datetime, action: str, detail: str | None = None, actor: str | None = None
) -> None:
    """One audit row in its own transaction."""
    with store.session() as db:
        record(db, at, action, detail, actor=actor)


def record_digest(store: Store, at: datetime, office: str, day: str, actor: str) -> None:
    """One row per digest: which office and day, and how many filings it lists."""
    with store.session() as db:
        listed = db.execute(
            select(func.count()).select_from(Filing).where(Filing.office == office)
        ).scalar_one()
        record(db, at, "digest", f"office {office} {day}: {listed} filings listed", actor=actor)


@dataclass(frozen=True)
class AuditLine:
    """One audit row as a person reads it."""

    at: datetime
    actor: str
    action: str
    reference: str | None
    detail: str | None

    def to_json(self) -> dict[str, str | None]:
        return {
            "at": self.at.astimezone(SHANGHAI).isoformat(),
            "actor": self.actor,
            "action": self.action,
            "filing": self.reference,
            "detail": self.detail,
        }


def entries(store: Store, reference: str | None = None, limit: int = 200) -> list[AuditLine]:
    """The newest `limit` rows (of one filing when `reference` is given), oldest first."""
    with store.session() as db:
        query = select(AuditEntry).order_by(AuditEntry.at.desc(), AuditEntry.id.desc())
        if reference:
            filing_id = db.execute(
                select(Filing.id).where(Filing.reference == reference)
            ).scalar_one_or_none()
            query = query.where(
                (AuditEntry.reference == reference)
                | (AuditEntry.filing_id == filing_id if filing_id is not None else False)
            )
        rows = db.execute(query.limit(limit)).scalars().all()
        return [AuditLine(r.at, r.actor, r.action, r.reference, r.detail) for r in reversed(rows)]


def as_table(lines: Sequence[AuditLine]) -> str:
    """The rows as text: time (Asia/Shanghai), actor, action, filing, detail."""
    out = [f"{'time (Asia/Shanghai)':<20} {'actor':<14} {'action':<12} {'filing':<23} detail"]
    for line in lines:
        out.append(
            f"{line.at.astimezone(SHANGHAI):%Y-%m-%d %H:%M:%S} {line.actor[:14]:<14} "
            f"{line.action:<12} {line.reference or '-':<23} {line.detail or ''}"
        )
    return "\n".join(out)
