"""staff scopes: a school or service in someone's scope can no longer be deleted (its scope
rows went with it, and a scope left empty meant « no limit »)

Revision ID: c7d2e8f4a911
Revises: 0bae0082dfe6
Create Date: 2026-11-29 02:00:00

"""
from alembic import op


revision = 'c7d2e8f4a911'
down_revision = '0bae0082dfe6'
branch_labels = None
depends_on = None


def _refer(ondelete):
    for target in ("school", "service"):
        with op.batch_alter_table(f"staff_scope_{target}") as batch_op:
            name = f"fk_staff_scope_{target}_{target}_id_{target}"
            batch_op.drop_constraint(name, type_="foreignkey")
            batch_op.create_foreign_key(name, target, [f"{target}_id"], ["id"],
                                        ondelete=ondelete)


def upgrade():
    _refer(None)


def downgrade():
    _refer("CASCADE")
