"""the ledger per county: `ledger_appeal.county` (issue 19)

Every ledger row records whose appeal it is: the county's Camunda tenant id (`mouxian`, `yixian`,
docs/city-level.md), so each county's figures, bulletin and dashboard count only its own appeals.

Backfill: the rows that exist were recorded when the ledger was the chart's own county's only (乙县's
appeals were told apart by their numbers alone), so they all go to the chart's own county — the `tenant`
of the org chart last synced (`org_snapshot`). Without a synced chart, or with a chart that names no
tenants, they stay NULL, which the reports read as the chart's own county too (docs/figures.md). An
appeal of another county recorded before this migration can be moved to its county with
`appeals ledger rebuild`, which takes the county from the instance's tenant.

The two covering indexes of the figures gain the county as their last column, so a county's figures
stay index-only.

Revision ID: 0012
Revises: 0011
"""

import json

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None

DISPATCHED = ["dispatched_at", "handler_group", "signed_at", "sign_due", "responded_on_time"]
RESULT_DUE = ["first_result_reported_at", "handling_due", "handler_group", "handled_on_time", "result_class"]


def _home_tenant(conn: sa.engine.Connection) -> str | None:
    content = conn.execute(sa.text("SELECT content FROM org_snapshot ORDER BY id DESC LIMIT 1")).scalar()
    if isinstance(content, str):
        content = json.loads(content)
    tenant = content.get("tenant") if isinstance(content, dict) else None
    return str(tenant) if tenant else None


def upgrade() -> None:
    with op.batch_alter_table("ledger_appeal") as batch:
        batch.add_column(sa.Column("county", sa.String(length=64), nullable=True))
        batch.drop_index("ix_ledger_appeal_dispatched")
        batch.drop_index("ix_ledger_appeal_result_due")
        batch.create_index("ix_ledger_appeal_dispatched", [*DISPATCHED, "county"], unique=False)
        batch.create_index("ix_ledger_appeal_result_due", [*RESULT_DUE, "county"], unique=False)
    conn = op.get_bind()
    tenant = _home_tenant(conn)
    if tenant:
        conn.execute(sa.text("UPDATE ledger_appeal SET county = :tenant WHERE county IS NULL"), {"tenant": tenant})


def downgrade() -> None:
    with op.batch_alter_table("ledger_appeal") as batch:
        batch.drop_index("ix_ledger_appeal_result_due")
        batch.drop_index("ix_ledger_appeal_dispatched")
        batch.create_index("ix_ledger_appeal_dispatched", DISPATCHED, unique=False)
        batch.create_index("ix_ledger_appeal_result_due", RESULT_DUE, unique=False)
        batch.drop_column("county")
