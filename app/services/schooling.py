"""Schooling: enrollments (cursus), a child's history of classes, and the new school year."""
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Optional

import sqlalchemy as sa
from flask_babel import gettext as _

from app.extensions import db
from app.models import Enrollment, Level, Person, SchoolClass, SchoolYear
from app.services import RuleViolation
from app.services.registry import ensure_editable


def check_dates(start: Optional[date], end: Optional[date], field="end_date"):
    if start is None:
        raise RuleViolation(_("The start date is required."), "start_date")
    if end is not None and end < start:
        raise RuleViolation(_("The end date must not be before the start date."), field)


def check_school_year(year: SchoolYear) -> SchoolYear:
    check_dates(year.start_date, year.end_date)
    overlap = db.session.scalar(sa.select(SchoolYear.label).where(
        SchoolYear.id != (year.id or 0), SchoolYear.start_date <= year.end_date,
        SchoolYear.end_date >= year.start_date))
    if overlap:
        raise RuleViolation(_("This school year overlaps %(other)s.", other=overlap), "start_date")
    return year


def school_year_on(day: date) -> Optional[SchoolYear]:
    return db.session.scalar(sa.select(SchoolYear).where(
        SchoolYear.start_date <= day, SchoolYear.end_date >= day))


def enroll(person: Person, school_class: SchoolClass, start_date: date,
           level: Optional[Level] = None, end_date: Optional[date] = None) -> Enrollment:
    """“Inscrire dans sa classe”: the person is in this class from `start_date`; the class they
    were in until then ends the day before."""
    ensure_editable(person)
    check_dates(start_date, end_date)
    if school_class is None:
        raise RuleViolation(_("Choose the class."), "school_class_id")
    current = enrollment_on(person.id, start_date)
    if current is not None:
        if current.start_date == start_date:
            raise RuleViolation(_("%(name)s already has a class from %(day)s: change that "
                                  "enrollment instead.", name=person.full_name,
                                  day=start_date.strftime("%d/%m/%Y")), "start_date")
        current.end_date = start_date - timedelta(days=1)
    later = db.session.scalar(sa.select(Enrollment).where(
        Enrollment.person_id == person.id, Enrollment.start_date > start_date)
        .order_by(Enrollment.start_date))
    if later is not None and (end_date is None or end_date >= later.start_date):
        end_date = later.start_date - timedelta(days=1)
    enrollment = Enrollment(person=person, school_class=school_class,
                            level=level or school_class.level, start_date=start_date,
                            end_date=end_date, school_year=school_year_on(start_date))
    db.session.add(enrollment)
    db.session.flush()
    return enrollment


def enrollment_on(person_id: int, day: date) -> Optional[Enrollment]:
    return db.session.scalar(sa.select(Enrollment).where(
        Enrollment.person_id == person_id, Enrollment.start_date <= day,
        sa.or_(Enrollment.end_date.is_(None), Enrollment.end_date >= day)))


def current_class(person_id: int, day: date) -> Optional[Enrollment]:
    """The class a person is in on `day`, with its school and level, in one query (a record's
    page shows them)."""
    return db.session.scalar(sa.select(Enrollment).where(
        Enrollment.person_id == person_id, Enrollment.start_date <= day,
        sa.or_(Enrollment.end_date.is_(None), Enrollment.end_date >= day))
        .options(sa.orm.joinedload(Enrollment.school_class).joinedload(SchoolClass.school),
                 sa.orm.joinedload(Enrollment.school_class).joinedload(SchoolClass.level),
                 sa.orm.joinedload(Enrollment.level))
        .order_by(Enrollment.start_date.desc()).limit(1))


def class_history(person_id: int):
    return db.session.scalars(sa.select(Enrollment).where(Enrollment.person_id == person_id)
                              .order_by(Enrollment.start_date.desc())).all()


# ---------------------------------------------------------------------------------------------
# The new school year


