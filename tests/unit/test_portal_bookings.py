"""Portal booking rules: whose week it is, the co-payer, prepaid credit and refunds."""
from datetime import date, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from app.formatting import money
from app.models import BillingRule, Booking, Subscription
from app.services import RuleViolation, billing_rules, payments, portal_bookings
from tests import factories

D = Decimal
# ISO week 49 (odd) starts Monday 30/11/2026, week 50 (even) Monday 7/12/2026.
ODD_MONDAY, EVEN_MONDAY = date(2026, 11, 30), date(2026, 12, 7)


def days_of(session, child):
    return sorted(session.scalars(sa.select(Booking.date).where(Booking.person_id == child.id)))


def whole_week(meal, monday):
    return {(meal.id, monday + timedelta(days=n)) for n in (0, 1, 3, 4)}


@pytest.fixture
def separated(session):
    """Mother pays even weeks, father odd weeks, for the same child."""
    regie, meal, (mother, father), child, _email = factories.portal_family(
        session, "Séparés", adults=("mother", "father"))
    rule = session.scalar(sa.select(BillingRule).where(BillingRule.payer_id == mother.id))
    rule.criterion = "even_weeks"
    subscription = session.scalar(sa.select(Subscription).where(
        Subscription.person_id == child.id))
    billing_rules.add_rule(father, date(2026, 9, 1), [subscription], criterion="odd_weeks")
    session.flush()
    return meal, mother, father, child


def test_each_separated_parent_books_their_own_weeks_only(session, separated):
    meal, mother, father, child = separated
    week = portal_bookings.week_for(mother.id, child, ODD_MONDAY)
    cell = week.cells[(meal.id, ODD_MONDAY)]
    assert not cell.open and cell.reason == ("Ce jour est facturé à l'autre responsable : c'est lui ou elle qui "
                                            "le réserve.")
    result = portal_bookings.save_week(mother.id, child.id, ODD_MONDAY, whole_week(meal, ODD_MONDAY))
    assert result["created"] == 0 and len(result["refused"]) == 4
    result = portal_bookings.save_week(mother.id, child.id, EVEN_MONDAY,
                                       whole_week(meal, EVEN_MONDAY))
    assert result["created"] == 4
    result = portal_bookings.save_week(father.id, child.id, ODD_MONDAY,
                                       {(meal.id, ODD_MONDAY)})
    assert result["created"] == 1
    # The father cannot cancel the mother's week either.
    result = portal_bookings.save_week(father.id, child.id, EVEN_MONDAY, set())
    assert result["removed"] == 0 and len(result["refused"]) == 4
    assert len(days_of(session, child)) == 5


def test_a_parent_without_a_covering_rule_is_told_to_call_the_office(session, separated):
    meal, mother, father, child = separated
    session.execute(sa.delete(BillingRule).where(BillingRule.payer_id == father.id))
    cell = portal_bookings.week_for(father.id, child, ODD_MONDAY).cells[(meal.id, ODD_MONDAY)]
    assert cell.reason == ("Aucune règle de facturation à votre nom ne couvre ce jour : "
                           "contactez le service enfance.")


@pytest.fixture
def with_co_payer(session):
    def build(mode):
        regie, meal, (mother, father), child, _ = factories.portal_family(
            session, f"Solidaire{mode}", mode=mode, adults=("mother", "father"))
        rule = session.scalar(sa.select(BillingRule).where(BillingRule.payer_id == mother.id))
        rule.co_payer_id = father.id
        session.flush()
        return regie, meal, mother, father, child
    return build


def test_the_co_payer_books_in_a_postpaid_regie(session, with_co_payer):
    _regie, meal, _mother, father, child = with_co_payer("postpaid")
    result = portal_bookings.save_week(father.id, child.id, ODD_MONDAY, {(meal.id, ODD_MONDAY)})
    assert result["created"] == 1


def test_the_co_payer_does_not_book_in_a_prepaid_regie(session, with_co_payer):
    regie, meal, mother, father, child = with_co_payer("prepaid")
    payments.record_payment(mother.id, regie.id, "20,00", "cash")
    cell = portal_bookings.week_for(father.id, child, ODD_MONDAY).cells[(meal.id, ODD_MONDAY)]
    assert not cell.open and "seul le compte du payeur" in cell.reason
    result = portal_bookings.save_week(mother.id, child.id, ODD_MONDAY, {(meal.id, ODD_MONDAY)})
    assert result["created"] == 1


