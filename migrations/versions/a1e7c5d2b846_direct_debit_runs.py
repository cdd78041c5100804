"""direct-debit runs: the pain.008 file kept on its deposit; a direct debit's mandate and
end-to-end id (what the bank's rejects quote); invoice.credits_invoice_id indexed (what an
invoice's credit notes add up to is read for every invoice a run or a state filter looks at)

Revision ID: a1e7c5d2b846
Revises: b8e4f0a3c257
Create Date: 2026-11-28 20:50:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'a1e7c5d2b846'
down_revision = 'b8e4f0a3c257'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('invoice') as batch_op:
        batch_op.create_index(batch_op.f('ix_invoice_credits_invoice_id'), ['credits_invoice_id'],
                              unique=False)
    with op.batch_alter_table('deposit') as batch_op:
        batch_op.add_column(sa.Column('sepa_file', sa.String(length=64), nullable=True))
    with op.batch_alter_table('payment') as batch_op:
        batch_op.add_column(sa.Column('mandate_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('end_to_end_id', sa.String(length=35), nullable=True))
        batch_op.create_foreign_key(batch_op.f('fk_payment_mandate_id_mandate'), 'mandate',
                                    ['mandate_id'], ['id'])
        batch_op.create_index(batch_op.f('ix_payment_mandate_id'), ['mandate_id'], unique=False)
        batch_op.create_unique_constraint(batch_op.f('uq_payment_end_to_end_id'),
                                          ['end_to_end_id'])


def downgrade():
    with op.batch_alter_table('payment') as batch_op:
        batch_op.drop_constraint(batch_op.f('uq_payment_end_to_end_id'), type_='unique')
        batch_op.drop_index(batch_op.f('ix_payment_mandate_id'))
        batch_op.drop_constraint(batch_op.f('fk_payment_mandate_id_mandate'), type_='foreignkey')
        batch_op.drop_column('end_to_end_id')
        batch_op.drop_column('mandate_id')
    with op.batch_alter_table('deposit') as batch_op:
        batch_op.drop_column('sepa_file')
    with op.batch_alter_table('invoice') as batch_op:
        batch_op.drop_index(batch_op.f('ix_invoice_credits_invoice_id'))
