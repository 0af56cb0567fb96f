"""web console accounts

`web_accounts` holds the staff accounts of `intake web`: name, office (the city office sees
every office), admin flag, argon2 password hash, locked flag and the generation of the
account's sessions (a lock or a password reset raises it, ending the sessions signed in before).

Revision ID: 0007_web_accounts
Revises: 0006_staff
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007_web_accounts"
down_revision: str | None = "0006_staff"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "web_accounts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=64), nullable=False),
        sa.Column("office", sa.String(length=16), nullable=False),
        sa.Column("admin", sa.Boolean(), nullable=False),
        sa.Column("password_hash", sa.String(length=255), nullable=False),
        sa.Column("locked", sa.Boolean(), nullable=False),
        sa.Column("session_generation", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("password_set_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_login_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name", name="uq_web_accounts_name"),
    )
    op.create_index("ix_web_accounts_office", "web_accounts", ["office"])


def downgrade() -> None:
    op.drop_index("ix_web_accounts_office", table_name="web_accounts")
    op.drop_table("web_accounts")
