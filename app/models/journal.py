"""The money journal: an append-only, hash-chained record of every operation that changes
money or an invoice (see app.services.journal for why it is its own table)."""
import sqlalchemy as sa
from flask_appbuilder import Model

from app.models.base import created_at_column


class JournalEntry(Model):
    __tablename__ = "money_journal"
    id = sa.Column(sa.Integer, primary_key=True)
    # Gapless, from 1: a deleted row leaves a hole the chain alone could hide if its
    # neighbours were re-hashed.
    seq = sa.Column(sa.Integer, nullable=False, unique=True)
    at = created_at_column()
    # No foreign key: deleting a staff login would otherwise rewrite (SET NULL) journal rows,
    # which the journal refuses. The name is the one the user had then.
    user_id = sa.Column(sa.Integer)
    user_name = sa.Column(sa.String(200))
    action = sa.Column(sa.String(60), nullable=False, index=True)
    entity = sa.Column(sa.String(60), nullable=False, index=True)
    entity_id = sa.Column(sa.Integer, index=True)
    before = sa.Column(sa.JSON)
    after = sa.Column(sa.JSON)
    previous_hash = sa.Column(sa.String(64), nullable=False)
    hash = sa.Column(sa.String(64), nullable=False)


class JournalHead(Model):
    """One row (id 1): how many journal rows there are and the last one's hash. Locked to
    append, so that two transactions never chain onto the same row; compared by the check,
    so that a deleted last row is noticed too."""
    __tablename__ = "money_journal_head"
    id = sa.Column(sa.Integer, primary_key=True)
    seq = sa.Column(sa.Integer, nullable=False, default=0)
    hash = sa.Column(sa.String(64), nullable=False)
