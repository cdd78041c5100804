"""Money and dates the French way (and the English way when a user switches)."""
from datetime import date, datetime, timezone
from decimal import Decimal

from flask import session as browser_session

from app.formatting import money, short_date


def spaces(text):
    return text.replace("\u202f", " ").replace("\xa0", " ")


def test_money_and_dates_in_french(ctx):
    assert spaces(money(Decimal("1250"))) == "1 250,00 €"
    assert spaces(money("12.5")) == "12,50 €"
    assert money(None) == ""
    assert short_date(date(2026, 11, 28)) == "28/11/2026"
    # Stored in UTC, shown in the town's time zone.
    assert short_date(datetime(2026, 11, 28, 23, 30, tzinfo=timezone.utc)) == "29/11/2026 00:30"


def test_money_in_english(app):
    with app.test_request_context("/?_l_=en"):
        browser_session["locale"] = "en"
        assert money(Decimal("1250")) == "€1,250.00"
