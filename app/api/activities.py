"""Resources of schooling, services, periods, bookings and attendance (API.md)."""
from datetime import date
from decimal import Decimal, InvalidOperation

from flask import request
from flask_appbuilder.api import expose, protect, safe
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import gettext as _
from marshmallow import Schema, ValidationError, fields, validate

from app.services.calendar import today_in_town
from app.api.base import MarelleModelApi, rule_response
from app.extensions import db
from app.models import (
    Attendance,
    Booking,
    Enrollment,
    FamilyQuotient,
    Period,
    Person,
    Product,
    Regie,
    School,
    SchoolClass,
    Service,
    Subscription,
    Tariff,
    TariffBracket,
)
from app.security import acting_user
from app.services import RuleViolation, attendance, bookings, offer, pricing, schooling


def person_and_service(item):
    """The person and service a booking or a mark names, or a 422 on the unknown id."""
    person = db.session.get(Person, item.person_id)
    service = db.session.get(Service, item.service_id)
    if person is None:
        raise RuleViolation(_("Unknown person."), "person_id")
    if service is None:
        raise RuleViolation(_("Unknown service."), "service_id")
    return person, service


class SchoolApi(MarelleModelApi):
    resource_name = "school"
    datamodel = SQLAInterface(School)
    list_columns = show_columns = ["id", "name", "address_line"]
    add_columns = edit_columns = ["name", "address_line"]


class SchoolClassApi(MarelleModelApi):
    resource_name = "school_class"
    datamodel = SQLAInterface(SchoolClass)
    list_columns = show_columns = ["id", "name", "school_id", "level_id", "level.code"]
    add_columns = edit_columns = ["name", "school_id", "level_id"]
    search_columns = ["name", "school_id", "level_id"]


class EnrollmentApi(MarelleModelApi):
    resource_name = "enrollment"
    datamodel = SQLAInterface(Enrollment)
    list_columns = show_columns = ["id", "person_id", "school_class_id", "level_id",
                                   "start_date", "end_date"]
    add_columns = ["person_id", "school_class_id", "level_id", "start_date", "end_date"]
    edit_columns = ["end_date"]
    search_columns = ["person_id", "school_class_id", "start_date", "end_date"]

    def post_headless(self):
        """Enrolling closes the previous class: the service does it, not a bare INSERT."""
        body = request.json or {}
        try:
            data = EnrollmentBody().load(body)
            person = db.session.get(Person, data["person_id"])
            if person is None:
                raise RuleViolation(_("Unknown person."), "person_id")
            school_class = db.session.get(SchoolClass, data["school_class_id"])
            enrollment = schooling.enroll(person, school_class, data["start_date"],
                                          end_date=data.get("end_date"))
            db.session.commit()
        except ValidationError as err:
            return self.response_422(message=err.messages)
        except RuleViolation as exc:
            return rule_response(self, exc)
        return self.response(201, id=enrollment.id, result=self._dump(enrollment))


class EnrollmentBody(Schema):
    person_id = fields.Integer(required=True)
    school_class_id = fields.Integer(required=True)
    level_id = fields.Integer(allow_none=True)
    start_date = fields.Date(required=True)
    end_date = fields.Date(allow_none=True)


class RegieApi(MarelleModelApi):
    resource_name = "regie"
    datamodel = SQLAInterface(Regie)
    list_columns = show_columns = ["id", "code", "name", "mode", "payment_term_days",
                                   "payment_instructions", "creditor_id", "iban", "bic"]
    add_columns = edit_columns = ["code", "name", "mode", "payment_term_days",
                                  "payment_instructions", "creditor_id", "iban", "bic"]

    def pre_add(self, item):
        offer.check_regie(item)

    pre_update = pre_add


class ProductApi(MarelleModelApi):
    resource_name = "product"
    datamodel = SQLAInterface(Product)
    list_columns = show_columns = ["id", "name", "regie_id"]
    add_columns = edit_columns = ["name", "regie_id"]


