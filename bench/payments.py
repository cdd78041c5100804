"""The direct-debit run and a reject file on a synthetic town.

    python bench/payments.py --children 20000 [--repeat 3] [--rejects 500]

Every payer of the demo town gets an active mandate (bulk insert); the booked month is billed
with a debit date and validated. Then, timed with their commit:
- the run of all those invoices to a validated pain.008 (one deposit, one payment per invoice),
  undone (not timed) between repetitions;
- the import of a pain.002 of `--rejects` of those debits, undone between repetitions.
Prints medians and SQL statement counts (before_cursor_execute); nothing is asserted.
"""
import argparse
import statistics
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import sqlalchemy as sa  # noqa: E402

from bench.bookings import StatementCounter  # noqa: E402
from bench.town import BACKEND, booked_month, demo_town  # noqa: E402

CREDITOR = dict(creditor_id="FR72ZZZ123456", iban="FR7630004000010000000012358", bic="BNPAFRPP")
DEBTOR_IBANS = ["FR1420041010050500013M02606", "FR7630004000010000000012358",
                "FR7630006000011234567890189"]
CODES = ["AM04", "AM04", "MS03", "AC04", "MD01"]


class SlowestStatements:
    """The statements that took longest, with their time: where a run spends it."""

    def __init__(self, engine):
        self.engine, self.timings = engine, []

    def __enter__(self):
        sa.event.listen(self.engine, "before_cursor_execute", self._start)
        sa.event.listen(self.engine, "after_cursor_execute", self._stop)
        return self

    def __exit__(self, *exc):
        sa.event.remove(self.engine, "before_cursor_execute", self._start)
        sa.event.remove(self.engine, "after_cursor_execute", self._stop)

    def _start(self, conn, cursor, statement, *args):
        conn.info["bench_started"] = time.perf_counter()

    def _stop(self, conn, cursor, statement, *args):
        self.timings.append((time.perf_counter() - conn.info.pop("bench_started"),
                             " ".join(statement.split())[:90]))

    def report(self, count=3) -> str:
        return "; ".join(f"{seconds:.2f} s {text}" for seconds, text in
                         sorted(self.timings, reverse=True)[:count])


