"""Relances: letters to payers whose invoices are overdue (validated, not paid, past their due
date), one letter per payer and régie listing every such invoice of theirs asked for."""
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Optional

import sqlalchemy as sa

from app.extensions import db
from app.formatting import money
from app.models import AccountEntry, Invoice, InvoiceReminder
from app.services import billing, bulk
from app.services.calendar import today_in_town


@dataclass
class Letter:
    payer_id: int
    payer_name: str
    address: str
    regie: object
    invoices: list = field(default_factory=list)  # [(invoice, amount due)]
    credit: Decimal = Decimal("0.00")  # on the payer's account at the régie, not yet used

    @property
    def total(self) -> Decimal:
        return sum((due for _, due in self.invoices), billing.ZERO)


def letters_for(invoice_ids, today: Optional[date] = None) -> list:
    """The letters for the overdue invoices among `invoice_ids` (others are left out: a
    reminder is never sent for an invoice paid, cancelled or not yet due, nor twice the same
    day — the day's letters are in that job's PDF). Three queries."""
    today = today or today_in_town()
    reminded_today = sa.select(InvoiceReminder.invoice_id).where(
        InvoiceReminder.sent_on == today)
    invoices = db.session.scalars(
        sa.select(Invoice).where(bulk.among(Invoice.id, invoice_ids),
                                 billing.state_condition("to_remind", today),
                                 Invoice.id.not_in(reminded_today))
        .options(sa.orm.joinedload(Invoice.regie))
        .order_by(Invoice.payer_name, Invoice.regie_id, Invoice.due_date, Invoice.id)).all()
    settled = billing.settlements([invoice.id for invoice in invoices])
    letters = {}
    for invoice in invoices:
        key = (invoice.payer_id, invoice.regie_id)
        if key not in letters:
            letters[key] = Letter(invoice.payer_id, invoice.payer_name or "",
                                  invoice.address or "", invoice.regie)
        letters[key].invoices.append((invoice, billing.amount_due(invoice,
                                                                  *settled[invoice.id])))
    if letters:
        # Money already on the account is said in the letter: the family may just ask for it
        # to be put on the invoices.
        for payer_id, regie_id, balance in db.session.execute(
                sa.select(AccountEntry.adult_id, AccountEntry.regie_id,
                          sa.func.sum(AccountEntry.amount))
                .where(bulk.among(AccountEntry.adult_id, {k[0] for k in letters}))
                .group_by(AccountEntry.adult_id, AccountEntry.regie_id)):
            if (payer_id, regie_id) in letters and Decimal(balance) > 0:
                letters[(payer_id, regie_id)].credit = Decimal(balance)
    return list(letters.values())


def record_sent(letters, sent_on: date, documents: Optional[dict] = None) -> int:
    """Keep, on each invoice, that it was reminded on `sent_on` and for how much;
    `documents` maps (payer id, régie id) to the letter saved into the payer's records."""
    rows = [{"invoice_id": invoice.id, "sent_on": sent_on, "amount_due": due,
             "document_id": (documents or {}).get((letter.payer_id, letter.regie.id))}
            for letter in letters for invoice, due in letter.invoices]
    if rows:
        db.session.execute(sa.insert(InvoiceReminder), rows)
    return len(rows)


def reminders_of(invoice_ids) -> dict:
    """{invoice id: [dates it was reminded on]} in one query."""
    found = defaultdict(list)
    for invoice_id, sent_on in db.session.execute(
            sa.select(InvoiceReminder.invoice_id, InvoiceReminder.sent_on)
            .where(bulk.among(InvoiceReminder.invoice_id, invoice_ids))
            .order_by(InvoiceReminder.sent_on)):
        found[invoice_id].append(sent_on)
    return found


def totals(letters) -> dict:
    """What the confirmation page and the job's summary say: letters, invoices, euros."""
    return {"letters": len(letters),
            "invoices": sum(len(letter.invoices) for letter in letters),
            "total": sum((letter.total for letter in letters), billing.ZERO)}


def save_into_records(letters, pdfs, sent_on: date, uploaded_by_id=None) -> dict:
    """« Enregistrer dans les fiches »: each letter into its payer's documents (not an
    archived payer's), on the portal from the day it is sent (the FAQ's « consultable sur le
    portail parents »). Returns {(payer id, régie id): document id}, as `record_sent` takes
    it."""
    from flask_babel import format_date
    from flask_babel import gettext as _

    from app.services import documents

    name = _("Reminder of %(day)s", day=format_date(sent_on, "dd/MM/yyyy"))
    return documents.save_generated_batch(
        (((letter.payer_id, letter.regie.id), letter.payer_id, pdf,
          f"relance-{sent_on:%Y-%m-%d}.pdf", name) for letter, pdf in zip(letters, pdfs)),
        sent_on, uploaded_by_id)


def notify_families(letters, saved: dict) -> int:
    """« Envoyer une notification »: an e-mail to each payer whose letter was saved into their
    documents, saying it is on the portal. Payers without an e-mail address are skipped (their
    letter is in the printed PDF). Returns how many e-mails were queued."""
    from app.services import documents

    return documents.announce(
        ((letter.payer_id, {"regie": letter.regie.name, "amount": money(letter.total)})
         for letter in letters if (letter.payer_id, letter.regie.id) in saved),
        "email/reminder_notice", "reminder")
