"""the county of a 12345 order: each county has its own feed (docs/city-level.md)

`hotline_order.county` and `hotline_quarantine.county` name the county (its Camunda tenant) whose feed
or import brought the record; the appeal starts in that county's tenant and its status goes back to that
county's feed. NULL: the chart's own county (every order before several counties had feeds).

Revision ID: 0013
Revises: 0012
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("hotline_order") as batch:
        batch.add_column(sa.Column("county", sa.String(length=64), nullable=True))
    with op.batch_alter_table("hotline_quarantine") as batch:
        batch.add_column(sa.Column("county", sa.String(length=64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("hotline_quarantine") as batch:
        batch.drop_column("county")
    with op.batch_alter_table("hotline_order") as batch:
        batch.drop_column("county")
