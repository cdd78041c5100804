"""What a user is told when a request goes wrong.

Under /api/ every error is JSON `{"message": ...}` in the user's language, like the API's own
answers; screens keep their pages. Neither ever shows a traceback, SQL or a driver's words.
Input the database cannot hold (an id beyond 64 bits, a number out of range) is the caller's
mistake: 404 for an address naming no record, 400 otherwise — never a 500.
"""
import logging

import sqlalchemy as sa
from flask import abort, jsonify, request
from flask_babel import lazy_gettext as _l
from werkzeug.exceptions import BadRequest, HTTPException, InternalServerError

from app.extensions import db

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


def message_for(status: int) -> str:
    return str(MESSAGES.get(status) or MESSAGES[400 if status < 500 else 500])


def out_of_range(exc) -> bool:
    """A value the database cannot hold: SQLite's driver raises OverflowError for integers
    beyond 64 bits, PostgreSQL a DataError (numeric value out of range, date/time overflow)."""
    return isinstance(exc, (OverflowError, sa.exc.DataError))


def classify(exc) -> tuple:
    """(status, message for the user) an exception deserves."""
    if isinstance(exc, HTTPException) and exc.code:
        return exc.code, message_for(exc.code)
    if out_of_range(exc):
        return 400, str(OUT_OF_RANGE)
    return 500, message_for(500)


def _is_api() -> bool:
    return request.path.startswith(API_PREFIX)


def json_error(status: int, message):
    """The API's answer to a refusal or an error: {"message": ...}."""
    response = jsonify(message=str(message))
    response.status_code = status
    return response


def _answer(exc, status, message):
    if _is_api():
        return json_error(status, message)
    if isinstance(exc, HTTPException) and exc.code == status:
        return exc
    return BadRequest(message) if status == 400 else InternalServerError()


def _http_error(exc: HTTPException):
    return _answer(exc, *classify(exc))


def _rolled_back(exc):
    """Unexpected or out-of-range errors may leave the transaction unusable (PostgreSQL)."""
    try:
        db.session.rollback()
    except Exception:  # the answer matters more than a failed rollback; log it
        log.exception("rollback after an error failed")
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
    app.register_error_handler(HTTPException, _http_error)
    app.register_error_handler(InternalServerError, _rolled_back)
    app.register_error_handler(OverflowError, _rolled_back)
    app.register_error_handler(sa.exc.DataError, _rolled_back)
