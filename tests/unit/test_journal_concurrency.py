"""Régisseurs recording payments at the same moment on PostgreSQL: the money journal stays
one chain (no two rows chained onto the same one, no gap)."""
import os

import sqlalchemy as sa

from tests.support import POSTGRESQL_ONLY, at_once, throwaway_database

pytestmark = POSTGRESQL_ONLY
WRITERS = 8


def test_concurrent_appenders_keep_one_chain(tmp_path):
    from flask_migrate import upgrade

    from app import create_app
    from app.extensions import db
    from app.models import JournalEntry, Person, Regie
    from app.services import journal, payments

    with throwaway_database(os.environ["DATABASE_URL"], tmp_path) as url:
        app = create_app("config.TestConfig", SQLALCHEMY_DATABASE_URI=url,
                         UPLOAD_DIR=str(tmp_path), SQLALCHEMY_ENGINE_OPTIONS={"pool_size": 12})
        with app.test_request_context():
            upgrade()
            regie = Regie(code="ENF", name="Enfance", mode="postpaid")
            payers = [Person(kind="adult", last_name=f"Payeur{n}", first_name="Paul",
                             search_name=f"PAYEUR{n} PAUL") for n in range(WRITERS)]
            db.session.add_all([regie, *payers])
            db.session.commit()
            regie_id, payer_ids = regie.id, [p.id for p in payers]
            db.session.remove()

        # Each on its own payer: nothing but the journal's head makes them wait for each other.
        _, errors = at_once(app, lambda pid: payments.record_payment(pid, regie_id, "10", "cash"),
                            payer_ids)
        assert errors == []
        with app.app_context():
            rows = db.session.execute(sa.select(JournalEntry.seq, JournalEntry.previous_hash,
                                                JournalEntry.hash)
                                      .order_by(JournalEntry.seq)).all()
            verdict = journal.verify()
            db.session.remove()
            db.engine.dispose()
    assert [r.seq for r in rows] == list(range(1, WRITERS + 1))
    assert len({r.previous_hash for r in rows}) == WRITERS  # no fork
    assert verdict.ok and verdict.count == WRITERS
