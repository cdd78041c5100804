"""Subscriptions, bookings and closures.

Whether a day can be booked depends on the person (archived?), the subscription, the class the
person is in that day, the days the service runs and the closure periods. `BookingContext`
loads all of that for one person and a date range in a fixed number of queries, so a month's
grid or a year of mass booking costs the same handful of statements as a single day.
"""
from dataclasses import dataclass, field
from datetime import date
from typing import Optional

import sqlalchemy as sa
from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import Booking, Enrollment, Period, Person, Service, Subscription
from app.services import RuleViolation
from app.services.calendar import days_between
from app.services.registry import ensure_editable
from app.services.schooling import check_dates, enrollment_on

MAX_RANGE_DAYS = 800  # a little over two school years: a mass booking beyond is a typo


def _day(day: date) -> str:
    return day.strftime("%d/%m/%Y")


def check_range(start: Optional[date], end: Optional[date]):
    if start is None or end is None:
        raise RuleViolation(_("Give the first and the last day."), "start_date")
    if end < start:
        raise RuleViolation(_("The last day (%(end)s) is before the first (%(start)s).",
                              end=_day(end), start=_day(start)), "end_date")
    if (end - start).days > MAX_RANGE_DAYS:
        raise RuleViolation(_("The range is too long: %(days)s days at most.",
                              days=MAX_RANGE_DAYS), "end_date")


# ---------------------------------------------------------------------------------------------
# Subscriptions


def validate_subscription(person: Person, service: Service, start_date: date,
                          end_date: Optional[date] = None, exclude_id=None) -> None:
    if person is None:
        raise RuleViolation(_("Unknown person."), "person_id")
    if service is None:
        raise RuleViolation(_("Unknown service."), "service_id")
    ensure_editable(person)
    check_dates(start_date, end_date)
    overlapping = db.session.scalar(sa.select(Subscription).where(
        Subscription.person_id == person.id, Subscription.service_id == service.id,
        Subscription.id != (exclude_id or 0),
        sa.or_(Subscription.end_date.is_(None), Subscription.end_date >= start_date),
        *([Subscription.start_date <= end_date] if end_date else [])))
    if overlapping is not None:
        raise RuleViolation(_("%(name)s is already subscribed to %(service)s from %(day)s.",
                              name=person.full_name, service=service.name,
                              day=_day(overlapping.start_date)), "start_date")
    if service.classes:
        enrollment = enrollment_on(person.id, start_date)
        if enrollment is None or enrollment.school_class_id not in {c.id for c in service.classes}:
            raise RuleViolation(_("On %(day)s %(name)s is not in a class that has %(service)s: "
                                  "enroll them in their class first.", day=_day(start_date),
                                  name=person.full_name, service=service.name), "service_id")


def subscribe(person: Person, service: Service, start_date: date,
              end_date: Optional[date] = None) -> Subscription:
    """“Ouvrir les droits”: the person may book the service from `start_date`."""
    validate_subscription(person, service, start_date, end_date)
    subscription = Subscription(person=person, service=service, start_date=start_date,
                                end_date=end_date)
    db.session.add(subscription)
    db.session.flush()
    return subscription


def current_subscriptions(person_id: int, day: date) -> list:
    """The services a person may book from `day` on (subscriptions not ended, those starting
    later included), with their service, in one query."""
    return db.session.scalars(sa.select(Subscription).where(
        Subscription.person_id == person_id,
        sa.or_(Subscription.end_date.is_(None), Subscription.end_date >= day))
        .options(sa.orm.joinedload(Subscription.service))
        .order_by(Subscription.start_date, Subscription.id)).all()


def check_subscription(subscription: Subscription) -> Subscription:
    """For generic forms and the API, which build the row before the rules see it."""
    with db.session.no_autoflush:
        person = subscription.person or db.session.get(Person, subscription.person_id)
        service = subscription.service or db.session.get(Service, subscription.service_id)
        validate_subscription(person, service, subscription.start_date, subscription.end_date,
                              exclude_id=subscription.id)
    return subscription


# ---------------------------------------------------------------------------------------------
# What can be booked


