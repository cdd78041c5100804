"""Billing on a synthetic town: draft generation, validation and batch PDF, against two
references on the same data and database.

    python bench/billing.py --children 20000 [--repeat 3] [--pdf 150]

References (PostgreSQL only, they use its ISO-week function):
- aggregate: the read-only SELECT ... GROUP BY that gives every invoice line;
- pure SQL: the same lines written by one INSERT ... SELECT, plus the UPDATE that marks the
  bookings invoiced, in one transaction (rolled back).
Generation is timed with its commit, then undone (not timed) before the next run. Prints
medians, ratios, SQL statement counts and peak memory; nothing is asserted.
"""
import argparse
import os
import resource
import statistics
import sys
import tempfile
import time
import tracemalloc
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa  # noqa: E402

from bench.bookings import StatementCounter  # noqa: E402
from tests.support import throwaway_database  # noqa: E402

LINES_SQL = """
SELECT r.payer_id, b.person_id, b.service_id, count(*) AS quantity
FROM booking b
JOIN subscription s ON s.person_id = b.person_id AND s.service_id = b.service_id
 AND s.start_date <= b.date AND (s.end_date IS NULL OR s.end_date >= b.date)
JOIN billing_rule_subscription rs ON rs.subscription_id = s.id
JOIN billing_rule r ON r.id = rs.billing_rule_id AND r.start_date <= b.date
 AND (r.end_date IS NULL OR r.end_date >= b.date)
 AND (r.criterion = 'all_weeks'
      OR (r.criterion = 'even_weeks' AND extract(week FROM b.date)::int % 2 = 0)
      OR (r.criterion = 'odd_weeks' AND extract(week FROM b.date)::int % 2 = 1))
WHERE b.service_id = ANY(:services) AND b.date BETWEEN :start AND :end AND NOT b.invoiced
GROUP BY r.payer_id, b.person_id, b.service_id
"""


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--children", type=int, default=20000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--pdf", type=int, default=150)
    args = parser.parse_args()

    from flask_migrate import upgrade

    from app import create_app
    from app.extensions import db
    from app.jobs.billing import print_invoices
    from app.models import Attendance, Booking, Invoice, Service
    from app.services import billing
    from app.services.demo import load_demo_town

    backend = "postgresql" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "sqlite"
    with tempfile.TemporaryDirectory() as folder, \
            throwaway_database(os.environ.get("DATABASE_URL"), folder) as url:
        app = create_app("config.TestConfig", SQLALCHEMY_DATABASE_URI=url, UPLOAD_DIR=folder)
        with app.test_request_context():
            upgrade()
            counts = load_demo_town(children=args.children, seed=3)
            db.session.commit()
            if backend == "postgresql":
                # Fresh bulk-loaded tables have no statistics: without them the planner picks
                # nested loops that turn the reference query into minutes.
                with db.engine.connect().execution_options(
                        isolation_level="AUTOCOMMIT") as connection:
                    connection.exec_driver_sql("ANALYZE")
            month = db.session.scalar(sa.select(sa.func.min(Booking.date)))
            start = month.replace(day=1)
            end = (start + timedelta(days=32)).replace(day=1) - timedelta(days=1)
            services = db.session.scalars(sa.select(Service)).all()
            regie_id = services[0].regie_id
            service_ids = [s.id for s in services]
            bookings_in_month = db.session.scalar(sa.select(sa.func.count(Booking.id)).where(
                Booking.date.between(start, end)))
            print(f"[{backend}] town: {counts['children']} children, {counts['households']} "
                  f"households, {counts['billing_rules']} billing rules, {bookings_in_month} "
                  f"bookings in {start:%m/%Y}")
            engine = db.engine

            def undo():
                db.session.execute(sa.delete(Invoice))
                db.session.execute(sa.update(Booking).values(invoiced=False))
                db.session.execute(sa.update(Attendance).values(invoiced=False))
                db.session.commit()

            timings = []
            for _ in range(args.repeat):
                started = time.perf_counter()
                result = billing.generate_drafts(regie_id, service_ids, start, end)
                db.session.commit()
                timings.append(time.perf_counter() - started)
                invoice_ids = result["invoice_ids"]
                lines = db.session.scalar(sa.select(sa.func.count()).select_from(
                    sa.text("invoice_line")))
                undo()
            # Memory and statements on one more run: tracemalloc slows Python several times.
            tracemalloc.start()
            with StatementCounter(engine) as counter:
                billing.generate_drafts(regie_id, service_ids, start, end)
                db.session.commit()
            peaks = [tracemalloc.get_traced_memory()[1] / 2 ** 20]
            tracemalloc.stop()
            statements = [counter.count]
            undo()
            generation = statistics.median(timings)
            print(f"draft generation: median {generation:.2f} s over {args.repeat} runs "
                  f"(min {min(timings):.2f}, max {max(timings):.2f}); {len(invoice_ids)} "
                  f"drafts, {lines} lines, {len(result['unbilled'])} days without a rule; "
                  f"{statements[0]} SQL statements; peak Python memory "
                  f"{max(peaks):.0f} MB (process peak RSS "
                  f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB)")

            if backend == "postgresql":
                params = {"services": service_ids, "start": start, "end": end}

                def aggregate():
                    return db.session.execute(sa.text(LINES_SQL), params).all()

                def pure_sql():
                    db.session.execute(sa.text(
                        "CREATE TEMP TABLE bench_line ON COMMIT DROP AS " + LINES_SQL), params)
                    db.session.execute(sa.text(
                        "UPDATE booking SET invoiced = true WHERE service_id = ANY(:services) "
                        "AND date BETWEEN :start AND :end AND NOT invoiced"), params)
                    db.session.rollback()

                ref_aggregate = _median(aggregate, args.repeat)
                db.session.rollback()
                ref_pure = _median(pure_sql, args.repeat)
                print(f"reference aggregate (one SELECT ... GROUP BY): {ref_aggregate:.2f} s; "
                      f"generation is {generation / ref_aggregate:.1f}x")
                print(f"reference pure-SQL billing (INSERT ... SELECT + marking UPDATE): "
                      f"{ref_pure:.2f} s; generation is {generation / ref_pure:.2f}x "
                      f"(target 2x, and under 20 s)")
            else:
                print("references: PostgreSQL only (set DATABASE_URL)")

            result = billing.generate_drafts(regie_id, service_ids, start, end)
            db.session.commit()
            started = time.perf_counter()
            numbers = billing.validate(result["invoice_ids"])
            db.session.commit()
            print(f"validation of {len(numbers)} drafts: {time.perf_counter() - started:.2f} s")

            class Progress:
                def report_only(self, *args):
                    pass

            chosen = result["invoice_ids"][:args.pdf]
            started = time.perf_counter()
            printed = print_invoices(Progress(), chosen)
            db.session.commit()
            elapsed = time.perf_counter() - started
            print(f"batch PDF: {printed['count']} invoices in {elapsed:.1f} s = "
                  f"{printed['count'] / elapsed:.1f} invoices/s, one merged file "
                  f"(target 15/s)")
            db.session.remove()
            db.engine.dispose()


def _median(func, repeat):
    timings = []
    for _ in range(repeat):
        started = time.perf_counter()
        func()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings)


if __name__ == "__main__":
    sys.stdout.reconfigure(line_buffering=True)
    main()
