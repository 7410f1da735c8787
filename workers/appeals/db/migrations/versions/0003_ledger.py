"""the reporting ledger: appeals, follow-ups, enterprises, departments, cards (docs/figures.md)

Revision ID: 0003
Revises: 0002
"""
import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('ledger_department',
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('name', sa.String(length=128), nullable=False),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_ledger_department'))
    )
    op.create_table('ledger_enterprise',
    sa.Column('credit_code', sa.String(length=18), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('address', sa.String(length=200), nullable=True),
    sa.PrimaryKeyConstraint('credit_code', name=op.f('pk_ledger_enterprise'))
    )
    op.create_table('ledger_appeal',
    sa.Column('process_instance_id', sa.String(length=64), nullable=False),
    sa.Column('business_key', sa.String(length=128), nullable=True),
    sa.Column('registration_number', sa.String(length=64), nullable=True),
    sa.Column('external_id', sa.String(length=64), nullable=True),
    sa.Column('channel', sa.String(length=16), nullable=True),
    sa.Column('category', sa.String(length=16), nullable=True),
    sa.Column('kind', sa.String(length=16), nullable=True),
    sa.Column('credit_code', sa.String(length=18), nullable=True),
    sa.Column('enterprise_name', sa.String(length=200), nullable=True),
    sa.Column('contact_name', sa.String(length=50), nullable=True),
    sa.Column('contact_phone', sa.String(length=32), nullable=True),
    sa.Column('problem_description', sa.Text(), nullable=True),
    sa.Column('requested_help', sa.Text(), nullable=True),
    sa.Column('lead_department', sa.String(length=64), nullable=True),
    sa.Column('handler_group', sa.String(length=64), nullable=True),
    sa.Column('assisting_departments', sa.JSON(), nullable=True),
    sa.Column('assisting_department_names', sa.String(length=500), nullable=True),
    sa.Column('dispatch_situation', sa.String(length=16), nullable=True),
    sa.Column('dispatch_number', sa.String(length=64), nullable=True),
    sa.Column('transfer_number', sa.String(length=64), nullable=True),
    sa.Column('dispatch_count', sa.Integer(), nullable=False),
    sa.Column('return_count', sa.Integer(), nullable=False),
    sa.Column('last_return_reason', sa.Text(), nullable=True),
    sa.Column('handler_name', sa.String(length=50), nullable=True),
    sa.Column('status', sa.String(length=32), nullable=False),
    sa.Column('received_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('registered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('dispatched_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('signed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('first_result_reported_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('result_reported_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('followed_up_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('closed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('sign_due', sa.DateTime(timezone=True), nullable=True),
    sa.Column('handling_due_initial', sa.DateTime(timezone=True), nullable=True),
    sa.Column('handling_due', sa.DateTime(timezone=True), nullable=True),
    sa.Column('extension_count', sa.Integer(), nullable=False),
    sa.Column('result_class', sa.String(length=1), nullable=True),
    sa.Column('reply_text', sa.Text(), nullable=True),
    sa.Column('reply_method', sa.String(length=16), nullable=True),
    sa.Column('last_satisfaction', sa.String(length=24), nullable=True),
    sa.Column('satisfied', sa.Boolean(), nullable=True),
    sa.Column('follow_up_rounds', sa.Integer(), nullable=False),
    sa.Column('follow_up_outcome', sa.String(length=16), nullable=True),
    sa.Column('handling_round', sa.Integer(), nullable=True),
    sa.Column('close_reason', sa.String(length=32), nullable=True),
    sa.Column('responded_on_time', sa.Boolean(), nullable=True),
    sa.Column('handled_on_time', sa.Boolean(), nullable=True),
    sa.ForeignKeyConstraint(['credit_code'], ['ledger_enterprise.credit_code'], name=op.f('fk_ledger_appeal_credit_code_ledger_enterprise')),
    sa.ForeignKeyConstraint(['handler_group'], ['ledger_department.code'], name=op.f('fk_ledger_appeal_handler_group_ledger_department')),
    sa.ForeignKeyConstraint(['lead_department'], ['ledger_department.code'], name=op.f('fk_ledger_appeal_lead_department_ledger_department')),
    sa.PrimaryKeyConstraint('process_instance_id', name=op.f('pk_ledger_appeal'))
    )
    with op.batch_alter_table('ledger_appeal', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_ledger_appeal_credit_code'), ['credit_code'], unique=False)
        batch_op.create_index('ix_ledger_appeal_closed', ['closed_at'], unique=False)
        batch_op.create_index('ix_ledger_appeal_dispatched',
                              ['dispatched_at', 'handler_group', 'signed_at', 'sign_due', 'responded_on_time'],
                              unique=False)
        batch_op.create_index('ix_ledger_appeal_received', ['received_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_ledger_appeal_registration_number'), ['registration_number'], unique=False)
        batch_op.create_index('ix_ledger_appeal_result_due',
                              ['first_result_reported_at', 'handling_due', 'handler_group', 'handled_on_time',
                               'result_class'], unique=False)
    op.create_table('ledger_card',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('department', sa.String(length=64), nullable=False),
    sa.Column('process_instance_id', sa.String(length=64), nullable=True),
    sa.Column('kind', sa.String(length=8), nullable=False),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reason', sa.Text(), nullable=True),
    sa.Column('escalation', sa.String(length=32), nullable=True),
    sa.Column('source_key', sa.String(length=128), nullable=True),
    sa.CheckConstraint("kind IN ('yellow', 'red')", name=op.f('ck_ledger_card_kind')),
    sa.ForeignKeyConstraint(['department'], ['ledger_department.code'], name=op.f('fk_ledger_card_department_ledger_department')),
    sa.ForeignKeyConstraint(['process_instance_id'], ['ledger_appeal.process_instance_id'], name=op.f('fk_ledger_card_process_instance_id_ledger_appeal')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_ledger_card')),
    sa.UniqueConstraint('source_key', name=op.f('uq_ledger_card_source_key'))
    )
    with op.batch_alter_table('ledger_card', schema=None) as batch_op:
        batch_op.create_index('ix_ledger_card_department_issued', ['department', 'issued_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_ledger_card_issued_at'), ['issued_at'], unique=False)
        batch_op.create_index(batch_op.f('ix_ledger_card_process_instance_id'), ['process_instance_id'], unique=False)
    op.create_table('ledger_follow_up',
    sa.Column('process_instance_id', sa.String(length=64), nullable=False),
    sa.Column('seq', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('handling_round', sa.Integer(), nullable=True),
    sa.Column('satisfaction', sa.String(length=24), nullable=True),
    sa.Column('really_solved', sa.Boolean(), nullable=True),
    sa.Column('method', sa.String(length=16), nullable=True),
    sa.Column('note', sa.Text(), nullable=True),
    sa.ForeignKeyConstraint(['process_instance_id'], ['ledger_appeal.process_instance_id'], name=op.f('fk_ledger_follow_up_process_instance_id_ledger_appeal'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('process_instance_id', 'seq', name=op.f('pk_ledger_follow_up'))
    )
    with op.batch_alter_table('ledger_follow_up', schema=None) as batch_op:
        batch_op.create_index('ix_ledger_follow_up_at', ['at', 'process_instance_id', 'satisfaction'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('ledger_follow_up', schema=None) as batch_op:
        batch_op.drop_index('ix_ledger_follow_up_at')
    op.drop_table('ledger_follow_up')
    with op.batch_alter_table('ledger_card', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_ledger_card_process_instance_id'))
        batch_op.drop_index(batch_op.f('ix_ledger_card_issued_at'))
        batch_op.drop_index('ix_ledger_card_department_issued')
    op.drop_table('ledger_card')
    with op.batch_alter_table('ledger_appeal', schema=None) as batch_op:
        batch_op.drop_index('ix_ledger_appeal_result_due')
        batch_op.drop_index(batch_op.f('ix_ledger_appeal_registration_number'))
        batch_op.drop_index('ix_ledger_appeal_received')
        batch_op.drop_index('ix_ledger_appeal_dispatched')
        batch_op.drop_index(batch_op.f('ix_ledger_appeal_credit_code'))
        batch_op.drop_index('ix_ledger_appeal_closed')
    op.drop_table('ledger_appeal')
    op.drop_table('ledger_enterprise')
    op.drop_table('ledger_department')
