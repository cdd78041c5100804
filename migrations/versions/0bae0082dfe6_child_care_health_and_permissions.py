"""child_care: a child's health and permissions (« Santé et autorisations »): allergies,
diet, PAI, doctor, who may fetch them, photo consent, leaving alone; one row per child

Revision ID: 0bae0082dfe6
Revises: 16bfe8814aea
Create Date: 2026-11-29 01:16:21.992245

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0bae0082dfe6'
down_revision = '16bfe8814aea'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('child_care',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('person_id', sa.Integer(), nullable=False),
    sa.Column('allergies', sa.Text(), nullable=True),
    sa.Column('diet', sa.Enum('none', 'no_pork', 'vegetarian', 'no_meat', 'other', name='child_care_diet', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('diet_detail', sa.String(length=200), nullable=True),
    sa.Column('has_pai', sa.Boolean(), nullable=False),
    sa.Column('pai_detail', sa.String(length=250), nullable=True),
    sa.Column('doctor_name', sa.String(length=150), nullable=True),
    sa.Column('doctor_phone', sa.String(length=30), nullable=True),
    sa.Column('pickup_people', sa.Text(), nullable=True),
    sa.Column('photo_consent', sa.Enum('not_asked', 'yes', 'no', name='child_care_photo_consent', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('may_leave_alone', sa.Boolean(), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['person_id'], ['person.id'], name=op.f('fk_child_care_person_id_person'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_child_care')),
    sa.UniqueConstraint('person_id', name=op.f('uq_child_care_person_id'))
    )


def downgrade():
    op.drop_table('child_care')
