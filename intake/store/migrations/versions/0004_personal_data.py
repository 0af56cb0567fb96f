"""personal data at rest: encrypted columns as text, purge markers, audit log

The columns that hold personal data become text: their values are encrypted by the store
(`intake.store.tables.EncryptedJSON`/`EncryptedText`). Values written before stay readable as
plain JSON/text until `intake keys rotate` encrypts them.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-29
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON_TO_TEXT = {
    "messages": ("large_links",),
    "filings": ("fields", "accounts"),
    "documents": ("fields", "accounts"),
    "filing_events": ("change",),
}


def upgrade() -> None:
    for table, columns in JSON_TO_TEXT.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            for column in columns:
                batch_op.alter_column(
                    column,
                    existing_type=sa.JSON(),
                    type_=sa.Text(),
                    postgresql_using=f'"{column}"::text',
                )
            if table in ("messages", "filings"):
                batch_op.add_column(
                    sa.Column("purged_at", sa.DateTime(timezone=True), nullable=True)
                )
    op.create_table(
        "audit_log",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("filing_id", sa.Integer(), nullable=True),
        sa.Column("reference", sa.String(length=32), nullable=True),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_audit_log_at", "audit_log", ["at"])
    op.create_index("ix_audit_log_action", "audit_log", ["action"])
    op.create_index("ix_audit_log_filing_id", "audit_log", ["filing_id"])
    op.create_index("ix_audit_log_reference", "audit_log", ["reference"])


def downgrade() -> None:
    op.drop_table("audit_log")
    for table, columns in JSON_TO_TEXT.items():
        with op.batch_alter_table(table, schema=None) as batch_op:
            if table in ("messages", "filings"):
                batch_op.drop_column("purged_at")
            for column in columns:
                batch_op.alter_column(
                    column,
                    existing_type=sa.Text(),
                    type_=sa.JSON(),
                    postgresql_using=f'"{column}"::json',
                )
