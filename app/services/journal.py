"""The money journal (« Journal des opérations »): every operation that changes money or an
invoice appends one row saying who, when, what, and the values before and after, chained to
the previous row by a SHA-256 hash, so that an edited or deleted row is detected by
`flask marelle audit verify` and by the admin page.

Why a table of its own (money_journal) rather than evolving audit_log:
- audit_log also records identity events (a parent moved between households, a record
  archived) that the data-protection purge must be able to pseudonymise; a table no one may
  UPDATE or DELETE cannot hold them;
- its existing rows were written without a chain: hashing them now would attest to whatever
  they hold today, proving nothing about their past;
- the journal's protection (no UPDATE/DELETE grant, refusing triggers) is simplest on a table
  that holds nothing else. Non-money events stay in audit_log (app.services.audit).

The chain: row n holds seq n (gapless from 1), previous_hash (row n-1's hash, or 64 zeros)
and hash = SHA-256 of the canonical JSON of its fields (sorted keys, no spaces, amounts as
strings "12.50", dates ISO, the time in UTC to the microsecond) including previous_hash. The
one-row head table holds the last seq and hash: appending locks it (FOR UPDATE on
PostgreSQL; SQLite has one writer at a time, Marelle's write transactions begin IMMEDIATE),
so two transactions never chain onto the same row; verifying compares it with the last row,
so that deleting the last row is detected too. On PostgreSQL, triggers refuse UPDATE and
DELETE of journal rows, and let the head only move forward onto an existing row.

Bulk operations (validating 12,000 invoices, a direct-debit run, a reject file) write one row
summarising what changed on every invoice or payment, never one row each.
"""
import hashlib
import json
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, datetime, timezone
from decimal import Decimal
from typing import Optional

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import ngettext

from app.extensions import db
from app.models import JournalEntry, JournalHead
from app.models.base import utcnow
from app.security import acting_user

GENESIS = "0" * 64
HEAD_ID = 1
# The user who submitted a background job: the job's operations are theirs.
_job_user_id: ContextVar[Optional[int]] = ContextVar("journal_job_user_id", default=None)


@contextmanager
def acting_as(user_id: Optional[int]):
    token = _job_user_id.set(user_id)
    try:
        yield
    finally:
        _job_user_id.reset(token)


def _who() -> tuple:
    user = acting_user()
    if user is None and _job_user_id.get() is not None:
        from flask import current_app

        user = db.session.get(current_app.appbuilder.sm.user_model, _job_user_id.get())
    if user is None:
        return None, None
    name = " ".join(x for x in (user.first_name, user.last_name) if x) or user.username
    return user.id, f"{name} ({user.username})"[:200]


