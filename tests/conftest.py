"""Test fixtures: one app per run, a throw-away database built by the migrations, and every test
inside a transaction that is rolled back at its end.

DATABASE_URL decides the database: unset, a SQLite file in a temporary folder; a PostgreSQL URL,
a new database created on that server for this run and dropped after it.
"""
import os
import re
import uuid
from contextlib import contextmanager

import pytest
import sqlalchemy as sa
from flask_sqlalchemy.session import Session as FlaskSession

from tests.support import PASSWORD, ROLE_USERS, TOWN_NOW, throwaway_database

os.environ.setdefault("AUTH_RATE_LIMIT", "1000 per 1 second")


@pytest.fixture(scope="session", autouse=True)
def shifted_machine_clock():
    """MARELLE_SHIFT_CLOCK_DAYS=365 runs the whole suite with the machine's clock that far
    ahead (CI does): a test that reads the real date instead of the town's clock then fails
    today rather than on a day of next year."""
    days = int(os.environ.get("MARELLE_SHIFT_CLOCK_DAYS") or 0)
    if not days:
        yield
        return
    from datetime import datetime, timedelta

    import time_machine

    with time_machine.travel(datetime.now().astimezone() + timedelta(days=days), tick=True):
        yield


@pytest.fixture(autouse=True)
def town_clock():
    """The town's clock, pinned for every test to TOWN_NOW (a Friday in November 2026, before
    the December due dates): no test depends on the day it runs. A test moves it with
    `town_clock(datetime)`."""
    from app.services.calendar import freeze_clock

    freeze_clock(TOWN_NOW)
    yield freeze_clock
    freeze_clock(TOWN_NOW)


@pytest.fixture(scope="session")
def database_url(tmp_path_factory):
    with throwaway_database(os.environ.get("DATABASE_URL"), tmp_path_factory.mktemp("db")) as url:
        yield url


@pytest.fixture(scope="session")
def app(database_url, tmp_path_factory):
    from app import create_app
    from app.cli import ensure_user
    from app.extensions import db
    from app.security.roles import sync_roles

    flask_app = create_app(
        "config.TestConfig",
        SQLALCHEMY_DATABASE_URI=database_url,
        UPLOAD_DIR=str(tmp_path_factory.mktemp("uploads")),
        MAIL_FOLDER=str(tmp_path_factory.mktemp("mail")),
        JOBS_SYNC=True,
        REDIS_URL=None,
        MAX_UPLOAD_BYTES=200 * 1024,
        MAX_CONTENT_LENGTH=400 * 1024,
    )
    with flask_app.app_context():
        from flask_migrate import upgrade

        upgrade()
        sync_roles(flask_app.appbuilder)
        for username, role in ROLE_USERS.items():
            ensure_user(username, PASSWORD, role, username.capitalize(), "Test",
                        f"{username}@test.invalid")
        db.session.commit()
        db.session.remove()
    yield flask_app
    with flask_app.app_context():
        db.engine.dispose()


class _BoundSession(FlaskSession):
    """Flask-SQLAlchemy picks its engine by bind key; in tests every session must instead use
    the one connection that holds the test's outer transaction."""

    def get_bind(self, mapper=None, clause=None, bind=None, **kwargs):
        if self.bind is not None:
            return self.bind
        return super().get_bind(mapper=mapper, clause=clause, bind=bind, **kwargs)


@pytest.fixture(autouse=True)
def _rollback(request, app):
    """Every session opened during the test joins one outer transaction, rolled back after."""
    if request.node.get_closest_marker("live"):
        yield
        return
    from app.extensions import db

    with app.app_context():
        connection = db.engine.connect()
        # FAB reads get_bind().name, which an Engine has and a Connection lacks.
        connection.name = connection.dialect.name
        # The test's own transaction takes SQLite's write lock only when it writes, so that a
        # command the test runs on another connection (flask marelle init) is not locked out.
        connection.info["marelle_deferred_begin"] = True
        transaction = connection.begin()
        factory = db.session.session_factory
        factory.class_ = _BoundSession
        db.session.remove()
        db.session.configure(bind=connection, join_transaction_mode="create_savepoint")
    try:
        yield connection
    finally:
        with app.app_context():
            db.session.remove()
            factory.class_ = FlaskSession
            db.session.configure(bind=None)
        transaction.rollback()
        connection.info.pop("marelle_deferred_begin", None)
        connection.close()


@pytest.fixture(scope="session")
def _smtp_server():
    from tests.mail_server import SmtpServer

    server = SmtpServer().start()
    yield server
    server.stop()


@pytest.fixture
def smtp_server(app, _smtp_server, monkeypatch):
    """A real SMTP server (tests/mail_server.py) that the app sends to during this test."""
    _smtp_server.clear()
    for key, value in _smtp_server.settings().items():
        monkeypatch.setitem(app.config, key, value)
    yield _smtp_server
    _smtp_server.clear()


@pytest.fixture
def ctx(app):
    """An application context, for tests that call services directly."""
    with app.test_request_context():
        yield


@pytest.fixture
def session(ctx):
    from app.extensions import db

    return db.session


@pytest.fixture
def client(app):
    return app.test_client()


def _login(client, username):
    response = client.post("/login/", data={"username": username, "password": PASSWORD})
    assert response.status_code == 302, f"login of {username} failed"
    return client


@pytest.fixture
def login(app):
    """login("agent") -> a test client with an agent's session."""

    def _make(username):
        return _login(app.test_client(), username)

    return _make


@pytest.fixture
def api(app):
    """api("agent") -> a test client whose requests carry that user's JWT."""

    def _make(username):
        client = app.test_client()
        response = client.post("/api/v1/security/login", json={
            "username": username, "password": PASSWORD, "provider": "db"})
        assert response.status_code == 200, response.get_json()
        token = response.get_json()["access_token"]
        client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
        return client

    return _make


@pytest.fixture
def count_queries(app):
    """with count_queries() as queries: ...; len(queries) is the number of SQL statements."""
    from app.extensions import db

    @contextmanager
    def _count():
        statements = []

        def listener(conn, cursor, statement, parameters, context, executemany):
            if not re.match(r"\s*(SAVEPOINT|RELEASE|ROLLBACK)", statement, re.I):
                statements.append(statement)

        with app.app_context():
            engine = db.engine
        sa.event.listen(engine, "before_cursor_execute", listener)
        try:
            yield statements
        finally:
            sa.event.remove(engine, "before_cursor_execute", listener)

    return _count


@pytest.fixture
def unique():
    return lambda prefix="": f"{prefix}{uuid.uuid4().hex[:8]}"
