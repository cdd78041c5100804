"""Settings of what the town offers: régies, products, services, tariffs and quotients."""
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import lazy_gettext as _l
from wtforms import StringField
from wtforms.validators import InputRequired

from app.formatting import money, short_date, yes_no
from app.models import FamilyQuotient, Product, Regie, Service, Tariff, TariffBracket
from app.services import offer, pricing
from app.views.base import RuleCheckedModelView, boolean_field, choice_field, time_field
from app.views.forms import MoneyField

MODE_LABELS = {"postpaid": _l("billing after the fact"), "prepaid": _l("prepaid account")}
BASIS_LABELS = {"booking": _l("bookings"), "attendance": _l("attendance")}
WEEKDAY_LABELS = [_l("Mon"), _l("Tue"), _l("Wed"), _l("Thu"), _l("Fri"), _l("Sat"), _l("Sun")]


def weekdays_text(value):
    days = [int(d) for d in (value or "").split(",") if d != ""]
    return ", ".join(str(WEEKDAY_LABELS[d]) for d in days)


class RegieView(RuleCheckedModelView):
    datamodel = SQLAInterface(Regie)
    rule = offer.check_regie
    list_title = _l("Régies")
    show_title = _l("Régie")
    add_title = _l("Add a régie")
    edit_title = _l("Edit a régie")
    list_columns = ["code", "name", "mode", "creditor_id"]
    add_columns = edit_columns = show_columns = ["code", "name", "mode", "portal_overdraft",
                                                 "payment_term_days", "payment_instructions",
                                                 "creditor_id", "iban", "bic"]
    label_columns = {"code": _l("Code"), "name": _l("Name"), "mode": _l("Mode"),
                     "payment_term_days": _l("Payment term (days)"),
                     "payment_instructions": _l("How to pay (printed on invoices)"),
                     "creditor_id": _l("SEPA creditor identifier (ICS)"), "iban": _l("IBAN"),
                     "bic": _l("BIC"),
                     "portal_overdraft": _l("Portal bookings beyond the account's credit")}
    description_columns = {"portal_overdraft": _l(
        "Prepaid mode only. Unticked, a parent booking on the portal is refused when their "
        "account's credit does not cover the days; ticked, the account may go into debit."),
        "payment_term_days": _l(
        "The due date « Create a group of invoices » proposes: the day of the run plus this "
        "many days. Empty: the end of the next month."),
        "payment_instructions": _l(
            "Printed under « How to pay » on the invoices of families without a direct-debit "
            "mandate: where and how to pay, to whose order cheques are made out.")}
    formatters_columns = {"mode": lambda m: str(MODE_LABELS.get(m, m)),
                          "portal_overdraft": yes_no}
    add_form_extra_fields = edit_form_extra_fields = {
        "mode": choice_field(_l("Mode"), list(MODE_LABELS.items())),
        "portal_overdraft": boolean_field(_l("Portal bookings beyond the account's credit")),
    }


class ProductView(RuleCheckedModelView):
    datamodel = SQLAInterface(Product)
    list_title = _l("Products")
    add_title = _l("Add a product")
    edit_title = _l("Edit a product")
    list_columns = add_columns = edit_columns = show_columns = ["name", "regie"]
    label_columns = {"name": _l("Name"), "regie": _l("Régie")}


class TariffBracketView(RuleCheckedModelView):
    """Brackets are checked together with their siblings as the grid is typed."""

    datamodel = SQLAInterface(TariffBracket)
    list_title = _l("Quotient brackets")
    add_title = _l("Add a bracket")
    edit_title = _l("Edit a bracket")
    list_columns = ["qf_min", "qf_max", "unit_price"]
    add_columns = edit_columns = ["tariff", "qf_min", "qf_max", "unit_price"]
    label_columns = {"tariff": _l("Tariff"), "qf_min": _l("Quotient from"),
                     "qf_max": _l("Quotient up to (empty: no limit)"),
                     "unit_price": _l("Unit price")}
    formatters_columns = {"unit_price": money}
    base_order = ("qf_min", "asc")

    def pre_add(self, item):
        self._run_rule(_check_with_siblings, item)

    pre_update = pre_add


def _check_with_siblings(bracket):
    from app.extensions import db

    with db.session.no_autoflush:
        tariff = bracket.tariff
        siblings = [b for b in tariff.brackets if b is not bracket and b.id != bracket.id]
        ordered = sorted(siblings + [bracket], key=lambda b: b.qf_min)
        # While a grid is being typed, only the part entered so far must be consistent:
        # check it as if its current top bracket were open-ended.
        top = ordered[-1]
        pricing.check_tariff(tariff, brackets=ordered[:-1] + [TariffBracket(
            qf_min=top.qf_min, qf_max=None, unit_price=top.unit_price)])


