"""mandate: the SEPA mandates adults sign for a régie (RUM unique per régie, IBAN, BIC, status,
first collection date that makes the sequence recurrent, IBAN before an amendment)

Revision ID: e5b8c3d0f124
Revises: d4a7b2c9e013
Create Date: 2026-11-28 20:50:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'e5b8c3d0f124'
down_revision = 'd4a7b2c9e013'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'mandate',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('adult_id', sa.Integer(), nullable=False),
        sa.Column('regie_id', sa.Integer(), nullable=False),
        sa.Column('rum', sa.String(length=35), nullable=False),
        sa.Column('signed_on', sa.Date(), nullable=False),
        sa.Column('iban', sa.String(length=34), nullable=False),
        sa.Column('bic', sa.String(length=11), nullable=True),
        sa.Column('status', sa.Enum('active', 'revoked', name='mandate_status',
                                    native_enum=False, create_constraint=True, length=32),
                  nullable=False),
        sa.Column('revoked_on', sa.Date(), nullable=True),
        sa.Column('first_collected_on', sa.Date(), nullable=True),
        sa.Column('amended_from_iban', sa.String(length=34), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(['adult_id'], ['person.id'],
                                name=op.f('fk_mandate_adult_id_person')),
        sa.ForeignKeyConstraint(['regie_id'], ['regie.id'],
                                name=op.f('fk_mandate_regie_id_regie')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_mandate')),
        sa.UniqueConstraint('regie_id', 'rum', name='uq_mandate_regie_rum'),
    )
    op.create_index(op.f('ix_mandate_adult_id'), 'mandate', ['adult_id'], unique=False)
    op.create_index(op.f('ix_mandate_regie_id'), 'mandate', ['regie_id'], unique=False)
    op.create_index(op.f('ix_mandate_status'), 'mandate', ['status'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_mandate_status'), table_name='mandate')
    op.drop_index(op.f('ix_mandate_regie_id'), table_name='mandate')
    op.drop_index(op.f('ix_mandate_adult_id'), table_name='mandate')
    op.drop_table('mandate')
