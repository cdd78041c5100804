"""Money is exact to the cent on both databases: stored, summed and typed."""
from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from app.models import Tariff
from app.services import RuleViolation
from app.services.money import AmountError, parse_amount
from tests import factories


def test_a_thousand_dimes_sum_to_exactly_one_hundred_euros_in_sql(session):
    meal = factories.service(session)
    session.add_all([Tariff(service=meal, start_date=date(2000, 1, 1), end_date=date(2000, 1, 1),
                            unit_price=Decimal("0.10")) for _ in range(1000)])
    session.flush()
    total = session.scalar(sa.select(sa.func.sum(Tariff.unit_price))
                           .where(Tariff.service_id == meal.id))
    assert total == Decimal("100.00") and str(total) == "100.00"
    # Compared in SQL with an amount: the literal is an amount too.
    assert session.scalar(sa.select(sa.func.count(Tariff.id)).where(
        Tariff.service_id == meal.id, Tariff.unit_price == Decimal("0.10"))) == 1000


def test_a_third_decimal_is_refused_on_write_never_rounded(session):
    meal = factories.service(session)
    session.add(Tariff(service=meal, start_date=date(2026, 9, 1), unit_price=Decimal("4.505")))
    with pytest.raises(RuleViolation) as refused:
        session.flush()
    assert refused.value.field == "unit_price"
    assert "deux décimales" in refused.value.message


@pytest.mark.parametrize("typed, amount", [
    ("4,50", "4.50"), ("4.50", "4.50"), ("1 250,00", "1250.00"), ("1\u202f250,5 €", "1250.50"),
    ("1.250,00", "1250.00"), ("10,50", "10.50"), ("-3", "-3.00"), ("0,1", "0.10"),
])
def test_amounts_are_typed_the_french_way(ctx, typed, amount):
    assert parse_amount(typed) == Decimal(amount)


@pytest.mark.parametrize("typed", ["4,505", "0,001", "abc", "", "4,5,0", "1e3", "NaN"])
def test_what_is_not_an_amount_says_so(ctx, typed):
    with pytest.raises(AmountError) as refused:
        parse_amount(typed)
    assert str(refused.value)
