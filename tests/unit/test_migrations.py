"""The schema comes only from migrations: the step that moved “invoiced” from a flag on each
booking to the days listed by invoice lines keeps what was billed, both ways."""
import os

import pytest
import sqlalchemy as sa

from tests.support import throwaway_database

# Its own database, migrated up and down: no per-test rollback.
pytestmark = pytest.mark.live

BEFORE_LINES = "a8372884623c"


def test_invoiced_days_survive_a_downgrade_and_an_upgrade(tmp_path):
    from datetime import timedelta

    from flask_migrate import downgrade, upgrade

    from app import create_app
    from app.extensions import db
    from app.models import Booking, InvoiceLine, Service
    from app.services import billing
    from app.services.demo import load_demo_town

    with throwaway_database(os.environ.get("DATABASE_URL"), tmp_path) as url:
        app = create_app("config.TestConfig", SQLALCHEMY_DATABASE_URI=url,
                         UPLOAD_DIR=str(tmp_path))
        with app.test_request_context():
            upgrade()
            load_demo_town(children=30, seed=7, history_payers=0)  # bookings only
            first = db.session.scalar(sa.select(sa.func.min(Booking.date))).replace(day=1)
            last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
            services = db.session.scalars(sa.select(Service)).all()
            billing.generate_drafts(services[0].regie_id, [s.id for s in services],
                                    first, last)
            db.session.commit()
            spans = db.session.execute(sa.select(
                InvoiceLine.id, InvoiceLine.first_date, InvoiceLine.last_date)
                .order_by(InvoiceLine.id)).all()
            billed = db.session.scalar(sa.select(sa.func.count(Booking.id)).where(Booking.billed))
            quantities = db.session.scalar(sa.select(sa.func.sum(InvoiceLine.quantity)))
            db.session.remove()

            downgrade(revision=BEFORE_LINES)
            with db.engine.connect() as connection:
                flagged = connection.scalar(sa.text(
                    "SELECT count(*) FROM booking WHERE invoiced"))
            upgrade()
            again = db.session.execute(sa.select(
                InvoiceLine.id, InvoiceLine.first_date, InvoiceLine.last_date)
                .order_by(InvoiceLine.id)).all()
            db.session.remove()
            db.engine.dispose()
    assert billed == quantities > 100
    assert flagged == billed
    assert again == spans and spans[0].first_date.month == first.month
