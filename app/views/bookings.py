"""Bookings on a person's record: the week grid, mass booking, subscriptions."""
from datetime import date, timedelta

import sqlalchemy as sa
from flask import abort, flash, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import gettext as _
from flask_babel import ngettext
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, RadioField, SelectField, SelectMultipleField, StringField
from wtforms.validators import InputRequired, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from app.services.calendar import today_in_town
from app.extensions import db
from app.formatting import money, short_date
from app.models import Guardianship, Person, Service, Subscription
from app.services import RuleViolation, billing, bookings
from app.views.base import RuleCheckedModelView
from app.views.filters import PersonSearchInterface, person_search_fields

WEEKDAY_CHOICES = [(0, _l("Monday")), (1, _l("Tuesday")), (2, _l("Wednesday")),
                   (3, _l("Thursday")), (4, _l("Friday")), (5, _l("Saturday")),
                   (6, _l("Sunday"))]


class CheckboxesField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class SubscriptionView(RuleCheckedModelView):
    datamodel = PersonSearchInterface(Subscription)
    search_columns = ["person", "service", "start_date", "end_date"]
    search_form_extra_fields = person_search_fields(person=_l("Person"))
    rule = bookings.check_subscription
    list_title = _l("Services subscribed")
    add_title = _l("Subscribe to a service")
    edit_title = _l("Edit a subscription")
    list_columns = ["service", "start_date", "end_date"]
    add_columns = edit_columns = ["person", "service", "start_date", "end_date"]
    label_columns = {"person": _l("Person"), "service": _l("Service"), "start_date": _l("From"),
                     "end_date": _l("Until")}
    formatters_columns = {"start_date": short_date, "end_date": short_date}


def monday_of(day: date) -> date:
    return day - timedelta(days=day.weekday())


class BulkBookingForm(FlaskForm):
    service = SelectField(_l("Service"), coerce=int)
    start_date = DateField(_l("From"), [InputRequired(message=_l("Give the first and the last day."))])
    end_date = DateField(_l("Until"), [InputRequired(message=_l("Give the first and the last day."))])
    weekdays = CheckboxesField(_l("Days of the typical week"), coerce=int,
                               choices=WEEKDAY_CHOICES, default=[0, 1, 3, 4])
    mode = RadioField(_l("Mode"), choices=[("add", _l("add to what is booked")),
                                           ("replace", _l("replace what is booked"))],
                      default="add")
    week_parity = SelectField(_l("Weeks"), choices=[("", _l("every week")),
                                                    ("even", _l("even weeks")),
                                                    ("odd", _l("odd weeks"))], default="")
    weeks = StringField(_l("Only these ISO weeks (e.g. 36, 38, 40)"), [Optional()])

    def week_list(self):
        text = (self.weeks.data or "").replace(";", ",").replace(" ", ",")
        try:
            return [int(w) for w in text.split(",") if w]
        except ValueError:
            raise RuleViolation(_("ISO week numbers go from 1 to 53."), "weeks")


class SubscribeForm(FlaskForm):
    services = CheckboxesField(_l("Services"), coerce=int)
    start_date = DateField(_l("From"), [InputRequired(message=_l("The start date is required."))])


def days_without_billing_rule(grid, charges) -> list:
    """The grid's days booked, or still bookable, that no billing rule covers: nobody would
    be invoiced for them."""
    return sorted({day for (service_id, day), cell in grid.cells.items()
                   if (cell.booked or not cell.refusal) and (service_id, day) not in charges})


def possible_payers(person: Person) -> list:
    """Who may receive a billing rule for this person's days: their guardians still active,
    or the adult themself."""
    if person.kind == "adult":
        return [person]
    return db.session.scalars(
        sa.select(Person).join(Guardianship, Guardianship.adult_id == Person.id)
        .where(Guardianship.child_id == person.id, Person.archived_at.is_(None))
        .order_by(Person.last_name, Person.first_name)).all()


def flash_balances(accounts) -> None:
    """After bookings of a prepaid régie: each payer's account as it now stands, a warning
    when it is in debit (the desk sees it at once, the family will be asked to pay)."""
    from app.models import Regie
    from app.services import payments

    for adult_id, regie_id in sorted(accounts or ()):
        adult, regie = db.session.get(Person, adult_id), db.session.get(Regie, regie_id)
        balance = payments.balance(adult_id, regie_id)
        flash(_("Account of %(name)s at %(regie)s: balance %(balance)s.", name=adult.full_name,
                regie=regie.code, balance=money(balance)),
              "warning" if balance < 0 else "info")


