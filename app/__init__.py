"""Marelle: the application factory."""
import logging
from pathlib import Path

from flask import Flask
from flask_appbuilder import AppBuilder

from app.extensions import csrf, db, migrate

BASE_DIR = Path(__file__).resolve().parent.parent


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
    # CSRF is checked by app/security/web.py's hook (FAB's actions need it, DESIGN trap 3).
    app.config["WTF_CSRF_CHECK_DEFAULT"] = False
    csrf.init_app(app)

    from app.security import web

    web.configure(app)
    web.register_hooks(app)

    from app import errors, formatting
    # mail: importing it registers the sending of e-mails after each commit.
    from app.services import billing, calendar, mail, registry  # noqa: F401

    if app.config.get("MARELLE_NOW"):
        from datetime import datetime

        calendar.freeze_clock(datetime.fromisoformat(app.config["MARELLE_NOW"]))

    formatting.register(app)
    errors.register(app)
    # Billing tells the register who cannot be archived (unpaid invoices).
    # Payments: money left on an account also keeps the adult.
    from app.services import payments

    for guard in (billing.archive_guard, payments.archive_guard):
        if guard not in registry.ARCHIVE_GUARDS:
            registry.ARCHIVE_GUARDS.append(guard)

    from app.views.filters import use_folded_text_search

    use_folded_text_search()
    # A fresh AppBuilder per app (DESIGN trap 2): a module-level one would serve only the first.
    with app.app_context():
        appbuilder = AppBuilder()
        appbuilder.init_app(app, db.session)
        from app.api import register_apis
        from app.views import register_views

        register_views(appbuilder)
        register_apis(appbuilder)
        errors.register_jwt_answers(app)

    from app import portal

    portal.register(app)

    from app.cli import marelle_cli
    from app.jobs import load_job_modules

    load_job_modules()

    app.cli.add_command(marelle_cli)
    return app

