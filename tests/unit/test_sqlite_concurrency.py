"""The embedded default holds a town's staff working at once: several processes writing to the
same SQLite file wait for each other instead of failing."""
import json
import os
import subprocess
import sys
from datetime import date

import pytest

from tests.support import PASSWORD, ROOT, throwaway_database

pytestmark = [
    pytest.mark.live,
    pytest.mark.skipif(os.environ.get("DATABASE_URL", "").startswith("postgres"),
                       reason="the embedded SQLite default; PostgreSQL has its own tests"),
]
WRITERS = 4


def test_four_processes_booking_and_reading_at_once_get_no_error(tmp_path):
    from flask_migrate import upgrade

    from app import create_app
    from app.cli import ensure_user
    from app.extensions import db
    from app.security.roles import sync_roles
    from app.services import bookings
    from tests import factories

    with throwaway_database(None, tmp_path) as url:
        app = create_app("config.TestConfig", SQLALCHEMY_DATABASE_URI=url,
                         UPLOAD_DIR=str(tmp_path))
        with app.test_request_context():
            upgrade()
            sync_roles(app.appbuilder)
            ensure_user("agent", PASSWORD, "Agent", "Agnès", "Accueil", "agent@test.invalid")
            meal = factories.service(db.session)
            children = []
            for n in range(WRITERS):
                _, _, (child,) = factories.household(f"Concurrent{n}")
                bookings.subscribe(child, meal, date(2026, 9, 1))
                children.append(child.id)
            db.session.commit()
            journal = db.session.connection().exec_driver_sql("PRAGMA journal_mode").scalar()
            meal_id = meal.id
            db.session.remove()
            db.engine.dispose()
        writers = [subprocess.Popen(
            [sys.executable, "-m", "tests.sqlite_writer", url, str(child), str(meal_id),
             "2027-01-04"], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env=dict(os.environ, AUTH_RATE_LIMIT="1000 per 1 second"))
            for child in children]
        results = [writer.communicate(timeout=240) for writer in writers]
    statuses = {}
    for out, err in results:
        assert out.strip(), err[-2000:]
        for status, count in json.loads(out.strip().splitlines()[-1]).items():
            statuses[status] = statuses.get(status, 0) + count
    # Every write went through: 16 bookings and 6 cancellations per writer, no 500, no 503.
    assert statuses == {"201": 16 * WRITERS, "200": (16 + 6) * WRITERS}
    assert journal == "wal"
