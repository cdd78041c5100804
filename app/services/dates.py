"""The dates Marelle accepts from anyone: a sensible span, checked at every form and API field.

Beyond it a typing slip (9999 for 2026, year 1 for 1981) is stored as is and later overflows
date arithmetic (the day after 31/12/9999 does not exist) in billing, bookings or calendars.
"""
from datetime import date, datetime

from flask_babel import gettext as _

EARLIEST = date(1900, 1, 1)
LATEST = date(2100, 12, 31)


def out_of_bounds(value):
    """The refusal, in the user's language, of a date (or date-time) outside the span; None
    when it fits or is not a date."""
    if not isinstance(value, date):
        return None
    day = value.date() if isinstance(value, datetime) else value
    if EARLIEST <= day <= LATEST:
        return None
    return _("Give a date between %(first)s and %(last)s.",
             first=EARLIEST.strftime("%d/%m/%Y"), last=LATEST.strftime("%d/%m/%Y"))
