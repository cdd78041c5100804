"""The direct-debit run (« Prélèvements ») and the bank's rejects.

A run takes a régie's validated invoices that are still due and whose payer has an active
mandate, records one `direct_debit` payment per invoice for what is due, puts them all in one
new deposit and writes its pain.008 file, kept with the deposit as it was sent. Everything is
set-based: a fixed number of statements whatever the number of invoices (a town's month is
~12,000 of them).

A reject marks the payment `rejected` with its SEPA reason code: its allocations stop counting
(billing reads only payments `ok`), so the invoice is due again; whatever of it was on the
payer's account is taken back by a `rejection` entry, so the balance stays the sum of the
entries and no cent is created. Rejecting twice changes nothing the second time.
"""
import secrets
from collections import defaultdict
from datetime import date
from decimal import Decimal
from typing import NamedTuple, Optional

import sqlalchemy as sa
from flask_babel import gettext as _

from app.extensions import db
from app.models import (
    AccountEntry,
    Deposit,
    Invoice,
    Mandate,
    Payment,
    PaymentAllocation,
    Person,
    Regie,
)
from app.models.base import utcnow
from app.services import RuleViolation, billing, bulk, journal, numbering, sepa, sepa_returns
from app.services.calendar import now_in_town, today_in_town
from app.services.storage import private_folder, write_private

ZERO = Decimal("0.00")
# Why an invoice is left out of a run (the codes the result and the summary page use).
NO_MANDATE = "no_mandate"
REVOKED = "revoked_mandate"
BAD_IBAN = "invalid_iban"
NOTHING_DUE = "nothing_due"
PENDING = "pending_debit"
NOT_ELIGIBLE = "not_eligible"


def refusal_text(code: str) -> str:
    return {
        NO_MANDATE: _("The payer has no SEPA mandate for this régie."),
        REVOKED: _("The payer's SEPA mandate is revoked."),
        BAD_IBAN: _("The IBAN of the payer's mandate is no longer valid: correct the mandate."),
        NOTHING_DUE: _("Nothing is left to pay on this invoice."),
        PENDING: _("A direct debit of this invoice is already pending."),
        NOT_ELIGIBLE: _("This is not a validated invoice of this régie whose debit date has "
                         "come (the date printed on it, on or before the collection date)."),
    }[code]


def sepa_folder():
    return private_folder("sepa")


def sepa_file(deposit: Deposit) -> Optional[bytes]:
    """The pain.008 file of a run's deposit, as it was made; None for any other deposit."""
    if not deposit.sepa_file:
        return None
    return (sepa_folder() / deposit.sepa_file).read_bytes()


class _MandateRow(NamedTuple):
    """What a collection reads of a mandate, from the run's one query (no ORM object)."""

    iban: str
    bic: Optional[str]
    rum: str
    signed_on: date
    first_collected_on: Optional[date]
    amended_from_iban: Optional[str]

    @property
    def sequence(self) -> str:
        return "RCUR" if self.first_collected_on else "FRST"


def check_run(regie_id, collection_date: Optional[date]) -> Regie:
    """What a run needs before it is queued: a régie able to debit, a date the bank can
    still honour. Refusals name the field and, for the date, the earliest one allowed."""
    regie = db.session.get(Regie, regie_id) if regie_id else None
    if regie is None:
        raise RuleViolation(_("Unknown régie."), "regie_id")
    sepa.check_creditor(regie)
    earliest = sepa.earliest_collection_date(today_in_town())
    if collection_date is None:
        raise RuleViolation(_("Give the collection date."), "collection_date")
    if collection_date < earliest:
        raise RuleViolation(_("The bank needs the file two business days ahead: the "
                              "collection date cannot be before %(day)s.",
                              day=earliest.strftime("%d/%m/%Y")), "collection_date")
    return regie


