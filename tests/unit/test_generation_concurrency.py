"""Two régisseurs launching the same month's invoices at once on PostgreSQL: every booking is
billed once (the second generation waits for the first and finds its days on its lines)."""
import os
from datetime import timedelta

import sqlalchemy as sa

from tests.support import POSTGRESQL_ONLY, at_once, throwaway_database

pytestmark = POSTGRESQL_ONLY


def test_two_generations_at_once_bill_each_booking_once(tmp_path):
    from flask_migrate import upgrade

    from app import create_app
    from app.extensions import db
    from app.models import Booking, InvoiceLine, Service
    from app.services import billing
    from app.services.demo import load_demo_town

    with throwaway_database(os.environ["DATABASE_URL"], tmp_path) as url:
        app = create_app("config.TestConfig", SQLALCHEMY_DATABASE_URI=url,
                         UPLOAD_DIR=str(tmp_path))
        with app.test_request_context():
            upgrade()
            load_demo_town(children=40, seed=11, history_payers=0)  # bookings only
            db.session.commit()
            first = db.session.scalar(sa.select(sa.func.min(Booking.date))).replace(day=1)
            last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
            services = db.session.scalars(sa.select(Service)).all()
            regie_id, service_ids = services[0].regie_id, [s.id for s in services]
            bookings = db.session.scalar(sa.select(sa.func.count(Booking.id)).where(
                Booking.date.between(first, last)))
            db.session.remove()

        drafts, errors = at_once(app, lambda _: len(billing.generate_drafts(
            regie_id, service_ids, first, last)["invoice_ids"]), [1, 2])
        assert errors == []
        with app.app_context():
            lines = db.session.execute(sa.select(
                InvoiceLine.person_id, InvoiceLine.service_id, InvoiceLine.dates)).all()
            db.session.remove()
            db.engine.dispose()
    days = [(p, s, d) for p, s, dates in lines for d in dates.split(",")]
    assert sorted(drafts)[0] == 0 and sorted(drafts)[1] > 0
    assert len(days) == len(set(days)) == bookings
