"""the outbox claim: who is sending a message now, and until when (issue 14)

`outbox_message.claimed_by` names the delivery (host, process, a random part) that took the row to
`sending`; `claimed_until` is when that claim lapses (the external task's lock), after which another
delivery may take the row over. Two deliveries of the same key can no longer both send it.

Revision ID: 0011
Revises: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("outbox_message") as batch:
        batch.add_column(sa.Column("claimed_by", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("claimed_until", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("outbox_message") as batch:
        batch.drop_column("claimed_until")
        batch.drop_column("claimed_by")