@dataclass
class BookingContext:
    person: Person
    start: date
    end: date
    services: dict = field(default_factory=dict)  # id -> Service
    subscriptions: dict = field(default_factory=dict)  # service id -> [(start, end)]
    enrollments: list = field(default_factory=list)  # [(start, end, class id)]
    closures: list = field(default_factory=list)  # [(start, end, service ids, class ids, label)]
    booked: dict = field(default_factory=dict)  # (service id, date) -> Booking

    def class_on(self, day: date) -> Optional[int]:
        for start, end, class_id in self.enrollments:
            if start <= day and (end is None or day <= end):
                return class_id
        return None

    def subscribed(self, service_id: int, day: date) -> bool:
        return any(start <= day and (end is None or day <= end)
                   for start, end in self.subscriptions.get(service_id, ()))

    def closure(self, service_id: int, day: date) -> Optional[str]:
        class_id = None
        for start, end, service_ids, class_ids, label in self.closures:
            if start <= day <= end and service_id in service_ids:
                if not class_ids:
                    return label
                class_id = class_id or self.class_on(day)
                if class_id in class_ids:
                    return label
        return None

    def refusal(self, service_id: int, day: date) -> Optional[str]:
        """Why `day` cannot be booked for this service, in the user's language, or None."""
        service = self.services.get(service_id)
        if self.person.archived:
            return _("%(name)s is archived.", name=self.person.full_name)
        if service is None or not self.subscribed(service_id, day):
            return _("No subscription on that day.")
        if day.weekday() not in service.weekday_set:
            return _("%(service)s does not run on %(weekday)s.", service=service.name,
                     weekday=format_date(day, "EEEE"))
        label = self.closure(service_id, day)
        if label:
            return _("Closed: %(label)s.", label=label)
        if service.classes:
            class_id = self.class_on(day)
            if class_id is None:
                return _("No class on that day.")
            if class_id not in {c.id for c in service.classes}:
                return _("The class does not have %(service)s.", service=service.name)
        return None


def load_context(person: Person, start: date, end: date, service_ids=None) -> BookingContext:
    """Everything that decides bookability for `person` between two dates, in six queries."""
    context = BookingContext(person=person, start=start, end=end)
    query = (sa.select(Subscription).where(
        Subscription.person_id == person.id, Subscription.start_date <= end,
        sa.or_(Subscription.end_date.is_(None), Subscription.end_date >= start))
        .options(selectinload(Subscription.service).selectinload(Service.classes)))
    if service_ids is not None:
        query = query.where(Subscription.service_id.in_(list(service_ids)))
    for subscription in db.session.scalars(query):
        context.services[subscription.service_id] = subscription.service
        context.subscriptions.setdefault(subscription.service_id, []).append(
            (subscription.start_date, subscription.end_date))
    context.enrollments = [tuple(row) for row in db.session.execute(
        sa.select(Enrollment.start_date, Enrollment.end_date, Enrollment.school_class_id).where(
            Enrollment.person_id == person.id, Enrollment.start_date <= end,
            sa.or_(Enrollment.end_date.is_(None), Enrollment.end_date >= start)))]
    if context.services:
        periods = db.session.scalars(sa.select(Period).where(
            Period.start_date <= end, Period.end_date >= start,
            Period.services.any(Service.id.in_(list(context.services))))
            .options(selectinload(Period.services), selectinload(Period.classes))).all()
        context.closures = [(p.start_date, p.end_date, {s.id for s in p.services},
                             {c.id for c in p.classes}, p.label) for p in periods]
    context.booked = {(b.service_id, b.date): b for b in db.session.scalars(
        sa.select(Booking).where(Booking.person_id == person.id, Booking.date >= start,
                                 Booking.date <= end))}
    return context


# ---------------------------------------------------------------------------------------------
# Booking and cancelling


def check_booking(person: Person, service: Service, day: date, context=None):
    """Refuse a day that cannot be booked, saying why; returns an existing booking if any."""
    if day is None:
        raise RuleViolation(_("Give the day."), "date")
    context = context or load_context(person, day, day, [service.id])
    existing = context.booked.get((service.id, day))
    if existing is not None:
        return existing
    reason = context.refusal(service.id, day)
    if reason:
        raise RuleViolation(_("%(day)s cannot be booked: %(reason)s", day=_day(day),
                              reason=reason))
    return None


def book(person: Person, service: Service, day: date) -> Booking:
    existing = check_booking(person, service, day)
    if existing is not None:
        return existing
    created, _skipped = _paid_for(person, [dict(person_id=person.id, service_id=service.id,
                                                date=day)])
    if not created:
        raise RuleViolation(_("%(day)s cannot be booked: %(reason)s", day=_day(day),
                              reason=_skipped[0]["reason"]))
    _write(created, [], person)
    return db.session.scalar(sa.select(Booking).where(
        Booking.person_id == person.id, Booking.service_id == service.id, Booking.date == day))


def check_cancel(booking: Booking) -> None:
    ensure_editable(booking.person)
    if booking.invoiced:
        raise RuleViolation(_("%(day)s is already invoiced: it can no longer be cancelled.",
                              day=_day(booking.date)))


def cancel(person: Person, service: Service, day: date) -> bool:
    booking = db.session.scalar(sa.select(Booking).where(
        Booking.person_id == person.id, Booking.service_id == service.id, Booking.date == day))
    if booking is None:
        ensure_editable(person)
        return False
    check_cancel(booking)
    _write([], [booking.id])
    db.session.expunge(booking)
    return True


