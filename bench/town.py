"""The demo town the benchmarks measure, built in a throw-away database (a SQLite file, or a
new database on the PostgreSQL server of DATABASE_URL)."""
import os
import tempfile
from contextlib import contextmanager
from datetime import timedelta

import sqlalchemy as sa

from tests.support import PASSWORD, throwaway_database

BACKEND = "postgresql" if os.environ.get("DATABASE_URL", "").startswith("postgres") else "sqlite"


@contextmanager
def demo_town(children: int, seed: int, login_role=None):
    """Yield (app, counts), the town committed, outside any context: the caller pushes its own
    (a test client's requests inside another context of the app would share its session).
    With `login_role`, a user "bench" (password tests.support.PASSWORD) has that role."""
    from flask_migrate import upgrade

    from app import create_app
    from app.cli import ensure_user
    from app.extensions import db
    from app.security.roles import sync_roles
    from app.services.demo import load_demo_town

    with tempfile.TemporaryDirectory() as folder, \
            throwaway_database(os.environ.get("DATABASE_URL"), folder) as url:
        app = create_app("config.TestConfig", SQLALCHEMY_DATABASE_URI=url, UPLOAD_DIR=folder)
        with app.test_request_context():
            upgrade()
            if login_role:
                sync_roles(app.appbuilder)
                ensure_user("bench", PASSWORD, login_role, "Bench", login_role,
                            "bench@bench.invalid")
            counts = load_demo_town(children=children, seed=seed, history_payers=0)
            db.session.commit()
            if BACKEND == "postgresql":
                # Fresh bulk-loaded tables have no statistics: without them the planner picks
                # nested loops that turn the reference queries into minutes.
                with db.engine.connect().execution_options(
                        isolation_level="AUTOCOMMIT") as connection:
                    connection.exec_driver_sql("ANALYZE")
            db.session.remove()
        try:
            yield app, counts
        finally:
            with app.app_context():
                db.engine.dispose()


def booked_month():
    """(first day, last day) of the month the demo town booked, and its services."""
    from app.extensions import db
    from app.models import Booking, Service

    first = db.session.scalar(sa.select(sa.func.min(Booking.date))).replace(day=1)
    last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    return first, last, db.session.scalars(sa.select(Service)).all()


class NoProgress:
    """A job's progress reporter for a bench that calls the job's function directly."""

    def report_only(self, *args):
        pass
