"""account_entry names the day a prepaid booking debits or refunds (person, service, day) and
the booking it paid for

Revision ID: b8e4f0a3c257
Revises: a7d3e9f2b146
Create Date: 2026-11-28 21:45:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'b8e4f0a3c257'
down_revision = 'a7d3e9f2b146'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('account_entry') as batch_op:
        batch_op.add_column(sa.Column('person_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('service_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('service_date', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('booking_id', sa.Integer(), nullable=True))
        batch_op.create_foreign_key(op.f('fk_account_entry_person_id_person'), 'person',
                                    ['person_id'], ['id'])
        batch_op.create_foreign_key(op.f('fk_account_entry_service_id_service'), 'service',
                                    ['service_id'], ['id'])
        batch_op.create_index('ix_account_entry_booked_day',
                              ['person_id', 'service_id', 'service_date'], unique=False)
        batch_op.create_index(op.f('ix_account_entry_booking_id'), ['booking_id'], unique=False)


def downgrade():
    with op.batch_alter_table('account_entry') as batch_op:
        batch_op.drop_index(op.f('ix_account_entry_booking_id'))
        batch_op.drop_index('ix_account_entry_booked_day')
        batch_op.drop_constraint(op.f('fk_account_entry_service_id_service'), type_='foreignkey')
        batch_op.drop_constraint(op.f('fk_account_entry_person_id_person'), type_='foreignkey')
        batch_op.drop_column('booking_id')
        batch_op.drop_column('service_date')
        batch_op.drop_column('service_id')
        batch_op.drop_column('person_id')
