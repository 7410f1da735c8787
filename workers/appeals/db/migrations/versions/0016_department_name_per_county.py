"""each county's own name of a department: `ledger_department_name` (code, county → name)

Departments of two counties share a group id (`dept-industry`: 县工信局 in 某县, 乙县工业局 in 乙县), and
`ledger_department.name` held whichever county recorded last, so one county's bulletin or dashboard could
show the other county's name. The new table keeps the name per county (the tenant id of
`ledger_appeal.county`); `ledger_department.name` stays as the name of rows without a county and as the
fallback.

Backfill: for each department and county whose appeals name it, the name `ledger_department` holds now,
when the appeals of one county only name that department (then the name is that county's; rows without a
county count as another). A department two
counties share is left without per-county names: which county wrote the name last is unknown, so the
reports show it as before (the chart's names of the county's units still come first) until the county's
next milestone records its own, or `appeals ledger rebuild` records them all from the engine's history.

Revision ID: 0016
Revises: 0015
"""

import sqlalchemy as sa
from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "ledger_department_name",
        sa.Column("code", sa.String(length=64), nullable=False),
        sa.Column("county", sa.String(length=64), nullable=False),
        sa.Column("name", sa.String(length=128), nullable=False),
        sa.ForeignKeyConstraint(["code"], ["ledger_department.code"],
                                name=op.f("fk_ledger_department_name_code_ledger_department")),
        sa.PrimaryKeyConstraint("code", "county", name=op.f("pk_ledger_department_name")),
    )
    # departments recorded by the appeals of one county only: their name is that county's
    op.execute(sa.text("""
        INSERT INTO ledger_department_name (code, county, name)
        SELECT d.code, used.county, d.name
        FROM ledger_department d
        JOIN (SELECT code, MIN(county) AS county
              FROM (SELECT lead_department AS code, COALESCE(county, '') AS county FROM ledger_appeal
                    WHERE lead_department IS NOT NULL
                    UNION
                    SELECT handler_group AS code, COALESCE(county, '') AS county FROM ledger_appeal
                    WHERE handler_group IS NOT NULL) pairs
              GROUP BY code
              HAVING COUNT(DISTINCT county) = 1 AND MIN(county) <> '') used ON used.code = d.code
    """))


def downgrade() -> None:
    op.drop_table("ledger_department_name")
