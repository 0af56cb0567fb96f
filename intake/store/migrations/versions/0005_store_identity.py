"""store identity and key check values

`store_identity` holds one row: the identity of this store, made here once, which the files
folder carries too (a marker file), so a worker pointed at another host's files folder refuses
to start; `files_claimed_at` is set when a files folder first took the identity. `key_checks`
holds a check value per key id, proving at start that a key is the one the store was written
with.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04
"""

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    identity = op.create_table(
        "store_identity",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("store_id", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("files_claimed_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "key_checks",
        sa.Column("kid", sa.String(length=32), nullable=False),
        sa.Column("check_value", sa.String(length=80), nullable=False),
        sa.Column("made_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("kid"),
    )
    op.bulk_insert(
        identity,
        [{"id": 1, "store_id": str(uuid.uuid4()), "created_at": datetime.now(UTC)}],
    )


def downgrade() -> None:
    op.drop_table("key_checks")
    op.drop_table("store_identity")
