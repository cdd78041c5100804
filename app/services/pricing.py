"""Prices: effective-dated tariffs, family-quotient brackets, and the price of a day."""
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Optional

import sqlalchemy as sa
from flask_babel import gettext as _

from app.extensions import db
from app.formatting import money, number
from app.models import FamilyQuotient, HouseholdMember, Person, Service, Tariff
from app.services import RuleViolation
from app.services.schooling import check_dates

def _overlaps(start_a, end_a, start_b, end_b) -> bool:
    return (end_b is None or start_a <= end_b) and (end_a is None or start_b <= end_a)


def check_tariff(tariff: Tariff, brackets=None) -> Tariff:
    """A tariff is a flat price or contiguous brackets from quotient 0 upwards, the last one
    open-ended, and never overlaps another tariff of its service."""
    check_dates(tariff.start_date, tariff.end_date)
    brackets = list(tariff.brackets if brackets is None else brackets)
    if tariff.unit_price is None and not brackets:
        raise RuleViolation(_("Give a unit price or a grid of quotient brackets."), "unit_price")
    if tariff.unit_price is not None and brackets:
        raise RuleViolation(_("A tariff is either a flat price or a grid, not both."),
                            "unit_price")
    if tariff.unit_price is not None and Decimal(tariff.unit_price) < 0:
        raise RuleViolation(_("A price cannot be negative."), "unit_price")
    if brackets:
        ordered = sorted(brackets, key=lambda b: Decimal(b.qf_min))
        expected = None
        for index, bracket in enumerate(ordered):
            low = Decimal(bracket.qf_min)
            high = None if bracket.qf_max is None else Decimal(bracket.qf_max)
            if Decimal(bracket.unit_price) < 0:
                raise RuleViolation(_("A price cannot be negative."), "brackets")
            if index == 0 and low != 0:
                raise RuleViolation(_("The first bracket starts at quotient 0."), "brackets")
            # The next bracket starts just above the previous one: 500.01 or 501 after 500.
            if index > 0 and not expected < low <= expected + 1:
                raise RuleViolation(_("The brackets must follow each other without gap or "
                                      "overlap: one should start just above %(qf)s.",
                                      qf=expected), "brackets")
            last = index == len(ordered) - 1
            if high is None and not last:
                raise RuleViolation(_("Only the highest bracket may have no upper bound."),
                                    "brackets")
            if high is not None and high <= low:
                raise RuleViolation(_("A bracket must end above where it starts."), "brackets")
            if last and high is not None:
                raise RuleViolation(_("The highest bracket must have no upper bound."),
                                    "brackets")
            expected = high
    others = db.session.scalars(sa.select(Tariff).where(
        Tariff.service_id == tariff.service_id, Tariff.id != (tariff.id or 0))).all()
    for other in others:
        if _overlaps(tariff.start_date, tariff.end_date, other.start_date, other.end_date):
            raise RuleViolation(_("This tariff overlaps the one from %(day)s: end that one "
                                  "first.", day=other.start_date.strftime("%d/%m/%Y")),
                                "start_date")
    return tariff


def check_quotient(quotient: FamilyQuotient) -> FamilyQuotient:
    check_dates(quotient.start_date, quotient.end_date)
    if quotient.value is None or Decimal(quotient.value) < 0:
        raise RuleViolation(_("The family quotient is a positive amount."), "value")
    others = db.session.scalars(sa.select(FamilyQuotient).where(
        FamilyQuotient.household_id == quotient.household_id,
        FamilyQuotient.id != (quotient.id or 0))).all()
    for other in others:
        if _overlaps(quotient.start_date, quotient.end_date, other.start_date, other.end_date):
            raise RuleViolation(_("This quotient overlaps the one from %(day)s.",
                                  day=other.start_date.strftime("%d/%m/%Y")), "start_date")
    return quotient


@dataclass
class PriceQuote:
    amount: Optional[Decimal]
    explanation: str
    tariff_id: Optional[int] = None
    quotient: Optional[Decimal] = None


def tariff_on(service_id: int, day: date) -> Optional[Tariff]:
    return db.session.scalar(sa.select(Tariff).where(
        Tariff.service_id == service_id, Tariff.start_date <= day,
        sa.or_(Tariff.end_date.is_(None), Tariff.end_date >= day)))


def quotient_on(household_ids, day: date) -> Optional[Decimal]:
    """The lowest quotient in force that day among the given households (a child of separated
    parents is priced with the quotient the family declared, whichever home it is)."""
    values = db.session.scalars(sa.select(FamilyQuotient.value).where(
        FamilyQuotient.household_id.in_(list(household_ids)), FamilyQuotient.start_date <= day,
        sa.or_(FamilyQuotient.end_date.is_(None), FamilyQuotient.end_date >= day))).all()
    return min(values) if values else None


def bracket_price(tariff: Tariff, quotient: Optional[Decimal]):
    """(price, bracket) for a quotient; no known quotient takes the highest bracket."""
    brackets = sorted(tariff.brackets, key=lambda b: b.qf_min)
    if quotient is None:
        return brackets[-1].unit_price, brackets[-1]
    for bracket in brackets:
        if bracket.qf_max is None or quotient <= bracket.qf_max:
            return bracket.unit_price, bracket
    return brackets[-1].unit_price, brackets[-1]


def households_of(person_id: int) -> list:
    return db.session.scalars(sa.select(HouseholdMember.household_id).where(
        HouseholdMember.person_id == person_id)).all()


def price_for(service: Service, person: Person, day: date, household_ids=None) -> PriceQuote:
    """What one day of `service` costs `person`, and why, in words a family understands.

    `household_ids` narrows the quotient to the payer's households (billing passes them);
    by default every household of the person counts."""
    tariff = tariff_on(service.id, day)
    if tariff is None:
        return PriceQuote(None, _("No tariff for %(service)s on %(day)s.", service=service.name,
                                  day=day.strftime("%d/%m/%Y")))
    since = tariff.start_date.strftime("%d/%m/%Y")
    if tariff.unit_price is not None:
        return PriceQuote(tariff.unit_price, _("Flat price %(price)s (tariff from %(since)s).",
                                               price=money(tariff.unit_price), since=since),
                          tariff.id)
    if household_ids is None:
        household_ids = households_of(person.id)
    quotient = quotient_on(household_ids, day)
    price, bracket = bracket_price(tariff, quotient)
    upper = "…" if bracket.qf_max is None else number(bracket.qf_max)
    if quotient is None:
        why = _("No known family quotient: highest bracket (%(low)s–%(high)s), %(price)s "
                "(tariff from %(since)s).", low=number(bracket.qf_min), high=upper,
                price=money(price), since=since)
    else:
        why = _("Family quotient %(qf)s in bracket %(low)s–%(high)s: %(price)s (tariff from "
                "%(since)s).", qf=number(quotient), low=number(bracket.qf_min), high=upper,
                price=money(price), since=since)
    return PriceQuote(price, why, tariff.id, quotient)
