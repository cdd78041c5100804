"""regie.payment_term_days: how many days families get to pay, from which « Créer un groupe de
factures » proposes the due date

Revision ID: d4a7b2c9e013
Revises: c3d91f0a7e21
Create Date: 2026-11-28 20:20:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'd4a7b2c9e013'
down_revision = 'c3d91f0a7e21'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('regie') as batch_op:
        batch_op.add_column(sa.Column('payment_term_days', sa.Integer(), nullable=True))


def downgrade():
    with op.batch_alter_table('regie') as batch_op:
        batch_op.drop_column('payment_term_days')
