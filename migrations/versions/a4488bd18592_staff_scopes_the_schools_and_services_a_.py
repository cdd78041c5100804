"""staff scopes: the schools and services a staff member is attached to

Revision ID: a4488bd18592
Revises: a60dcbb92baa
Create Date: 2026-11-28 23:39:39.007652

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'a4488bd18592'
down_revision = 'a60dcbb92baa'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('staff_scope_school',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['school_id'], ['school.id'], name=op.f('fk_staff_scope_school_school_id_school'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['ab_user.id'], name=op.f('fk_staff_scope_school_user_id_ab_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'school_id', name=op.f('pk_staff_scope_school'))
    )
    op.create_table('staff_scope_service',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('service_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['service_id'], ['service.id'], name=op.f('fk_staff_scope_service_service_id_service'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['ab_user.id'], name=op.f('fk_staff_scope_service_user_id_ab_user'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('user_id', 'service_id', name=op.f('pk_staff_scope_service'))
    )


def downgrade():
    op.drop_table('staff_scope_service')
    op.drop_table('staff_scope_school')
