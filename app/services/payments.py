"""Payments and the payer's account: recording a payment on invoices or on the account,
putting account credit on an invoice, giving back what a credit note leaves over-paid,
deleting a payment not yet deposited.

Where money goes is always traceable to a payment: for every payment, its allocations plus
its account entries add up to its amount. An over-payment is an account entry of that payment;
account credit put on an invoice becomes an allocation of the payments the credit came from
(oldest first) and a negative entry of each; an allocation a credit note makes too large is
cut and the difference goes back to the account as an entry of the same payment. So nothing is
ever lost or created, and deleting a payment takes exactly its own money away.
"""
from datetime import date, timedelta
from decimal import Decimal
from typing import Optional

import sqlalchemy as sa
from flask_babel import gettext as _

from app.extensions import db
from app.formatting import money
from app.models import (
    AccountEntry,
    Invoice,
    Payment,
    PaymentAllocation,
    Person,
    Product,
    Regie,
)
from app.models.payments import PAYMENT_METHODS
from app.services import RuleViolation, billing, journal
from app.services.calendar import today_in_town
from app.services.money import AmountError, parse_amount

ZERO = Decimal("0.00")
# Recorded by the direct-debit run with its mandate (later), never typed at the desk.
DESK_METHODS = tuple(m for m in PAYMENT_METHODS if m != "direct_debit")


def _amount(value) -> Decimal:
    if value is None or (isinstance(value, str) and not value.strip()):
        raise RuleViolation(_("The amount is required."), "amount")
    try:
        amount = parse_amount(value)
    except (AmountError, ArithmeticError) as exc:
        raise RuleViolation(str(exc) if isinstance(exc, AmountError)
                            else _("This is not an amount."), "amount") from None
    if amount <= 0:
        raise RuleViolation(_("The amount must be positive."), "amount")
    return amount


def _lock_payer(payer_id: int) -> Optional[Person]:
    """The payer's row locked until the transaction ends: two operations on one account queue
    instead of spending the same credit twice (PostgreSQL; SQLite serialises writers)."""
    found = db.session.execute(sa.select(Person.id).where(Person.id == payer_id)
                               .with_for_update()).first()
    return db.session.get(Person, payer_id) if found else None


def _check_invoices(invoice_ids, payer: Person, regie: Regie) -> list:
    """The invoices a payment settles, locked, in the order given: validated invoices (not
    credit notes, not drafts) of this payer at this régie."""
    ids = list(invoice_ids or [])
    if len(set(ids)) != len(ids):
        raise RuleViolation(_("An invoice is named twice."), "invoice_ids")
    locked = {}
    for invoice_id in sorted(ids):  # always the same order: two payments never deadlock
        invoice = billing.lock_invoice(invoice_id)
        if invoice is None:
            raise RuleViolation(_("Unknown invoice."), "invoice_ids")
        locked[invoice_id] = invoice
    for invoice in (locked[i] for i in ids):
        if invoice.kind != "invoice" or invoice.status != "validated":
            raise RuleViolation(_("Invoice %(number)s is not a validated invoice: only those "
                                  "can be paid.", number=invoice), "invoice_ids")
        if invoice.payer_id != payer.id:
            raise RuleViolation(_("Invoice %(number)s is not addressed to %(name)s.",
                                  number=invoice, name=payer.full_name), "invoice_ids")
        if invoice.regie_id != regie.id:
            raise RuleViolation(_("Invoice %(number)s belongs to another régie.",
                                  number=invoice), "invoice_ids")
    return [locked[i] for i in ids]


def amount_due(invoice: Invoice) -> Decimal:
    """What remains to pay on one invoice now (what the payment form proposes)."""
    return billing.amount_due(invoice, *billing.settlement_of(invoice))


MAX_PAYMENT_AGE_DAYS = 366


