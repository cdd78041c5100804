"""Attendance (pointage): the day's sheet and one-click marks."""
from dataclasses import dataclass
from datetime import date, datetime
from typing import Optional

import sqlalchemy as sa
from flask_babel import gettext as _

from app.extensions import db
from app.models import Attendance, Booking, Enrollment, Person, School, SchoolClass, Service
from app.models.bookings import ATTENDANCE_STATUSES
from app.services import RuleViolation
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
    """The children (and adults) of the chosen classes on that day, sorted by school, class and
    name, with their booking and mark. Three queries, whatever the number of children."""
    if not class_ids:
        class_ids = [c.id for c in service.classes] or None
    query = (sa.select(Person.id, Person.last_name, Person.first_name, School.name,
                       SchoolClass.name)
             .join(Enrollment, Enrollment.person_id == Person.id)
             .join(SchoolClass, SchoolClass.id == Enrollment.school_class_id)
             .join(School, School.id == SchoolClass.school_id)
             .where(Enrollment.start_date <= day,
                    sa.or_(Enrollment.end_date.is_(None), Enrollment.end_date >= day),
                    Person.archived_at.is_(None)))
    if class_ids:
        query = query.where(Enrollment.school_class_id.in_(list(class_ids)))
    people = {row[0]: row for row in db.session.execute(query)}
    booked = set(db.session.scalars(sa.select(Booking.person_id).where(
        Booking.service_id == service.id, Booking.date == day)))
    marks = dict(db.session.execute(sa.select(Attendance.person_id, Attendance.status).where(
        Attendance.service_id == service.id, Attendance.date == day)).all())
    if not class_ids:
        # Without a class filter, whoever is booked or marked shows, enrolled or not (adults).
        missing = (booked | set(marks)) - set(people)
        if missing:
            for row in db.session.execute(sa.select(Person.id, Person.last_name,
                                                    Person.first_name).where(
                    Person.id.in_(list(missing)))):
                people[row[0]] = (row[0], row[1], row[2], "—", "—")
    rows = [SheetRow(person_id=pid, name=f"{last.upper()} {first}", school=school,
                     school_class=class_name, booked=pid in booked, status=marks.get(pid))
            for pid, last, first, school, class_name in people.values()]
    rows.sort(key=lambda r: (r.school, r.school_class, r.name))
    return rows


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
    if person.archived:
        raise RuleViolation(_("%(name)s is archived.", name=person.full_name))


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
