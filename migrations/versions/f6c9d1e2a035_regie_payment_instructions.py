"""regie.payment_instructions: how the régie's families pay, printed on its invoices for payers
without a direct-debit mandate

Revision ID: f6c9d1e2a035
Revises: e5b8c3d0f124
Create Date: 2026-11-28 21:05:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'f6c9d1e2a035'
down_revision = 'e5b8c3d0f124'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('regie') as batch_op:
        batch_op.add_column(sa.Column('payment_instructions', sa.Text(), nullable=True))


def downgrade():
    with op.batch_alter_table('regie') as batch_op:
        batch_op.drop_column('payment_instructions')