def record_payment(payer_id, regie_id, amount, method, day: Optional[date] = None,
                   product_id=None, cheque_number=None, bank=None, invoice_ids=()) -> Payment:
    """A payment received at the desk: allocated to the invoices in the order given, up to
    what remains due on each; what is left is credited to the payer's account at the régie.
    Without invoices the whole amount credits the account."""
    amount = _amount(amount)
    if method not in DESK_METHODS:
        raise RuleViolation(_("Choose how the family paid.") if method not in PAYMENT_METHODS
                            else _("Direct debits come from the direct-debit run, not from "
                                   "this form."), "method")
    payer = _lock_payer(payer_id) if payer_id else None
    if payer is None or payer.kind != "adult":
        raise RuleViolation(_("Choose the adult who pays."), "payer_id")
    if payer.archived:
        raise RuleViolation(_("%(name)s is archived: unarchive the record before changing it.",
                              name=payer.full_name), "payer_id")
    regie = db.session.get(Regie, regie_id) if regie_id else None
    if regie is None:
        raise RuleViolation(_("Unknown régie."), "regie_id")
    product = db.session.get(Product, product_id) if product_id else None
    if product_id and (product is None or product.regie_id != regie.id):
        raise RuleViolation(_("This product belongs to another régie."), "product_id")
    day = day or today_in_town()
    if day > today_in_town():
        raise RuleViolation(_("A payment cannot be dated in the future."), "date")
    if day < today_in_town() - timedelta(days=MAX_PAYMENT_AGE_DAYS):
        # A date typed with the wrong year would also spend account credit in the wrong order.
        raise RuleViolation(_("A payment is dated within the last year: check the date."),
                            "date")
    cheque_number = (cheque_number or "").strip() or None
    if method == "cheque" and not cheque_number:
        raise RuleViolation(_("Give the cheque number."), "cheque_number")
    if cheque_number and len(cheque_number) > 30:
        raise RuleViolation(_("A cheque number has 30 characters at most."), "cheque_number")
    if bank and len(bank.strip()) > 100:
        raise RuleViolation(_("The bank's name has 100 characters at most."), "bank")
    invoices = _check_invoices(invoice_ids, payer, regie)

    payment = Payment(payer_id=payer.id, regie_id=regie.id, date=day, method=method,
                      product_id=product.id if product else None, amount=amount, status="ok",
                      cheque_number=cheque_number if method == "cheque" else None,
                      bank=((bank or "").strip() or None) if method == "cheque" else None)
    db.session.add(payment)
    db.session.flush()
    left, allocated = amount, {}
    settled = billing.settlements([i.id for i in invoices])
    for invoice in invoices:
        part = min(left, billing.amount_due(invoice, *settled[invoice.id]))
        if part > 0:
            db.session.add(PaymentAllocation(payment_id=payment.id, invoice_id=invoice.id,
                                             amount=part))
            allocated[invoice.id] = part
            left -= part
    if left > 0:
        db.session.add(AccountEntry(
            adult_id=payer.id, regie_id=regie.id, date=day, kind="credit", amount=left,
            payment_id=payment.id,
            label=_("Payment of %(day)s (%(method)s)", day=day.strftime("%d/%m/%Y"),
                    method=method_label(method)) if not invoices else
            _("Over-payment of %(day)s (%(method)s)", day=day.strftime("%d/%m/%Y"),
              method=method_label(method))))
    db.session.flush()
    journal.record("record_payment", payment, after={
        "amount": amount, "method": method, "date": day, "payer_id": payer.id,
        "regie_id": regie.id, "cheque_number": payment.cheque_number,
        "invoices": allocated, "to_account": left})
    return payment


def latest_of(payer_id: int, limit: int = 3) -> list:
    """The payer's last payments, newest first (what the adult's record shows)."""
    return db.session.scalars(sa.select(Payment).where(Payment.payer_id == payer_id)
                              .order_by(Payment.date.desc(), Payment.id.desc())
                              .limit(limit)).all()


def method_label(method: str) -> str:
    from app.formatting import PAYMENT_METHOD_LABELS

    return str(PAYMENT_METHOD_LABELS.get(method, method))


# ---------------------------------------------------------------------------------------------
# The account


def balance(adult_id: int, regie_id: int) -> Decimal:
    """The sum of the entries, never a stored total."""
    return db.session.scalar(sa.select(sa.func.coalesce(sa.func.sum(AccountEntry.amount), 0))
                             .where(AccountEntry.adult_id == adult_id,
                                    AccountEntry.regie_id == regie_id)) or ZERO


def balances(adult_id: int) -> list:
    """[(régie, balance)] of every régie where the adult has entries, in one query."""
    rows = db.session.execute(
        sa.select(AccountEntry.regie_id, sa.func.sum(AccountEntry.amount))
        .where(AccountEntry.adult_id == adult_id).group_by(AccountEntry.regie_id)).all()
    regies = {r.id: r for r in db.session.scalars(
        sa.select(Regie).where(Regie.id.in_([row[0] for row in rows])))}
    return sorted(((regies[regie_id], Decimal(total)) for regie_id, total in rows),
                  key=lambda pair: pair[0].code)


