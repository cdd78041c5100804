"""Prépaiement: a booking is paid from the payer's account when it is made, at the day's
price, and given back when cancelled before the deadline or removed by a closure."""
from datetime import date, datetime
from decimal import Decimal

import pytest
import sqlalchemy as sa

from app.models import AccountEntry, Booking, Period, Tariff
from app.services import RuleViolation, billing, billing_rules, bookings, payments, schooling
from app.services.calendar import TOWN_TZ
from tests import factories

D = Decimal
DECEMBER = (date(2026, 12, 7), date(2026, 12, 11))  # Monday to Friday


@pytest.fixture
def prepaid_family(session):
    """A child of a prepaid régie's canteen (3,20 € a meal, deadline D-2 at 10:00); the
    mother pays every week and put 20,00 € on her account."""
    setup = factories.school_setup(session)
    regie = factories.regie(session, code="PRE", mode="prepaid")
    meal = factories.service(session, regie_row=regie, classes=[setup["classes"]["CP A"]])
    session.add(Tariff(service=meal, start_date=date(2026, 9, 1), unit_price=D("3.20")))
    _, (mother,), (child,) = factories.household("Prépayé")
    schooling.enroll(child, setup["classes"]["CP A"], date(2026, 9, 1))
    subscription = bookings.subscribe(child, meal, date(2026, 9, 1))
    billing_rules.add_rule(mother, date(2026, 9, 1), [subscription])
    payments.record_payment(mother.id, regie.id, "20,00", "cash")
    session.flush()
    return regie, meal, mother, child


def account(session, mother, regie):
    return payments.balance(mother.id, regie.id)


def test_booking_debits_the_payer_at_the_days_price(session, prepaid_family):
    regie, meal, mother, child = prepaid_family
    done = bookings.bulk_book(child, meal, *DECEMBER, weekdays=[0, 1, 3, 4])
    assert done["created"] == 4 and done["skipped"] == []
    assert account(session, mother, regie) == D("20.00") - 4 * D("3.20")
    debits = session.scalars(sa.select(AccountEntry).where(AccountEntry.kind == "debit")
                             .order_by(AccountEntry.service_date)).all()
    assert [(e.amount, e.service_date) for e in debits] == [
        (D("-3.20"), date(2026, 12, day)) for day in (7, 8, 10, 11)]
    assert debits[0].label == "Réservation Restauration scolaire 07/12/2026 — " + child.full_name
    # The balance is the sum of the entries, whatever happened.
    assert account(session, mother, regie) == sum(
        e.amount for e in session.scalars(sa.select(AccountEntry).where(
            AccountEntry.adult_id == mother.id)))


def test_cancelling_before_the_deadline_refunds_after_it_does_not(session, town_clock,
                                                                  prepaid_family):
    regie, meal, mother, child = prepaid_family
    bookings.bulk_book(child, meal, *DECEMBER, weekdays=[0, 1])
    assert account(session, mother, regie) == D("13.60")
    # Friday 20/11 10:00: Monday 7/12's deadline (Thursday 3/12 10:00) is far.
    assert bookings.cancel(child, meal, date(2026, 12, 7))
    assert account(session, mother, regie) == D("16.80")
    refund = session.scalar(sa.select(AccountEntry).where(AccountEntry.kind == "refund"))
    assert refund.amount == D("3.20") and refund.label.startswith("Remboursement (annulation)")
    # Friday 4/12 at noon: Tuesday 8/12's deadline (Friday 4/12 10:00) has passed.
    town_clock(datetime(2026, 12, 4, 12, 0, tzinfo=TOWN_TZ))
    assert bookings.cancel(child, meal, date(2026, 12, 8))
    assert account(session, mother, regie) == D("16.80")
    # Booked again, cancelled again in time: refunded once per debit, never more.
    town_clock(datetime(2026, 11, 20, 10, 0, tzinfo=TOWN_TZ))
    bookings.book(child, meal, date(2026, 12, 7))
    bookings.cancel(child, meal, date(2026, 12, 7))
    bookings.cancel(child, meal, date(2026, 12, 7))
    assert account(session, mother, regie) == D("16.80")


def test_a_closure_over_booked_days_refunds_them(session, prepaid_family):
    regie, meal, mother, child = prepaid_family
    bookings.bulk_book(child, meal, *DECEMBER, weekdays=[0, 1, 3, 4])
    strike = Period(label="Grève", start_date=date(2026, 12, 10), end_date=date(2026, 12, 11),
                    services=[meal])
    session.add(strike)
    session.flush()
    assert bookings.apply_closure(strike) == 2
    assert account(session, mother, regie) == D("20.00") - 2 * D("3.20")
    labels = session.scalars(sa.select(AccountEntry.label).where(
        AccountEntry.kind == "refund")).all()
    assert len(labels) == 2 and all(label.startswith("Remboursement (fermeture « Grève »)")
                                    for label in labels)


def test_a_day_nobody_pays_is_not_booked_in_a_prepaid_regie(session, prepaid_family):
    regie, meal, mother, child = prepaid_family
    (rule,) = billing_rules_of(session, mother)
    billing_rules.stop_rule(rule, date(2026, 12, 8))
    done = bookings.bulk_book(child, meal, *DECEMBER, weekdays=[0, 1, 3, 4])
    assert done["created"] == 2
    assert [(row["date"], row["reason"]) for row in done["skipped"]] == [
        (date(2026, 12, day), "prépaiement : aucune règle de facturation ne dit qui paie ce jour")
        for day in (10, 11)]
    with pytest.raises(RuleViolation) as refused:
        bookings.book(child, meal, date(2026, 12, 10))
    assert "aucune règle de facturation ne dit qui paie ce jour" in refused.value.message
    assert session.scalar(sa.select(sa.func.count(Booking.id))) == 2
    assert account(session, mother, regie) == D("13.60")


