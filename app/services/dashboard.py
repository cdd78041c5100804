"""What each member of staff finds on the home page: the day's work, counted in a few queries."""
from datetime import date

import sqlalchemy as sa

from app.extensions import db
from app.models import Household, Invoice, Person, Service
from app.services import billing


def register_counts() -> dict:
    """Active households, adults and children."""
    counts = dict(db.session.execute(
        sa.select(Person.kind, sa.func.count(Person.id))
        .where(Person.archived_at.is_(None)).group_by(Person.kind)).all())
    return {"households": db.session.scalar(sa.select(sa.func.count(Household.id))),
            "adults": counts.get("adult", 0), "children": counts.get("child", 0)}


def sessions_of_the_day(day: date) -> list:
    """The services that run on `day` (their weekday), by start time: the sheets to take."""
    services = db.session.scalars(sa.select(Service).order_by(Service.start_time,
                                                              Service.name)).all()
    return [s for s in services if day.weekday() in s.weekday_set]


def draft_groups() -> list:
    """Groups of drafts waiting for validation: [(batch id, count, total, period start)]."""
    return db.session.execute(
        sa.select(Invoice.batch_id, sa.func.count(Invoice.id), sa.func.sum(Invoice.total),
                  sa.func.min(Invoice.period_start))
        .where(Invoice.status == "draft", Invoice.batch_id.isnot(None))
        .group_by(Invoice.batch_id).order_by(sa.func.min(Invoice.period_start).desc())).all()


def invoices_to_remind(day: date) -> int:
    return db.session.scalar(sa.select(sa.func.count(Invoice.id))
                             .where(billing.state_condition("to_remind", day)))