def run(regie_id: int, collection_date: date, invoice_ids=None, progress=None) -> dict:
    """The direct-debit run. `invoice_ids` None: every validated invoice of the régie with a
    debit date on or before the collection date that is still due. Returns {deposit_id,
    count, total, refused: [{invoice_id, reason, code}]}."""
    progress = progress or (lambda percent: None)
    regie = check_run(regie_id, collection_date)
    today = today_in_town()

    # Lock first, then read what is due: a second run or a desk payment on these invoices
    # waits for this transaction, and what is read after the lock is what it committed.
    # Payers before invoices, each in id order, as the desk does (payments._lock_payer then
    # the invoices): the run's payments name their payer, whose row a desk payment may hold.
    candidates = sa.and_(Invoice.regie_id == regie.id, Invoice.kind == "invoice",
                         Invoice.status == "validated")
    if invoice_ids is None:
        credited, paid = billing.settlement_columns()
        candidates = sa.and_(candidates, Invoice.debit_date.isnot(None),
                             Invoice.debit_date <= collection_date,
                             Invoice.total + credited - paid > 0)
    else:
        # Chosen invoices too are only debited from the date each one announced.
        invoice_ids = sorted({int(i) for i in invoice_ids})
        candidates = sa.and_(candidates, bulk.among(Invoice.id, invoice_ids),
                             Invoice.debit_date.isnot(None),
                             Invoice.debit_date <= collection_date)
    db.session.execute(sa.select(Person.id).where(
        Person.id.in_(sa.select(Invoice.payer_id).where(candidates)))
        .order_by(Person.id).with_for_update())
    locked = list(db.session.scalars(sa.select(Invoice.id).where(candidates)
                                     .order_by(Invoice.id).with_for_update(of=Invoice)))
    refused = [(i, NOT_ELIGIBLE) for i in sorted(set(invoice_ids or ()) - set(locked))]
    progress(20)

    credited, paid = billing.settlement_columns()
    pending = sa.exists(
        sa.select(PaymentAllocation.id).join(Payment, Payment.id == PaymentAllocation.payment_id)
        .where(PaymentAllocation.invoice_id == Invoice.id, Payment.method == "direct_debit",
               Payment.status == "ok", Payment.date >= today).correlate(Invoice))
    rows = db.session.execute(
        sa.select(Invoice.id, Invoice.number, Invoice.kind, Invoice.status, Invoice.total,
                  Invoice.payer_id, credited.label("credited"), paid.label("paid"),
                  pending.label("pending"), Person.last_name, Person.first_name,
                  Mandate.id.label("mandate_id"), Mandate.iban, Mandate.bic, Mandate.rum,
                  Mandate.signed_on, Mandate.first_collected_on, Mandate.amended_from_iban)
        .join(Person, Person.id == Invoice.payer_id)
        .outerjoin(Mandate, sa.and_(Mandate.adult_id == Invoice.payer_id,
                                    Mandate.regie_id == regie.id, Mandate.status == "active"))
        .where(bulk.among(Invoice.id, locked)).order_by(Invoice.id)).all()
    progress(35)

    accepted, without_mandate, iban_ok = [], [], {}
    for row in rows:
        due = billing.amount_due(row, Decimal(row.credited), Decimal(row.paid))
        if row.pending:
            refused.append((row.id, PENDING))
        elif due <= 0:
            refused.append((row.id, NOTHING_DUE))
        elif row.mandate_id is None:
            without_mandate.append(row)
        else:
            if row.iban not in iban_ok:
                try:
                    sepa.checked_debtor_iban(row.iban)
                    iban_ok[row.iban] = True
                except RuleViolation:
                    iban_ok[row.iban] = False
            if iban_ok[row.iban]:
                accepted.append((row, due))
            else:
                refused.append((row.id, BAD_IBAN))
    revoked = set(db.session.scalars(sa.select(Mandate.adult_id).where(
        Mandate.regie_id == regie.id, Mandate.status == "revoked",
        bulk.among(Mandate.adult_id, {r.payer_id for r in without_mandate})))) \
        if without_mandate else set()
    refused += [(r.id, REVOKED if r.payer_id in revoked else NO_MANDATE)
                for r in without_mandate]
    refused.sort()
    progress(45)

    deposit, total = None, sum((due for _row, due in accepted), ZERO)
    if accepted:
        deposit = _write_run(regie, collection_date, accepted, total, progress)
    result = {"deposit_id": deposit.id if deposit else None, "count": len(accepted),
              "total": str(total), "collection_date": collection_date.isoformat(),
              "regie_id": regie.id,
              "refused": [{"invoice_id": i, "reason": refusal_text(code), "code": code}
                          for i, code in refused]}
    db.session.flush()
    journal.record("direct_debit_run", deposit or regie, after={
        "regie_id": regie.id, "collection_date": collection_date, "count": len(accepted),
        "total": total, "deposit": deposit.number if deposit else None,
        "debits": {row.id: {"amount": due, "mandate_id": row.mandate_id}
                   for row, due in accepted},
        "refused": {i: code for i, code in refused}})
    progress(100)
    return result