def save_grid(person: Person, start: date, end: date, wanted: set) -> dict:
    """Make the person's bookings between two dates exactly `wanted`, a set of
    (service id, date); refused days are reported, invoiced ones never removed."""
    check_range(start, end)
    context = load_context(person, start, end)
    created, removed, refused = [], [], []
    for service_id, day in sorted(wanted):
        if (service_id, day) in context.booked or not start <= day <= end:
            continue
        reason = context.refusal(service_id, day)
        if reason:
            refused.append({"date": day, "service_id": service_id, "reason": reason})
        else:
            created.append(dict(person_id=person.id, service_id=service_id, date=day))
    for key, booking in context.booked.items():
        if key not in wanted:
            if booking.invoiced:
                refused.append({"date": booking.date, "service_id": booking.service_id,
                                "reason": _("Already invoiced.")})
            else:
                removed.append(booking.id)
    result = apply_changes(person, created, removed)
    result["skipped"] = refused + result["skipped"]
    return result


def apply_changes(person: Person, rows: list, removed_ids: list) -> dict:
    """Book `rows` (dicts of person_id, service_id, date: days already checked bookable) and
    remove the bookings `removed_ids`, debiting and refunding a prepaid régie's accounts.
    Days a prepaid régie cannot charge are skipped, with why."""
    created, unpaid = _paid_for(person, rows)
    accounts = _write(created, removed_ids, person)
    return {"created": len(created), "removed": len(removed_ids), "skipped": unpaid,
            "accounts": accounts}


def _paid_for(person: Person, rows: list) -> tuple:
    """(rows that can be booked, [skipped days with why]): a day of a prepaid régie is only
    booked if it can be debited (someone pays it, at a known price)."""
    from app.services import prepaid

    priced, refused = prepaid.charges(person.id, [(r["service_id"], r["date"]) for r in rows])
    kept = [dict(r, _charge=priced.get((r["service_id"], r["date"]))) for r in rows
            if (r["service_id"], r["date"]) not in refused]
    skipped = [{"date": day, "service_id": service_id, "reason": reason}
               for (service_id, day), reason in sorted(refused.items(), key=lambda i: i[0][1])]
    return kept, skipped


def _write(rows: list, removed_ids: list, person: Optional[Person] = None,
           closure: Optional[str] = None):
    """Every booking made or removed goes through here, so that a prepaid régie's account is
    debited and refunded with it (see prepaid)."""
    from app.services import prepaid

    priced = {(r["service_id"], r["date"]): r["_charge"] for r in rows if r.get("_charge")}
    rows = [{k: v for k, v in r.items() if k != "_charge"} for r in rows]
    removed = []
    for start in range(0, len(removed_ids), 1000):
        chunk = removed_ids[start:start + 1000]
        removed += db.session.execute(sa.select(
            Booking.id, Booking.person_id, Booking.service_id, Booking.date).where(
            Booking.id.in_(chunk))).all()
        db.session.execute(sa.delete(Booking).where(Booking.id.in_(chunk)))
    if rows:
        db.session.execute(sa.insert(Booking), rows)
    touched = set()
    if priced:
        touched |= prepaid.debit(person.id, priced, {
            (service_id, day): booking_id for booking_id, service_id, day in db.session.execute(
                sa.select(Booking.id, Booking.service_id, Booking.date).where(
                    Booking.person_id == person.id,
                    Booking.service_id.in_({service_id for service_id, _ in priced}),
                    Booking.date.in_({day for _, day in priced})))})
    if removed:
        touched |= prepaid.refund(removed, closure)
    db.session.flush()
    return touched


def typical_week_days(start: date, end: date, weekdays, week_parity=None, weeks=None):
    """The days of a typical week between two dates: chosen weekdays, optionally only even or
    odd ISO weeks, or only the listed ISO week numbers."""
    weekdays = {int(d) for d in weekdays}
    weeks = {int(w) for w in weeks} if weeks else None
    for day in days_between(start, end):
        if day.weekday() not in weekdays:
            continue
        week = day.isocalendar()[1]
        if week_parity == "even" and week % 2:
            continue
        if week_parity == "odd" and not week % 2:
            continue
        if weeks is not None and week not in weeks:
            continue
        yield day