def entries(adult_id: int, regie_id: Optional[int] = None) -> list:
    query = (sa.select(AccountEntry).where(AccountEntry.adult_id == adult_id)
             .options(sa.orm.joinedload(AccountEntry.regie)))
    if regie_id is not None:
        query = query.where(AccountEntry.regie_id == regie_id)
    return db.session.scalars(query.order_by(AccountEntry.date, AccountEntry.id)).all()


def account(adult_id: int, regie_id: int) -> dict:
    """What the API and the record show: {"balance", "entries"}."""
    rows = entries(adult_id, regie_id)
    return {"balance": sum((Decimal(e.amount) for e in rows), ZERO), "entries": rows}


def _credit_by_payment(adult_id: int, regie_id: int) -> list:
    """[(payment id, what of it is still on the account)], oldest first: a payment's own
    entries add up to what of it is not allocated."""
    return [(pid, Decimal(total)) for pid, total in db.session.execute(
        sa.select(AccountEntry.payment_id, sa.func.sum(AccountEntry.amount))
        .join(Payment, Payment.id == AccountEntry.payment_id)
        .where(AccountEntry.adult_id == adult_id, AccountEntry.regie_id == regie_id,
               Payment.status == "ok")
        .group_by(AccountEntry.payment_id, Payment.date)
        .order_by(Payment.date, AccountEntry.payment_id)) if Decimal(total) > 0]


def credit_available_for(invoice: Invoice) -> Decimal:
    """The account credit « Imputer le crédit » would put on this invoice (zero: no button)."""
    if invoice.kind != "invoice" or invoice.status != "validated":
        return ZERO
    due = amount_due(invoice)
    if due <= 0:
        return ZERO
    return min(due, max(ZERO, balance(invoice.payer_id, invoice.regie_id)))


def allocate_credit(invoice_id: int) -> Decimal:
    """« Imputer le crédit »: the payer's account credit at the invoice's régie settles the
    invoice, up to what remains due. Returns the amount put on the invoice."""
    # The payer first, then the invoice, as every payment does (never the reverse: two
    # operations taking them in opposite orders deadlock).
    payer_id = db.session.scalar(sa.select(Invoice.payer_id).where(Invoice.id == invoice_id))
    if payer_id is not None:
        _lock_payer(payer_id)
    invoice = billing.lock_invoice(invoice_id)
    if invoice is None:
        raise RuleViolation(_("Unknown invoice."), "invoice_id")
    if invoice.kind != "invoice" or invoice.status != "validated":
        raise RuleViolation(_("Invoice %(number)s is not a validated invoice: only those "
                              "can be paid.", number=invoice))
    due = amount_due(invoice)
    if due <= 0:
        raise RuleViolation(_("Invoice %(number)s has nothing left to pay.", number=invoice))
    available = balance(invoice.payer_id, invoice.regie_id)
    wanted = min(due, available)
    if wanted <= 0:
        raise RuleViolation(_("%(name)s has no credit on the account of this régie.",
                              name=invoice.payer_name or invoice.payer.full_name))
    left, today, taken = wanted, today_in_town(), {}
    for payment_id, credit in _credit_by_payment(invoice.payer_id, invoice.regie_id):
        part = min(left, credit)
        db.session.add(PaymentAllocation(payment_id=payment_id, invoice_id=invoice.id,
                                         amount=part, from_account=True))
        db.session.add(AccountEntry(
            adult_id=invoice.payer_id, regie_id=invoice.regie_id, date=today,
            kind="allocation", amount=-part, payment_id=payment_id, invoice_id=invoice.id,
            label=_("Credit put on invoice %(number)s", number=invoice.number)))
        taken[payment_id] = part
        left -= part
        if left <= 0:
            break
    used = wanted - left
    db.session.flush()
    journal.record("allocate_credit", invoice, before={"due": due, "account_balance": available},
                   after={"due": due - used, "account_balance": available - used,
                          "amount": used, "from_payments": taken})
    return used


