"""Payments settle invoices; what is paid beyond goes to the payer's account and comes back on
an invoice only when staff say so; credit notes never swallow money; deposits group payments
for the bank."""
from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from app.models import AccountEntry, Invoice, Payment, Product
from app.services import RuleViolation, billing, deposits, payments, registry
from tests import factories

D = Decimal


def state(invoice, today=None):
    return billing.state_of(invoice, *billing.settlement_of(invoice), today=today)


def listed_in(session, state_name, invoice, today=None):
    return session.scalar(sa.select(Invoice.id).where(
        Invoice.id == invoice.id, billing.state_condition(state_name, today))) is not None


def pay(payer, regie, amount, invoices=(), method="cash", **extra):
    return payments.record_payment(payer.id, regie.id, amount, method,
                                   invoice_ids=[i.id for i in invoices], **extra)


def test_the_payment_defaults_to_what_remains_and_settles_the_invoice(session):
    payer, regie, (invoice,) = factories.payer_with_invoices(session, "51.00")
    assert payments.amount_due(invoice) == D("51.00")
    assert state(invoice) == "unpaid" and listed_in(session, "unpaid", invoice)
    payment = pay(payer, regie, payments.amount_due(invoice), [invoice])
    assert [a.amount for a in payment.allocations] == [D("51.00")]
    assert payments.amount_due(invoice) == 0
    assert state(invoice) == "paid" and listed_in(session, "paid", invoice)
    assert payments.balance(payer.id, regie.id) == 0


def test_a_partial_payment_leaves_the_invoice_partially_paid_then_to_remind(session):
    payer, regie, (invoice,) = factories.payer_with_invoices(session, "51.00")
    pay(payer, regie, "12,50", [invoice], method="cheque", cheque_number="1234567",
        bank="Crédit Agricole")
    assert payments.amount_due(invoice) == D("38.50")
    assert state(invoice) == "partially_paid"
    for name in ("unpaid", "partially_paid", "paid", "to_remind", "cancelled", "draft"):
        assert listed_in(session, name, invoice) == (name == "partially_paid"), name
    # Past the due date, what is still due is to remind, paid in part or not.
    late = date(2026, 12, 16)
    assert state(invoice, late) == "to_remind" and listed_in(session, "to_remind", invoice, late)
    assert not listed_in(session, "partially_paid", invoice, late)


def test_an_over_payment_becomes_account_credit_put_on_an_invoice_only_when_asked(session):
    payer, regie, (first, second) = factories.payer_with_invoices(session, "30.00", "25.00")
    payment = pay(payer, regie, "50,00", [first])
    assert state(first) == "paid"
    assert payments.balance(payer.id, regie.id) == D("20.00")
    (entry,) = payments.entries(payer.id, regie.id)
    assert (entry.kind, entry.amount, entry.payment_id) == ("credit", D("20.00"), payment.id)
    # Nothing happens to the second invoice by itself.
    assert payments.amount_due(second) == D("25.00")
    assert payments.credit_available_for(second) == D("20.00")
    assert payments.allocate_credit(second.id) == D("20.00")
    assert payments.amount_due(second) == D("5.00") and state(second) == "partially_paid"
    assert payments.balance(payer.id, regie.id) == 0
    assert payments.credit_available_for(second) == 0
    with pytest.raises(RuleViolation, match="aucun crédit"):
        payments.allocate_credit(second.id)


def test_a_payment_on_the_account_only_credits_it(session):
    payer, regie, (invoice,) = factories.payer_with_invoices(session, "10.00")
    pay(payer, regie, "40")
    assert payments.balance(payer.id, regie.id) == D("40.00")
    assert payments.amount_due(invoice) == D("10.00")
    payments.allocate_credit(invoice.id)
    assert state(invoice) == "paid" and payments.balance(payer.id, regie.id) == D("30.00")
    assert [(r.code, b) for r, b in payments.balances(payer.id)] == [(regie.code, D("30.00"))]


