"""invoiced days are recorded on invoice lines: first/last date and a (person, service) index
on invoice_line; the booking and attendance flags go; rules are found from subscriptions

Revision ID: b51d0c2e7f10
Revises: a8372884623c
Create Date: 2026-11-28 07:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'b51d0c2e7f10'
down_revision = 'a8372884623c'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('invoice_line', schema=None) as batch_op:
        batch_op.add_column(sa.Column('first_date', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('last_date', sa.Date(), nullable=True))
        batch_op.create_index('ix_invoice_line_person_service', ['person_id', 'service_id'],
                              unique=False)
    op.create_index('ix_billing_rule_subscription_subscription', 'billing_rule_subscription',
                    ['subscription_id'])
    # Lines list their days in ascending ISO order: the first and last ten characters.
    # (SQLite keeps dates as that very text.)
    as_date = "CAST(%s AS DATE)" if _postgresql() else "%s"
    op.execute("UPDATE invoice_line SET first_date = %s, last_date = %s WHERE length(dates) >= 10"
               % (as_date % "substr(dates, 1, 10)",
                  as_date % "substr(dates, length(dates) - 9, 10)"))
    with op.batch_alter_table('booking', schema=None) as batch_op:
        batch_op.drop_column('invoiced')
    with op.batch_alter_table('attendance', schema=None) as batch_op:
        batch_op.drop_column('invoiced')


def _postgresql():
    return op.get_bind().dialect.name == "postgresql"


def downgrade():
    day_text = "to_char(%s.date, 'YYYY-MM-DD')" if _postgresql() else "%s.date"
    for table in ('attendance', 'booking'):
        with op.batch_alter_table(table, schema=None) as batch_op:
            batch_op.add_column(sa.Column('invoiced', sa.Boolean(), server_default=sa.false(),
                                          nullable=False))
        op.execute(
            "UPDATE {t} SET invoiced = true WHERE EXISTS (SELECT 1 FROM invoice_line l "
            "WHERE l.person_id = {t}.person_id AND l.service_id = {t}.service_id "
            "AND l.dates LIKE '%' || {day} || '%')".format(t=table, day=day_text % table))
    op.drop_index('ix_billing_rule_subscription_subscription', 'billing_rule_subscription')
    with op.batch_alter_table('invoice_line', schema=None) as batch_op:
        batch_op.drop_index('ix_invoice_line_person_service')
        batch_op.drop_column('last_date')
        batch_op.drop_column('first_date')