def bulk_book(person: Person, service: Service, start: date, end: date, weekdays,
              mode: str = "add", week_parity: Optional[str] = None, weeks=None) -> dict:
    """Mass booking by typical week. `add` keeps what is booked and adds the typical days;
    `replace` also removes, between the two dates, the bookings outside the typical week —
    except invoiced ones, which are never touched."""
    check_range(start, end)
    if mode not in ("add", "replace"):
        raise RuleViolation(_("The mode is “add” or “replace”."), "mode")
    if not weekdays:
        raise RuleViolation(_("Choose at least one day of the week."), "weekdays")
    if any(int(d) < 0 or int(d) > 6 for d in weekdays):
        raise RuleViolation(_("Days of the week go from 0 (Monday) to 6 (Sunday)."), "weekdays")
    if week_parity not in (None, "", "even", "odd"):
        raise RuleViolation(_("Week parity is “even” or “odd”."), "week_parity")
    if weeks and any(not 1 <= int(w) <= 53 for w in weeks):
        raise RuleViolation(_("ISO week numbers go from 1 to 53."), "weeks")
    ensure_editable(person)
    context = load_context(person, start, end, [service.id])
    targets = list(typical_week_days(start, end, weekdays, week_parity or None, weeks))
    target_set = set(targets)
    created, removed_ids, skipped = [], [], []
    for day in targets:
        if (service.id, day) in context.booked:
            continue
        reason = context.refusal(service.id, day)
        if reason:
            skipped.append({"date": day, "reason": reason})
        else:
            created.append(dict(person_id=person.id, service_id=service.id, date=day))
    created, unpaid = _paid_for(person, created)
    skipped += [{"date": row["date"], "reason": row["reason"]} for row in unpaid]
    if mode == "replace":
        for (service_id, day), booking in sorted(context.booked.items()):
            if service_id != service.id or day in target_set:
                continue
            if booking.invoiced:
                skipped.append({"date": day, "reason": _("Already invoiced: kept.")})
            else:
                removed_ids.append(booking.id)
    accounts = _write(created, removed_ids, person)
    skipped.sort(key=lambda row: row["date"])
    return {"created": len(created), "removed": len(removed_ids), "skipped": skipped,
            "accounts": accounts}


# ---------------------------------------------------------------------------------------------
# Closures


def _bookings_in_scope(period: Period):
    """A query of the bookings a closure period covers (its services, dates and classes)."""
    service_ids = [s.id for s in period.services]
    query = sa.select(Booking.id, Booking.billed).where(
        Booking.service_id.in_(service_ids), Booking.date >= period.start_date,
        Booking.date <= period.end_date)
    class_ids = [c.id for c in period.classes]
    if class_ids:
        query = query.where(sa.exists().where(
            Enrollment.person_id == Booking.person_id,
            Enrollment.school_class_id.in_(class_ids), Enrollment.start_date <= Booking.date,
            sa.or_(Enrollment.end_date.is_(None), Enrollment.end_date >= Booking.date)))
    return query


def check_period(period: Period) -> Period:
    if not (period.label or "").strip():
        raise RuleViolation(_("The label is required."), "label")
    check_dates(period.start_date, period.end_date)
    return period


def closure_impact(period: Period) -> dict:
    """How many bookings the period would remove, before the user confirms."""
    if not period.services:
        return {"bookings": 0, "invoiced": 0}
    rows = db.session.execute(_bookings_in_scope(period)).all()
    return {"bookings": sum(1 for _id, invoiced in rows if not invoiced),
            "invoiced": sum(1 for _id, invoiced in rows if invoiced)}


def apply_closure(period: Period) -> int:
    """Remove the bookings the closure covers (invoiced ones stay: billing corrects them)."""
    if not period.services:
        return 0
    ids = [row.id for row in db.session.execute(_bookings_in_scope(period)) if not row.billed]
    _write([], ids, closure=period.label)
    return len(ids)


# ---------------------------------------------------------------------------------------------
# The booking grid


@dataclass
class GridCell:
    booked: bool
    invoiced: bool
    refusal: Optional[str]
    attendance: Optional[str]


@dataclass
class BookingGrid:
    person: Person
    days: list
    services: list
    cells: dict  # (service id, day) -> GridCell


def booking_grid(person: Person, start: date, end: date) -> BookingGrid:
    """Week-by-week grid of one person's services: what is booked, what can be, and why not.
    Seven queries whatever the number of days or services."""
    from app.models import Attendance

    check_range(start, end)
    context = load_context(person, start, end)
    marks = dict(((row.service_id, row.date), row.status) for row in db.session.execute(
        sa.select(Attendance.service_id, Attendance.date, Attendance.status).where(
            Attendance.person_id == person.id, Attendance.date >= start, Attendance.date <= end)))
    services = sorted(context.services.values(), key=lambda s: (s.start_time, s.name))
    run_days = set().union(*(s.weekday_set for s in services)) if services else set(range(5))
    days = [d for d in days_between(start, end) if d.weekday() in run_days]
    cells = {}
    for service in services:
        for day in days:
            booking = context.booked.get((service.id, day))
            cells[(service.id, day)] = GridCell(
                booked=booking is not None, invoiced=bool(booking and booking.invoiced),
                refusal=None if booking else context.refusal(service.id, day),
                attendance=marks.get((service.id, day)))
    return BookingGrid(person=person, days=days, services=services, cells=cells)
