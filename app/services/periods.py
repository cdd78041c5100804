"""The school calendar: official school holidays by zone and public holidays, as periods."""
from datetime import date, timedelta

import sqlalchemy as sa
from flask_babel import gettext as _
from vacances_scolaires_france import SchoolHolidayDates

from app.extensions import db
from app.models import Period, SchoolYear
from app.services import RuleViolation
from app.services.calendar import public_holidays

ZONES = ("A", "B", "C")
HOLIDAY_COLOR = "#f4a261"
PUBLIC_HOLIDAY_COLOR = "#e76f51"


def official_periods(zone: str, school_year: SchoolYear) -> list:
    """Holidays of the zone and public holidays within the school year, as period proposals
    (label, start, end, source), in date order. A public holiday inside school holidays is
    left out: the holiday period already covers it."""
    if zone not in ZONES:
        raise RuleViolation(_("The zone is A, B or C."), "zone")
    calendar = SchoolHolidayDates()
    key = f"vacances_zone_{zone.lower()}"
    days = sorted(day for day, info in calendar.data.items()
                  if school_year.start_date <= day <= school_year.end_date and info[key])
    if not days and school_year.end_date.year > calendar.max_year:
        raise RuleViolation(_("The official calendar does not cover %(year)s yet.",
                              year=school_year.label), "school_year")
    proposals, holiday_days = [], set(days)
    for day in days:
        name = calendar.data[day]["nom_vacances"]
        last = proposals[-1] if proposals else None
        if last and last["label"] == name and day - last["end"] <= timedelta(days=1):
            last["end"] = day
        else:
            proposals.append({"label": name, "start": day, "end": day,
                              "source": f"vacances-scolaires zone {zone}",
                              "color": HOLIDAY_COLOR})
    for year in {school_year.start_date.year, school_year.end_date.year}:
        for day, name in public_holidays(year).items():
            if (school_year.start_date <= day <= school_year.end_date
                    and day not in holiday_days and day.weekday() < 5):
                proposals.append({"label": _("Public holiday: %(name)s", name=name),
                                  "start": day, "end": day, "source": "jours fériés",
                                  "color": PUBLIC_HOLIDAY_COLOR})
    proposals.sort(key=lambda p: p["start"])
    return proposals


def create_official_periods(zone: str, school_year: SchoolYear, chosen_starts=None) -> list:
    """Create the chosen proposals as periods without services (the user links them to
    services and classes afterwards); proposals already there are not created twice."""
    created = []
    for proposal in official_periods(zone, school_year):
        if chosen_starts is not None and proposal["start"] not in chosen_starts:
            continue
        exists = db.session.scalar(sa.select(Period.id).where(
            Period.label == proposal["label"], Period.start_date == proposal["start"],
            Period.end_date == proposal["end"]))
        if exists:
            continue
        period = Period(label=proposal["label"], start_date=proposal["start"],
                        end_date=proposal["end"], color=proposal["color"],
                        source=proposal["source"])
        db.session.add(period)
        created.append(period)
    db.session.flush()
    return created


def periods_between(start: date, end: date):
    return db.session.scalars(sa.select(Period).where(
        Period.start_date <= end, Period.end_date >= start).order_by(Period.start_date)).all()