def _write_run(regie: Regie, collection_date: date, accepted: list, total: Decimal,
               progress) -> Deposit:
    today, now = today_in_town(), utcnow()
    (number,) = numbering.draw_numbers(regie, today.year, "deposit", 1)
    deposit = Deposit(regie_id=regie.id, number=number, date=today, method="direct_debit",
                      total=total)
    db.session.add(deposit)
    db.session.flush()

    payment_ids = bulk.reserve_ids(Payment, len(accepted))
    payments, allocations, collections = [], [], []
    for payment_id, (row, due) in zip(payment_ids, accepted):
        end_to_end_id = f"P{payment_id}-{row.number}"[:35]
        payments.append(dict(
            id=payment_id, payer_id=row.payer_id, regie_id=regie.id, date=collection_date,
            method="direct_debit", amount=due, status="ok", deposit_id=deposit.id,
            mandate_id=row.mandate_id, end_to_end_id=end_to_end_id, created_at=now))
        allocations.append(dict(payment_id=payment_id, invoice_id=row.id, amount=due,
                                from_account=False, created_at=now))
        mandate = _MandateRow(row.iban, row.bic, row.rum, row.signed_on,
                              row.first_collected_on, row.amended_from_iban)
        collections.append(sepa.collection_of(
            mandate, end_to_end_id, due, f"{row.last_name.upper()} {row.first_name}",
            _("Invoice %(number)s", number=row.number)))
    bulk.insert_rows(Payment, payments)
    bulk.insert_rows(PaymentAllocation, allocations)
    progress(60)
    # The next collection under these mandates is recurrent, and the amendment is told.
    db.session.execute(
        sa.update(Mandate).where(bulk.among(Mandate.id, {r.mandate_id for r, _d in accepted}))
        .values(first_collected_on=sa.func.coalesce(Mandate.first_collected_on,
                                                     collection_date),
                amended_from_iban=None), execution_options={"synchronize_session": False})

    xml = sepa.direct_debit_xml(regie, collection_date, collections, number, now_in_town())
    progress(90)
    name = f"{secrets.token_hex(16)}.xml"
    write_private(sepa_folder() / name, xml)
    deposit.sepa_file = name
    db.session.flush()
    # Bulk writes went around the session: what it holds of mandates and payments is stale.
    db.session.expire_all()
    return deposit


def refused_report(result: dict) -> list:
    """The refused invoices of a run with their number and payer, in one query, for the
    summary page: [{invoice_id, number, payer_id, payer_name, total, reason}]."""
    refused = {r["invoice_id"]: r for r in result.get("refused") or []}
    if not refused:
        return []
    rows = db.session.execute(
        sa.select(Invoice.id, Invoice.number, Invoice.payer_id, Invoice.total,
                  Person.last_name, Person.first_name)
        .join(Person, Person.id == Invoice.payer_id)
        .where(bulk.among(Invoice.id, refused))).all()
    found = {row.id: row for row in rows}
    report = []
    for invoice_id, item in refused.items():
        row = found.get(invoice_id)
        report.append({
            "invoice_id": invoice_id, "number": row.number if row else None,
            "payer_id": row.payer_id if row else None,
            "payer_name": f"{row.last_name.upper()} {row.first_name}" if row else "",
            "total": Decimal(row.total) if row else None, "reason": item["reason"]})
    return sorted(report, key=lambda r: (r["payer_name"], r["invoice_id"]))


