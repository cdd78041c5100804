"""Attestations de frais de garde: the CGI art. 200 quater B rules on a family with a child of 5
and a child of 6 on 1 January 2026 (care and meals on one invoice), paid in and out of the
period, a rejected payment, credit notes; per payer and per child."""
from datetime import date, datetime
from decimal import Decimal

import pytest
import sqlalchemy as sa

from app.models import Deposit, Invoice, InvoiceLine, Payment, PaymentAllocation
from app.services import RuleViolation, billing, certificates, direct_debits, payments
from tests import factories

YEAR = (date(2026, 1, 1), date(2026, 12, 31))


_line = factories.invoice_line
OCTOBER = factories.OCTOBER_DAYS


@pytest.fixture
def family(session):
    return factories.care_family(session)


def _of(found):
    return [(c.payer_id, [(child.child_id, child.services) for child in c.children])
            for c in found]


def test_only_the_child_under_6_on_1_january_and_only_care_count(session, family):
    payments.record_payment(family["mother"].id, family["regie"].id, "75,00", "cash",
                            invoice_ids=[family["invoice"].id])
    found = certificates.certificates([family["care"].id], *YEAR,
                                      payer_ids=[family["mother"].id])
    assert _of(found) == [(family["mother"].id, [
        (family["lea"].id, {"Garderie du soir": Decimal("20.00")})])]
    assert found[0].total == Decimal("20.00")
    # The same boundary from the children list: Hugo alone has nothing to certify.
    assert certificates.certificates([family["care"].id], *YEAR,
                                      child_ids=[family["hugo"].id]) == []


def test_meals_cannot_be_chosen(session, family):
    with pytest.raises(RuleViolation) as refused:
        certificates.certificates([family["care"].id, family["meals"].id], *YEAR)
    assert refused.value.field == "services"
    assert "Restauration scolaire" in refused.value.message


def test_a_period_over_two_years_is_refused(session, family):
    with pytest.raises(RuleViolation) as refused:
        certificates.certificates([family["care"].id], date(2025, 9, 1), date(2026, 8, 31))
    assert refused.value.field == "end"


def test_only_what_was_paid_in_the_period_counts(session, family, town_clock):
    # 30 € of 75 € on 20/11/2026, the rest on 10/01/2027: 2026 certifies Léa's share of 30 €.
    payments.record_payment(family["mother"].id, family["regie"].id, "30,00", "cash",
                            invoice_ids=[family["invoice"].id])
    town_clock(datetime(2027, 1, 15, 10, 0))
    payments.record_payment(family["mother"].id, family["regie"].id, "45,00", "cash",
                            day=date(2027, 1, 10), invoice_ids=[family["invoice"].id])
    found = certificates.certificates([family["care"].id], *YEAR,
                                      payer_ids=[family["mother"].id])
    assert found[0].total == Decimal("8.00")  # 30 × 20 / 75
    # November alone: the same; October: nothing was paid then.
    assert certificates.certificates([family["care"].id], date(2026, 11, 1),
                                     date(2026, 11, 30))[0].total == Decimal("8.00")
    assert certificates.certificates([family["care"].id], date(2026, 10, 1),
                                     date(2026, 10, 31)) == []


def test_a_rejected_payment_does_not_count(session, family):
    # A direct debit sent to the bank (in a deposit), then rejected by it.
    deposit = Deposit(regie_id=family["regie"].id, number="ENF-2026-P1", date=date(2026, 11, 5),
                      method="direct_debit")
    session.add(deposit)
    session.flush()
    payment = Payment(deposit_id=deposit.id, payer_id=family["mother"].id, regie_id=family["regie"].id,
                      date=date(2026, 11, 5), method="direct_debit", amount=Decimal("75.00"),
                      status="ok")
    session.add(payment)
    session.flush()
    session.add(PaymentAllocation(payment_id=payment.id, invoice_id=family["invoice"].id,
                                  amount=Decimal("75.00")))
    session.flush()
    assert certificates.certificates([family["care"].id], *YEAR)[0].total == Decimal("20.00")
    direct_debits.reject_many([(payment.id, "AM04")])
    assert certificates.certificates([family["care"].id], *YEAR) == []


