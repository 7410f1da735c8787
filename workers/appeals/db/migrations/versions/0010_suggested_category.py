"""the category the suggestion proposed, next to the one the office chose; the appeal a duplicate was merged into (issue 16)

`ledger_appeal.suggested_category` (nullable: appeals registered before the suggestion have none)
keeps what the model suggested at registration; `category` keeps what the office confirmed, so the
bulletin can report how often the suggestion was right in real use. `merged_into` names the appeal (registration number) a duplicate closed as
`merged` was merged into.

Revision ID: 0010
Revises: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("ledger_appeal") as batch:
        batch.add_column(sa.Column("suggested_category", sa.String(length=16), nullable=True))
        batch.add_column(sa.Column("merged_into", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("ledger_appeal") as batch:
        batch.drop_column("merged_into")
        batch.drop_column("suggested_category")
