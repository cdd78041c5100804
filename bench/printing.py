"""Month's-end printing: one process against all the machine's processes, side by side.

    python bench/printing.py [--children 2000] [--invoices 600] [--repeat 3]

Builds the demo town, bills and validates its month, then prints the same validated invoices
into one merged PDF with PDF_PROCESSES=1 and with every core, alternately (their stored PDFs
are forgotten before each run, so each run renders them all). Prints each rate's median and
their ratio. Nothing is asserted.
"""
import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa  # noqa: E402

from bench.town import BACKEND, NoProgress, booked_month, demo_town  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--children", type=int, default=2000)
    parser.add_argument("--invoices", type=int, default=600)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    from app.extensions import db
    from app.jobs.billing import print_invoices
    from app.models import Invoice
    from app.services import billing

    with demo_town(args.children, seed=3) as (app, counts), app.test_request_context():
        start, end, services = booked_month()
        result = billing.generate_drafts(services[0].regie_id, [s.id for s in services],
                                         start, end)
        billing.validate(result["invoice_ids"])
        db.session.commit()
        chosen = result["invoice_ids"][:args.invoices]
        cores = os.cpu_count() or 1
        print(f"[{BACKEND}] {counts['children']} children; printing {len(chosen)} validated "
              f"invoices into one PDF, {cores} cores")
        rates = {1: [], cores: []}
        for _ in range(args.repeat):
            for processes in rates:
                db.session.execute(sa.update(Invoice).where(Invoice.id.in_(chosen))
                                   .values(pdf_storage_name=None))
                db.session.commit()
                app.config["PDF_PROCESSES"] = processes
                started = time.perf_counter()
                printed = print_invoices(NoProgress(), chosen)
                db.session.commit()
                rates[processes].append(printed["count"] / (time.perf_counter() - started))
        single, spread = (statistics.median(rates[p]) for p in rates)
        print(f"one process:   median {single:5.1f} invoices/s  {[round(r, 1) for r in rates[1]]}")
        print(f"{cores} processes:   median {spread:5.1f} invoices/s  "
              f"{[round(r, 1) for r in rates[cores]]}")
        print(f"ratio {spread / single:.2f}x (target 1.7x on 2 cores); a 12,000-invoice month: "
              f"{12000 / single / 60:.0f} min in one process, {12000 / spread / 60:.0f} min spread")


if __name__ == "__main__":
    sys.stdout.reconfigure(line_buffering=True)
    main()