class ServiceApi(MarelleModelApi):
    """`unit_price` is a shortcut: it opens a flat tariff from `tariff_start` (default today)
    and, when the service already has one in force, ends it the day before."""

    resource_name = "service"
    datamodel = SQLAInterface(Service)
    list_columns = show_columns = ["id", "name", "regie_id", "billing_basis", "tax_deductible",
                                   "start_time", "weekdays", "deadline_days", "deadline_time",
                                   "class_ids"]
    add_columns = edit_columns = ["name", "regie_id", "billing_basis", "tax_deductible",
                                  "start_time", "weekdays", "deadline_days", "deadline_time"]
    relation_id_fields = {"class_ids": ("classes", SchoolClass)}
    search_columns = ["name", "regie_id", "billing_basis", "tax_deductible"]

    def _split_body(self):
        body, extras = super()._split_body()
        self._price = body.pop("unit_price", None), body.pop("tariff_start", None)
        body.setdefault("deadline_time", "10:00:00") if request.method == "POST" else None
        return body, extras

    def pre_add(self, item):
        offer.check_service(item)
        price, start = self._price
        if price is not None:
            try:
                amount = Decimal(str(price))
                start = date.fromisoformat(start) if start else today_in_town()
            except (InvalidOperation, ValueError):
                raise RuleViolation(_("Invalid value."), "unit_price")
            current = pricing.tariff_on(item.id, start) if item.id else None
            if current is not None and current.start_date < start:
                current.end_date = start.fromordinal(start.toordinal() - 1)
            tariff = Tariff(service=item, start_date=start, unit_price=amount)
            if item.id:
                tariff.service_id = item.id
            pricing.check_tariff(tariff, brackets=[])
            db.session.add(tariff)

    pre_update = pre_add

    def _dump(self, item):
        result = super()._dump(item)
        quote = pricing.tariff_on(item.id, today_in_town())
        result["unit_price"] = (str(quote.unit_price) if quote is not None
                                and quote.unit_price is not None else None)
        return result


class BracketBody(Schema):
    qf_min = fields.Decimal(required=True, as_string=True)
    qf_max = fields.Decimal(allow_none=True, as_string=True)
    unit_price = fields.Decimal(required=True, as_string=True)


class TariffApi(MarelleModelApi):
    """A tariff with its brackets, written whole: `brackets` [{"qf_min", "qf_max",
    "unit_price"}] (or a flat `unit_price`)."""

    resource_name = "tariff"
    datamodel = SQLAInterface(Tariff)
    list_columns = show_columns = ["id", "service_id", "start_date", "end_date", "unit_price",
                                   "bracket_list"]
    add_columns = edit_columns = ["service_id", "start_date", "end_date", "unit_price"]

    def _split_body(self):
        body, extras = super()._split_body()
        self._brackets = body.pop("brackets", None)
        return body, extras

    def _apply_brackets(self, item):
        if self._brackets is None:
            return
        try:
            rows = BracketBody(many=True).load(self._brackets)
        except ValidationError as err:
            raise RuleViolation("; ".join(str(m) for m in _flatten(err.messages)), "brackets")
        item.brackets = [TariffBracket(qf_min=Decimal(r["qf_min"]),
                                       qf_max=None if r.get("qf_max") is None
                                       else Decimal(r["qf_max"]),
                                       unit_price=Decimal(r["unit_price"])) for r in rows]

    def pre_add(self, item):
        self._apply_brackets(item)
        pricing.check_tariff(item)

    pre_update = pre_add

    def _dump(self, item):
        result = super()._dump(item)
        result["brackets"] = result.pop("bracket_list")
        return result


def _flatten(messages):
    if isinstance(messages, dict):
        for value in messages.values():
            yield from _flatten(value)
    elif isinstance(messages, list):
        for value in messages:
            yield from _flatten(value)
    else:
        yield messages


class FamilyQuotientApi(MarelleModelApi):
    resource_name = "family_quotient"
    datamodel = SQLAInterface(FamilyQuotient)
    list_columns = show_columns = ["id", "household_id", "value", "start_date", "end_date"]
    add_columns = edit_columns = ["household_id", "value", "start_date", "end_date"]
    search_columns = ["household_id", "start_date"]

    def pre_add(self, item):
        pricing.check_quotient(item)

    pre_update = pre_add


