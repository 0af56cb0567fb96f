"""poll_state.uidnext and poll_state.looked_at: what the last complete look at a folder saw

`uidnext` is the folder's UIDNEXT (as its STATUS told it before the look) when a poll looked at
every UID of the folder and stored every new mail; `looked_at` is when. A later poll whose STATUS
shows the same UIDVALIDITY and UIDNEXT knows no mail was added since and does not open the
folder (until the look is an hour old). Both are empty until a complete look is made.

Revision ID: 0010_poll_uidnext
Revises: 0009_document_boxes
Create Date: 2026-12-05
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010_poll_uidnext"
down_revision: str | None = "0009_document_boxes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("poll_state", schema=None) as batch_op:
        batch_op.add_column(sa.Column("uidnext", sa.BigInteger(), nullable=True))
        batch_op.add_column(sa.Column("looked_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("poll_state", schema=None) as batch_op:
        batch_op.drop_column("looked_at")
        batch_op.drop_column("uidnext")