def test_a_prepaid_regie_has_no_invoices_to_generate(session, prepaid_family):
    regie, meal, mother, child = prepaid_family
    with pytest.raises(RuleViolation) as refused:
        billing.generate_drafts(regie.id, [meal.id], *DECEMBER)
    assert "fonctionne en prépaiement" in refused.value.message


def billing_rules_of(session, adult):
    from app.models import BillingRule

    return session.scalars(sa.select(BillingRule).where(BillingRule.payer_id == adult.id)).all()


def test_the_record_unfolds_the_account_by_month_and_prints_a_statement(app, login, session,
                                                                       prepaid_family):
    import io
    import re

    from pypdf import PdfReader

    regie, meal, mother, child = prepaid_family
    bookings.bulk_book(child, meal, *DECEMBER, weekdays=[0, 1])
    session.commit()
    regisseur = login("regisseur")
    record = regisseur.get(f"/adultview/show/{mother.id}").get_data(as_text=True)
    assert "novembre 2026 — PRE : solde 13,60" in record.replace("\xa0", " ").replace(
        "\u202f", " ")
    link = re.search(r'href="(/adultview/statement/[^"]+)"', record).group(1)
    pdf = regisseur.get(link.replace("&amp;", "&"))
    assert pdf.mimetype == "application/pdf"
    text = " ".join(PdfReader(io.BytesIO(pdf.data)).pages[0].extract_text().split())
    for shown in ("Récapitulatif du compte", "novembre 2026", "Solde au début du mois 0,00",
                  "Solde à la fin du mois 13,60", "Réservation Restauration scolaire 07/12/2026"):
        assert shown in text.replace("\xa0", " ").replace("\u202f", " "), shown
    assert regisseur.get(f"/adultview/statement/{mother.id}?regie={regie.id}&month=2026-13"
                         ).status_code == 404


def test_the_adults_list_finds_accounts_in_debit_or_in_credit(login, session, prepaid_family):
    regie, meal, mother, child = prepaid_family
    _, (debtor,), (other_child,) = factories.household("Débiteur")
    session.commit()
    agent = login("agent")
    in_credit = agent.get(f"/adultview/list/?_flt_1_id={regie.id}").get_data(as_text=True)
    in_debit = agent.get(f"/adultview/list/?_flt_0_id={regie.id}").get_data(as_text=True)
    assert mother.first_name in in_credit and mother.first_name not in in_debit
    listing = agent.get("/adultview/list/").get_data(as_text=True)
    assert f"solde négatif à {regie.code}" in listing and f"solde positif à {regie.code}" in listing
    bookings.bulk_book(child, meal, date(2026, 12, 7), date(2026, 12, 31), weekdays=[0, 1, 3, 4])
    session.commit()
    in_debit = agent.get(f"/adultview/list/?_flt_0_id={regie.id}").get_data(as_text=True)
    assert mother.first_name in in_debit and debtor.first_name not in in_debit


def test_the_payers_record_leads_to_each_childs_bookings(login, session, prepaid_family):
    regie, meal, mother, child = prepaid_family
    session.commit()
    record = login("agent").get(f"/adultview/show/{mother.id}").get_data(as_text=True)
    assert f'href="/bookings/person/{child.id}"' in record and "ses réservations" in record


def test_a_closure_refunds_only_the_booking_it_removes(session, town_clock, prepaid_family):
    """Booked, cancelled after the deadline (kept), booked again, then closed: the closure
    gives back the second booking's meal, not the one the late cancellation kept."""
    regie, meal, mother, child = prepaid_family
    bookings.book(child, meal, date(2026, 12, 8))
    town_clock(datetime(2026, 12, 4, 12, 0, tzinfo=TOWN_TZ))
    bookings.cancel(child, meal, date(2026, 12, 8))
    bookings.book(child, meal, date(2026, 12, 8))
    assert account(session, mother, regie) == D("13.60")
    strike = Period(label="Grève", start_date=date(2026, 12, 8), end_date=date(2026, 12, 8),
                    services=[meal])
    session.add(strike)
    session.flush()
    bookings.apply_closure(strike)
    assert account(session, mother, regie) == D("16.80")


def test_a_regie_with_bookings_keeps_its_mode_and_a_service_its_regie(session, prepaid_family):
    from app.services import offer

    regie, meal, mother, child = prepaid_family
    bookings.book(child, meal, date(2026, 12, 8))
    session.flush()
    regie.mode = "postpaid"
    with pytest.raises(RuleViolation) as refused:
        offer.check_regie(regie)
    assert "son mode ne peut plus changer" in refused.value.message
    regie.mode = "prepaid"
    other = factories.regie(session, code="AUT")
    meal.regie = other
    with pytest.raises(RuleViolation) as moved:
        offer.check_service(meal)
    assert "elle reste dans sa régie" in moved.value.message


def test_booking_from_the_grid_says_the_payers_balance(login, session, prepaid_family):
    import re

    regie, meal, mother, child = prepaid_family
    session.commit()
    agent = login("agent")
    days = [f"{meal.id}_2026-12-{day:02d}" for day in (7, 8, 10, 11, 14, 15, 17)]
    done = agent.post(f"/bookings/person/{child.id}?start=2026-12-07",
                      data={"booked": days}, follow_redirects=True).get_data(as_text=True)
    # 20,00 − 7 × 3,20 = −2,40: said, as a warning.
    assert re.search(r"Compte de [^:]+ à PRE : solde -2,40", done.replace("\xa0", " ")
                     .replace("\u202f", " "))
