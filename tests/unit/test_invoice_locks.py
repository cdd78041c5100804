"""Credit notes and adjustments racing each other on PostgreSQL: the invoice row is locked,
so a credit note never takes more than remains and no adjustment slips onto a validated
invoice."""
import os
from datetime import date, time
from decimal import Decimal

import sqlalchemy as sa

from tests.support import POSTGRESQL_ONLY, at_once, throwaway_database

pytestmark = POSTGRESQL_ONLY


def _town(tmp_path, url):
    from flask_migrate import upgrade

    from app import create_app
    from app.extensions import db
    from app.models import Invoice, InvoiceLine, Person, Regie, Service

    app = create_app("config.TestConfig", SQLALCHEMY_DATABASE_URI=url, UPLOAD_DIR=str(tmp_path),
                     SQLALCHEMY_ENGINE_OPTIONS={"pool_size": 12})
    with app.test_request_context():
        upgrade()
        regie = Regie(code="ENF", name="Enfance", mode="postpaid")
        payer = Person(kind="adult", last_name="Payeur", first_name="Paul",
                       search_name="PAYEUR PAUL")
        meal = Service(name="Cantine", regie=regie, billing_basis="booking",
                       start_time=time(11, 45), deadline_time=time(10, 0))
        db.session.add_all([regie, payer, meal])
        db.session.flush()
        invoices = []
        for status in ("validated", "draft"):
            invoice = Invoice(regie_id=regie.id, payer_id=payer.id, status="draft",
                              period_start=date(2026, 11, 1), period_end=date(2026, 11, 30),
                              total=Decimal("30.00"))
            invoice.lines = [InvoiceLine(person_id=payer.id, service_id=meal.id,
                                         person_name="PAYEUR Paul", service_name="Cantine",
                                         quantity=10, unit_price=Decimal("3.00"),
                                         amount=Decimal("30.00"), dates="2026-11-02",
                                         first_date=date(2026, 11, 2),
                                         last_date=date(2026, 11, 2))]
            db.session.add(invoice)
            invoices.append(invoice)
        db.session.flush()
        from app.services import billing

        billing.validate([invoices[0].id])
        db.session.commit()
        ids = [i.id for i in invoices]
        db.session.remove()
    return app, ids


def test_eight_credit_notes_at_once_never_credit_more_than_the_invoice(tmp_path):
    from app.extensions import db
    from app.models import Invoice
    from app.services import billing

    with throwaway_database(os.environ["DATABASE_URL"], tmp_path) as url:
        app, (invoice_id, _) = _town(tmp_path, url)
        results, errors = at_once(
            app, lambda n: billing.credit_note(db.session.get(Invoice, invoice_id), "10.00",
                                               f"geste {n}").number, range(8))
        with app.app_context():
            credited = db.session.scalar(sa.select(sa.func.sum(Invoice.total)).where(
                Invoice.credits_invoice_id == invoice_id))
            db.session.remove()
            db.engine.dispose()
    assert len(results) == 3 and credited == Decimal("-30.00")
    assert len(errors) == 5 and all("dépasser" in e or "déjà" in e for e in errors), errors


def test_an_adjustment_saved_while_the_invoice_is_validated_waits_and_is_refused(tmp_path):
    from app.extensions import db
    from app.models import Invoice
    from app.services import billing

    with throwaway_database(os.environ["DATABASE_URL"], tmp_path) as url:
        app, (_, draft_id) = _town(tmp_path, url)

        def work(which):
            if which == "validate":
                return billing.validate([draft_id])
            invoice = db.session.get(Invoice, draft_id)
            return billing.add_adjustment(invoice, "Fratrie", "discount", "5.00").id

        results, errors = at_once(app, work, ["validate", "adjust"])
        with app.app_context():
            invoice = db.session.get(Invoice, draft_id)
            state = (invoice.status, invoice.total, len(invoice.adjustments))
            db.session.remove()
            db.engine.dispose()
    # Either the adjustment came first (and the validated total includes it) or it was refused:
    # never a validated invoice whose adjustments and total disagree.
    if errors:
        assert state == ("validated", Decimal("30.00"), 0) and "validée" in errors[0]
    else:
        assert state == ("validated", Decimal("25.00"), 1)
