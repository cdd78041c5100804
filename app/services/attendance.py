"""Attendance (pointage): the day's sheet and one-click marks."""
from dataclasses import dataclass
from datetime import date, datetime
from typing import Optional

import sqlalchemy as sa
from flask_babel import gettext as _

from app.extensions import db
from app.models import (
    Attendance,
    Booking,
    Enrollment,
    Level,
    Person,
    School,
    SchoolClass,
    Service,
    Subscription,
)
from app.models.bookings import ATTENDANCE_STATUSES
from app.services import RuleViolation
from app.models.billing import billed
from app.services.calendar import at_town_time, now_in_town


@dataclass
class SheetRow:
    person_id: int
    name: str
    school: str
    school_class: str
    booked: bool
    status: Optional[str]

    @property
    def flag(self) -> Optional[str]:
        """What the leader must look at: booked but not marked, or here without a booking."""
        if self.booked and self.status is None:
            return "booked_not_marked"
        if not self.booked and self.status == "present":
            return "present_not_booked"
        return None


def session_start(service: Service, day: date) -> datetime:
    return at_town_time(day, service.start_time)


def has_started(service: Service, day: date, now: Optional[datetime] = None) -> bool:
    return (now or now_in_town()) >= session_start(service, day)


def sheet(service: Service, day: date, class_ids=None) -> list:
    """Who may come that day — the people subscribed to the service, in the chosen classes
    if any — plus whoever is booked or marked, sorted by school, level, class and name,
    with their booking and mark. Three queries, whatever the number of children."""
    enrollment = sa.orm.aliased(Enrollment)
    on_day = sa.and_(enrollment.person_id == Person.id, enrollment.start_date <= day,
                     sa.or_(enrollment.end_date.is_(None), enrollment.end_date >= day))
    booked_ids = sa.select(Booking.person_id).where(Booking.service_id == service.id,
                                                    Booking.date == day)
    marked_ids = sa.select(Attendance.person_id).where(Attendance.service_id == service.id,
                                                       Attendance.date == day)
    subscribed_ids = sa.select(Subscription.person_id).where(
        Subscription.service_id == service.id, Subscription.start_date <= day,
        sa.or_(Subscription.end_date.is_(None), Subscription.end_date >= day))
    query = (sa.select(Person.id, Person.last_name, Person.first_name, School.name,
                       SchoolClass.name, Level.rank)
             .outerjoin(enrollment, on_day)
             .outerjoin(SchoolClass, SchoolClass.id == enrollment.school_class_id)
             .outerjoin(School, School.id == SchoolClass.school_id)
             .outerjoin(Level, Level.id == SchoolClass.level_id)
             .where(Person.archived_at.is_(None),
                    sa.or_(Person.id.in_(subscribed_ids), Person.id.in_(booked_ids),
                           Person.id.in_(marked_ids))))
    if class_ids:
        query = query.where(enrollment.school_class_id.in_(list(class_ids)))
    people = db.session.execute(query).all()
    booked = set(db.session.scalars(booked_ids))
    marks = dict(db.session.execute(sa.select(Attendance.person_id, Attendance.status).where(
        Attendance.service_id == service.id, Attendance.date == day)).all())
    rows = [(school or "—", rank or 0, class_name or "—",
             SheetRow(person_id=pid, name=f"{last.upper()} {first}", school=school or "—",
                      school_class=class_name or "—", booked=pid in booked,
                      status=marks.get(pid)))
            for pid, last, first, school, class_name, rank in people]
    rows.sort(key=lambda r: (r[0], r[1], r[2], r[3].name))
    return [row for *_, row in rows]


def check_mark(person: Person, service: Service, day: date, status: Optional[str],
               now: Optional[datetime] = None) -> None:
    """A mark has a known status, on a session that has started, of a person not archived."""
    if day is None:
        raise RuleViolation(_("Give the day."), "date")
    if status is not None and status not in ATTENDANCE_STATUSES:
        raise RuleViolation(_("The status is present, excused absence or unexcused absence."),
                            "status")
    if not has_started(service, day, now):
        start = session_start(service, day)
        raise RuleViolation(_("The session of %(day)s at %(time)s has not started yet: "
                              "attendance cannot be recorded.", day=day.strftime("%d/%m/%Y"),
                              time=start.strftime("%H:%M")), "date")
    if person.kind != "child" and db.session.scalar(sa.select(Booking.id).where(
            Booking.person_id == person.id, Booking.service_id == service.id,
            Booking.date == day)) is None:
        # An adult is on a sheet only through a booking (a teacher's meal): marking any other
        # would let whoever takes attendance read adults' names, person number by number.
        raise RuleViolation(_("Nobody with this number is expected at this session."),
                            "person_id")
    if person.archived:
        raise RuleViolation(_("%(name)s is archived.", name=person.full_name))
    stored = db.session.scalar(sa.select(Attendance.status).where(
        Attendance.person_id == person.id, Attendance.service_id == service.id,
        Attendance.date == day))
    check_invoiced_mark(person.id, service.id, day, status, stored)