class BookingView(BaseView):
    route_base = "/bookings"
    default_view = "grid"

    def _person(self, person_id):
        return db.session.get(Person, person_id) or abort(404)

    @expose("/person/<int:person_id>", methods=["GET", "POST"])
    @has_access
    def grid(self, person_id):
        """Four weeks of bookable days per service; click to book or cancel, then save."""
        person = self._person(person_id)
        try:
            start = monday_of(date.fromisoformat(request.values.get("start", "")))
        except ValueError:
            start = monday_of(today_in_town())
        end = start + timedelta(days=27)
        if request.method == "POST":
            wanted = set()
            for key in request.form.getlist("booked"):
                service_id, day = key.split("_", 1)
                wanted.add((int(service_id), date.fromisoformat(day)))
            try:
                result = bookings.save_grid(person, start, end, wanted)
                db.session.commit()
                flash(", ".join([
                    ngettext("%(num)s day booked", "%(num)s days booked", result["created"]),
                    ngettext("%(num)s cancelled", "%(num)s cancelled", result["removed"]),
                ]) + ".", "success")
                for row in result["skipped"]:
                    flash(f"{short_date(row['date'])} : {row['reason']}", "warning")
                flash_balances(result["accounts"])
            except RuleViolation as exc:
                db.session.rollback()
                flash(exc.message, "danger")
            return redirect(url_for("BookingView.grid", person_id=person.id,
                                    start=start.isoformat()))
        grid = bookings.booking_grid(person, start, end)
        # Each day shows who pays it and at what price: the payer its billing rule names,
        # priced by the very function billing uses (separated parents may differ).
        charges = billing.payers_and_prices(person.id, [s.id for s in grid.services], grid.days)
        prices = billing.payers_explained(person, grid.services, grid.days, charges)
        unbilled = days_without_billing_rule(grid, charges)
        return self.render_template(
            "bookings/grid.html", grid=grid, person=person, start=start, prices=prices,
            charges=charges, today=today_in_town(), unbilled=unbilled,
            rule_payers=possible_payers(person) if unbilled else [],
            previous=(start - timedelta(days=28)).isoformat(),
            following=(start + timedelta(days=28)).isoformat(),
            title=_("Bookings of %(name)s", name=person.full_name))

    @expose("/person/<int:person_id>/bulk", methods=["GET", "POST"])
    @has_access
    def bulk(self, person_id):
        """Mass booking by typical week over a date range."""
        person = self._person(person_id)
        form = BulkBookingForm()
        services = db.session.scalars(sa.select(Service).join(Subscription).where(
            Subscription.person_id == person.id).distinct().order_by(Service.name)).all()
        form.service.choices = [(s.id, s.name) for s in services]
        result = None
        if form.validate_on_submit():
            try:
                result = bookings.bulk_book(
                    person, db.session.get(Service, form.service.data), form.start_date.data,
                    form.end_date.data, form.weekdays.data, form.mode.data,
                    form.week_parity.data or None, form.week_list())
                db.session.commit()
                flash_balances(result["accounts"])
            except RuleViolation as exc:
                db.session.rollback()
                target = getattr(form, exc.field or "", None)
                if target is not None and exc.field != "mode":
                    target.errors = list(target.errors) + [exc.message]
                else:
                    flash(exc.message, "danger")
        return self.render_template("bookings/bulk.html", form=form, person=person,
                                    result=result,
                                    title=_("Book by typical week for %(name)s",
                                            name=person.full_name))

    @expose("/person/<int:person_id>/subscribe", methods=["GET", "POST"])
    @has_access
    def subscribe(self, person_id):
        """“Ouvrir les droits”: tick the services, give the date from which they open."""
        person = self._person(person_id)
        form = SubscribeForm()
        form.services.choices = [(s.id, s.name) for s in db.session.scalars(
            sa.select(Service).order_by(Service.name))]
        if form.validate_on_submit():
            try:
                if not form.services.data:
                    raise RuleViolation(_("Tick at least one service."), "services")
                for service_id in form.services.data:
                    bookings.subscribe(person, db.session.get(Service, service_id),
                                       form.start_date.data)
                db.session.commit()
                flash(_("Services opened for %(name)s.", name=person.full_name), "success")
                return redirect(url_for("BookingView.grid", person_id=person.id,
                                        start=form.start_date.data.isoformat()))
            except RuleViolation as exc:
                db.session.rollback()
                flash(exc.message, "danger")
        return self.render_template("bookings/subscribe.html", form=form, person=person,
                                    title=_("Open services for %(name)s", name=person.full_name))