# ---------------------------------------------------------------------------------------------
# Rejects


def reject(payment: Payment, reason_code: str) -> dict:
    """« Rejeter » one direct debit with its SEPA reason code. Only a deposited direct debit
    may be rejected; rejecting it again changes nothing. Returns what `reject_many` does."""
    why = sepa_returns.reason(reason_code)
    if payment.method != "direct_debit" or payment.deposit_id is None:
        # A conflict with the payment's state (409), not a mistake in what was typed.
        raise RuleViolation(_("Only a direct debit sent to the bank (in a deposit) can be "
                              "rejected."))
    return reject_many([(payment.id, why.code)])


def reject_many(pairs, action: str = "reject_direct_debit", journal_extra=None) -> dict:
    """Reject direct debits [(payment id, reason code)] in a fixed number of statements,
    journalled as one `action` row (with `journal_extra` in its after).
    Returns {"rejected": [ids], "already": [ids], "revoked": [RUMs]}."""
    codes = {}
    for payment_id, code in pairs:
        codes.setdefault(int(payment_id), (code or "").strip().upper()[:10])
    if not codes:
        return {"rejected": [], "already": [], "revoked": []}
    # Payers, then the invoices the payments settle, then the payments: the order every money
    # operation takes, so that a credit note or « Imputer le crédit » running meanwhile either
    # waits for this reject or is seen whole by it (a credit note's give-back of a payment
    # being rejected would otherwise stay on the account).
    db.session.execute(sa.select(Person.id).where(Person.id.in_(
        sa.select(Payment.payer_id).where(bulk.among(Payment.id, codes))))
        .order_by(Person.id).with_for_update())
    db.session.execute(sa.select(Invoice.id).where(Invoice.id.in_(
        sa.select(PaymentAllocation.invoice_id).where(
            bulk.among(PaymentAllocation.payment_id, codes))))
        .order_by(Invoice.id).with_for_update())
    rows = db.session.execute(
        sa.select(Payment.id, Payment.status, Payment.method, Payment.deposit_id,
                  Payment.mandate_id, Payment.payer_id, Payment.regie_id, Payment.amount)
        .where(bulk.among(Payment.id, codes)).order_by(Payment.id).with_for_update()).all()
    rows = [r for r in rows if r.method == "direct_debit" and r.deposit_id is not None]
    already = [r.id for r in rows if r.status == "rejected"]
    todo = [r for r in rows if r.status == "ok"]
    if not todo:
        return {"rejected": [], "already": already, "revoked": []}
    today = today_in_town()
    by_code = defaultdict(list)
    for row in todo:
        by_code[codes[row.id]].append(row.id)
    for code, ids in sorted(by_code.items()):
        db.session.execute(sa.update(Payment).where(bulk.among(Payment.id, ids))
                           .values(status="rejected", reject_reason=code[:10]),
                           execution_options={"synchronize_session": False})
    # The bank answering about a file means it had it: its deposit is handed to the bank,
    # locked, and the next run cannot put these invoices in a second unsent file beside it.
    db.session.execute(sa.update(Deposit).where(
        Deposit.id.in_({r.deposit_id for r in todo}), Deposit.sent_at.is_(None))
        .values(sent_at=utcnow()), execution_options={"synchronize_session": False})

    # What of these payments sits on the payer's account (an over-payment, a credit note's
    # refund, net of what was later put on other invoices) is taken back.
    on_account = db.session.execute(
        sa.select(AccountEntry.payment_id, AccountEntry.adult_id, AccountEntry.regie_id,
                  sa.func.sum(AccountEntry.amount))
        .where(bulk.among(AccountEntry.payment_id, [r.id for r in todo]))
        .group_by(AccountEntry.payment_id, AccountEntry.adult_id, AccountEntry.regie_id)).all()
    now = utcnow()
    bulk.insert_rows(AccountEntry, [dict(
        adult_id=adult_id, regie_id=regie_id, date=today, kind="rejection",
        amount=-Decimal(amount), payment_id=payment_id, invoice_id=None, created_at=now,
        label=_("Direct debit rejected by the bank (%(code)s)", code=codes[payment_id]))
        for payment_id, adult_id, regie_id, amount in on_account if Decimal(amount) != 0])

    ending = {r.mandate_id for r in todo if r.mandate_id
              and sepa_returns.describe(codes[r.id]).ends_mandate}
    revoked = []
    if ending:
        revoked = list(db.session.scalars(sa.select(Mandate.rum).where(
            bulk.among(Mandate.id, ending), Mandate.status == "active").order_by(Mandate.rum)))
        db.session.execute(sa.update(Mandate).where(bulk.among(Mandate.id, ending),
                                                    Mandate.status == "active")
                           .values(status="revoked", revoked_on=today),
                           execution_options={"synchronize_session": False})
    # The invoices these debits paid are due again (a rejected payment settles nothing).
    allocated = defaultdict(dict)
    for payment_id, invoice_id, amount in db.session.execute(
            sa.select(PaymentAllocation.payment_id, PaymentAllocation.invoice_id,
                      PaymentAllocation.amount)
            .where(bulk.among(PaymentAllocation.payment_id, [r.id for r in todo]))):
        allocated[payment_id][invoice_id] = amount
    db.session.flush()
    db.session.expire_all()
    journal.record(action, "Payment", todo[0].id if len(todo) == 1 else None,
                   before={"status": "ok", "payments": [r.id for r in todo]},
                   after={"status": "rejected", **(journal_extra or {}),
                          "payments": {r.id: {"reason_code": codes[r.id], "amount": r.amount,
                                              "invoices": allocated.get(r.id, {})}
                                       for r in todo},
                          "taken_from_account": {payment_id: amount for payment_id, _a, _r,
                                                 amount in on_account if Decimal(amount) != 0},
                          "mandates_revoked": revoked})
    return {"rejected": [r.id for r in todo], "already": already, "revoked": revoked}


