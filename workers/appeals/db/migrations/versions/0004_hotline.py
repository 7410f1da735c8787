"""12345 hotline orders and the quarantine

Revision ID: 0004
Revises: 0003
"""
import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('hotline_feed',
    sa.Column('feed', sa.String(length=255), nullable=False),
    sa.Column('watermark', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_run_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_success_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('last_report', sa.JSON(), nullable=True),
    sa.PrimaryKeyConstraint('feed', name=op.f('pk_hotline_feed'))
    )
    op.create_table('hotline_order',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('order_number', sa.String(length=64), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('origin', sa.String(length=255), nullable=True),
    sa.Column('state', sa.String(length=32), nullable=False),
    sa.Column('business_key', sa.String(length=80), nullable=False),
    sa.Column('process_instance_id', sa.String(length=64), nullable=True),
    sa.Column('registration', sa.JSON(), nullable=False),
    sa.Column('raw_payload', sa.JSON(), nullable=True),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('first_seen_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('remote_updated_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('needs_action', sa.Boolean(), nullable=False),
    sa.Column('claimed_until', sa.DateTime(timezone=True), nullable=True),
    sa.Column('start_attempts', sa.Integer(), nullable=False),
    sa.Column('withdraw_reason', sa.Text(), nullable=True),
    sa.Column('withdrawn_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('withdrawal_forwarded_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reminders', sa.JSON(), nullable=False),
    sa.Column('survey', sa.JSON(), nullable=True),
    sa.Column('status_pushed', sa.String(length=16), nullable=True),
    sa.Column('last_push_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('push_attempts', sa.Integer(), nullable=False),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hotline_order')),
    sa.UniqueConstraint('order_number', name=op.f('uq_hotline_order_order_number'))
    )
    op.create_index(op.f('ix_hotline_order_needs_action'), 'hotline_order', ['needs_action'], unique=False)
    op.create_table('hotline_quarantine',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('origin', sa.String(length=255), nullable=True),
    sa.Column('order_number', sa.String(length=64), nullable=True),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.Column('raw_record', sa.JSON(), nullable=True),
    sa.Column('raw_text', sa.Text(), nullable=True),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('resolved_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('resubmitted_as', sa.String(length=80), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hotline_quarantine')),
    sa.UniqueConstraint('source', 'fingerprint', name='uq_hotline_quarantine_source_fingerprint')
    )
    op.create_index(op.f('ix_hotline_quarantine_order_number'), 'hotline_quarantine', ['order_number'], unique=False)
    op.create_table('hotline_update',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('order_id', sa.Integer(), nullable=False),
    sa.Column('token', sa.String(length=160), nullable=False),
    sa.Column('milestone', sa.String(length=16), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('delivered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('remote_update_id', sa.String(length=64), nullable=True),
    sa.Column('attempts', sa.Integer(), nullable=False),
    sa.Column('last_attempt_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('last_error', sa.Text(), nullable=True),
    sa.Column('claimed_until', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['order_id'], ['hotline_order.id'], name=op.f('fk_hotline_update_order_id_hotline_order')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_hotline_update')),
    sa.UniqueConstraint('token', name=op.f('uq_hotline_update_token'))
    )
    op.create_index(op.f('ix_hotline_update_delivered_at'), 'hotline_update', ['delivered_at'], unique=False)
    op.create_index(op.f('ix_hotline_update_order_id'), 'hotline_update', ['order_id'], unique=False)


def downgrade() -> None:
    op.drop_index(op.f('ix_hotline_update_order_id'), table_name='hotline_update')
    op.drop_index(op.f('ix_hotline_update_delivered_at'), table_name='hotline_update')
    op.drop_table('hotline_update')
    op.drop_index(op.f('ix_hotline_quarantine_order_number'), table_name='hotline_quarantine')
    op.drop_table('hotline_quarantine')
    op.drop_index(op.f('ix_hotline_order_needs_action'), table_name='hotline_order')
    op.drop_table('hotline_order')
    op.drop_table('hotline_feed')
