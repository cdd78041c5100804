"""Direct-debit runs at once on PostgreSQL: an invoice is debited once, whatever the number of
runs and desk payments racing for it."""
import os
from datetime import date
from decimal import Decimal

import sqlalchemy as sa

from tests.support import POSTGRESQL_ONLY, at_once, throwaway_database

pytestmark = POSTGRESQL_ONLY


def test_concurrent_runs_never_debit_an_invoice_twice(tmp_path):
    from flask_migrate import upgrade

    from app import create_app
    from app.extensions import db
    from app.models import Deposit, Payment, PaymentAllocation
    from app.services import direct_debits, payments
    from tests import factories

    with throwaway_database(os.environ["DATABASE_URL"], tmp_path) as url:
        app = create_app("config.TestConfig", SQLALCHEMY_DATABASE_URI=url,
                         UPLOAD_DIR=str(tmp_path), SQLALCHEMY_ENGINE_OPTIONS={"pool_size": 12})
        with app.test_request_context():
            upgrade()
            regie = factories.sepa_regie(db.session, code="ENF")
            invoices = []
            for k in range(8):
                _, made = factories.debit_payer(db.session, regie, "10.00", "5.00",
                                                last=f"Course{k}")
                invoices += made
            db.session.commit()
            regie_id = regie.id
            desk = [(i.payer_id, i.id) for i in invoices[:2]]
            invoice_ids = [i.id for i in invoices]
            db.session.remove()

        def work(what):
            if what[0] == "run":
                return direct_debits.run(regie_id, date(2026, 11, 25))
            payer_id, invoice_id = what[1]
            return payments.record_payment(payer_id, regie_id, "10.00", "cash",
                                           invoice_ids=[invoice_id]).id

        results, errors = at_once(app, work, [("run",)] * 3 + [("desk", d) for d in desk])
        assert errors == []
        with app.app_context():
            paid = dict(db.session.execute(
                sa.select(PaymentAllocation.invoice_id, sa.func.count(PaymentAllocation.id))
                .join(Payment).where(Payment.status == "ok")
                .group_by(PaymentAllocation.invoice_id)).all())
            debited = db.session.scalar(sa.select(sa.func.sum(Payment.amount)).where(
                Payment.method == "direct_debit"))
            desk_paid = db.session.scalar(
                sa.select(sa.func.coalesce(sa.func.sum(PaymentAllocation.amount), 0))
                .join(Payment).where(Payment.method == "cash"))
            desk_count = db.session.scalar(sa.select(sa.func.count(PaymentAllocation.id))
                                           .join(Payment).where(Payment.method == "cash"))
            deposits = db.session.scalars(sa.select(Deposit.number)).all()
            db.session.remove()
            db.engine.dispose()
    # Every invoice paid exactly once: by the desk or by one of the runs.
    assert paid == {i: 1 for i in invoice_ids}
    runs = [r for r in results if isinstance(r, dict)]
    # A desk payment that came after the run found nothing due: it went to the account.
    assert sum(r["count"] for r in runs) == len(invoice_ids) - desk_count
    # What was due (8 × 15 €) was collected once: by the desk or by a run, never both.
    assert Decimal(debited) + Decimal(desk_paid) == Decimal("120.00")
    # The runs that came second found nothing left: no empty deposit was numbered.
    assert len(deposits) == len([r for r in runs if r["count"]])


def test_a_reject_and_a_credit_note_at_once_never_leave_money_on_the_account(tmp_path):
    """Attack review: the reject locked only its payment, so a credit note running meanwhile
    gave back 10 € of a debit the bank had just refused, and it stayed on the account."""
    import threading
    import time

    from flask_migrate import upgrade

    from app import create_app
    from app.extensions import db
    from app.models import Invoice, Payment
    from app.services import billing, direct_debits, payments
    from tests import factories

    with throwaway_database(os.environ["DATABASE_URL"], tmp_path) as url:
        app = create_app("config.TestConfig", SQLALCHEMY_DATABASE_URI=url,
                         UPLOAD_DIR=str(tmp_path))
        with app.test_request_context():
            upgrade()
            regie = factories.sepa_regie(db.session, code="ENF")
            payer, (invoice,) = factories.debit_payer(db.session, regie, "42.50", last="Course")
            run = direct_debits.run(regie.id, date(2026, 11, 25), invoice_ids=[invoice.id])
            payment_id = db.session.scalar(sa.select(Payment.id).where(
                Payment.deposit_id == run["deposit_id"]))
            db.session.commit()
            ids = {"regie": regie.id, "payer": payer.id, "invoice": invoice.id}
            db.session.remove()
        errors = []

        def reject():
            with app.test_request_context():
                direct_debits.reject_many([(payment_id, "AM04")])
                time.sleep(1.5)  # the credit note starts while the reject is open
                db.session.commit()

        def credit():
            time.sleep(0.5)
            with app.test_request_context():
                try:
                    billing.credit_note(db.session.get(Invoice, ids["invoice"]), amount="10.00")
                    db.session.commit()
                except Exception as exc:  # noqa: BLE001 (reported below)
                    errors.append(repr(exc))

        threads = [threading.Thread(target=reject), threading.Thread(target=credit)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        with app.test_request_context():
            assert errors == []
            assert payments.balance(ids["payer"], ids["regie"]) == Decimal("0.00")
            assert payments.amount_due(db.session.get(Invoice, ids["invoice"])) == \
                Decimal("32.50")
            db.session.remove()
            db.engine.dispose()
