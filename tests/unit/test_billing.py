"""Billing rules, draft generation, validation numbers, credit notes."""
from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from app.models import Booking, FamilyQuotient, Invoice, Tariff, TariffBracket
from app.services import RuleViolation, billing, billing_rules, bookings, registry
from app.services.calendar import today_in_town
from tests import factories

NOVEMBER = (date(2026, 11, 1), date(2026, 11, 30))


def family(session, price="3.00", separated=False):
    """A CP child subscribed to the canteen, booked every canteen day of November, with a
    mother (and a father in another household when `separated`)."""
    setup = factories.school_setup(session)
    meal = factories.service(session, classes=[setup["classes"]["CP A"]])
    session.add(Tariff(service=meal, start_date=date(2026, 9, 1), unit_price=Decimal(price)))
    home, (mother,), (child,) = factories.household("Facture")
    father = None
    if separated:
        father = registry.new_person("adult", factories.adult_data("Facture", "Père"))
        registry.create_household_from_wizard(
            factories.HouseholdData(name="Foyer PÈRE"), adult_id=father.id, child_id=child.id,
            relation="father")
    from app.services import schooling

    schooling.enroll(child, setup["classes"]["CP A"], date(2026, 9, 1))
    subscription = bookings.subscribe(child, meal, date(2026, 9, 1))
    bookings.bulk_book(child, meal, *NOVEMBER, weekdays=[0, 1, 3, 4])
    session.flush()
    return meal, home, mother, father, child, subscription


def generate(meal):
    return billing.generate_drafts(meal.regie_id, [meal.id], *NOVEMBER,
                                   due_date=date(2026, 12, 15))


def invoices_by_payer(session, result):
    rows = session.scalars(sa.select(Invoice).where(Invoice.id.in_(result["invoice_ids"])))
    return {i.payer_id: i for i in rows}


def test_one_draft_per_payer_priced_and_each_booking_billed_once(session):
    meal, _, mother, _, child, subscription = family(session)
    billing_rules.add_rule(mother, date(2026, 9, 1), [subscription])
    result = generate(meal)
    (invoice,) = invoices_by_payer(session, result).values()
    assert invoice.status == "draft" and invoice.number is None and invoice.payer_id == mother.id
    (line,) = invoice.lines
    assert (line.quantity, line.unit_price, line.amount) == (17, Decimal("3.00"), Decimal("51.00"))
    assert invoice.total == Decimal("51.00")
    assert line.date_list[0] == "2026-11-02" and len(line.date_list) == 17
    again = generate(meal)
    assert again["invoice_ids"] == [] and again["unbilled"] == []
    assert session.scalar(sa.select(sa.func.count(Booking.id)).where(~Booking.billed)) == 0


def test_separated_parents_even_and_odd_weeks(session):
    meal, _, mother, father, child, subscription = family(session, separated=True)
    billing_rules.add_rule(mother, date(2026, 9, 1), [subscription], criterion="even_weeks")
    billing_rules.add_rule(father, date(2026, 9, 1), [subscription], criterion="odd_weeks")
    by_payer = invoices_by_payer(session, generate(meal))
    weeks = {payer: {date.fromisoformat(d).isocalendar()[1] % 2 for d in inv.lines[0].date_list}
             for payer, inv in by_payer.items()}
    assert weeks == {mother.id: {0}, father.id: {1}}
    assert sum(inv.lines[0].quantity for inv in by_payer.values()) == 17


def test_overlapping_rules_are_refused(session):
    meal, _, mother, father, child, subscription = family(session, separated=True)
    billing_rules.add_rule(mother, date(2026, 9, 1), [subscription], criterion="even_weeks")
    with pytest.raises(RuleViolation, match="est déjà facturé à"):
        billing_rules.add_rule(father, date(2026, 10, 1), [subscription])
    with pytest.raises(RuleViolation, match="Les numéros de semaine ISO vont de 1 à 53."):
        billing_rules.add_rule(father, date(2026, 9, 1), [subscription], "week_list", "45,60")


def test_week_list_stopped_rule_and_unbilled_days(session):
    meal, _, mother, father, child, subscription = family(session, separated=True)
    billing_rules.add_rule(father, date(2026, 9, 1), [subscription], "week_list", "46")
    rule = billing_rules.add_rule(mother, date(2026, 9, 1), [subscription], "week_list",
                                  "45,47,48,49")
    billing_rules.stop_rule(rule, date(2026, 11, 20))
    result = generate(meal)
    by_payer = invoices_by_payer(session, result)
    assert by_payer[father.id].lines[0].quantity == 4  # week 46
    assert by_payer[mother.id].lines[0].quantity == 8  # weeks 45 and 47 (stopped on the 20th)
    assert [u["date"] for u in result["unbilled"]] == [
        "2026-11-23", "2026-11-24", "2026-11-26", "2026-11-27", "2026-11-30"]
    assert session.scalar(sa.select(sa.func.count(Booking.id)).where(~Booking.billed)) == 5


