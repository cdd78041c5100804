"""money_journal: the append-only, hash-chained journal of operations on money and invoices,
and its one-row head (count and last hash); on PostgreSQL and SQLite, triggers refuse UPDATE
and DELETE of journal rows and let the head only move forward onto an existing row

Revision ID: b3f1e7a9c420
Revises: a4488bd18592
Create Date: 2026-11-29 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = 'b3f1e7a9c420'
down_revision = 'a4488bd18592'
branch_labels = None
depends_on = None

GENESIS = "0" * 64

# Kept in step with app.cli's `audit grants` and docs/security.md.
PG_TRIGGERS = [
    """CREATE FUNCTION money_journal_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION 'money_journal is append-only: % refused', TG_OP
            USING ERRCODE = 'insufficient_privilege';
    END $$""",
    """CREATE TRIGGER money_journal_append_only BEFORE UPDATE OR DELETE ON money_journal
    FOR EACH ROW EXECUTE FUNCTION money_journal_refuse_change()""",
    """CREATE TRIGGER money_journal_no_truncate BEFORE TRUNCATE ON money_journal
    FOR EACH STATEMENT EXECUTE FUNCTION money_journal_refuse_change()""",
    """CREATE FUNCTION money_journal_head_forward() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'DELETE' OR NEW.id <> OLD.id OR NEW.seq <> OLD.seq + 1
           OR NOT EXISTS (SELECT 1 FROM money_journal
                          WHERE seq = NEW.seq AND hash = NEW.hash) THEN
            RAISE EXCEPTION 'money_journal_head only moves forward onto a journal row'
                USING ERRCODE = 'insufficient_privilege';
        END IF;
        RETURN NEW;
    END $$""",
    """CREATE TRIGGER money_journal_head_forward BEFORE UPDATE OR DELETE ON money_journal_head
    FOR EACH ROW EXECUTE FUNCTION money_journal_head_forward()""",
]
SQLITE_TRIGGERS = [
    """CREATE TRIGGER money_journal_no_update BEFORE UPDATE ON money_journal
    BEGIN SELECT RAISE(ABORT, 'money_journal is append-only: UPDATE refused'); END""",
    """CREATE TRIGGER money_journal_no_delete BEFORE DELETE ON money_journal
    BEGIN SELECT RAISE(ABORT, 'money_journal is append-only: DELETE refused'); END""",
    """CREATE TRIGGER money_journal_head_forward BEFORE UPDATE ON money_journal_head
    WHEN NEW.id <> OLD.id OR NEW.seq <> OLD.seq + 1 OR NOT EXISTS (
        SELECT 1 FROM money_journal WHERE seq = NEW.seq AND hash = NEW.hash)
    BEGIN SELECT RAISE(ABORT, 'money_journal_head only moves forward onto a journal row'); END""",
    """CREATE TRIGGER money_journal_head_no_delete BEFORE DELETE ON money_journal_head
    BEGIN SELECT RAISE(ABORT, 'money_journal_head cannot be deleted'); END""",
]


def upgrade():
    op.create_table('money_journal',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('user_name', sa.String(length=200), nullable=True),
    sa.Column('action', sa.String(length=60), nullable=False),
    sa.Column('entity', sa.String(length=60), nullable=False),
    sa.Column('entity_id', sa.Integer(), nullable=True),
    sa.Column('before', sa.JSON(), nullable=True),
    sa.Column('after', sa.JSON(), nullable=True),
    sa.Column('previous_hash', sa.String(length=64), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_money_journal')),
    sa.UniqueConstraint('seq', name=op.f('uq_money_journal_seq'))
    )
    with op.batch_alter_table('money_journal', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_money_journal_action'), ['action'], unique=False)
        batch_op.create_index(batch_op.f('ix_money_journal_entity'), ['entity'], unique=False)
        batch_op.create_index(batch_op.f('ix_money_journal_entity_id'), ['entity_id'],
                              unique=False)
    head = op.create_table('money_journal_head',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_money_journal_head'))
    )
    op.bulk_insert(head, [{"id": 1, "seq": 0, "hash": GENESIS}])
    dialect = op.get_bind().dialect.name
    for statement in (PG_TRIGGERS if dialect == "postgresql"
                      else SQLITE_TRIGGERS if dialect == "sqlite" else []):
        op.execute(statement)


def downgrade():
    dialect = op.get_bind().dialect.name
    op.drop_table('money_journal_head')
    with op.batch_alter_table('money_journal', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_money_journal_entity_id'))
        batch_op.drop_index(batch_op.f('ix_money_journal_entity'))
        batch_op.drop_index(batch_op.f('ix_money_journal_action'))
    op.drop_table('money_journal')
    if dialect == "postgresql":
        op.execute("DROP FUNCTION IF EXISTS money_journal_head_forward()")
        op.execute("DROP FUNCTION IF EXISTS money_journal_refuse_change()")
