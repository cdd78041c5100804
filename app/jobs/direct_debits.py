"""The direct-debit run as a background job: a town's month is ~12,000 invoices."""
from datetime import date
from typing import Optional

from app.jobs import job, submit
from app.services import direct_debits


@job("direct_debit_run")
def direct_debit_run(progress, regie_id, collection_date, invoice_ids=None):
    """One transaction: the deposit, its payments and its file, or nothing."""
    return direct_debits.run(regie_id, date.fromisoformat(collection_date), invoice_ids,
                             progress=progress.report_only)


def submit_run(regie_id, collection_date: Optional[date], invoice_ids=None, created_by_id=None):
    """Queue a run once its régie and date pass the checks (a refused request never becomes a
    failed job). The caller commits, then dispatches."""
    direct_debits.check_run(regie_id, collection_date)
    return submit("direct_debit_run", {
        "regie_id": regie_id, "collection_date": collection_date.isoformat(),
        "invoice_ids": None if invoice_ids is None else [int(i) for i in invoice_ids],
    }, created_by_id=created_by_id)
