"""synced_role: what sync-roles last gave each role of the code, so that a role the town edited is left alone

Revision ID: a60dcbb92baa
Revises: 359508c54bdc
Create Date: 2026-11-28 23:38:33.774627

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a60dcbb92baa'
down_revision = '359508c54bdc'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('synced_role',
    sa.Column('name', sa.String(length=64), nullable=False),
    sa.Column('fingerprint', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_synced_role'))
    )


def downgrade():
    op.drop_table('synced_role')