def import_rejects(data: bytes) -> dict:
    """The bank's reject file (pain.002 or camt.054): its lines matched to our direct debits
    by end-to-end id in one query. Returns {"rejected": n, "already": n, "unmatched":
    [{end_to_end_id, reason_code}], "revoked": [RUMs]}."""
    lines = sepa_returns.read_returns(data)
    wanted = sorted({e2e for e2e, _code in lines})
    found = dict(db.session.execute(
        sa.select(Payment.end_to_end_id, Payment.id).where(Payment.end_to_end_id.in_(wanted))
    ).all()) if wanted else {}
    unmatched = [{"end_to_end_id": e2e, "reason_code": code} for e2e, code in lines
                 if e2e not in found]
    done = reject_many([(found[e2e], code) for e2e, code in lines if e2e in found],
                       action="import_rejects", journal_extra={"unmatched": unmatched})
    return {"rejected": len(done["rejected"]), "already": len(done["already"]),
            "unmatched": unmatched, "revoked": done["revoked"]}


def rejected_on_deposit(deposit_id: int) -> dict:
    """{payment id: Reason} of a deposit's rejected debits, for its page."""
    return {pid: sepa_returns.describe(code) for pid, code in db.session.execute(
        sa.select(Payment.id, Payment.reject_reason).where(
            Payment.deposit_id == deposit_id, Payment.status == "rejected"))}

