"""Random sequences of payments, credit allocations, credit notes, deposits, deposit and
payment deletions, direct-debit runs and rejects: after every step not a cent is lost or
created."""
from datetime import date
from decimal import Decimal

import sqlalchemy as sa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.models import Deposit, Invoice, Payment, PaymentAllocation
from app.services import RuleViolation, billing, deposits, direct_debits, payments
from tests import factories

D = Decimal
CENT = D("0.01")
STATES = ("unpaid", "partially_paid", "paid", "to_remind", "cancelled", "draft")
TOTALS = ("51.00", "20.00", "7.35")

amounts = st.integers(min_value=1, max_value=9000).map(lambda cents: D(cents) * CENT)
invoice_index = st.integers(min_value=0, max_value=len(TOTALS) - 1)
pick = st.integers(min_value=0, max_value=20)
steps = st.lists(st.one_of(
    st.tuples(st.just("pay"), amounts, st.lists(invoice_index, max_size=3, unique=True),
              st.sampled_from(["cash", "cheque", "card"])),
    st.tuples(st.just("allocate"), invoice_index),
    st.tuples(st.just("credit_note"), invoice_index, st.none() | amounts),
    st.tuples(st.just("deposit"), st.lists(pick, min_size=1, max_size=4, unique=True)),
    st.tuples(st.just("delete_deposit"), pick),
    st.tuples(st.just("delete_payment"), pick),
    st.tuples(st.just("direct_debit"), st.lists(invoice_index, min_size=1, max_size=3,
                                                unique=True)),
    st.tuples(st.just("reject"), pick, st.sampled_from(["AM04", "AC04", "MD06"])),
), min_size=1, max_size=10)


def run(session, invoices, payer, regie, step):
    kind = step[0]
    if kind == "pay":
        _, amount, which, method = step
        return payments.record_payment(payer.id, regie.id, amount, method,
                                       cheque_number="123" if method == "cheque" else None,
                                       invoice_ids=[invoices[i].id for i in which])
    if kind == "allocate":
        return payments.allocate_credit(invoices[step[1]].id)
    if kind == "credit_note":
        return billing.credit_note(invoices[step[1]], step[2])
    if kind == "direct_debit":
        return direct_debits.run(regie.id, date(2026, 11, 25),
                                 invoice_ids=[invoices[i].id for i in step[1]])
    ids = session.scalars(sa.select(Payment.id).where(Payment.payer_id == payer.id)
                          .order_by(Payment.id)).all()
    if kind == "deposit":
        chosen = sorted({ids[i % len(ids)] for i in step[1]}) if ids else []
        return deposits.create_deposits(chosen)
    if kind == "reject":
        return direct_debits.reject(session.get(Payment, ids[step[1] % len(ids)]), step[2]) \
            if ids else None
    if kind == "delete_deposit":
        found = session.scalars(sa.select(Deposit).where(Deposit.regie_id == regie.id)
                                .order_by(Deposit.id)).all()
        return deposits.delete_deposit(found[step[1] % len(found)]) if found else None
    if ids:
        payments.delete_payment(session.get(Payment, ids[step[1] % len(ids)]))


def money_received(session, payer):
    """What the payer's payments not rejected bring."""
    return session.scalar(sa.select(sa.func.coalesce(sa.func.sum(Payment.amount), 0))
                          .where(Payment.payer_id == payer.id, Payment.status == "ok"))


def check(session, invoices, payer, regie, money_in):
    assert money_received(session, payer) == money_in
    # A rejected payment's allocations stay as a record but settle nothing.
    allocations = session.scalars(sa.select(PaymentAllocation).join(Payment)
                                  .where(Payment.payer_id == payer.id,
                                         Payment.status == "ok")).all()
    assert all(a.amount > 0 for a in allocations)
    entries = payments.entries(payer.id, regie.id)
    balance = payments.balance(payer.id, regie.id)
    assert balance == sum((e.amount for e in entries), D(0)) and balance >= 0
    # Every cent received is on an invoice or on the account.
    assert money_in == sum((a.amount for a in allocations), D(0)) + balance
    for payment in session.scalars(sa.select(Payment).where(Payment.payer_id == payer.id)):
        own = sum((e.amount for e in entries if e.payment_id == payment.id), D(0))
        if payment.status == "rejected":  # what it left on the account was taken back
            assert own == 0
            continue
        assert payment.amount == sum((a.amount for a in payment.allocations), D(0)) + own
    for deposit in session.scalars(sa.select(Deposit).where(Deposit.regie_id == regie.id)):
        assert deposit.total == sum((p.amount for p in deposit.payments), D(0)) > 0
    settled = billing.settlements([i.id for i in invoices])
    for invoice in invoices:
        credited, paid = settled[invoice.id]
        assert paid == sum((a.amount for a in allocations if a.invoice_id == invoice.id), D(0))
        due = billing.amount_due(invoice, credited, paid)
        assert due == invoice.total + credited - paid >= 0
        state = billing.state_of(invoice, credited, paid)
        in_sql = {name for name in STATES if session.scalar(sa.select(Invoice.id).where(
            Invoice.id == invoice.id, billing.state_condition(name)))}
        assert in_sql == {state}, (state, in_sql)


@settings(max_examples=40, deadline=None, database=None, suppress_health_check=[
    HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(steps=steps)
def test_no_cent_is_lost_or_created(session, steps):
    example = session.begin_nested()
    try:
        payer, regie, invoices = factories.payer_with_invoices(session, *TOTALS)
        for key, value in factories.CREDITOR.items():  # able to debit, the payer's mandate
            setattr(regie, key, value)
        factories.mandate(session, payer, regie)
        money_in = D(0)
        for step in steps:
            attempt = session.begin_nested()
            before = session.scalar(sa.select(sa.func.coalesce(sa.func.sum(Payment.amount), 0))
                                    .where(Payment.payer_id == payer.id))
            received = money_received(session, payer)
            try:
                run(session, invoices, payer, regie, step)
            except RuleViolation:
                attempt.rollback()
            else:
                attempt.commit()
            session.expire_all()
            after = session.scalar(sa.select(sa.func.coalesce(sa.func.sum(Payment.amount), 0))
                                   .where(Payment.payer_id == payer.id))
            # Only recording adds money and only deleting a payment removes it: the model's
            # own count of money in follows the steps, not the tables.
            if step[0] == "pay":
                money_in += after - before
                assert after - before in (0, step[1])
            elif step[0] == "delete_payment":
                money_in -= before - after
            elif step[0] == "direct_debit":
                money_in += after - before
            elif step[0] == "reject":
                # A reject takes a payment's money back; the payment itself stays.
                assert after == before
                money_in -= received - money_received(session, payer)
            else:
                assert after == before
            check(session, invoices, payer, regie, money_in)
    finally:
        example.rollback()
