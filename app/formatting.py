"""How Marelle shows money, dates and domain words: the French way by default."""
from datetime import date, datetime
from decimal import Decimal

from flask_babel import format_currency, format_date, format_datetime
from flask_babel import lazy_gettext as _l

RELATION_LABELS = {
    "father": _l("father"),
    "mother": _l("mother"),
    "guardian": _l("guardian"),
    "other": _l("other"),
}
KIND_LABELS = {"child": _l("child"), "adult": _l("adult")}
JOB_STATUS_LABELS = {
    "queued": _l("queued"),
    "started": _l("running"),
    "finished": _l("finished"),
    "failed": _l("failed"),
}


def yes_no(value) -> str:
    return str(_l("yes") if value else _l("no"))


def money(value) -> str:
    if value is None or value == "":
        return ""
    return format_currency(Decimal(value), "EUR")


def short_date(value) -> str:
    if not value:
        return ""
    if isinstance(value, datetime):
        return format_datetime(value, "dd/MM/yyyy HH:mm")
    if isinstance(value, date):
        return format_date(value, "dd/MM/yyyy")
    return str(value)


def register(app):
    app.jinja_env.filters["money"] = money
    app.jinja_env.filters["short_date"] = short_date
    app.jinja_env.globals["RELATION_LABELS"] = RELATION_LABELS
    app.jinja_env.globals["KIND_LABELS"] = KIND_LABELS
    app.jinja_env.globals["JOB_STATUS_LABELS"] = JOB_STATUS_LABELS