def test_transferred_rule_and_co_payer_on_the_invoice(session):
    meal, _, mother, father, child, subscription = family(session, separated=True)
    rule = billing_rules.add_rule(mother, date(2026, 9, 1), [subscription])
    grandma = registry.new_person("adult", factories.adult_data("Solidaire", "Mamie"))
    billing_rules.transfer_rule(rule, new_payer=father, co_payer=grandma)
    (invoice,) = invoices_by_payer(session, generate(meal)).values()
    assert (invoice.payer_id, invoice.co_payer_id) == (father.id, grandma.id)
    assert invoice.co_payer_name == "SOLIDAIRE Mamie"


def test_quotient_brackets_and_missing_quotient(session):
    meal, home, mother, _, child, subscription = family(session)
    session.execute(sa.delete(Tariff))
    session.add(Tariff(service=meal, start_date=date(2026, 9, 1), brackets=[
        TariffBracket(qf_min=0, qf_max=600, unit_price=Decimal("1.10")),
        TariffBracket(qf_min=601, qf_max=None, unit_price=Decimal("4.40"))]))
    session.add(FamilyQuotient(household=home, value=Decimal("450"), start_date=date(2026, 9, 1),
                               end_date=date(2026, 11, 15)))
    billing_rules.add_rule(mother, date(2026, 9, 1), [subscription])
    (invoice,) = invoices_by_payer(session, generate(meal)).values()
    prices = {(line.unit_price, line.quantity) for line in invoice.lines}
    # 8 days up to 13 November at the quotient's bracket, the 9 others at the highest one.
    assert prices == {(Decimal("1.10"), 8), (Decimal("4.40"), 9)}
    assert invoice.total == Decimal("48.40")


def test_adjustments_then_validation_freezes_the_invoice(session):
    meal, _, mother, _, child, subscription = family(session)
    billing_rules.add_rule(mother, date(2026, 9, 1), [subscription])
    (invoice,) = invoices_by_payer(session, generate(meal)).values()
    billing.add_adjustment(invoice, "Réduction fratrie", "discount", "5.00")
    billing.add_adjustment(invoice, "Repas oublié", "surcharge", "1.50")
    assert invoice.total == Decimal("47.50")
    numbers = billing.validate([invoice.id])
    assert numbers[invoice.id] == f"{invoice.regie.code}-F-{today_in_town().year}-000001"
    assert billing.state_of(invoice) == "unpaid"
    with pytest.raises(RuleViolation, match="est validée : elle ne peut plus changer"):
        billing.add_adjustment(invoice, "Trop tard", "discount", "1")
    with pytest.raises(RuleViolation, match="est validée"):
        billing.delete_draft(invoice)
    with pytest.raises(RuleViolation, match="ne sont pas des brouillons"):
        billing.validate([invoice.id])


def test_numbers_are_continuous_and_credit_notes_have_their_own_series(session):
    meal, _, mother, father, child, subscription = family(session, separated=True)
    billing_rules.add_rule(mother, date(2026, 9, 1), [subscription], criterion="even_weeks")
    billing_rules.add_rule(father, date(2026, 9, 1), [subscription], criterion="odd_weeks")
    ids = generate(meal)["invoice_ids"]
    numbers = billing.validate(ids)
    year = today_in_town().year
    assert sorted(numbers.values()) == [f"R{n}-F-{year}-00000{k}" for n, k in
                                        ((meal.regie.code[1:], 1), (meal.regie.code[1:], 2))]
    invoice = session.get(Invoice, ids[0])
    partial = billing.credit_note(invoice, "6.00", "Repas non servi (grève)")
    assert partial.total == Decimal("-6.00") and partial.number.endswith(f"AV-{year}-000001")
    # A credit note is not a payment: what remains is still unpaid, in full it is cancelled.
    before_due = invoice.due_date
    assert billing.state_of(invoice, billing.credited_amounts([invoice.id])[invoice.id],
                            today=before_due) == "unpaid"
    assert billing.amount_due(invoice, Decimal("-6.00")) == invoice.total - Decimal("6.00")
    with pytest.raises(RuleViolation, match="ne peut pas dépasser"):
        billing.credit_note(invoice, str(invoice.total))
    rest = billing.credit_note(invoice)
    assert rest.number.endswith("000002") and rest.total == -(invoice.total - Decimal("6.00"))
    assert billing.state_of(invoice, billing.credited_amounts([invoice.id])[invoice.id],
                            today=before_due) == "cancelled"
    with pytest.raises(RuleViolation, match="déjà entièrement"):
        billing.credit_note(invoice, "0.01")


