"""payments, their allocations to invoices, the payer's account ledger and deposits; deposits
draw their numbers from the same counters as invoices

Revision ID: d4a7b2c9e310
Revises: f6c9d1e2a035
Create Date: 2026-11-28 20:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'd4a7b2c9e310'
down_revision = 'f6c9d1e2a035'
branch_labels = None
depends_on = None

METHODS = ('cash', 'cheque', 'card', 'transfer', 'direct_debit', 'cesu', 'ancv')


def _money():
    # Money(): NUMERIC(12, 2) on PostgreSQL, integer cents on SQLite (see app/models/base.py).
    if op.get_bind().dialect.name == 'sqlite':
        return sa.Integer()
    return sa.Numeric(12, 2)


def _enum(name, *values):
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=32)


def upgrade():
    op.create_table(
        'deposit',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('regie_id', sa.Integer(), nullable=False),
        sa.Column('number', sa.String(length=30), nullable=False),
        sa.Column('date', sa.Date(), nullable=False),
        sa.Column('method', _enum('deposit_method', *METHODS), nullable=False),
        sa.Column('total', _money(), nullable=False),
        sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['regie_id'], ['regie.id'],
                                name=op.f('fk_deposit_regie_id_regie')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_deposit')),
        sa.UniqueConstraint('regie_id', 'number', name=op.f('uq_deposit_regie_id')),
    )
    with op.batch_alter_table('deposit', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_deposit_regie_id'), ['regie_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_deposit_date'), ['date'], unique=False)

    op.create_table(
        'payment',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('payer_id', sa.Integer(), nullable=False),
        sa.Column('regie_id', sa.Integer(), nullable=False),
        sa.Column('date', sa.Date(), nullable=False),
        sa.Column('method', _enum('payment_method', *METHODS), nullable=False),
        sa.Column('cheque_number', sa.String(length=30), nullable=True),
        sa.Column('bank', sa.String(length=100), nullable=True),
        sa.Column('product_id', sa.Integer(), nullable=True),
        sa.Column('amount', _money(), nullable=False),
        sa.Column('status', _enum('payment_status', 'ok', 'rejected'), nullable=False),
        sa.Column('reject_reason', sa.String(length=10), nullable=True),
        sa.Column('deposit_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint('amount > 0', name=op.f('ck_payment_positive_amount')),
        sa.ForeignKeyConstraint(['payer_id'], ['person.id'],
                                name=op.f('fk_payment_payer_id_person')),
        sa.ForeignKeyConstraint(['regie_id'], ['regie.id'],
                                name=op.f('fk_payment_regie_id_regie')),
        sa.ForeignKeyConstraint(['product_id'], ['product.id'],
                                name=op.f('fk_payment_product_id_product')),
        sa.ForeignKeyConstraint(['deposit_id'], ['deposit.id'],
                                name=op.f('fk_payment_deposit_id_deposit')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_payment')),
    )
    with op.batch_alter_table('payment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payment_payer_id'), ['payer_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_payment_date'), ['date'], unique=False)
        batch_op.create_index(batch_op.f('ix_payment_method'), ['method'], unique=False)
        batch_op.create_index(batch_op.f('ix_payment_product_id'), ['product_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_payment_deposit_id'), ['deposit_id'], unique=False)
        batch_op.create_index('ix_payment_regie_date', ['regie_id', 'date'], unique=False)

    op.create_table(
        'payment_allocation',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('payment_id', sa.Integer(), nullable=False),
        sa.Column('invoice_id', sa.Integer(), nullable=False),
        sa.Column('amount', _money(), nullable=False),
        sa.Column('from_account', sa.Boolean(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint('amount > 0', name=op.f('ck_payment_allocation_positive_amount')),
        sa.ForeignKeyConstraint(['payment_id'], ['payment.id'],
                                name=op.f('fk_payment_allocation_payment_id_payment'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['invoice_id'], ['invoice.id'],
                                name=op.f('fk_payment_allocation_invoice_id_invoice')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_payment_allocation')),
    )
    with op.batch_alter_table('payment_allocation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_payment_allocation_payment_id'), ['payment_id'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_payment_allocation_invoice_id'), ['invoice_id'],
                              unique=False)

    op.create_table(
        'account_entry',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('adult_id', sa.Integer(), nullable=False),
        sa.Column('regie_id', sa.Integer(), nullable=False),
        sa.Column('date', sa.Date(), nullable=False),
        sa.Column('label', sa.String(length=200), nullable=False),
        sa.Column('amount', _money(), nullable=False),
        sa.Column('kind', _enum('account_entry_kind', 'credit', 'allocation', 'refund', 'debit',
                                'rejection'), nullable=False),
        sa.Column('payment_id', sa.Integer(), nullable=True),
        sa.Column('invoice_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['adult_id'], ['person.id'],
                                name=op.f('fk_account_entry_adult_id_person')),
        sa.ForeignKeyConstraint(['regie_id'], ['regie.id'],
                                name=op.f('fk_account_entry_regie_id_regie')),
        sa.ForeignKeyConstraint(['payment_id'], ['payment.id'],
                                name=op.f('fk_account_entry_payment_id_payment'),
                                ondelete='CASCADE'),
        sa.ForeignKeyConstraint(['invoice_id'], ['invoice.id'],
                                name=op.f('fk_account_entry_invoice_id_invoice')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_account_entry')),
    )
    with op.batch_alter_table('account_entry', schema=None) as batch_op:
        batch_op.create_index('ix_account_entry_adult_regie', ['adult_id', 'regie_id'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_account_entry_payment_id'), ['payment_id'],
                              unique=False)
        batch_op.create_index(batch_op.f('ix_account_entry_invoice_id'), ['invoice_id'],
                              unique=False)

    with op.batch_alter_table('number_sequence', schema=None) as batch_op:
        batch_op.alter_column('kind', existing_type=_enum('sequence_kind', 'invoice',
                                                          'credit_note'),
                              type_=_enum('sequence_kind', 'invoice', 'credit_note', 'deposit'),
                              existing_nullable=False)


def downgrade():
    op.execute("DELETE FROM number_sequence WHERE kind = 'deposit'")
    with op.batch_alter_table('number_sequence', schema=None) as batch_op:
        batch_op.alter_column('kind', existing_type=_enum('sequence_kind', 'invoice',
                                                          'credit_note', 'deposit'),
                              type_=_enum('sequence_kind', 'invoice', 'credit_note'),
                              existing_nullable=False)
    op.drop_table('account_entry')
    op.drop_table('payment_allocation')
    op.drop_table('payment')
    op.drop_table('deposit')
