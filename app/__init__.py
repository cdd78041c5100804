"""Marelle: the application factory."""
import logging
from pathlib import Path

from flask import Flask, request
from flask_appbuilder import AppBuilder

from app.extensions import csrf, db, migrate

BASE_DIR = Path(__file__).resolve().parent.parent
SAFE_METHODS = {"GET", "HEAD", "OPTIONS", "TRACE"}
# The API's own login takes a password, not a session cookie: nothing a forged form could ride on.
CSRF_EXEMPT_ENDPOINTS = {"SecurityApi.login", "SecurityApi.refresh"}


# FAB warns, for every view and API of a model with a TIME column, that it cannot filter on it.
logging.getLogger("flask_appbuilder.models.filters").setLevel(logging.ERROR)
# xhtml2pdf and its fonts are chatty at INFO.
logging.getLogger("xhtml2pdf").setLevel(logging.WARNING)


def create_app(config_object="config.Config", **overrides) -> Flask:
    app = Flask(__name__, instance_path=str(BASE_DIR / "instance"), instance_relative_config=False)
    app.config.from_object(config_object)
    app.config.update(overrides)
    Path(app.config["UPLOAD_DIR"]).mkdir(parents=True, exist_ok=True)

    from app import models  # noqa: F401  (declare every table before Alembic or FAB look)

    db.init_app(app)
    migrate.init_app(app, db, directory=str(BASE_DIR / "migrations"))
    # FAB does not protect its actions against CSRF (DESIGN trap 3): check every unsafe request,
    # except those authenticated by a bearer token, which a browser never sends on its own.
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False
    csrf.init_app(app)

    @app.before_request
    def _check_csrf():
        if not app.config.get("WTF_CSRF_ENABLED", True) or request.method in SAFE_METHODS:
            return
        if request.endpoint in CSRF_EXEMPT_ENDPOINTS:
            return
        if request.headers.get("Authorization", "").startswith("Bearer "):
            return
        csrf.protect()

    from app import errors, formatting
    from app.services import billing, registry

    formatting.register(app)
    errors.register(app)
    # Billing tells the register who cannot be archived (unpaid invoices).
    if billing.archive_guard not in registry.ARCHIVE_GUARDS:
        registry.ARCHIVE_GUARDS.append(billing.archive_guard)

    # A fresh AppBuilder per app (DESIGN trap 2): a module-level one would serve only the first.
    with app.app_context():
        appbuilder = AppBuilder()
        appbuilder.init_app(app, db.session)
        from app.api import register_apis
        from app.views import register_views

        register_views(appbuilder)
        register_apis(appbuilder)

    from app.cli import marelle_cli
    from app.jobs import load_job_modules

    load_job_modules()

    app.cli.add_command(marelle_cli)
    return app

