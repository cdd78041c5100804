"""The French calendar as the town lives it: weekends, public holidays, deadlines, time zone."""
import threading
from contextlib import contextmanager
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


# The one clock of the application. Tests (and a demo pinned to a date, with MARELLE_NOW) set
# it, so that nothing a test checks depends on the day it runs.
_frozen_now = None


def freeze_clock(moment) -> None:
    """Pin the town's clock to `moment` (an aware datetime, or naive meaning Paris time);
    None gives the real clock back."""
    global _frozen_now
    if moment is not None and moment.tzinfo is None:
        moment = moment.replace(tzinfo=TOWN_TZ)
    _frozen_now = moment


# A clock set for this thread alone (clock_at): the demo's history is recorded on the days it
# happened while the web process serves today to everyone else.
_thread_clock = threading.local()


@contextmanager
def clock_at(moment):
    """Within the block, this thread's town clock reads `moment` (naive: Paris time)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=TOWN_TZ)
    previous = getattr(_thread_clock, "now", None)
    _thread_clock.now = moment
    try:
        yield
    finally:
        _thread_clock.now = previous


def now_in_town() -> datetime:
    here = getattr(_thread_clock, "now", None)
    if here is not None:
        return here.astimezone(TOWN_TZ)
    if _frozen_now is not None:
        return _frozen_now.astimezone(TOWN_TZ)
    return datetime.now(TOWN_TZ)


def today_in_town() -> date:
    """The town's date: at 00:30 in Paris on 1 January it is already the new year, whatever
    the server's clock zone says (invoice numbers carry that year)."""
    return now_in_town().date()


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