def release_excess(invoice: Invoice) -> dict:
    """After a credit note: what the invoice's payments now pay beyond what is left of it
    goes back to the payer's account, taken from the latest allocations first. The invoice
    is locked by the caller (who journals the operation). Returns {payment id: amount given
    back}."""
    credited, paid = billing.settlement_of(invoice)
    excess = paid - max(ZERO, Decimal(invoice.total) + credited)
    given = {}
    if excess <= 0:
        return given
    allocations = db.session.scalars(
        sa.select(PaymentAllocation).join(Payment)
        .where(PaymentAllocation.invoice_id == invoice.id, Payment.status == "ok")
        .order_by(PaymentAllocation.id.desc())).all()
    left, today = excess, today_in_town()
    for allocation in allocations:
        part = min(left, Decimal(allocation.amount))
        if part == allocation.amount:
            db.session.delete(allocation)
        else:
            allocation.amount = Decimal(allocation.amount) - part
        db.session.add(AccountEntry(
            adult_id=invoice.payer_id, regie_id=invoice.regie_id, date=today, kind="refund",
            amount=part, payment_id=allocation.payment_id, invoice_id=invoice.id,
            label=_("Paid on invoice %(number)s, given back by a credit note",
                    number=invoice.number)))
        given[allocation.payment_id] = given.get(allocation.payment_id, ZERO) + part
        left -= part
        if left <= 0:
            break
    db.session.flush()
    return given


def ensure_deletable(payment: Payment) -> None:
    if payment.deposit_id is not None:
        raise RuleViolation(_("This payment is in deposit %(number)s: it can no longer be "
                              "deleted.", number=payment.deposit))


def delete_payment(payment: Payment) -> None:
    """A payment not deposited may be deleted: its allocations and account entries go with
    it, and what it paid is due again."""
    payment = db.session.execute(sa.select(Payment).where(Payment.id == payment.id)
                                 .with_for_update()).scalar_one()
    db.session.refresh(payment)
    ensure_deletable(payment)
    _lock_payer(payment.payer_id)
    for invoice_id in sorted({a.invoice_id for a in payment.allocations}):
        billing.lock_invoice(invoice_id)
    own = db.session.scalar(sa.select(sa.func.coalesce(sa.func.sum(AccountEntry.amount), 0))
                            .where(AccountEntry.payment_id == payment.id)) or ZERO
    if own > 0 and balance(payment.payer_id, payment.regie_id) - Decimal(own) < 0:
        raise RuleViolation(_("The account of %(name)s has already spent this payment's "
                              "credit: it can no longer be deleted.",
                              name=payment.payer.full_name))
    before = {"amount": payment.amount, "method": payment.method, "date": payment.date,
              "payer_id": payment.payer_id, "regie_id": payment.regie_id,
              "allocations": {a.invoice_id: a.amount for a in payment.allocations},
              "on_account": own}
    payment_id = payment.id
    db.session.execute(sa.delete(AccountEntry).where(AccountEntry.payment_id == payment.id))
    db.session.delete(payment)
    db.session.flush()
    journal.record("delete_payment", "Payment", payment_id, before=before, after=None)


def payments_of_invoice(invoice_id: int) -> list:
    """[(allocation, payment)] that settle an invoice, oldest first, for its page."""
    return db.session.execute(
        sa.select(PaymentAllocation, Payment).join(Payment)
        .where(PaymentAllocation.invoice_id == invoice_id)
        .order_by(Payment.date, PaymentAllocation.id)).all()


def archive_guard(person: Person) -> list:
    """Registered in the register's archive guards: money left on an account is owed to the
    family; it is given back (or used) before the record is archived."""
    if person.kind != "adult":
        return []
    return [_("The account at %(regie)s still holds %(amount)s.", regie=regie.name,
              amount=money(amount)) for regie, amount in balances(person.id) if amount != 0]


def summary(payment_ids) -> dict:
    """How many payments and their total (the list's foot), in one query."""
    from app.services import bulk

    rows = db.session.execute(sa.select(Payment.id, Payment.amount, Payment.status,
                                        Payment.deposit_id)
                              .where(bulk.among(Payment.id, payment_ids))).all()
    kept = [r for r in rows if r.status == "ok"]
    depositable = [r for r in kept if r.deposit_id is None]
    # Rejected payments brought nothing in: counted apart, never in the total.
    return {"count": len(rows), "total": sum((Decimal(r.amount) for r in kept), ZERO),
            "ids": list(payment_ids),
            "rejected_count": len(rows) - len(kept),
            "rejected_total": sum((Decimal(r.amount) for r in rows if r.status != "ok"), ZERO),
            "depositable_ids": [r.id for r in depositable],
            "depositable_total": sum((Decimal(r.amount) for r in depositable), ZERO)}