class SubscriptionApi(MarelleModelApi):
    resource_name = "subscription"
    datamodel = SQLAInterface(Subscription)
    list_columns = show_columns = ["id", "person_id", "service_id", "start_date", "end_date"]
    add_columns = ["person_id", "service_id", "start_date", "end_date"]
    edit_columns = ["end_date"]
    search_columns = ["person_id", "service_id", "start_date"]

    def pre_add(self, item):
        bookings.check_subscription(item)

    pre_update = pre_add


class PeriodApi(MarelleModelApi):
    resource_name = "period"
    datamodel = SQLAInterface(Period)
    list_columns = show_columns = ["id", "label", "start_date", "end_date", "color",
                                   "service_ids", "class_ids"]
    add_columns = edit_columns = ["label", "start_date", "end_date", "color"]
    search_columns = ["label", "start_date", "end_date"]
    relation_id_fields = {"service_ids": ("services", Service),
                          "class_ids": ("classes", SchoolClass)}

    def pre_add(self, item):
        """Through the API a closure applies at once: its bookings are removed (an integrator
        asks `GET .../impact` first to know how many)."""
        bookings.check_period(item)
        self._removed = bookings.apply_closure(item)

    pre_update = pre_add


class BookingApi(MarelleModelApi):
    resource_name = "booking"
    datamodel = SQLAInterface(Booking)
    list_columns = show_columns = ["id", "person_id", "service_id", "date", "invoiced"]
    add_columns = ["person_id", "service_id", "date"]
    edit_columns = ["date"]
    search_columns = ["person_id", "service_id", "date"]
    page_size = 100

    def pre_add(self, item):
        bookings.check_booking(*person_and_service(item), item.date)

    def pre_update(self, item):
        raise RuleViolation(_("A booking is not moved: cancel it and book the other day."))

    def pre_delete(self, item):
        bookings.check_cancel(item)

    @expose("/bulk", methods=["POST"])
    @protect()
    @safe
    def bulk(self):
        """Mass booking by typical week (weekdays 0 = Monday; mode add or replace)."""
        try:
            data = BulkBody().load(request.json or {})
        except ValidationError as err:
            return self.response_422(message=err.messages)
        person = db.session.get(Person, data["person_id"])
        service = db.session.get(Service, data["service_id"])
        if person is None or service is None:
            return self.response_404()
        try:
            result = bookings.bulk_book(person, service, data["start_date"], data["end_date"],
                                        data["weekdays"], data["mode"], data.get("week_parity"),
                                        data.get("weeks"))
            db.session.commit()
        except RuleViolation as exc:
            return rule_response(self, exc)
        result["skipped"] = [{"date": row["date"].isoformat(), "reason": row["reason"]}
                             for row in result["skipped"]]
        result.pop("accounts")  # prepaid accounts touched: read them at /person/<id>/account
        return self.response(200, **result)


class BulkBody(Schema):
    person_id = fields.Integer(required=True)
    service_id = fields.Integer(required=True)
    start_date = fields.Date(required=True)
    end_date = fields.Date(required=True)
    weekdays = fields.List(fields.Integer(), required=True)
    mode = fields.String(load_default="add")
    week_parity = fields.String(allow_none=True, validate=validate.OneOf(["even", "odd"]))
    weeks = fields.List(fields.Integer(), allow_none=True)


class AttendanceApi(MarelleModelApi):
    resource_name = "attendance"
    datamodel = SQLAInterface(Attendance)
    list_columns = show_columns = ["id", "person_id", "service_id", "date", "status"]
    add_columns = ["person_id", "service_id", "date", "status"]
    edit_columns = ["status"]
    search_columns = ["person_id", "service_id", "date", "status"]
    page_size = 100

    def pre_add(self, item):
        attendance.check_mark(*person_and_service(item), item.date, item.status)
        user = acting_user()
        item.recorded_by_id = user.id if user else None

    def pre_update(self, item):
        attendance.check_mark(item.person, item.service, item.date, item.status)

    def pre_delete(self, item):
        attendance.check_invoiced_mark(item.person_id, item.service_id, item.date, None,
                                       item.status)
