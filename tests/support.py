"""Helpers shared by the fixtures and by the tests that start a real server."""
import html
import os
import re
import socket
import subprocess
import sys
import time
import uuid
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from urllib.request import urlopen

import pytest
import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "Test-password-1"
# What the town's clock says during the tests (and in the live servers they start).
TOWN_NOW = datetime(2026, 11, 20, 10, 0)
TOWN_TODAY = TOWN_NOW.date()
ROLE_USERS = {
    "admin": "Admin",
    "agent": "Agent",
    "regisseur": "Régisseur",
    "animateur": "Animateur",
    "parent": "Parent",
}


def _postgres_url(url: str) -> str:
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


@contextmanager
def throwaway_database(server_url, folder):
    """A new empty database for one test run: a SQLite file, or a PostgreSQL database created
    on the server of `server_url` (never the database that URL names) and dropped afterwards."""
    if not server_url or server_url.startswith("sqlite"):
        yield f"sqlite:///{Path(folder) / 'marelle-test.db'}"
        return
    base = sa.engine.make_url(_postgres_url(server_url))
    name = f"marelle_test_{uuid.uuid4().hex[:10]}"
    admin = sa.create_engine(base.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield base.set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                f"WHERE datname = '{name}' AND pid <> pg_backend_pid()")
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}"')
        admin.dispose()


# For tests of concurrent writers: their own PostgreSQL database, real commits.
POSTGRESQL_ONLY = [
    pytest.mark.live,
    pytest.mark.postgresql,
    pytest.mark.skipif(not os.environ.get("DATABASE_URL", "").startswith("postgres"),
                       reason="row locks need PostgreSQL; SQLite serialises every writer"),
]


def at_once(app, work, arguments) -> tuple:
    """Run `work(argument)` for every argument in its own thread and request context, all
    starting together, each committing; returns (results, errors)."""
    import threading

    from app.extensions import db

    start = threading.Barrier(len(arguments))
    results, errors = [], []

    def run(argument):
        with app.test_request_context():
            try:
                start.wait()
                results.append(work(argument))
                db.session.commit()
            except Exception as exc:  # reported to the test, with the thread's own error
                errors.append(repr(exc))
            finally:
                db.session.remove()

    threads = [threading.Thread(target=run, args=(a,)) for a in arguments]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return results, errors


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def flask_command(*args, env):
    return subprocess.run([sys.executable, "-m", "flask", "--app", "run.py", *args], cwd=ROOT,
                          env=env, check=True, capture_output=True, text=True, timeout=300)


@contextmanager
def live_server(database_url, tmp_path, extra_env=None):
    """A real Marelle on a free local port, on its own migrated database with the test users."""
    env = dict(os.environ, DATABASE_URL=database_url, MARELLE_INSTANCE_DIR=str(tmp_path),
               UPLOAD_DIR=str(tmp_path / "uploads"), ADMIN_USERNAME="admin",
               ADMIN_PASSWORD=PASSWORD, AUTH_RATE_LIMIT="1000 per 1 second",
               SECRET_KEY="live-test-secret-key-of-more-than-32-bytes",
               MARELLE_NOW=TOWN_NOW.isoformat())
    env.pop("REDIS_URL", None)
    env.update(extra_env or {})
    flask_command("marelle", "init", env=env)
    flask_command("marelle", "demo", "--children", "40", env=env)
    port = free_port()
    log = open(tmp_path / "server.log", "w")
    server = subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "run.py", "run", "--port", str(port),
         "--no-reload"], cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                urlopen(url + "/login/", timeout=1)
                break
            except OSError:
                time.sleep(0.2)
        else:
            raise RuntimeError("the live server did not start: " + (tmp_path / "server.log").read_text())
        yield url, env
    finally:
        server.terminate()
        server.wait(timeout=10)
        log.close()


def page_text(response) -> str:
    """A page's text as a person reads it: entities decoded, white space folded."""
    return html.unescape(re.sub(r"\s+", " ", response.get_data(as_text=True)))


def portal_client(app, email, password=PASSWORD):
    """A test client logged in on the parents' portal."""
    client = app.test_client()
    response = client.post("/portal/login", data={"email": email, "password": password})
    assert response.status_code == 302, page_text(response)
    return client
