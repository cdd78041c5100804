"""Periods (closures), their calendar, and the official school calendar."""
import calendar as month_calendar
from datetime import date, timedelta

import sqlalchemy as sa
from flask import flash, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_appbuilder.models.filters import BaseFilter
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import format_date
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField

from app.services.calendar import today_in_town
from app.extensions import db
from app.formatting import short_date
from app.models import Period, SchoolYear
from app.services import RuleViolation, bookings, periods
from app.views.base import RefusedByRule, RuleCheckedModelView


class FilterWithoutServices(BaseFilter):
    name = _l("Without services")
    arg_name = "noservice"

    def apply(self, query, value):
        return query.filter(~Period.services.any())


def _color_swatch(color):
    return color or ""


class PeriodView(RuleCheckedModelView):
    """A closure period. Saving one over existing bookings removes them, once the user has
    seen how many and ticked the confirmation."""

    datamodel = SQLAInterface(Period)
    list_title = _l("Periods")
    show_title = _l("Period")
    add_title = _l("Add a period")
    edit_title = _l("Edit a period")
    list_columns = ["label", "start_date", "end_date", "services", "classes", "color"]
    add_columns = edit_columns = ["label", "start_date", "end_date", "color", "services",
                                  "classes", "confirm_removal"]
    show_columns = ["label", "start_date", "end_date", "color", "services", "classes", "source"]
    search_columns = ["label", "start_date", "end_date", "services"]
    base_order = ("start_date", "asc")
    label_columns = {"label": _l("Label"), "start_date": _l("From"), "end_date": _l("Until"),
                     "color": _l("Colour"), "services": _l("Services closed"),
                     "classes": _l("Classes (empty: all)"), "source": _l("Source"),
                     "confirm_removal": _l("Remove the bookings it covers")}
    formatters_columns = {
        "start_date": short_date, "end_date": short_date,
        "services": lambda items: ", ".join(str(i) for i in items),
        "classes": lambda items: ", ".join(str(i) for i in items) or str(_l("all")),
    }
    add_form_extra_fields = edit_form_extra_fields = {
        "confirm_removal": BooleanField(_l("Remove the bookings it covers")),
        "color": StringField(_l("Colour"), default="#9e9e9e",
                             render_kw={"type": "color"}),
    }

    def _check_and_close(self, item):
        try:
            bookings.check_period(item)
            impact = bookings.closure_impact(item)
        except RuleViolation as exc:
            raise RefusedByRule(exc) from exc
        if impact["bookings"] and not request.form.get("confirm_removal"):
            raise RefusedByRule(RuleViolation(
                ngettext("This closure covers %(num)s existing booking, which will be removed: tick "
                         "“Remove the bookings it covers” to confirm.",
                         "This closure covers %(num)s existing bookings, which will be removed: "
                         "tick “Remove the bookings it covers” to confirm.", impact["bookings"]),
                "confirm_removal"))
        removed = bookings.apply_closure(item)
        if removed:
            flash(ngettext("%(num)s booking removed.", "%(num)s bookings removed.", removed), "warning")
        if impact["invoiced"]:
            flash(ngettext("%(num)s invoiced booking is kept: correct it on its invoice.",
                           "%(num)s invoiced bookings are kept: correct them on the invoices.",
                           impact["invoiced"]), "warning")

    pre_add = pre_update = _check_and_close


class PeriodWithoutServiceView(PeriodView):
    """“Périodes sans prestations”: generated from the official calendar, to be linked."""

    list_title = _l("Periods without services")
    base_filters = [["id", FilterWithoutServices, None]]
    base_permissions = ["can_list"]


class OfficialCalendarForm(FlaskForm):
    zone = SelectField(_l("Zone"), choices=[("A", "A"), ("B", "B"), ("C", "C")], default="B")
    school_year = SelectField(_l("School year"), coerce=int)


class PeriodCalendarView(BaseView):
    route_base = "/periods"
    default_view = "month"

    @expose("/calendar")
    @has_access
    def month(self):
        """A month, each day showing the periods that cover it."""
        try:
            first = date.fromisoformat(request.args.get("month", "") + "-01")
        except ValueError:
            first = today_in_town().replace(day=1)
        last = first.replace(day=month_calendar.monthrange(first.year, first.month)[1])
        found = periods.periods_between(first, last)
        weeks = []
        for week in month_calendar.Calendar().monthdatescalendar(first.year, first.month):
            weeks.append([(day, [p for p in found if p.start_date <= day <= p.end_date])
                          for day in week])
        previous = (first - timedelta(days=1)).strftime("%Y-%m")
        following = (last + timedelta(days=1)).strftime("%Y-%m")
        return self.render_template(
            "periods/calendar.html", weeks=weeks, first=first, previous=previous,
            following=following, title=format_date(first, "MMMM yyyy").capitalize())

    @expose("/official", methods=["GET", "POST"])
    @has_access
    def official(self):
        """Create the year's school holidays and public holidays as periods without services."""
        form = OfficialCalendarForm(formdata=request.values or None)
        years = db.session.scalars(sa.select(SchoolYear).order_by(SchoolYear.start_date)).all()
        form.school_year.choices = [(y.id, y.label) for y in years]
        proposals = []
        if form.school_year.data and form.zone.data and request.method in ("GET", "POST"):
            year = db.session.get(SchoolYear, form.school_year.data)
            if year is not None:
                try:
                    proposals = periods.official_periods(form.zone.data, year)
                    if request.method == "POST" and request.form.get("create"):
                        chosen = {date.fromisoformat(v) for v in request.form.getlist("start")}
                        created = periods.create_official_periods(form.zone.data, year, chosen)
                        db.session.commit()
                        flash(ngettext("%(num)s period created: link it to services and classes.",
                                       "%(num)s periods created: link them to services and "
                                       "classes.", len(created)), "success")
                        return redirect(url_for("PeriodWithoutServiceView.list"))
                except RuleViolation as exc:
                    db.session.rollback()
                    flash(exc.message, "danger")
        return self.render_template("periods/official.html", form=form, proposals=proposals,
                                    title=_("School calendar"))
