"""number series keys for every tenant id Camunda allows (`kind@tenant` up to 82 characters)

A county other than the chart's own numbers in series keyed `{kind}@{tenant}` (numbering.series_kind).
With VARCHAR(32) a tenant id of more than 14 characters (e.g. `shuangjiangxian`) did not fit beside
`city_registration`; the org chart refused it. 96 characters hold the longest kind, `@` and a tenant
id of 64 (org.chart.TENANT_PATTERN, Camunda's own limit). Widening keeps every number already issued.

Revision ID: 0015
Revises: 0014
"""

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

TABLES = ("number_sequence", "issued_number")


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.alter_column("kind", existing_type=sa.String(length=32), type_=sa.String(length=96),
                               existing_nullable=False)


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.alter_column("kind", existing_type=sa.String(length=96), type_=sa.String(length=32),
                               existing_nullable=False)
