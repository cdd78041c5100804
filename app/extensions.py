"""Extension objects, bound to each app in create_app()."""
import sqlite3

import sqlalchemy as sa
from flask_appbuilder import Model
from flask_appbuilder.models.sqla.base import SQLA
from flask_migrate import Migrate
from flask_wtf.csrf import CSRFProtect

# Named constraints: Alembic's SQLite batch mode cannot alter unnamed ones (DESIGN trap 1).
# This must run before any model, FAB's own included, is declared on Model.
Model.metadata.naming_convention = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

db = SQLA(model_class=Model)
migrate = Migrate(compare_type=True, render_as_batch=True)
csrf = CSRFProtect()


def get_queue(app):
    """The RQ queue jobs go to when REDIS_URL is set."""
    from redis import Redis
    from rq import Queue

    return Queue(app.config["RQ_QUEUE"], connection=Redis.from_url(app.config["REDIS_URL"]))


SQLITE_BUSY_TIMEOUT_MS = 15000


def _fold_or_null(text):
    from app.services.text import fold

    return None if text is None else fold(str(text))


@sa.event.listens_for(sa.engine.Engine, "connect")
def _sqlite_on_connect(dbapi_connection, connection_record):
    """SQLite as a real transactional database: foreign keys enforced like PostgreSQL, and
    transactions begun by SQLAlchemy rather than by pysqlite's guesswork, so that SAVEPOINTs
    (nested transactions, rollback-per-test) behave.

    Several people at once (the embedded default must hold a town's staff): write-ahead
    logging lets readers go on while one writer writes, and a writer waits up to the busy
    timeout for the lock instead of failing."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        if cursor.execute("PRAGMA journal_mode").fetchone()[0].lower() not in ("wal", "memory"):
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        # SQLite's upper() and LIKE know ASCII only: searches compare folded text (sql.folded).
        dbapi_connection.create_function("marelle_fold", 1, _fold_or_null, deterministic=True)
        cursor.close()


@sa.event.listens_for(sa.engine.Engine, "checkout")
def _sqlite_keeps_foreign_keys(dbapi_connection, connection_record, connection_proxy):
    """Foreign keys on again for every use: a migration turns them off on its connection (see
    migrations/env.py), and a pooled connection must never come back without them — a
    deletion they should refuse would go through."""
    if isinstance(dbapi_connection, sqlite3.Connection) and not dbapi_connection.in_transaction:
        dbapi_connection.execute("PRAGMA foreign_keys=ON")


def _writes_expected() -> bool:
    """A request that may change data (POST, PUT, DELETE...), a job or a command: its
    transaction takes SQLite's write lock up front. A deferred transaction that reads and
    then writes fails at once with "database is locked" when another writer went first
    (the busy timeout does not apply to that upgrade); one that asks first simply waits."""
    from flask import has_request_context, request

    if has_request_context():
        return request.method not in ("GET", "HEAD", "OPTIONS")
    return True


@sa.event.listens_for(sa.engine.Engine, "begin")
def _sqlite_on_begin(connection):
    if connection.dialect.name == "sqlite":
        deferred = connection.info.get("marelle_deferred_begin") or not _writes_expected()
        connection.exec_driver_sql("BEGIN" if deferred else "BEGIN IMMEDIATE")


def database_busy(error) -> bool:
    """The database could not be had in time (SQLite's lock, PostgreSQL's lock timeout)."""
    text = str(getattr(error, "orig", error)).lower()
    return "database is locked" in text or "database is busy" in text \
        or "lock timeout" in text


def _register_amount_checks():
    from sqlalchemy.orm import Session

    from app.services.money import check_amounts_before_flush

    if not sa.event.contains(Session, "before_flush", check_amounts_before_flush):
        sa.event.listen(Session, "before_flush", check_amounts_before_flush)


_register_amount_checks()
