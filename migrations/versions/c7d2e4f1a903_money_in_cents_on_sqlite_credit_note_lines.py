"""money kept exact on SQLite (integer cents); credit-note lines name the invoice line whose
days they cancel; an invoice keeps the régie's name and code it was issued under

Revision ID: c7d2e4f1a903
Revises: b51d0c2e7f10
Create Date: 2026-11-28 17:30:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'c7d2e4f1a903'
down_revision = 'b51d0c2e7f10'
branch_labels = None
depends_on = None

# (table, column, precision, nullable): every amount or quotient. On PostgreSQL they stay
# NUMERIC; on SQLite NUMERIC meant floats, so they become integer cents.
AMOUNTS = [
    ('tariff', 'unit_price', 12, True),
    ('tariff_bracket', 'qf_min', 10, False),
    ('tariff_bracket', 'qf_max', 10, True),
    ('tariff_bracket', 'unit_price', 12, False),
    ('family_quotient', 'value', 10, False),
    ('invoice', 'total', 12, False),
    ('invoice_line', 'unit_price', 12, False),
    ('invoice_line', 'amount', 12, False),
    ('adjustment', 'amount', 12, False),
]


def _sqlite():
    return op.get_bind().dialect.name == "sqlite"


def upgrade():
    with op.batch_alter_table('invoice_line', schema=None) as batch_op:
        batch_op.add_column(sa.Column('cancels_line_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key('fk_invoice_line_cancels_line_id_invoice_line',
                                    'invoice_line', ['cancels_line_id'], ['id'])
        batch_op.create_index('ix_invoice_line_cancels_line_id', ['cancels_line_id'])
    with op.batch_alter_table('invoice', schema=None) as batch_op:
        batch_op.add_column(sa.Column('regie_name', sa.String(length=150), nullable=True))
        batch_op.add_column(sa.Column('regie_code', sa.String(length=20), nullable=True))
    op.execute("UPDATE invoice SET regie_name = (SELECT name FROM regie WHERE regie.id = "
               "invoice.regie_id), regie_code = (SELECT code FROM regie WHERE regie.id = "
               "invoice.regie_id) WHERE status <> 'draft'")
    if not _sqlite():
        return
    for table, column, precision, nullable in AMOUNTS:
        op.execute(f"UPDATE {table} SET {column} = CAST(ROUND({column} * 100) AS INTEGER)")
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.alter_column(column, type_=sa.Integer(),
                                  existing_type=sa.Numeric(precision, 2),
                                  existing_nullable=nullable)


def downgrade():
    if _sqlite():
        for table, column, precision, nullable in AMOUNTS:
            with op.batch_alter_table(table, schema=None) as batch_op:
                batch_op.alter_column(column, type_=sa.Numeric(precision, 2),
                                      existing_type=sa.Integer(), existing_nullable=nullable)
            op.execute(f"UPDATE {table} SET {column} = {column} / 100.0")
    with op.batch_alter_table('invoice', schema=None) as batch_op:
        batch_op.drop_column('regie_code')
        batch_op.drop_column('regie_name')
    with op.batch_alter_table('invoice_line', schema=None) as batch_op:
        batch_op.drop_index('ix_invoice_line_cancels_line_id')
        batch_op.drop_constraint('fk_invoice_line_cancels_line_id_invoice_line',
                                 type_='foreignkey')
        batch_op.drop_column('cancels_line_id')
