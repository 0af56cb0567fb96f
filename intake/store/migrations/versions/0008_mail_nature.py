"""what kind of mail it is, and why

`messages.signals` holds the signals the mail classifier used for the message's nature
(``document:registration_form``, ``topic:subject:公众号``, ``spam:list_unsubscribe`` …);
`messages.mail_signs` the reader's header signs of bulk or forged mail (``list_id``,
``received_mismatch`` …). A message's nature may now also be ``uncertain``: it waits for a
person.

Revision ID: 0008_mail_nature
Revises: 0005
Create Date: 2026-12-04
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008_mail_nature"
down_revision: str | None = "0007_web_accounts"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.add_column(sa.Column("signals", sa.JSON(), nullable=True))
        batch_op.add_column(sa.Column("mail_signs", sa.JSON(), nullable=True))
        batch_op.create_index("ix_messages_nature", ["nature"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("messages", schema=None) as batch_op:
        batch_op.drop_index("ix_messages_nature")
        batch_op.drop_column("mail_signs")
        batch_op.drop_column("signals")