def test_a_credit_note_after_a_payment_gives_the_over_paid_amount_back_to_the_account(session):
    payer, regie, (invoice,) = factories.payer_with_invoices(session, "51.00")
    pay(payer, regie, "51,00", [invoice])
    billing.credit_note(invoice, "6,00", "Grève")
    assert payments.amount_due(invoice) == 0 and state(invoice) == "paid"
    assert billing.settlement_of(invoice) == (D("-6.00"), D("45.00"))
    assert payments.balance(payer.id, regie.id) == D("6.00")
    refund = payments.entries(payer.id, regie.id)[-1]
    assert (refund.kind, refund.amount, refund.invoice_id) == ("refund", D("6.00"), invoice.id)
    # Credited in full: cancelled, and everything paid is on the account.
    billing.credit_note(invoice)
    assert state(invoice) == "cancelled" and listed_in(session, "cancelled", invoice)
    assert payments.balance(payer.id, regie.id) == D("51.00")
    assert billing.settlement_of(invoice).paid == 0


def test_a_credit_note_on_a_partly_paid_invoice_only_frees_what_is_over_paid(session):
    payer, regie, (invoice,) = factories.payer_with_invoices(session, "50.00")
    pay(payer, regie, "30", [invoice])
    billing.credit_note(invoice, "15")
    assert payments.amount_due(invoice) == D("5.00")
    assert payments.balance(payer.id, regie.id) == 0
    billing.credit_note(invoice, "20")  # 15 left: 30 paid, 15 back to the account
    assert payments.amount_due(invoice) == 0 and payments.balance(payer.id, regie.id) == D("15.00")


def test_deleting_a_payment_makes_its_amount_due_again(session):
    payer, regie, (invoice,) = factories.payer_with_invoices(session, "20.00")
    payment = pay(payer, regie, "25", [invoice])
    payments.delete_payment(payment)
    assert payments.amount_due(invoice) == D("20.00") and state(invoice) == "unpaid"
    assert payments.balance(payer.id, regie.id) == 0
    assert session.scalar(sa.select(sa.func.count(AccountEntry.id))
                          .where(AccountEntry.adult_id == payer.id)) == 0


def test_deposit_round_trip_numbers_locks_and_refusals(session):
    payer, regie, (invoice,) = factories.payer_with_invoices(session, "90.00")
    product = Product(name="Cantine", regie_id=regie.id)
    session.add(product)
    session.flush()
    cheques = [pay(payer, regie, amount, [invoice], method="cheque", cheque_number=f"00{n}",
                   bank="La Poste", product_id=product.id)
               for n, amount in enumerate(["10,00", "12,50"])]
    cash = pay(payer, regie, "5", [invoice])
    made = deposits.create_deposits([p.id for p in cheques + [cash]])
    assert [(d.method, d.total) for d in made] == [("cash", D("5.00")), ("cheque", D("22.50"))]
    year = date(2026, 11, 20).year
    assert [d.number for d in made] == [f"{regie.code}-D-{year}-000001",
                                        f"{regie.code}-D-{year}-000002"]
    cheque_deposit = made[1]
    assert deposits.by_product(cheque_deposit) == [("Cantine", 2, D("22.50"))]
    with pytest.raises(RuleViolation, match="déjà dans un dépôt"):
        deposits.create_deposits([cheques[0].id])
    with pytest.raises(RuleViolation, match="ne peut plus être supprimé"):
        payments.delete_payment(cheques[0])
    assert deposits.delete_deposit(cheque_deposit) == 2
    assert all(p.deposit_id is None for p in cheques)
    again = deposits.create_deposits([p.id for p in cheques])[0]
    assert again.number == f"{regie.code}-D-{year}-000003" and again.total == D("22.50")
    deposits.mark_sent(again)
    with pytest.raises(RuleViolation, match="remis à la banque"):
        deposits.delete_deposit(again)
    with pytest.raises(RuleViolation, match="remis à la banque"):
        deposits.mark_sent(again)