def test_archive_guard_sees_unpaid_invoices(session):
    meal, _, mother, _, child, subscription = family(session)
    billing_rules.add_rule(mother, date(2026, 9, 1), [subscription])
    (invoice,) = invoices_by_payer(session, generate(meal)).values()
    registry.archive_person(child)  # children never pay
    billing.validate([invoice.id])
    with pytest.raises(RuleViolation, match=r"1 facture impayée \(.*\) doit d.abord être réglée"):
        registry.archive_person(mother)
    billing.credit_note(invoice)
    registry.archive_person(mother)
    assert mother.archived


def test_deleting_a_draft_gives_the_bookings_back(session):
    meal, _, mother, _, child, subscription = family(session)
    billing_rules.add_rule(mother, date(2026, 9, 1), [subscription])
    (invoice,) = invoices_by_payer(session, generate(meal)).values()
    billing.delete_draft(invoice)
    assert session.scalar(sa.select(sa.func.count(Booking.id)).where(Booking.billed)) == 0
    assert len(generate(meal)["invoice_ids"]) == 1


def test_excused_absence_is_not_billed_and_attendance_basis(session):
    from datetime import datetime

    from app.services import attendance
    from app.services.calendar import TOWN_TZ

    meal, _, mother, _, child, subscription = family(session)
    billing_rules.add_rule(mother, date(2026, 9, 1), [subscription])
    later = datetime(2026, 12, 1, tzinfo=TOWN_TZ)
    attendance.mark(child, meal, date(2026, 11, 5), "excused_absence", now=later)
    attendance.mark(child, meal, date(2026, 11, 6), "unexcused_absence", now=later)
    (invoice,) = invoices_by_payer(session, generate(meal)).values()
    assert invoice.lines[0].quantity == 16 and "2026-11-05" not in invoice.lines[0].dates


def test_a_tariff_change_in_the_month_and_days_without_a_tariff(session):
    meal, _, mother, _, child, subscription = family(session)
    session.scalar(sa.select(Tariff)).end_date = date(2026, 11, 15)
    session.add(Tariff(service=meal, start_date=date(2026, 11, 23), unit_price=Decimal("3.50")))
    billing_rules.add_rule(mother, date(2026, 9, 1), [subscription])
    result = generate(meal)
    (invoice,) = invoices_by_payer(session, result).values()
    lines = sorted((line.unit_price, line.quantity, line.dates) for line in invoice.lines)
    assert lines == [
        (Decimal("3.00"), 8, "2026-11-02,2026-11-03,2026-11-05,2026-11-06,2026-11-09,"
                             "2026-11-10,2026-11-12,2026-11-13"),
        (Decimal("3.50"), 5, "2026-11-23,2026-11-24,2026-11-26,2026-11-27,2026-11-30")]
    assert invoice.total == Decimal("41.50")
    # The week without a tariff is reported and stays billable: once priced, it is billed.
    assert [u["date"] for u in result["unpriced"]] == [
        "2026-11-16", "2026-11-17", "2026-11-19", "2026-11-20"]
    session.add(Tariff(service=meal, start_date=date(2026, 11, 16), end_date=date(2026, 11, 22),
                       unit_price=Decimal("2.00")))
    (second,) = invoices_by_payer(session, generate(meal)).values()
    assert [(line.unit_price, line.quantity) for line in second.lines] == [(Decimal("2.00"), 4)]
    assert session.scalar(sa.select(sa.func.count(Booking.id)).where(~Booking.billed)) == 0


def test_iso_weeks_counted_by_the_database_are_the_calendar_ones(session):
    """Even/odd weeks between separated parents are decided by the database: its week numbers
    must be ISO 8601's on every backend, across year ends and 53-week years."""
    from datetime import timedelta

    from app.models.sql import iso_week

    days = [date(2020, 12, 24) + timedelta(days=n) for n in range(0, 2600, 9)]
    days += [date(2026, 12, 27) + timedelta(days=n) for n in range(10)]
    days += [date(2020, 12, 31), date(2021, 1, 1), date(2021, 1, 3), date(2021, 1, 4)]
    weeks = session.execute(sa.select(*[iso_week(sa.literal(d, sa.Date)) for d in days])).one()
    assert list(weeks) == [d.isocalendar()[1] for d in days]
    assert weeks[-4:] == (53, 53, 53, 1)
