"""The French calendar as the town lives it: weekends, public holidays, deadlines, time zone."""
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from jours_feries_france import JoursFeries

TOWN_TZ = ZoneInfo("Europe/Paris")


@lru_cache(maxsize=64)
def public_holidays(year: int) -> dict:
    """{date: name} of the metropolitan public holidays of a year."""
    return {day: name for name, day in JoursFeries.for_year(year).items()}


def is_public_holiday(day: date) -> bool:
    return day in public_holidays(day.year)


def is_closed_day(day: date) -> bool:
    """A weekend or a public holiday: no office work, so no deadline falls on it."""
    return day.weekday() >= 5 or is_public_holiday(day)


def days_between(start: date, end: date):
    day = start
    while day <= end:
        yield day
        day += timedelta(days=1)


def now_in_town() -> datetime:
    return datetime.now(TOWN_TZ)


def at_town_time(day: date, moment: time) -> datetime:
    return datetime.combine(day, moment, tzinfo=TOWN_TZ)


def deadline_for(day: date, days_before: int, at: time, skip_closed_days: bool = True) -> datetime:
    """When booking or cancelling `day` closes: `days_before` days earlier at `at`, counting
    only working days when `skip_closed_days` (D-2 at 10:00 for a Monday is Thursday 10:00)."""
    deadline_day = day
    remaining = days_before
    while remaining > 0:
        deadline_day -= timedelta(days=1)
        if skip_closed_days and is_closed_day(deadline_day):
            continue
        remaining -= 1
    return at_town_time(deadline_day, at)
