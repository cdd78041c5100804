"""Deposits (dépôts): payments handed to the bank together, one deposit per régie and method,
numbered per régie and year under the counter's lock like invoices."""
from collections import defaultdict
from decimal import Decimal

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import ngettext

from app.extensions import db
from app.models import Deposit, Payment, Regie
from app.models.base import utcnow
from app.services import RuleViolation, bulk, journal, numbering
from app.services.calendar import today_in_town

ZERO = Decimal("0.00")


def create_deposits(payment_ids) -> list:
    """One numbered deposit per régie and method of the chosen payments, all of them or none:
    a payment already deposited or rejected refuses the whole request with its reason.
    Returns the deposits, in number order."""
    ids = sorted({int(i) for i in payment_ids or []})
    if not ids:
        raise RuleViolation(_("Choose the payments to deposit."), "payment_ids")
    # Locked: two deposits made at once from overlapping lists cannot both take a payment.
    payments = db.session.scalars(sa.select(Payment).where(bulk.among(Payment.id, ids))
                                  .order_by(Payment.id).with_for_update()).all()
    if len(payments) != len(ids):
        raise RuleViolation(_("Unknown payment."), "payment_ids")
    for payment in payments:
        db.session.refresh(payment)
    deposited = [p for p in payments if p.deposit_id is not None]
    if deposited:
        raise RuleViolation(ngettext(
            "Nothing was deposited: %(num)s payment is already in a deposit (%(which)s).",
            "Nothing was deposited: %(num)s payments are already in a deposit (%(which)s).",
            len(deposited), which=", ".join(
                f"{p.payer.full_name} {p.deposit}" for p in deposited[:5])))
    rejected = [p for p in payments if p.status != "ok"]
    if rejected:
        raise RuleViolation(ngettext(
            "Nothing was deposited: %(num)s payment was rejected (%(which)s).",
            "Nothing was deposited: %(num)s payments were rejected (%(which)s).",
            len(rejected), which=", ".join(p.payer.full_name for p in rejected[:5])))
    groups = defaultdict(list)
    for payment in payments:
        groups[(payment.regie_id, payment.method)].append(payment)
    today, made = today_in_town(), []
    for (regie_id, method), group in sorted(groups.items()):
        regie = db.session.get(Regie, regie_id)
        (number,) = numbering.draw_numbers(regie, today.year, "deposit", 1)
        deposit = Deposit(regie_id=regie_id, number=number, date=today, method=method,
                          total=sum((Decimal(p.amount) for p in group), ZERO))
        db.session.add(deposit)
        db.session.flush()
        for payment in group:
            payment.deposit_id = deposit.id
        made.append(deposit)
    db.session.flush()
    for deposit in made:
        journal.record("create_deposit", deposit, after={
            "number": deposit.number, "regie_id": deposit.regie_id, "method": deposit.method,
            "date": deposit.date, "total": deposit.total,
            "payments": {p.id: p.amount for p in groups[(deposit.regie_id, deposit.method)]}})
    return made


def _lock(deposit_id: int) -> Deposit:
    found = db.session.execute(sa.select(Deposit.id).where(Deposit.id == deposit_id)
                               .with_for_update()).first()
    if found is None:
        raise RuleViolation(_("Unknown deposit."))
    deposit = db.session.get(Deposit, deposit_id)
    db.session.refresh(deposit)
    return deposit


def ensure_open(deposit: Deposit) -> None:
    if deposit.sent_at is not None:
        raise RuleViolation(_("Deposit %(number)s was handed to the bank: it can no longer "
                              "change.", number=deposit.number))


def delete_deposit(deposit: Deposit) -> int:
    """Deleting a deposit not yet handed to the bank frees its payments: they are back in the
    list of payments to deposit. Returns how many."""
    deposit = _lock(deposit.id)
    ensure_open(deposit)
    if deposit.sepa_file:
        # Its debits exist only through the run and its file may already be at the bank.
        raise RuleViolation(_("Deposit %(number)s is a direct-debit run: it is not deleted; "
                              "reject the debits the bank refuses.", number=deposit.number))
    payment_ids = list(db.session.scalars(sa.select(Payment.id).where(
        Payment.deposit_id == deposit.id).order_by(Payment.id)))
    before = {"number": deposit.number, "regie_id": deposit.regie_id,
              "method": deposit.method, "total": deposit.total, "payments": payment_ids}
    deposit_id = deposit.id
    freed = db.session.execute(sa.update(Payment).where(Payment.deposit_id == deposit.id)
                               .values(deposit_id=None)).rowcount
    db.session.expire_all()
    db.session.delete(db.session.get(Deposit, deposit_id))
    db.session.flush()
    journal.record("delete_deposit", "Deposit", deposit_id, before=before, after=None)
    return freed


def mark_sent(deposit: Deposit) -> Deposit:
    """« Remis à la banque »: from now on the deposit is locked (no deletion, no change)."""
    deposit = _lock(deposit.id)
    ensure_open(deposit)
    deposit.sent_at = utcnow()
    db.session.flush()
    journal.record("send_deposit", deposit, before={"sent_at": None},
                   after={"sent_at": deposit.sent_at, "number": deposit.number,
                          "total": deposit.total})
    return deposit


def by_product(deposit: Deposit) -> list:
    """[(product name or None, count, total)] of a deposit, in one query."""
    from app.models import Product

    rows = db.session.execute(
        sa.select(Product.name, sa.func.count(Payment.id), sa.func.sum(Payment.amount))
        .select_from(Payment).outerjoin(Product, Product.id == Payment.product_id)
        .where(Payment.deposit_id == deposit.id).group_by(Product.name)
        .order_by(Product.name)).all()
    return [(name, count, Decimal(total)) for name, count, total in rows]