def test_prepaid_booking_needs_the_credit_and_cancelling_refunds(session, town_clock):
    regie, meal, (mother,), child, _ = factories.portal_family(session, "Crédit",
                                                                mode="prepaid")
    payments.record_payment(mother.id, regie.id, "5,00", "cash")
    # Two meals cost 6,40 €: refused whole, nothing booked, nothing debited.
    with pytest.raises(RuleViolation) as refused, session.begin_nested():
        portal_bookings.save_week(mother.id, child.id, ODD_MONDAY,
                                  {(meal.id, ODD_MONDAY), (meal.id, date(2026, 12, 1))})
    assert refused.value.message == (
        f"Crédit insuffisant sur votre compte Régie {regie.code} : {money('5.00')} disponibles, "
        f"ces réservations coûtent {money('6.40')}. Rechargez votre compte ou réservez moins de "
        "jours.")
    assert days_of(session, child) == []
    assert payments.balance(mother.id, regie.id) == D("5.00")
    # One meal fits.
    portal_bookings.save_week(mother.id, child.id, ODD_MONDAY, {(meal.id, ODD_MONDAY)})
    assert payments.balance(mother.id, regie.id) == D("1.80")
    # Cancelled before its deadline: refunded.
    portal_bookings.save_week(mother.id, child.id, ODD_MONDAY, set())
    assert payments.balance(mother.id, regie.id) == D("5.00")
    assert days_of(session, child) == []


def test_a_regie_allowing_overdraft_lets_the_account_go_into_debit(session):
    regie, meal, (mother,), child, _ = factories.portal_family(session, "Découvert",
                                                                mode="prepaid")
    regie.portal_overdraft = True
    result = portal_bookings.save_week(mother.id, child.id, ODD_MONDAY, {(meal.id, ODD_MONDAY)})
    assert result["created"] == 1
    assert payments.balance(mother.id, regie.id) == D("-3.20")


def test_forged_values_outside_the_week_are_ignored():
    monday = ODD_MONDAY
    assert portal_bookings.parse_choices(
        ["1:2026-11-30", "1:2027-01-04", "x:2026-11-30", "2:nope", "3"], monday) == {
        (1, date(2026, 11, 30))}


def test_parents_book_only_as_far_ahead_as_the_town_opened(session):
    """« Réservations ouvertes » 2 weeks after this one (the clock: Friday 20/11/2026): up to
    Sunday 6/12; the week after says until when, refuses a forged tick, and a day booked by
    the office beyond it can still be cancelled."""
    regie, meal, (mother,), child, _email = factories.portal_family(session, "Horizon")
    meal.portal_weeks_ahead = 2
    session.flush()
    assert portal_bookings.horizon(meal, date(2026, 11, 20)) == date(2026, 12, 6)
    open_week = portal_bookings.week_for(mother.id, child, ODD_MONDAY)
    assert open_week.cells[(meal.id, ODD_MONDAY)].open
    closed = portal_bookings.week_for(mother.id, child, EVEN_MONDAY)
    cell = closed.cells[(meal.id, EVEN_MONDAY)]
    assert not cell.open and cell.reason == ("Réservations ouvertes jusqu'au dimanche 6 décembre "
                                             "; cette semaine ouvre le lundi 23 novembre.")
    assert closed.common_reason == cell.reason
    result = portal_bookings.save_week(mother.id, child.id, EVEN_MONDAY,
                                       whole_week(meal, EVEN_MONDAY))
    assert result["created"] == 0 and len(result["refused"]) == 4
    session.add(Booking(person_id=child.id, service_id=meal.id, date=EVEN_MONDAY))
    session.flush()
    result = portal_bookings.save_week(mother.id, child.id, EVEN_MONDAY, set())
    assert result["removed"] == 1
    meal.portal_weeks_ahead = None
    session.flush()
    assert portal_bookings.week_for(mother.id, child, EVEN_MONDAY).cells[
        (meal.id, EVEN_MONDAY)].open


def test_the_weeks_ahead_are_0_to_104(session):
    from app.services import offer

    regie, meal, *_ = factories.portal_family(session, "Bornes")
    for weeks in (-1, 105):
        meal.portal_weeks_ahead = weeks
        with pytest.raises(RuleViolation) as refused:
            offer.check_service(meal)
        assert refused.value.problems[0][0] == "portal_weeks_ahead"
    meal.portal_weeks_ahead = 0
    offer.check_service(meal)