class TariffView(RuleCheckedModelView):
    """A tariff is checked whole: its brackets must follow each other from 0 with no gap."""

    datamodel = SQLAInterface(Tariff)
    rule = pricing.check_tariff
    list_title = _l("Tariffs")
    show_title = _l("Tariff")
    add_title = _l("Add a tariff")
    edit_title = _l("Edit a tariff")
    list_columns = ["service", "start_date", "end_date", "unit_price"]
    add_columns = edit_columns = ["service", "start_date", "end_date", "unit_price"]
    show_columns = ["service", "start_date", "end_date", "unit_price"]
    search_columns = ["service", "start_date", "end_date"]
    label_columns = {"service": _l("Service"), "start_date": _l("From"), "end_date": _l("Until"),
                     "unit_price": _l("Flat unit price (empty: grid of brackets)")}
    formatters_columns = {"start_date": short_date, "end_date": short_date,
                          "unit_price": lambda v: money(v) if v is not None else str(_l("grid"))}
    related_views = [TariffBracketView]
    description_columns = {"unit_price": _l("Leave empty to price by family-quotient brackets, "
                                            "then add the brackets from the tariff's page.")}

    def pre_add(self, item):
        # A grid tariff gets its brackets after it exists: check dates and overlaps only.
        if item.unit_price is None:
            self._run_rule(_check_grid_tariff_header, item)
        else:
            super().pre_add(item)


def _check_grid_tariff_header(tariff):
    placeholder = TariffBracket(qf_min=0, qf_max=None, unit_price=0)
    pricing.check_tariff(tariff, brackets=[placeholder])
    return tariff


class ServiceView(RuleCheckedModelView):
    datamodel = SQLAInterface(Service)
    rule = offer.check_service
    list_title = _l("Services")
    show_title = _l("Service")
    add_title = _l("Add a service")
    edit_title = _l("Edit a service")
    list_columns = ["name", "regie", "start_time", "billing_basis", "weekdays", "tax_deductible"]
    search_columns = ["name", "regie", "billing_basis", "tax_deductible"]
    add_columns = edit_columns = ["name", "regie", "classes", "start_time", "weekdays",
                                  "billing_basis", "tax_deductible", "deadline_days",
                                  "deadline_time", "deadline_skips_closed_days",
                                  "portal_weeks_ahead", "color"]
    show_columns = ["name", "regie", "classes", "start_time", "weekdays", "billing_basis",
                    "tax_deductible", "deadline_days", "deadline_time",
                    "deadline_skips_closed_days", "portal_weeks_ahead"]
    label_columns = {
        "name": _l("Name"), "regie": _l("Régie"), "classes": _l("Classes allowed"),
        "start_time": _l("Start time"), "weekdays": _l("Days"),
        "billing_basis": _l("Billed on"), "tax_deductible": _l("Tax-deductible childcare"),
        "deadline_days": _l("Portal deadline (days before)"),
        "deadline_time": _l("Portal deadline (time)"),
        "deadline_skips_closed_days": _l("Deadline counts working days only"),
        "portal_weeks_ahead": _l("Portal bookings open (weeks ahead)"),
        "color": _l("Colour"),
    }
    description_columns = {
        "portal_weeks_ahead": _l("How many weeks after this one parents may book on the "
                                 "portal, e.g. 6; empty: no limit."),
        "weekdays": _l("Days it runs: 0 = Monday … 6 = Sunday, e.g. 0,1,3,4"),
        "classes": _l("Empty: every class may use it"),
    }
    formatters_columns = {
        "billing_basis": lambda b: str(BASIS_LABELS.get(b, b)), "tax_deductible": yes_no,
        "deadline_skips_closed_days": yes_no, "weekdays": weekdays_text,
        "start_time": lambda t: t.strftime("%H:%M") if t else "",
        "deadline_time": lambda t: t.strftime("%H:%M") if t else "",
        "classes": lambda classes: ", ".join(str(c) for c in classes),
        "portal_weeks_ahead": lambda weeks: _l("no limit") if weeks is None else weeks,
    }
    related_views = [TariffView]
    add_form_extra_fields = edit_form_extra_fields = {
        "start_time": time_field(_l("Start time")),
        "deadline_time": time_field(_l("Portal deadline (time)")),
        "billing_basis": choice_field(_l("Billed on"), list(BASIS_LABELS.items())),
        "weekdays": StringField(_l("Days"), [InputRequired()], default="0,1,3,4"),
        "tax_deductible": boolean_field(_l("Tax-deductible childcare")),
        "deadline_skips_closed_days": boolean_field(_l("Deadline counts working days only")),
    }


class FamilyQuotientView(RuleCheckedModelView):
    datamodel = SQLAInterface(FamilyQuotient)
    # Found on the household's page; a list of every household would weigh megabytes here.
    search_columns = ["value", "start_date", "end_date"]
    rule = pricing.check_quotient
    list_title = _l("Family quotients")
    add_title = _l("Add a family quotient")
    edit_title = _l("Edit a family quotient")
    list_columns = ["household", "value", "start_date", "end_date"]
    add_columns = edit_columns = ["household", "value", "start_date", "end_date"]
    label_columns = {"household": _l("Household"), "value": _l("Quotient"),
                     "start_date": _l("From"), "end_date": _l("Until")}
    formatters_columns = {"start_date": short_date, "end_date": short_date}
    add_form_extra_fields = edit_form_extra_fields = {
        "value": MoneyField(_l("Quotient"), [InputRequired()]),
    }
