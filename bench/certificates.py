"""Tax certificates for 1,000 families: the « Attestations fiscales » job on the demo town.

    python bench/certificates.py [--children 12000] [--families 1000]

Builds the demo town, bills and validates its booked month, pays every validated invoice in
full at the desk (but an archived payer's) (today, by the town's clock), then runs the certificate job (every
tax-deductible service, the current year, per payer) for the first `--families` payers who
have a child under 6 on 1 January billed for care (the demo's children are 3 to 11): once
printing only, once also saving each certificate into the payer's documents and announcing it
by e-mail (to the mail folder). Prints the times and counts (target: under 60 s). Nothing is
asserted.
"""
import argparse
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa  # noqa: E402

from bench.town import BACKEND, NoProgress, booked_month, demo_town  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--children", type=int, default=12000)
    parser.add_argument("--families", type=int, default=1000)
    args = parser.parse_args()

    from app.extensions import db
    from app.jobs.documents import tax_certificates
    from app.models import Invoice, InvoiceLine, Person
    from app.services import billing, bulk, certificates, payments
    from app.services.calendar import today_in_town

    # The e-mails are written by a thread that may still run when the town is dropped.
    with tempfile.TemporaryDirectory(ignore_cleanup_errors=True) as mail_folder, \
            demo_town(args.children, seed=5) as (app, counts), app.test_request_context():
        app.config["MAIL_FOLDER"] = mail_folder
        start, end, services = booked_month()
        result = billing.generate_drafts(services[0].regie_id, [s.id for s in services],
                                         start, end)
        billing.validate(result["invoice_ids"])
        db.session.commit()
        started = time.perf_counter()
        invoices = db.session.execute(sa.select(Invoice.id, Invoice.payer_id, Invoice.regie_id,
                                                Invoice.total)
                                      .join(Person, Person.id == Invoice.payer_id)
                                      .where(Invoice.id.in_(result["invoice_ids"]),
                                             Invoice.total > 0, Person.archived_at.is_(None))
                                      .order_by(Invoice.payer_id)).all()
        for invoice_id, payer_id, regie_id, total in invoices:
            payments.record_payment(payer_id, regie_id, total, "cash",
                                    invoice_ids=[invoice_id])
        db.session.commit()
        paid_in = time.perf_counter() - started
        deductible = [s.id for s in certificates.deductible_services()]
        today = today_in_town()
        # Families with something to certify: a child under 6 on 1 January billed for care.
        payers = sorted(db.session.scalars(
            sa.select(Invoice.payer_id).join(InvoiceLine).join(
                Person, Person.id == InvoiceLine.person_id)
            .where(bulk.among(Invoice.id, [row.id for row in invoices]),
                   InvoiceLine.service_id.in_(deductible),
                   Person.birth_date > certificates.born_after(today.year)).distinct()))
        payers = payers[:args.families]
        year = (date(today.year, 1, 1), date(today.year, 12, 31))
        print(f"[{BACKEND}] {counts['children']} children; month {start:%m/%Y} billed: "
              f"{len(invoices)} invoices paid in {paid_in:.1f} s; certificates {today.year} "
              f"for {len(payers)} families, {len(deductible)} deductible services")
        for save in (False, True):
            started = time.perf_counter()
            summary = tax_certificates(NoProgress(), deductible, year[0].isoformat(),
                                       year[1].isoformat(), "payer", payer_ids=payers,
                                       save_to_records=save, notify=save)
            db.session.commit()
            elapsed = time.perf_counter() - started
            print(f"{'print, save and announce' if save else 'print only':26s} {elapsed:6.1f} s"
                  f"  ({summary['certificates']} certificates, {summary['children']} children, "
                  f"{summary['total']} €, saved {summary['saved']}, e-mails "
                  f"{summary['notified']}; target < 60 s)")


if __name__ == "__main__":
    sys.stdout.reconfigure(line_buffering=True)
    main()
