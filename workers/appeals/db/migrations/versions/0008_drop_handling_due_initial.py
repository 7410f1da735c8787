"""drop ledger_appeal.handling_due_initial: never written (the first deadline is not kept apart from
handling_due, which the ledger always holds at its latest value)

Revision ID: 0008
Revises: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


# Plain ALTER TABLE on every dialect (SQLite ≥ 3.35 drops a column in place). Not a batch operation: on
# SQLite a batch copies and drops ledger_appeal, and dropping it deletes the follow-ups by ON DELETE CASCADE.
def upgrade() -> None:
    op.drop_column("ledger_appeal", "handling_due_initial")


def downgrade() -> None:
    op.add_column("ledger_appeal", sa.Column("handling_due_initial", sa.DateTime(timezone=True), nullable=True))
