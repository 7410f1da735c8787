"""the level of a card: a county's department's or a city department's (issue 19, docs/city-level.md)

`ledger_card.level` is `county` or `city`. The city supervises its departments with a county's rules
(临沧 第十八条): an overdue city department gets the city's 催办函 and a card from the same ladder
(dmn/CardLadder.dmn at level `city`), recorded against the county appeal the city handles. A county's
figures, workbook, bulletin and dashboard count only the cards of level `county`; the city's comparison
(`appeals city-report`) lists the city's.

Backfill: every card that exists was issued by a county (the city had no card ladder), so the server
default `county` fills them.

Revision ID: 0014
Revises: 0013
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("ledger_card") as batch:
        batch.add_column(sa.Column("level", sa.String(length=8), nullable=False, server_default="county"))
        batch.create_check_constraint(op.f("ck_ledger_card_level"), "level IN ('county', 'city')")


def downgrade() -> None:
    with op.batch_alter_table("ledger_card") as batch:
        batch.drop_constraint(op.f("ck_ledger_card_level"), type_="check")
        batch.drop_column("level")
