"""staff console: corrections, queue resolutions, staff history, transfers, held replies

`field_corrections` holds the values a person set on a filing (they override what was read);
`work_resolutions` the queue items marked done; `staff_events` what people did, for the
filing's history. `filings` gains where a hand transfer came from and whether its office was
set by hand; `outbox` gains why a HELD reply waits and whether a person edited it (the state
column is a plain string, so HELD needs no schema change).

Revision ID: 0006_staff
Revises: 0005
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006_staff"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("filings") as batch:
        batch.add_column(sa.Column("transferred_from", sa.String(length=16), nullable=True))
        batch.add_column(
            sa.Column("office_by_hand", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("outbox") as batch:
        batch.add_column(sa.Column("held_reason", sa.String(length=255), nullable=True))
        batch.add_column(
            sa.Column("edited", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    op.create_table(
        "staff_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("filing_id", sa.Integer(), sa.ForeignKey("filings.id"), nullable=True),
        sa.Column("message_pk", sa.Integer(), sa.ForeignKey("messages.id"), nullable=True),
        sa.Column("outbox_id", sa.Integer(), sa.ForeignKey("outbox.id"), nullable=True),
        sa.Column("office", sa.String(length=16), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("action", sa.String(length=32), nullable=False),
        sa.Column("detail", sa.Text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_staff_events_filing_id", "staff_events", ["filing_id"])
    op.create_index("ix_staff_events_office", "staff_events", ["office"])
    op.create_table(
        "field_corrections",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("filing_id", sa.Integer(), sa.ForeignKey("filings.id"), nullable=False),
        sa.Column("field", sa.String(length=64), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("filing_id", "field", name="uq_field_correction"),
    )
    op.create_index("ix_field_corrections_filing_id", "field_corrections", ["filing_id"])
    op.create_table(
        "work_resolutions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("item_key", sa.String(length=64), nullable=False),
        sa.Column("filing_id", sa.Integer(), sa.ForeignKey("filings.id"), nullable=True),
        sa.Column("office", sa.String(length=16), nullable=False),
        sa.Column("resolved", sa.Boolean(), nullable=False),
        sa.Column("signature", sa.Text(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("actor", sa.String(length=64), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("item_key", name="uq_work_resolutions_item_key"),
    )
    op.create_index("ix_work_resolutions_filing_id", "work_resolutions", ["filing_id"])
    op.create_index("ix_work_resolutions_office", "work_resolutions", ["office"])


def downgrade() -> None:
    op.drop_table("work_resolutions")
    op.drop_table("field_corrections")
    op.drop_table("staff_events")
    with op.batch_alter_table("outbox") as batch:
        batch.drop_column("edited")
        batch.drop_column("held_reason")
    with op.batch_alter_table("filings") as batch:
        batch.drop_column("office_by_hand")
        batch.drop_column("transferred_from")
