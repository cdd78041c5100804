"""invoice_reminder: the reminder letters sent for overdue invoices (date, amount due then, the
document saved into the payer's records)

Revision ID: a7d3e9f2b146
Revises: d4a7b2c9e310
Create Date: 2026-11-28 21:35:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'a7d3e9f2b146'
down_revision = 'd4a7b2c9e310'
branch_labels = None
depends_on = None


def _money():
    # Money(): NUMERIC(12, 2) on PostgreSQL, integer cents on SQLite (see app/models/base.py).
    if op.get_bind().dialect.name == 'sqlite':
        return sa.Integer()
    return sa.Numeric(12, 2)


def upgrade():
    op.create_table(
        'invoice_reminder',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('invoice_id', sa.Integer(), nullable=False),
        sa.Column('sent_on', sa.Date(), nullable=False),
        sa.Column('amount_due', _money(), nullable=False),
        sa.Column('document_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['invoice_id'], ['invoice.id'],
                                name=op.f('fk_invoice_reminder_invoice_id_invoice'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['document_id'], ['document.id'],
                                name=op.f('fk_invoice_reminder_document_id_document'),
                                ondelete='SET NULL'),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_invoice_reminder')),
    )
    op.create_index(op.f('ix_invoice_reminder_invoice_id'), 'invoice_reminder', ['invoice_id'],
                    unique=False)


def downgrade():
    op.drop_index(op.f('ix_invoice_reminder_invoice_id'), table_name='invoice_reminder')
    op.drop_table('invoice_reminder')
