"""Billing jobs: draft generation and batch printing."""
from datetime import date, datetime
from pathlib import Path
from typing import Optional

import secrets
import sqlalchemy as sa

from app.extensions import db
from app.jobs import job, submit
from app.models import Invoice
from app.pdf import PRINT_SLICE, merge_pdfs, pdf_press, press_all
from app.pdf.invoices import invoice_pdfs
from app.services import billing
from app.services.storage import private_folder, write_private


@job("generate_invoices")
def generate_invoices(progress, regie_id, service_ids, period_start, period_end, due_date=None,
                      debit_date=None, display_at=None):
    """Runs the whole generation in one transaction: all the drafts, or none."""
    result = billing.generate_drafts(
        regie_id, service_ids, date.fromisoformat(period_start), date.fromisoformat(period_end),
        due_date=date.fromisoformat(due_date) if due_date else None,
        debit_date=date.fromisoformat(debit_date) if debit_date else None,
        display_at=datetime.fromisoformat(display_at) if display_at else None,
        progress=lambda percent, message=None: progress.report_only(percent))
    return {"invoice_ids": result["invoice_ids"], "unbilled": result["unbilled"],
            "unpriced": result["unpriced"], "batch_id": result["batch_id"]}


def submit_generation(regie_id, service_ids, period_start: date, period_end: date,
                      due_date: Optional[date] = None, debit_date: Optional[date] = None,
                      display_at: Optional[datetime] = None, created_by_id=None):
    """Queue “Créer un groupe de factures” once the request passes the generation's checks
    (a refused request never becomes a failed job). The caller commits, then dispatches."""
    billing.check_generation(regie_id, service_ids, period_start, period_end, due_date)
    return submit("generate_invoices", {
        "regie_id": regie_id, "service_ids": list(service_ids),
        "period_start": period_start.isoformat(), "period_end": period_end.isoformat(),
        "due_date": due_date.isoformat() if due_date else None,
        "debit_date": debit_date.isoformat() if debit_date else None,
        "display_at": display_at.isoformat() if display_at else None,
    }, created_by_id=created_by_id)


def batch_folder() -> Path:
    return private_folder("batches")


def batch_file(name: str):
    """The path of a batch the job's page links to, or None for any other name: only a file
    of the batch folder itself ("..", "." or a sub-folder name is no batch, nor a name longer
    than any file can have)."""
    path = batch_folder() / name
    try:
        return path if "/" not in name and not name.startswith(".") and path.is_file() else None
    except OSError:
        return None


def save_batch(pdfs) -> str:
    """The merged PDF of a batch, kept privately; its name is what the job's page links to."""
    name = f"{secrets.token_hex(16)}.pdf"
    write_private(batch_folder() / name, merge_pdfs(pdfs) if pdfs else b"")
    return name


@job("print_invoices")
def print_invoices(progress, invoice_ids):
    """One merged PDF of the listed invoices, in the order given, rendered over the machine's
    processes slice by slice (the progress bar moves between slices)."""
    documents, ids, waiting = [], list(invoice_ids), None
    with pdf_press(len(ids)) as press:
        for start in range(0, len(ids), PRINT_SLICE):
            wanted = ids[start:start + PRINT_SLICE]
            found = {i.id: i for i in db.session.scalars(sa.select(Invoice).where(
                Invoice.id.in_(wanted)).options(sa.orm.selectinload(Invoice.lines),
                                                sa.orm.selectinload(Invoice.adjustments)))}
            # This slice's HTML is written while the processes convert the previous one.
            started = invoice_pdfs([found[i] for i in wanted if i in found], press)
            if waiting:
                documents += waiting()
                progress.report_only(int(90 * start / len(ids)))
            waiting = started
        if waiting:
            documents += waiting()
    return {"file": save_batch(documents), "count": len(documents)}


@job("reminder_letters")
def reminder_letters(progress, invoice_ids, save_to_records=False, created_by_id=None,
                     notify=False):
    """The reminder letters of the overdue invoices among `invoice_ids`, one merged PDF;
    with `save_to_records`, each letter also goes into its payer's documents, and with
    `notify` an e-mail tells the payer it is on the portal. Every invoice reminded keeps the
    date and the amount due."""
    from app.pdf.reminders import letter_html
    from app.services import reminders
    from app.services.calendar import today_in_town

    sent_on = today_in_town()
    letters = reminders.letters_for(invoice_ids, sent_on)
    pdfs = press_all(letters, lambda letter: letter_html(letter, sent_on), progress.report_only)
    saved = (reminders.save_into_records(letters, pdfs, sent_on, created_by_id)
             if save_to_records else {})
    reminders.record_sent(letters, sent_on, saved)
    notified = reminders.notify_families(letters, saved) if saved and notify else 0
    counted = reminders.totals(letters)
    return {"file": save_batch(pdfs), "letters": counted["letters"], "invoices": counted["invoices"],
            "total": str(counted["total"]), "saved": len(saved), "notified": notified,
            "skipped": len(set(invoice_ids)) - counted["invoices"]}
