"""public channels: online submissions and survey tokens

Revision ID: 0005
Revises: 0004
"""
import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "online_submission",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("token", sa.String(length=32), nullable=False),
        sa.Column("business_key", sa.String(length=64), nullable=False),
        sa.Column("form_nonce_hash", sa.String(length=64), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("process_instance_id", sa.String(length=64), nullable=True),
        sa.Column("client_ip_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_online_submission")),
        sa.UniqueConstraint("business_key", name=op.f("uq_online_submission_business_key")),
        sa.UniqueConstraint("form_nonce_hash", name=op.f("uq_online_submission_form_nonce_hash")),
        sa.UniqueConstraint("token", name=op.f("uq_online_submission_token")),
    )
    op.create_table(
        "survey_answer",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("process_instance_id", sa.String(length=64), nullable=False),
        sa.Column("follow_up_round", sa.Integer(), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("answered_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_answer")),
        sa.UniqueConstraint("process_instance_id", "follow_up_round", name="uq_survey_answer_instance_round"),
    )


def downgrade() -> None:
    op.drop_table("survey_answer")
    op.drop_table("online_submission")