def test_a_credit_note_cancelling_care_days_reduces_what_was_paid_for_them(session, family):
    payments.record_payment(family["mother"].id, family["regie"].id, "75,00", "cash",
                            invoice_ids=[family["invoice"].id])
    lea_care = next(line for line in family["invoice"].lines
                    if line.person_id == family["lea"].id
                    and line.service_id == family["care"].id)
    # Four days of Léa's care cancelled: 8 € go back to the account, 12 € of care were paid.
    billing.credit_note(family["invoice"], cancelled_lines=[
        (lea_care.id, [d.isoformat() for d in OCTOBER[:4]])])
    found = certificates.certificates([family["care"].id], *YEAR)
    assert found[0].total == Decimal("12.00")
    assert payments.balance(family["mother"].id, family["regie"].id) == Decimal("8.00")


def test_a_credit_note_for_an_amount_lowers_every_line_alike(session, family):
    payments.record_payment(family["mother"].id, family["regie"].id, "75,00", "cash",
                            invoice_ids=[family["invoice"].id])
    billing.credit_note(family["invoice"], amount="15,00", reason="Geste")
    # 60 € paid for 75 € of lines: care 20 × 60 / 75.
    assert certificates.certificates([family["care"].id], *YEAR)[0].total == Decimal("16.00")


def test_a_discount_on_the_meals_leaves_care_whole(session, family):
    regie, mother = family["regie"], family["mother"]
    invoice = Invoice(kind="invoice", regie_id=regie.id, payer_id=mother.id, status="draft",
                      period_start=date(2026, 9, 1), period_end=date(2026, 9, 30),
                      total=Decimal("0"), lines=[_line(family["lea"], family["care"], "1.00"),
                                                 _line(family["lea"], family["meals"], "1.00")])
    session.add(invoice)
    session.flush()
    billing.add_adjustment(invoice, "Aide cantine", "discount", "5,00",
                           service_id=family["meals"].id, person_id=family["lea"].id)
    billing.validate([invoice.id])
    assert invoice.total == Decimal("15.00")
    payments.record_payment(mother.id, regie.id, "15,00", "cash", invoice_ids=[invoice.id])
    found = certificates.certificates([family["care"].id], *YEAR, child_ids=[family["lea"].id])
    assert found[0].total == Decimal("10.00")


def test_per_payer_lists_each_child_and_per_child_makes_one_each(session, family):
    regie, mother, care = family["regie"], family["mother"], family["care"]
    _, _, (baby,) = factories.household("Petit")
    baby.birth_date = date(2023, 5, 2)
    invoice = Invoice(kind="invoice", regie_id=regie.id, payer_id=mother.id, status="draft",
                      period_start=date(2026, 9, 1), period_end=date(2026, 9, 30),
                      total=Decimal("20.00"), lines=[_line(baby, care, "1.00"),
                                                     _line(family["lea"], care, "1.00")])
    session.add(invoice)
    session.flush()
    billing.validate([invoice.id])
    payments.record_payment(mother.id, regie.id, "20,00", "cash", invoice_ids=[invoice.id])
    per_payer = certificates.certificates([care.id], *YEAR, "payer", payer_ids=[mother.id])
    assert len(per_payer) == 1
    assert {c.child_id: c.total for c in per_payer[0].children} == {
        family["lea"].id: Decimal("10.00"), baby.id: Decimal("10.00")}
    per_child = certificates.certificates([care.id], *YEAR, "child", payer_ids=[mother.id])
    assert sorted((c.children[0].child_id, c.total) for c in per_child) == sorted(
        [(family["lea"].id, Decimal("10.00")), (baby.id, Decimal("10.00"))])
    assert {c.payer_id for c in per_child} == {mother.id}


def test_split_gives_every_cent_once():
    parts = certificates.split(Decimal("10.00"), {"a": Decimal("1"), "b": Decimal("1"),
                                                   "c": Decimal("1")})
    assert sum(parts.values()) == Decimal("10.00")
    assert sorted(parts.values()) == [Decimal("3.33"), Decimal("3.33"), Decimal("3.34")]
