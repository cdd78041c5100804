"""20 people validating at once on PostgreSQL: numbers stay continuous and unique."""
import os
from datetime import date

import sqlalchemy as sa

from tests.support import POSTGRESQL_ONLY, TOWN_TODAY, at_once, throwaway_database

pytestmark = POSTGRESQL_ONLY


def test_twenty_concurrent_validations_get_continuous_unique_numbers(tmp_path):
    from flask_migrate import upgrade

    from app import create_app
    from app.extensions import db
    from app.models import Invoice, Person, Regie
    from app.services import billing

    with throwaway_database(os.environ["DATABASE_URL"], tmp_path) as url:
        app = create_app("config.TestConfig", SQLALCHEMY_DATABASE_URI=url,
                         UPLOAD_DIR=str(tmp_path), SQLALCHEMY_ENGINE_OPTIONS={"pool_size": 25})
        with app.app_context():
            upgrade()
            regie = Regie(code="ENF", name="Enfance", mode="postpaid")
            payer = Person(kind="adult", last_name="Payeur", first_name="Paul",
                           search_name="PAYEUR PAUL")
            db.session.add_all([regie, payer])
            db.session.flush()
            invoices = [Invoice(regie_id=regie.id, payer_id=payer.id, status="draft",
                                period_start=date(2026, 11, 1), period_end=date(2026, 11, 30),
                                total=10) for _ in range(20)]
            db.session.add_all(invoices)
            db.session.commit()
            ids = [i.id for i in invoices]
            db.session.remove()

        _, errors = at_once(app, lambda invoice_id: billing.validate([invoice_id]), ids)
        assert errors == []
        with app.app_context():
            numbers = db.session.scalars(sa.select(Invoice.number)).all()
            db.session.remove()
            db.engine.dispose()
    year = TOWN_TODAY.year
    assert sorted(numbers) == [f"ENF-F-{year}-{n:06d}" for n in range(1, 21)]
