"""Billing on a synthetic town: draft generation, validation and batch PDF, against two
references on the same data and database.

    python bench/billing.py --children 20000 [--repeat 3] [--pdf 150]

References (PostgreSQL only, they use its ISO-week function):
- aggregate: the read-only SELECT ... GROUP BY that gives every invoice line with its days;
- pure SQL: the same billing by INSERT ... SELECT into the real invoice and invoice_line
  tables (unpriced), in one transaction (rolled back). Marelle records "invoiced" as the days
  an invoice line lists, so writing the lines is the whole billing; for comparison with a
  per-booking flag, the same plus an UPDATE of a scratch boolean column on every billed
  booking is timed too.
Generation is timed with its commit, then undone (not timed) before the next run. Prints
medians, ratios, SQL statement counts and peak memory; nothing is asserted.
"""
import argparse
import resource
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa  # noqa: E402

from bench.bookings import StatementCounter  # noqa: E402
from bench.town import BACKEND, booked_month, demo_town  # noqa: E402

# Every invoice line with its days: bookings not billed yet (no line lists their day) and not
# excused, each with the rule that covers it. Lines are the record of what is billed, so the
# pure-SQL billing is this SELECT written into a table, and nothing else.
LINES_SQL = """
SELECT r.payer_id, b.person_id, b.service_id, count(*) AS quantity, min(b.date) AS first_date,
       max(b.date) AS last_date, string_agg(to_char(b.date, 'YYYY-MM-DD'), ',') AS dates
FROM booking b
JOIN subscription s ON s.person_id = b.person_id AND s.service_id = b.service_id
 AND s.start_date <= b.date AND (s.end_date IS NULL OR s.end_date >= b.date)
JOIN billing_rule_subscription rs ON rs.subscription_id = s.id
JOIN billing_rule r ON r.id = rs.billing_rule_id AND r.start_date <= b.date
 AND (r.end_date IS NULL OR r.end_date >= b.date)
 AND (r.criterion = 'all_weeks'
      OR (r.criterion = 'even_weeks' AND extract(week FROM b.date)::int % 2 = 0)
      OR (r.criterion = 'odd_weeks' AND extract(week FROM b.date)::int % 2 = 1)
      OR (r.criterion = 'week_list'
          AND ',' || r.weeks || ',' LIKE '%,' || extract(week FROM b.date)::int || ',%'))
WHERE b.service_id = ANY(:services) AND b.date BETWEEN :start AND :end
 AND NOT EXISTS (SELECT 1 FROM attendance a WHERE a.person_id = b.person_id
                 AND a.service_id = b.service_id AND a.date = b.date
                 AND a.status = 'excused_absence')
 AND NOT EXISTS (SELECT 1 FROM invoice_line l WHERE l.person_id = b.person_id
                 AND l.service_id = b.service_id AND l.first_date <= b.date
                 AND l.last_date >= b.date AND l.dates LIKE '%' || to_char(b.date, 'YYYY-MM-DD') || '%')
GROUP BY r.payer_id, b.person_id, b.service_id
"""
# The same billing written in pure SQL into the real tables (their keys, indexes and foreign
# keys included): one draft per payer, its lines with their days. Lines are not priced (a
# lower bound: pricing by quotient brackets would only add to it).
PURE_SQL = [
    "CREATE TEMP TABLE bench_line ON COMMIT DROP AS " + LINES_SQL,
    "INSERT INTO invoice (kind, regie_id, payer_id, status, period_start, period_end, total, "
    "batch_id, created_at) SELECT 'invoice', :regie, payer_id, 'draft', :start, :end, 0, "
    "'bench', now() FROM bench_line GROUP BY payer_id",
    "INSERT INTO invoice_line (invoice_id, person_id, service_id, person_name, service_name, "
    "quantity, unit_price, amount, dates, first_date, last_date) "
    "SELECT i.id, l.person_id, l.service_id, '', '', l.quantity, 0, 0, l.dates, l.first_date, "
    "l.last_date FROM bench_line l JOIN invoice i ON i.payer_id = l.payer_id "
    "AND i.batch_id = 'bench'",
]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--children", type=int, default=20000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--pdf", type=int, default=150)
    args = parser.parse_args()

    from app.extensions import db
    from app.jobs.billing import print_invoices
    from app.models import Booking, Invoice
    from app.services import billing

    with demo_town(args.children, seed=3) as (app, counts), app.test_request_context():
        start, end, services = booked_month()
        regie_id = services[0].regie_id
        service_ids = [s.id for s in services]
        bookings_in_month = db.session.scalar(sa.select(sa.func.count(Booking.id)).where(
            Booking.date.between(start, end)))
        print(f"[{BACKEND}] town: {counts['children']} children, {counts['households']} "
              f"households, {counts['billing_rules']} billing rules, {bookings_in_month} "
              f"bookings in {start:%m/%Y}")
        engine = db.engine

        def undo():
            db.session.execute(sa.delete(Invoice))
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
        # The same month again once billed: every day is found already on a line.
        started = time.perf_counter()
        again = billing.generate_drafts(regie_id, service_ids, start, end)
        db.session.commit()
        rerun = time.perf_counter() - started
        undo()
        generation = statistics.median(timings)
        # COPY goes through the driver, under SQLAlchemy's statement events.
        copies = " + 2 COPY (drafts, lines)" if BACKEND == "postgresql" else ""
        print(f"draft generation: median {generation:.2f} s over {args.repeat} runs "
              f"(min {min(timings):.2f}, max {max(timings):.2f}); {len(invoice_ids)} "
              f"drafts, {lines} lines, {len(result['unbilled'])} days without a rule; "
              f"{statements[0]} SQL statements{copies}; peak Python memory "
              f"{max(peaks):.0f} MB (process peak RSS "
              f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB)")
        print(f"the same month again, already billed: {rerun:.2f} s, "
              f"{len(again['invoice_ids'])} drafts")

        if BACKEND == "postgresql":
            params = {"services": service_ids, "start": start, "end": end}

            def aggregate():
                return db.session.execute(sa.text(LINES_SQL), params).all()

            def pure_sql(flag=False):
                if flag:  # outside the timing: a metadata-only change on PostgreSQL
                    db.session.execute(sa.text("ALTER TABLE booking ADD COLUMN "
                                               "bench_invoiced boolean NOT NULL DEFAULT false"))
                started = time.perf_counter()
                for statement in PURE_SQL:
                    db.session.execute(sa.text(statement), dict(params, regie=regie_id))
                if flag:
                    db.session.execute(sa.text(
                        "UPDATE booking SET bench_invoiced = true "
                        "WHERE service_id = ANY(:services) AND date BETWEEN :start AND :end "
                        "AND NOT bench_invoiced"), params)
                db.session.flush()
                elapsed = time.perf_counter() - started
                db.session.rollback()
                return elapsed

            ref_aggregate = _median(aggregate, args.repeat)
            db.session.rollback()
            ref_pure = statistics.median(pure_sql() for _ in range(args.repeat))
            ref_flag = statistics.median(pure_sql(True) for _ in range(args.repeat))
            print(f"reference aggregate (one SELECT ... GROUP BY, lines with their days): "
                  f"{ref_aggregate:.2f} s; generation is {generation / ref_aggregate:.1f}x")
            print(f"reference pure-SQL billing (INSERT ... SELECT of drafts and lines, the lines "
                  f"recording the billed days): {ref_pure:.2f} s; generation is "
                  f"{generation / ref_pure:.2f}x (target 2x, and under 20 s)")
            print(f"reference pure-SQL billing with a per-booking flag (INSERT ... SELECT + "
                  f"marking UPDATE): {ref_flag:.2f} s; generation is "
                  f"{generation / ref_flag:.2f}x")
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
