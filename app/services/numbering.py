"""Invoice numbers: per régie, year and kind, chronological, continuous, never reused.

The counter row is locked (SELECT ... FOR UPDATE) in the transaction that validates, so two
people validating at once queue on it: no duplicate, no gap, and a rolled-back validation gives
its numbers back with its lock.
"""
import sqlalchemy as sa

from app.extensions import db
from app.models import NumberSequence, Regie

PREFIXES = {"invoice": "F", "credit_note": "AV", "deposit": "D"}


def _locked_counter(regie_id: int, year: int, kind: str) -> NumberSequence:
    query = sa.select(NumberSequence).where(
        NumberSequence.regie_id == regie_id, NumberSequence.year == year,
        NumberSequence.kind == kind).with_for_update()
    counter = db.session.scalar(query)
    if counter is not None:
        return counter
    # First number of the year: create the row, tolerating a concurrent creator.
    try:
        with db.session.begin_nested():
            db.session.add(NumberSequence(regie_id=regie_id, year=year, kind=kind,
                                          last_number=0))
    except sa.exc.IntegrityError:
        pass
    return db.session.scalar(query)


def draw_numbers(regie: Regie, year: int, kind: str, count: int) -> list:
    """`count` consecutive numbers such as "ENF-F-2026-000042", under the counter's lock."""
    counter = _locked_counter(regie.id, year, kind)
    first = counter.last_number + 1
    counter.last_number += count
    db.session.flush()
    prefix = f"{regie.code}-{PREFIXES[kind]}-{year}-"
    return [f"{prefix}{n:06d}" for n in range(first, first + count)]
