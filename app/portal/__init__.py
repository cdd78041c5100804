"""The parents' portal: a blueprint at /portal with its own login, templates and session.

Kept apart from the back-office (CTFd's way): its own session key, its own decorator
(app/portal/access.py), plain Flask views over the lean queries of app/services/portal.py.
A parent's session is not a Flask-Login session, so FAB never sees a parent as logged in: no
back-office page or staff API answers them, and a staff session opens no portal page."""
from flask import Blueprint

bp = Blueprint("portal", __name__, url_prefix="/portal")


def register(app) -> None:
    from app.portal import access, pages  # noqa: F401  (routes)

    app.register_blueprint(bp)
