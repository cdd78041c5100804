"""What a user is told when a request goes wrong.

Under /api/ every error is JSON `{"message": ...}` in the user's language, like the API's own
answers; screens keep their pages. Neither ever shows a traceback, SQL or a driver's words.
Input the database cannot hold (an id beyond 64 bits, a number out of range) is the caller's
mistake: 404 for an address naming no record, 400 otherwise — never a 500.
"""
import decimal
import logging

import sqlalchemy as sa
from flask import abort, current_app, g, jsonify, render_template, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from markupsafe import escape
from werkzeug.exceptions import HTTPException, InternalServerError

from app.extensions import database_busy, db

log = logging.getLogger(__name__)

API_PREFIX = "/api/"
LARGEST_ID = 2 ** 63 - 1  # BIGINT, the widest key PostgreSQL and SQLite store

MESSAGES = {
    400: _l("The request is not valid."),
    401: _l("Sign in first."),
    403: _l("You are not allowed to do this."),
    404: _l("Nothing was found at this address."),
    405: _l("This method is not allowed at this address."),
    413: _l("The request is too large."),
    429: _l("Too many attempts: wait a moment and try again."),
    500: _l("An unexpected error occurred. It has been logged; try again or tell your "
            "administrator."),
}
OUT_OF_RANGE = _l("A number or a date in the request is out of the accepted range.")
TITLES = {
    400: _l("Request refused"), 401: _l("Sign in first"), 403: _l("Access refused"),
    404: _l("Page not found"), 405: _l("Request refused"), 413: _l("Request too large"),
    429: _l("Too many attempts"), 500: _l("Something went wrong"),
    503: _l("Marelle is busy"),
}
BUSY = _l("Marelle is very busy right now: nothing was saved. Try again in a moment.")
CSRF_REFUSED = _l("This form has expired or did not come from Marelle: reload the page and "
                  "try again.")


def message_for(status: int) -> str:
    return str(MESSAGES.get(status) or MESSAGES[400 if status < 500 else 500])


def out_of_range(exc) -> bool:
    """A value the database cannot hold: SQLite's driver raises OverflowError for integers
    beyond 64 bits, PostgreSQL a DataError (numeric value out of range, date/time overflow);
    an amount that is no number (« x » in a list's amount filter) fails its conversion."""
    if isinstance(exc, sa.exc.StatementError) and isinstance(
            exc.orig, (decimal.InvalidOperation, OverflowError)):
        return True
    return isinstance(exc, (OverflowError, sa.exc.DataError, decimal.InvalidOperation))


def classify(exc) -> tuple:
    """(status, message for the user) an exception deserves."""
    if isinstance(exc, HTTPException) and exc.code:
        return exc.code, message_for(exc.code)
    if out_of_range(exc):
        return 400, str(OUT_OF_RANGE)
    if database_busy(exc):
        # Busy beyond the wait (SQLite's lock): nothing was saved, trying again will do.
        return 503, str(BUSY)
    return 500, message_for(500)


def _is_api() -> bool:
    return request.path.startswith(API_PREFIX)


def json_error(status: int, message):
    """The API's answer to a refusal or an error: {"message": ...}."""
    response = jsonify(message=str(message))
    response.status_code = status
    return with_retry_hint(response)


def with_retry_hint(response):
    if response.status_code == 503:
        response.headers["Retry-After"] = "2"
    return response


def _error_page(status: int, message, template: str, home: str, **context):
    """A French error page saying what to do, drawn from `template`; a bare page leading to
    `home` if even that cannot be drawn (the error may come from the database)."""
    title = TITLES.get(status) or TITLES[400 if status < 500 else 500]
    try:
        body = render_template(template, status=status, title=title, message=message,
                               **context)
    except Exception:  # noqa: BLE001  (an error page must always answer)
        log.exception("the error page could not be drawn")
        db.session.rollback()
        body = (f"<!doctype html><html lang=\"fr\"><meta charset=\"utf-8\"><title>Marelle"
                f"</title><h2>{escape(title)}</h2><p>{escape(message)}</p>"
                f"<p><a href=\"{home}\">Marelle</a></p></html>")
    return with_retry_hint(current_app.make_response((body, status)))