def pain002(lines) -> bytes:
    body = "".join(
        f"<TxInfAndSts><OrgnlEndToEndId>{e2e}</OrgnlEndToEndId><TxSts>RJCT</TxSts>"
        f"<StsRsnInf><Rsn><Cd>{code}</Cd></Rsn></StsRsnInf></TxInfAndSts>"
        for e2e, code in lines)
    return ('<?xml version="1.0" encoding="UTF-8"?><Document xmlns="urn:iso:std:iso:20022:'
            'tech:xsd:pain.002.001.03"><CstmrPmtStsRpt><GrpHdr><MsgId>BENCH</MsgId>'
            f'</GrpHdr><OrgnlPmtInfAndSts>{body}</OrgnlPmtInfAndSts></CstmrPmtStsRpt>'
            '</Document>').encode()


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--children", type=int, default=20000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--rejects", type=int, default=500)
    args = parser.parse_args()

    from app.extensions import db
    from app.models import (AccountEntry, BillingRule, Deposit, Invoice, Mandate,
                            Payment, Regie)
    from app.services import billing, bulk, direct_debits, sepa
    from app.services.calendar import today_in_town

    with demo_town(args.children, seed=3) as (app, counts), app.test_request_context():
        start, end, services = booked_month()
        regie = db.session.get(Regie, services[0].regie_id)
        for key, value in CREDITOR.items():
            setattr(regie, key, value)
        collection_date = sepa.earliest_collection_date(today_in_town())
        payers = sorted(set(db.session.scalars(sa.select(BillingRule.payer_id))))
        started = time.perf_counter()
        bulk.insert_rows(Mandate, [dict(
            adult_id=payer_id, regie_id=regie.id, rum=f"{regie.code}-{payer_id:06d}-1",
            signed_on=date(2026, 9, 1), iban=DEBTOR_IBANS[payer_id % len(DEBTOR_IBANS)],
            status="active") for payer_id in payers])
        db.session.commit()
        print(f"[{BACKEND}] town: {counts['children']} children; {len(payers)} mandates "
              f"inserted in {time.perf_counter() - started:.2f} s")
        result = billing.generate_drafts(regie.id, [s.id for s in services], start, end,
                                         debit_date=collection_date)
        db.session.commit()
        billing.validate(result["invoice_ids"])
        db.session.commit()
        print(f"billed {start:%m/%Y}: {len(result['invoice_ids'])} validated invoices, debit "
              f"date {collection_date:%d/%m/%Y}")
        if BACKEND == "postgresql":  # what autovacuum does after such a load
            with db.engine.connect().execution_options(
                    isolation_level="AUTOCOMMIT") as connection:
                connection.exec_driver_sql("ANALYZE")

        def undo_run():
            db.session.execute(sa.delete(AccountEntry).where(AccountEntry.kind == "rejection"))
            db.session.execute(sa.delete(Payment).where(Payment.method == "direct_debit"))
            db.session.execute(sa.delete(Deposit))
            db.session.execute(sa.update(Mandate).values(first_collected_on=None,
                                                         status="active", revoked_on=None))
            db.session.commit()

        def timed_run():
            started = time.perf_counter()
            done = direct_debits.run(regie.id, collection_date)
            db.session.commit()
            return time.perf_counter() - started, done

        timings = []
        for _ in range(args.repeat):
            elapsed, done = timed_run()
            timings.append(elapsed)
            undo_run()
        with StatementCounter(db.engine) as counter, SlowestStatements(db.engine) as slowest:
            _, done = timed_run()
        deposit = db.session.get(Deposit, done["deposit_id"])
        xml = direct_debits.sepa_file(deposit)
        copies = " + 2 COPY (payments, allocations)" if BACKEND == "postgresql" else ""
        print(f"direct-debit run: median {statistics.median(timings):.2f} s over "
              f"{args.repeat} runs (min {min(timings):.2f}, max {max(timings):.2f}); "
              f"{done['count']} debits, total {done['total']} €, {len(done['refused'])} "
              f"refused; {counter.count} SQL statements{copies}; pain.008 of "
              f"{len(xml) / 2 ** 20:.1f} MB, schema error: {sepa.schema_error(xml)}")
        print(f"  slowest statements of the run: {slowest.report()}")

        chosen = db.session.execute(
            sa.select(Payment.id, Payment.end_to_end_id).where(Payment.deposit_id == deposit.id)
            .order_by(Payment.id).limit(args.rejects)).all()
        data = pain002([(e2e, CODES[i % len(CODES)]) for i, (_, e2e) in enumerate(chosen)])
        ids = [pid for pid, _ in chosen]

        def undo_rejects():
            db.session.execute(sa.update(Payment).where(bulk.among(Payment.id, ids))
                               .values(status="ok", reject_reason=None))
            db.session.execute(sa.delete(AccountEntry).where(AccountEntry.kind == "rejection"))
            db.session.execute(sa.update(Mandate).values(status="active", revoked_on=None))
            db.session.commit()

        timings = []
        for _ in range(args.repeat):
            started = time.perf_counter()
            imported = direct_debits.import_rejects(data)
            db.session.commit()
            timings.append(time.perf_counter() - started)
            undo_rejects()
        with StatementCounter(db.engine) as counter:
            imported = direct_debits.import_rejects(data)
            db.session.commit()
        started = time.perf_counter()
        again = direct_debits.import_rejects(data)
        db.session.commit()
        twice = time.perf_counter() - started
        due = db.session.scalar(sa.select(sa.func.count(Invoice.id)).where(
            billing.state_condition("unpaid", today_in_town()) | billing.state_condition(
                "to_remind", today_in_town())))
        print(f"reject file ({len(data) / 1024:.0f} kB pain.002, {len(chosen)} lines): median "
              f"{statistics.median(timings):.3f} s over {args.repeat} imports (min "
              f"{min(timings):.3f}, max {max(timings):.3f}); {imported['rejected']} rejected, "
              f"{len(imported['revoked'])} mandates revoked; {counter.count} SQL statements; "
              f"the same file again: {again['rejected']} rejected, {again['already']} already, "
              f"{twice:.3f} s; invoices due again: {due}")


if __name__ == "__main__":
    main()
