"""Régisseurs acting at once on PostgreSQL: one payment lands in one deposit only, account
credit is spent once, deposit numbers stay unique."""
import os
from datetime import date
from decimal import Decimal

import sqlalchemy as sa

from tests.support import POSTGRESQL_ONLY, at_once, throwaway_database

pytestmark = POSTGRESQL_ONLY


def test_concurrent_deposits_and_allocations_never_take_the_same_money_twice(tmp_path):
    from flask_migrate import upgrade

    from app import create_app
    from app.extensions import db
    from app.models import Deposit, Invoice, Payment, Person, Regie
    from app.services import billing, deposits, payments

    with throwaway_database(os.environ["DATABASE_URL"], tmp_path) as url:
        app = create_app("config.TestConfig", SQLALCHEMY_DATABASE_URI=url,
                         UPLOAD_DIR=str(tmp_path), SQLALCHEMY_ENGINE_OPTIONS={"pool_size": 12})
        with app.test_request_context():
            upgrade()
            regie = Regie(code="ENF", name="Enfance", mode="postpaid")
            payer = Person(kind="adult", last_name="Payeur", first_name="Paul",
                           search_name="PAYEUR PAUL")
            db.session.add_all([regie, payer])
            db.session.flush()
            invoices = [Invoice(regie_id=regie.id, payer_id=payer.id, status="draft",
                                period_start=date(2026, 11, 1), period_end=date(2026, 11, 30),
                                total=Decimal("10.00")) for _ in range(6)]
            db.session.add_all(invoices)
            db.session.flush()
            billing.validate([i.id for i in invoices])
            shared = payments.record_payment(payer.id, regie.id, "5", "cash")
            # With the six cheques of 1 €, 31 € of credit for six invoices of 10 €: at most 31 €
            # can be put on them.
            payments.record_payment(payer.id, regie.id, "20", "card")
            own = [payments.record_payment(payer.id, regie.id, "1", "cheque",
                                           cheque_number=str(n)) for n in range(6)]
            db.session.commit()
            shared_id, own_ids = shared.id, [p.id for p in own]
            invoice_ids = [i.id for i in invoices]
            payer_id, regie_id = payer.id, regie.id
            db.session.remove()

        _, errors = at_once(app, lambda pid: deposits.create_deposits([shared_id, pid]),
                            own_ids)
        assert len(errors) == 5 and all("RuleViolation" in e for e in errors), errors
        _, errors = at_once(app, payments.allocate_credit, invoice_ids)
        with app.app_context():
            numbers = db.session.scalars(sa.select(Deposit.number)).all()
            in_deposit = db.session.scalar(sa.select(Payment.deposit_id)
                                           .where(Payment.id == shared_id))
            paid = billing.paid_amounts(invoice_ids)
            balance = payments.balance(payer_id, regie_id)
            db.session.remove()
            db.engine.dispose()
    # The one request that won made two deposits (cash, cheque), numbered in turn.
    assert sorted(numbers) == ["ENF-D-2026-000001", "ENF-D-2026-000002"]
    assert in_deposit is not None
    assert sum(paid.values()) == Decimal("31.00") and balance == 0
    assert all(amount <= Decimal("10.00") for amount in paid.values())
    assert len(errors) >= 2  # those that came after the credit was spent were refused