def plain(value):
    """A value as the journal stores and hashes it: JSON types only, amounts as "12.50",
    dates ISO, keys as strings — what is read back is exactly what was hashed."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        items = [plain(v) for v in value]
        return sorted(items, key=repr) if isinstance(value, (set, frozenset)) else items
    if isinstance(value, Decimal):
        return str(value.quantize(Decimal("0.01"))) if value == value.quantize(
            Decimal("0.01")) else str(value)
    if isinstance(value, float):
        return str(Decimal(str(value)).quantize(Decimal("0.01")))
    if isinstance(value, datetime):
        return _utc_text(value)
    if isinstance(value, date):
        return value.isoformat()
    if value is None or isinstance(value, (bool, int, str)):
        return value
    return str(value)


def _utc_text(moment: datetime) -> str:
    # SQLite gives back naive times: they were written in UTC.
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def row_hash(seq, at, user_id, user_name, action, entity, entity_id, before, after,
             previous_hash) -> str:
    fields = {"seq": seq, "at": _utc_text(at), "user_id": user_id, "user_name": user_name,
              "action": action, "entity": entity, "entity_id": entity_id, "before": before,
              "after": after, "previous_hash": previous_hash}
    canonical = json.dumps(fields, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def _locked_head() -> tuple:
    """(seq, hash) of the head, its row locked until the transaction ends."""
    query = (sa.select(JournalHead.seq, JournalHead.hash).where(JournalHead.id == HEAD_ID)
             .with_for_update())
    head = db.session.execute(query).first()
    if head is None:
        # The migration writes the head; a database built otherwise gets it on first use.
        insert = (sa.dialects.postgresql.insert if db.engine.dialect.name == "postgresql"
                  else sa.dialects.sqlite.insert)
        db.session.execute(insert(JournalHead).values(id=HEAD_ID, seq=0, hash=GENESIS)
                           .on_conflict_do_nothing())
        head = db.session.execute(query).one()
    return head.seq, head.hash


def record(action: str, entity, entity_id=None, before=None, after=None) -> dict:
    """Append one row; returns its fields. `entity` is a model instance (its class name and
    id are taken) or a name with `entity_id`. Call it last in the operation: the head's lock
    is then held only until the caller commits.

    Core statements only, no ORM flush: a form's rule may journal while the item it checks
    is still half-built and must not be flushed."""
    if not isinstance(entity, str):
        entity_id = entity.id if entity_id is None else entity_id
        entity = type(entity).__name__
    user_id, user_name = _who()
    seq, previous = _locked_head()
    row = dict(seq=seq + 1, at=utcnow(), user_id=user_id, user_name=user_name,
               action=action, entity=entity, entity_id=entity_id, before=plain(before),
               after=plain(after), previous_hash=previous)
    row["hash"] = row_hash(**row)
    db.session.execute(sa.insert(JournalEntry).values(**row))
    db.session.execute(sa.update(JournalHead).where(JournalHead.id == HEAD_ID)
                       .values(seq=row["seq"], hash=row["hash"]))
    return row


# ---------------------------------------------------------------------------------------------
# Verifying


@dataclass
class Verdict:
    ok: bool
    count: int
    row_id: Optional[int] = None
    seq: Optional[int] = None
    problem: Optional[str] = None  # "altered", "missing", "link", "head"
    expected: Optional[int] = None  # the seq expected where rows are missing, or the head's

    def text(self) -> str:
        """The verdict as the command and the page say it."""
        if self.ok:
            return ngettext("Journal intact: %(num)s row", "Journal intact: %(num)s rows",
                            self.count)
        if self.problem == "missing":
            what = _("rows %(first)s to %(last)s are missing (deleted)", first=self.expected,
                     last=self.seq - 1)
        elif self.problem == "link":
            what = _("its link to the previous row is broken (a row was removed or "
                     "replaced)")
        elif self.problem == "altered":
            what = _("its content was altered (it no longer matches its hash)")
        else:
            return _("Journal broken: the journal's head counts %(head)s rows, the table "
                     "ends at row %(count)s (the last rows were deleted or the head "
                     "altered)", head=self.expected, count=self.count)
        return _("Journal broken at row %(seq)s (id %(id)s): %(what)s", seq=self.seq,
                 id=self.row_id, what=what)


def verify(batch: int = 2000) -> Verdict:
    """Walk the chain in seq order, batch by batch. The first broken row stops the walk."""
    expected_seq, previous, count, last_id = 1, GENESIS, 0, None
    columns = (JournalEntry.id, JournalEntry.seq, JournalEntry.at, JournalEntry.user_id,
               JournalEntry.user_name, JournalEntry.action, JournalEntry.entity,
               JournalEntry.entity_id, JournalEntry.before, JournalEntry.after,
               JournalEntry.previous_hash, JournalEntry.hash)
    while True:
        rows = db.session.execute(sa.select(*columns).where(JournalEntry.seq >= expected_seq)
                                  .order_by(JournalEntry.seq).limit(batch)).all()
        for row in rows:
            if row.seq != expected_seq:
                return Verdict(False, count, row.id, row.seq, "missing", expected_seq)
            if row.previous_hash != previous:
                return Verdict(False, count, row.id, row.seq, "link")
            if row_hash(row.seq, row.at, row.user_id, row.user_name, row.action, row.entity,
                        row.entity_id, row.before, row.after, row.previous_hash) != row.hash:
                return Verdict(False, count, row.id, row.seq, "altered")
            previous, expected_seq, count, last_id = row.hash, row.seq + 1, count + 1, row.id
        if len(rows) < batch:
            break
    head = db.session.get(JournalHead, HEAD_ID)
    head_seq, head_hash = (head.seq, head.hash) if head is not None else (0, GENESIS)
    if head_seq != count or head_hash != previous:
        return Verdict(False, count, last_id, count, "head", head_seq)
    return Verdict(True, count)


# ---------------------------------------------------------------------------------------------
# PostgreSQL grants (docs/security.md)


def grant_statements(role: str) -> str:
    """What the tables' owner runs so that the application's role may append to the journal
    and read it, move its head forward, and never UPDATE, DELETE or TRUNCATE it. The owner
    must be another role: an owner can always grant itself back what was revoked."""
    if not role.replace("_", "").isalnum():
        raise ValueError("a role name is letters, digits and underscores")
    return "\n".join([
        f"REVOKE ALL ON money_journal, money_journal_head FROM PUBLIC, {role};",
        f"GRANT SELECT, INSERT ON money_journal TO {role};",
        f"GRANT USAGE ON SEQUENCE money_journal_id_seq TO {role};",
        "-- The head moves forward only onto an existing row (trigger "
        "money_journal_head_forward).",
        f"GRANT SELECT, UPDATE ON money_journal_head TO {role};",
    ])