def check_invoiced_mark(person_id, service_id, day: date, status, stored_status) -> None:
    """Once a day is invoiced its marks are part of the invoice (billed presences, excused
    absences left out): an existing mark can no longer change or go, and a new excused
    absence, which would have been left out, is refused. Correct with a credit note, which
    releases the day."""
    if status == stored_status:
        return
    if stored_status is None and status != "excused_absence":
        return
    if db.session.scalar(sa.select(billed(sa.literal(person_id), sa.literal(service_id),
                                          sa.literal(day, sa.Date)))):
        raise RuleViolation(_("%(day)s is already invoiced: its attendance can no longer "
                              "change. Correct the invoice with a credit note first.",
                              day=day.strftime("%d/%m/%Y")), "status")


def mark(person: Person, service: Service, day: date, status: Optional[str],
         recorded_by_id=None, now: Optional[datetime] = None) -> Optional[Attendance]:
    """Record (or, with status None, clear) what happened. A session that has not started
    cannot be marked."""
    check_mark(person, service, day, status, now)
    row = db.session.scalar(sa.select(Attendance).where(
        Attendance.person_id == person.id, Attendance.service_id == service.id,
        Attendance.date == day))
    if status is None:
        if row is not None:
            db.session.delete(row)
            db.session.flush()
        return None
    if row is None:
        row = Attendance(person_id=person.id, service_id=service.id, date=day)
        db.session.add(row)
    row.status = status
    row.recorded_by_id = recorded_by_id
    db.session.flush()
    return row


def runs_on(service: Service, day: date) -> bool:
    return day.weekday() in service.weekday_set


def current_or_next_service(services, now: Optional[datetime] = None) -> Optional[Service]:
    """The sheet to open by default: among today's services, the last one already started
    (being served now), else the next one; None on a day without any."""
    now = now or now_in_town()
    today = [s for s in services if runs_on(s, now.date())]
    started = [s for s in today if has_started(s, now.date(), now)]
    if started:
        return max(started, key=lambda s: s.start_time)
    return min(today, key=lambda s: s.start_time) if today else None


def mark_booked_present(service: Service, day: date, person_ids, recorded_by_id=None,
                        now: Optional[datetime] = None) -> int:
    """« Tous présents »: every booked person of the sheet not marked yet is present. People
    already marked keep their mark. Returns how many were marked."""
    booked = set(db.session.scalars(sa.select(Booking.person_id).where(
        Booking.service_id == service.id, Booking.date == day,
        Booking.person_id.in_(list(person_ids)))))
    marked = set(db.session.scalars(sa.select(Attendance.person_id).where(
        Attendance.service_id == service.id, Attendance.date == day)))
    people = db.session.scalars(sa.select(Person).where(
        Person.id.in_(sorted(booked - marked)))).all()
    for person in people:
        mark(person, service, day, "present", recorded_by_id=recorded_by_id, now=now)
    return len(people)


def unbooked_presence_warning(person: Person, service: Service, day: date,
                              status: Optional[str]) -> Optional[str]:
    """A child marked present without a booking: said at once to the person marking, since
    such a presence is billed only when the service is billed on attendance. Without the
    name: the sheet shows it in the child's row, the flash message puts the name first."""
    if status != "present" or db.session.scalar(sa.select(Booking.id).where(
            Booking.person_id == person.id, Booking.service_id == service.id,
            Booking.date == day)):
        return None
    if service.billing_basis == "attendance":
        return _("Not booked: this presence will be billed.")
    return _("Not booked: this presence is recorded but not billed (the service is billed on "
             "bookings).")


def summary(rows) -> dict:
    counts = {status: 0 for status in ATTENDANCE_STATUSES}
    counts.update(booked=0, booked_not_marked=0, present_not_booked=0)
    for row in rows:
        counts["booked"] += row.booked
        if row.status:
            counts[row.status] += 1
        if row.flag:
            counts[row.flag] += 1
    return counts
