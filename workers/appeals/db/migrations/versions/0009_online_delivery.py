"""online submissions kept until the engine takes them (issue 12, kind 2)

Revision ID: 0009
Revises: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "online_delivery",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("submission_id", sa.Integer(), nullable=False),
        sa.Column("business_key", sa.String(length=64), nullable=False),
        sa.Column("variables", sa.Text(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("next_attempt_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("leased_until", sa.DateTime(timezone=True), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("delivered_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["submission_id"], ["online_submission.id"],
                                name=op.f("fk_online_delivery_submission_id_online_submission")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_online_delivery")),
        sa.UniqueConstraint("business_key", name=op.f("uq_online_delivery_business_key")),
        sa.UniqueConstraint("submission_id", name=op.f("uq_online_delivery_submission_id")),
    )


def downgrade() -> None:
    op.drop_table("online_delivery")