@dataclass
class YearMove:
    """What happens to one enrolled child at the turn of the year."""

    enrollment_id: int
    person_name: str
    from_class: str
    from_level: str
    decision: str  # "promote", "repeat" or "leave"
    to_class_id: Optional[int]
    to_class: str
    to_level_id: Optional[int]
    to_level: str


def _next_class(school_class: SchoolClass, level: Optional[Level], levels_by_rank, classes):
    """The class of the same school whose level is the next one, if the school has it."""
    if level is None:
        return None, None
    next_level = levels_by_rank.get(level.rank + 1)
    if next_level is None:
        return None, None
    for candidate in classes.get(school_class.school_id, []):
        if candidate.level_id == next_level.id:
            return candidate, next_level
    return None, next_level


def new_year_preview(from_year: SchoolYear, to_year: SchoolYear) -> list:
    """One YearMove per child enrolled on the last day of `from_year`, in two queries."""
    if to_year.start_date <= from_year.end_date:
        raise RuleViolation(_("The new school year must start after the current one ends."),
                            "to_year")
    levels_by_rank = {level.rank: level for level in db.session.scalars(sa.select(Level))}
    classes = {}
    for school_class in db.session.scalars(sa.select(SchoolClass).order_by(SchoolClass.name)):
        classes.setdefault(school_class.school_id, []).append(school_class)
    rows = db.session.execute(
        sa.select(Enrollment, Person).join(Person, Person.id == Enrollment.person_id)
        .where(Enrollment.start_date <= from_year.end_date,
               sa.or_(Enrollment.end_date.is_(None), Enrollment.end_date >= from_year.end_date),
               Person.kind == "child", Person.archived_at.is_(None))
        .options(sa.orm.joinedload(Enrollment.school_class).joinedload(SchoolClass.school),
                 sa.orm.joinedload(Enrollment.level))
        .order_by(Enrollment.school_class_id, Person.search_name)
    ).all()
    moves = []
    for enrollment, person in rows:
        target, next_level = _next_class(enrollment.school_class, enrollment.level,
                                         levels_by_rank, classes)
        moves.append(YearMove(
            enrollment_id=enrollment.id, person_name=person.full_name,
            from_class=str(enrollment.school_class),
            from_level=enrollment.level.code if enrollment.level else "",
            decision="promote" if target else "leave",
            to_class_id=target.id if target else None, to_class=str(target) if target else "",
            to_level_id=next_level.id if (target and next_level) else None,
            to_level=next_level.code if (target and next_level) else "",
        ))
    return moves


def apply_new_year(from_year: SchoolYear, to_year: SchoolYear, exceptions: dict) -> dict:
    """Move every child of the preview; `exceptions` maps an enrollment id to "repeat" (same
    class and level again) or "leave" (no class next year). Returns the counts."""
    counts = {"promote": 0, "repeat": 0, "leave": 0}
    rows = []
    for move in new_year_preview(from_year, to_year):
        decision = exceptions.get(move.enrollment_id, move.decision)
        if decision not in counts:
            raise RuleViolation(_("Unknown decision “%(decision)s”.", decision=decision))
        enrollment = db.session.get(Enrollment, move.enrollment_id)
        if decision == "promote" and move.to_class_id is None:
            decision = "leave"
        if decision != "leave":
            if decision == "promote":
                class_id, level_id = move.to_class_id, move.to_level_id
            else:
                class_id, level_id = enrollment.school_class_id, enrollment.level_id
            rows.append(dict(person_id=enrollment.person_id, school_class_id=class_id,
                             level_id=level_id, school_year_id=to_year.id,
                             start_date=to_year.start_date, end_date=None))
        if enrollment.end_date is None or enrollment.end_date > from_year.end_date:
            enrollment.end_date = from_year.end_date
        counts[decision] += 1
    if rows:
        db.session.execute(sa.insert(Enrollment), rows)
    db.session.flush()
    return counts
