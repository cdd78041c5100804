"""How Marelle shows money, dates and domain words: the French way by default."""
from datetime import date, datetime
from decimal import Decimal

from flask_babel import format_currency, format_date, format_datetime, format_decimal
from flask_babel import lazy_gettext as _l

RELATION_LABELS = {
    "father": _l("father"),
    "mother": _l("mother"),
    "guardian": _l("guardian"),
    "other": _l("other"),
}
KIND_LABELS = {"child": _l("child"), "adult": _l("adult")}
# A child's food diet and the family's answer on photos (ChildCare).
DIET_LABELS = {"none": _l("no particular diet"), "no_pork": _l("no pork"),
               "vegetarian": _l("vegetarian"), "no_meat": _l("no meat"), "other": _l("other")}
PHOTO_CONSENT_LABELS = {"not_asked": _l("not asked"), "yes": _l("allowed"),
                        "no": _l("refused")}
ATTENDANCE_LABELS = {
    "present": _l("present"),
    "excused_absence": _l("excused absence"),
    "unexcused_absence": _l("unexcused absence"),
}
CRITERION_LABELS = {"all_weeks": _l("every week"), "even_weeks": _l("even weeks"),
                    "odd_weeks": _l("odd weeks"), "week_list": _l("list of weeks")}
PAYMENT_METHOD_LABELS = {
    "cash": _l("cash"), "cheque": _l("cheque"), "card": _l("card"),
    "transfer": _l("bank transfer"), "direct_debit": _l("direct debit"), "cesu": _l("CESU"),
    "ancv": _l("ANCV holiday vouchers"),
}
PAYMENT_STATUS_LABELS = {"ok": _l("received"), "rejected": _l("REJECTED")}
PAYMENT_STATE_LABELS = {
    "rejected": _l("REJECTED"), "to_deposit": _l("to deposit"), "in_deposit": _l("in a deposit"),
    "handed_to_bank": _l("handed to the bank"), "to_collect": _l("to be debited"),
    "collected": _l("debited"),
}
JOB_STATUS_LABELS = {
    "queued": _l("queued"),
    "started": _l("running"),
    "finished": _l("finished"),
    "failed": _l("failed"),
}
# An e-mail's delivery state and what it was for (OutgoingEmail.state and .kind).
EMAIL_STATE_LABELS = {"queued": _l("Waiting"), "sent": _l("Sent"), "failed": _l("Failed")}
EMAIL_KIND_LABELS = {
    "password_reset": _l("Password link"), "invitation": _l("Portal invitation"),
    "login_changed": _l("Login changed"), "message": _l("Message"), "reminder": _l("Reminder"),
}


def yes_no(value) -> str:
    return str(_l("yes") if value else _l("no"))


def number(value) -> str:
    """A quotient or a quantity: 1 401 or 500,5 in French."""
    if value is None:
        return ""
    return format_decimal(Decimal(value).normalize() if Decimal(value) % 1 else int(value))


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


def long_date(value) -> str:
    """A date as a letter gives it: « 18 novembre 2026 »."""
    return format_date(value, "d MMMM yyyy") if value else ""


def moment(value) -> str:
    """A moment in the town's time, as a sentence gives it: « 28/11/2026 à 10:05 »."""
    if not value:
        return ""
    return str(_l("%(day)s at %(time)s", day=format_datetime(value, "dd/MM/yyyy"),
                  time=format_datetime(value, "HH:mm")))


def pdf_day(iso: str) -> str:
    """A billed day, short: 02/11."""
    return f"{iso[8:10]}/{iso[5:7]}"


def iso_day(iso) -> str:
    """An ISO date kept as text (a job's parameters): 2026-10-31 -> 31/10/2026."""
    try:
        return short_date(date.fromisoformat(str(iso)[:10]))
    except ValueError:
        return str(iso or "")


def record_heading(item) -> str:
    """Whose record a page shows: « Responsable : Claire MARTIN », « Enfant : Léo MARTIN
    (né(e) le 01/06/2019) », « Foyer MARTIN »."""
    from flask_babel import gettext

    if getattr(item, "kind", None) == "adult":
        return gettext("Adult: %(name)s", name=item.display_name)
    if getattr(item, "kind", None) == "child":
        if item.birth_date:
            return gettext("Child: %(name)s (born on %(date)s)", name=item.display_name,
                           date=short_date(item.birth_date))
        return gettext("Child: %(name)s", name=item.display_name)
    return gettext("Household %(name)s", name=item.bare_name)


def month_name(value) -> str:
    """« décembre 2026 »."""
    return format_date(value, "MMMM yyyy") if value else ""


def _blank_none(value):
    return "" if value is None else value


def register(app):
    # An empty value prints nothing, not « None » (FAB's lists and show pages print raw values).
    # finalize is read when a template compiles, and none has compiled yet.
    app.jinja_env.finalize = _blank_none
    app.jinja_env.filters["pdf_day"] = pdf_day
    app.jinja_env.filters["money"] = money
    app.jinja_env.filters["short_date"] = short_date
    app.jinja_env.filters["long_date"] = long_date
    app.jinja_env.filters["moment"] = moment
    app.jinja_env.filters["month_name"] = month_name
    app.jinja_env.filters["iso_day"] = iso_day
    app.jinja_env.globals["RELATION_LABELS"] = RELATION_LABELS
    app.jinja_env.globals["record_heading"] = record_heading
    app.jinja_env.globals["KIND_LABELS"] = KIND_LABELS
    app.jinja_env.globals["DIET_LABELS"] = DIET_LABELS
    app.jinja_env.globals["PHOTO_CONSENT_LABELS"] = PHOTO_CONSENT_LABELS
    app.jinja_env.globals["JOB_STATUS_LABELS"] = JOB_STATUS_LABELS
    app.jinja_env.globals["ATTENDANCE_LABELS"] = ATTENDANCE_LABELS
    app.jinja_env.globals["CRITERION_LABELS"] = CRITERION_LABELS
    app.jinja_env.globals["PAYMENT_METHOD_LABELS"] = PAYMENT_METHOD_LABELS
    app.jinja_env.globals["EMAIL_STATE_LABELS"] = EMAIL_STATE_LABELS
    from app.services.staff import may_write

    app.jinja_env.globals["may_write"] = may_write
    app.jinja_env.globals["EMAIL_KIND_LABELS"] = EMAIL_KIND_LABELS
    app.jinja_env.globals["PAYMENT_STATUS_LABELS"] = PAYMENT_STATUS_LABELS
    app.jinja_env.globals["PAYMENT_STATE_LABELS"] = PAYMENT_STATE_LABELS