def screen_error(status: int, message):
    """A screen's error, inside the back-office layout."""
    from flask_login import current_user

    appbuilder = current_app.appbuilder
    if not hasattr(g, "user"):  # refused before FAB's own hook set it (the navbar reads it)
        g.user = current_user
    if status == 403 and current_user.is_authenticated:
        # Say whose rule it is and who can change it, not only « no ».
        message = _("Your role (%(roles)s) does not allow this. If your work needs it, ask an "
                    "administrator: « Rôles et droits » says what each role may do.",
                    roles=", ".join(role.name for role in current_user.roles))
    return _error_page(status, message, "errors/page.html", "/", appbuilder=appbuilder,
                       base_template=appbuilder.base_template)


def portal_error(status: int, message):
    """An error on the parents' portal: the portal's own page, leading back to the portal
    (never to the staff's login)."""
    return _error_page(status, message, "portal/error.html", "/portal/")


def _answer(exc, status, message):
    if _is_api():
        return json_error(status, message)
    if isinstance(exc, HTTPException) and exc.code and exc.code < 400:
        return exc
    if request.path.startswith("/portal"):
        return portal_error(status, message)
    return screen_error(status, message)


def _csrf_refused(exc):
    return _answer(exc, 400, str(CSRF_REFUSED))


def _refuse_unknown_sort():
    """A list sorted by a column it does not offer (`_oc_<View>=...`), a page or page size
    that is not a number, an action a list does not have: a bad address (FAB would answer
    each with a server error)."""
    for key, value in request.args.items():
        if key.startswith("_oc_"):
            view = _views_by_name().get(key[4:])
            if view is not None and value not in (getattr(view, "order_columns", None) or []):
                abort(400)
        if key.startswith(("psize_", "page_")) and not (value.isdecimal() and len(value) < 7):
            abort(400)
    if request.endpoint and request.endpoint.endswith(".action_post") \
            and request.method == "POST":
        view = _views_by_name().get(request.endpoint.rsplit(".", 1)[0])
        rows = request.form.getlist("rowid")
        if view is None or request.form.get("action") not in (getattr(view, "actions", None)
                                                               or {}) \
                or not rows or not all(row.isdecimal() and len(row) < 19 for row in rows):
            abort(400)


def _views_by_name() -> dict:
    return {type(view).__name__: view for view in current_app.appbuilder.baseviews}


def register_jwt_answers(app):
    """The API's token errors, in the user's language and in the API's shape."""
    jwt = app.extensions["flask-jwt-extended"]
    ended = _l("Your session has ended: log in again.")
    invalid = _l("Invalid or expired access token: log in again.")
    jwt.user_lookup_error_loader(lambda header, data: json_error(401, ended))
    jwt.expired_token_loader(lambda header, data: json_error(401, invalid))
    jwt.invalid_token_loader(lambda reason: json_error(401, invalid))
    jwt.unauthorized_loader(lambda reason: json_error(401, message_for(401)))
    jwt.revoked_token_loader(lambda header, data: json_error(401, ended))


def _http_error(exc: HTTPException):
    return _answer(exc, *classify(exc))


def _rollback():
    try:
        db.session.rollback()
    except Exception:  # the answer matters more than a failed rollback; log it
        log.exception("rollback after an error failed")


def _rolled_back(exc):
    """Unexpected or out-of-range errors may leave the transaction unusable (PostgreSQL)."""
    _rollback()
    return _answer(exc, *classify(getattr(exc, "original_exception", None) or exc))


def _refuse_impossible_ids(endpoint, values):
    """An id no table can hold names no record: 404 before any query (SQLite's driver would
    raise OverflowError, PostgreSQL compare it as a numeric)."""
    for key, value in (values or {}).items():
        if key != "pk" and not isinstance(value, int):
            continue
        text = str(value)
        if key == "pk" and not text.lstrip("-").isdigit():
            abort(404)
        if text.lstrip("-").isdigit() and abs(int(text)) > LARGEST_ID:
            abort(404)


def register(app):
    from app import validation

    # Out-of-range input is refused at its field first, with the field named (422, form).
    validation.install()
    app.url_value_preprocessor(_refuse_impossible_ids)
    app.before_request(_refuse_unknown_sort)
    app.register_error_handler(CSRFError, _csrf_refused)
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(InternalServerError, _rolled_back)
    app.register_error_handler(OverflowError, _rolled_back)
    app.register_error_handler(sa.exc.DataError, _rolled_back)
    app.register_error_handler(sa.exc.OperationalError, _rolled_back)
