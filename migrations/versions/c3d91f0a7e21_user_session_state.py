"""user_session_state: a session version per user, bumped at logout and at password change, so
that a copied session cookie or API token stops working

Revision ID: c3d91f0a7e21
Revises: c7d2e4f1a903
Create Date: 2026-11-28 09:00:00

"""
from alembic import op
import sqlalchemy as sa


revision = 'c3d91f0a7e21'
down_revision = 'c7d2e4f1a903'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        'user_session_state',
        sa.Column('user_id', sa.Integer(), nullable=False),
        sa.Column('version', sa.Integer(), server_default='0', nullable=False),
        sa.ForeignKeyConstraint(['user_id'], ['ab_user.id'],
                                name=op.f('fk_user_session_state_user_id_ab_user'),
                                ondelete='CASCADE'),
        sa.PrimaryKeyConstraint('user_id', name=op.f('pk_user_session_state')),
    )


def downgrade():
    op.drop_table('user_session_state')
