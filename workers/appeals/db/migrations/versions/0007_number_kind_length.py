"""number kinds longer than eight characters (PostgreSQL refused `registration`)

The number kinds (`numbering.KINDS`: registration, dispatch, transfer, reminder) were declared
VARCHAR(8); SQLite ignores declared lengths, PostgreSQL refuses `registration`. Widening keeps every
number already issued (an ALTER of the type, no copy on PostgreSQL; a batch copy on SQLite).

Revision ID: 0007
Revises: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

TABLES = ("number_sequence", "issued_number")


def upgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.alter_column("kind", existing_type=sa.String(length=8), type_=sa.String(length=32),
                               existing_nullable=False)


def downgrade() -> None:
    for table in TABLES:
        with op.batch_alter_table(table) as batch:
            batch.alter_column("kind", existing_type=sa.String(length=32), type_=sa.String(length=8),
                               existing_nullable=False)