def test_a_rejected_payment_cannot_be_deposited(session):
    payer, regie, _ = factories.payer_with_invoices(session)
    payment = pay(payer, regie, "10")
    payment.status, payment.reject_reason = "rejected", "AM04"
    session.flush()
    with pytest.raises(RuleViolation, match="rejeté"):
        deposits.create_deposits([payment.id])


def test_a_payer_is_archived_once_everything_is_paid_and_no_credit_is_left(session):
    payer, regie, (invoice,) = factories.payer_with_invoices(session, "30.00")
    with pytest.raises(RuleViolation, match="impayée"):
        registry.archive_person(payer)
    pay(payer, regie, "35", [invoice])
    with pytest.raises(RuleViolation, match="5,00"):
        registry.archive_person(payer)  # the account still holds 5,00 €
    other, _, (second,) = factories.payer_with_invoices(session, "30.00")
    pay(other, second.regie, "30", [second])
    registry.archive_person(other)
    assert other.archived


@pytest.mark.parametrize("amount, message", [
    ("-5", "positif"), ("0", "positif"), ("12,505", "deux décimales"), ("douze", "montant"),
    ("", "obligatoire"), ("١٢", "montant")])
def test_bad_amounts_are_refused_in_french(session, amount, message):
    payer, regie, (invoice,) = factories.payer_with_invoices(session, "30.00")
    with pytest.raises(RuleViolation, match=message) as refused:
        pay(payer, regie, amount, [invoice])
    assert refused.value.field == "amount"
    assert session.scalar(sa.select(sa.func.count(Payment.id))
                          .where(Payment.payer_id == payer.id)) == 0


def test_invoices_that_cannot_be_paid_by_this_payment_are_refused(session):
    payer, regie, (invoice,) = factories.payer_with_invoices(session, "30.00")
    other, other_regie, (not_theirs,) = factories.payer_with_invoices(session, "30.00")
    elsewhere = factories.validated_invoice(session, payer, other_regie)
    draft = Invoice(kind="invoice", regie_id=regie.id, payer_id=payer.id, status="draft",
                    period_start=date(2026, 11, 1), period_end=date(2026, 11, 30), total=D(9))
    session.add(draft)
    session.flush()
    note = billing.credit_note(invoice, "1")
    for invoice_id, message in [(999999, "Facture inconnue"),
                                (not_theirs.id, "pas adressée à"),
                                (elsewhere.id, "autre régie"),
                                (draft.id, "pas une facture validée"),
                                (note.id, "pas une facture validée")]:
        with pytest.raises(RuleViolation, match=message) as refused:
            payments.record_payment(payer.id, regie.id, "5", "cash", invoice_ids=[invoice_id])
        assert refused.value.field == "invoice_ids"
    with pytest.raises(RuleViolation, match="numéro du chèque"):
        pay(payer, regie, "5", [invoice], method="cheque")
    with pytest.raises(RuleViolation, match="dans le futur"):
        pay(payer, regie, "5", [invoice], day=date(2026, 11, 21))
    with pytest.raises(RuleViolation, match="prélèvement"):
        pay(payer, regie, "5", [invoice], method="direct_debit")
    product = Product(name="Autre", regie_id=other_regie.id)
    session.add(product)
    session.flush()
    with pytest.raises(RuleViolation, match="autre régie"):
        pay(payer, regie, "5", [invoice], product_id=product.id)


@pytest.mark.parametrize("extra, field, message", [
    ({"day": date(2025, 11, 1)}, "date", "dans l'année écoulée"),
    ({"method": "cheque", "cheque_number": "1" * 31}, "cheque_number", "30 caractères"),
    ({"method": "cheque", "cheque_number": "123", "bank": "B" * 101}, "bank", "100 caractères"),
])
def test_payment_details_out_of_bounds_are_refused(session, extra, field, message):
    payer, regie, (invoice,) = factories.payer_with_invoices(session, "30.00")
    with pytest.raises(RuleViolation, match=message) as refused:
        pay(payer, regie, "5", [invoice], **extra)
    assert refused.value.field == field
