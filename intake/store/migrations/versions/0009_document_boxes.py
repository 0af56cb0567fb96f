"""documents.boxes: where each value was read

A nullable JSON column: {field: [page, x0, y0, x1, y1]}, the page index in the stored file and
the value's box in 0..1 of that page as stored, for the staff console to show a value in place.
Documents read before have none.

Revision ID: 0009_document_boxes
Revises: 0005
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009_document_boxes"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.add_column(sa.Column("boxes", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("documents", schema=None) as batch_op:
        batch_op.drop_column("boxes")
