"""Attendance sheet (pointage): made for a tablet in the canteen."""
from datetime import date

import sqlalchemy as sa
from flask import flash, jsonify, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import gettext as _

from app.services.calendar import today_in_town
from app.extensions import db
from app.models import Person, School, SchoolClass, Service
from app.security import acting_user
from app.services import RuleViolation, attendance


def _parse_day(text):
    try:
        return date.fromisoformat(text)
    except (TypeError, ValueError):
        return today_in_town()


class AttendanceView(BaseView):
    route_base = "/attendance"
    default_view = "sheet"

    @expose("/")
    @has_access
    def sheet(self):
        """Pick a day, a service and classes; one tap marks each child."""
        services = db.session.scalars(sa.select(Service).order_by(Service.name)).all()
        classes = db.session.scalars(sa.select(SchoolClass).join(School)
                                     .options(sa.orm.contains_eager(SchoolClass.school))
                                     .order_by(School.name, SchoolClass.name)).all()
        day = _parse_day(request.args.get("date"))
        service = db.session.get(Service, request.args.get("service_id", type=int) or 0)
        class_ids = request.args.getlist("class_ids", type=int)
        rows, counts, started = [], None, False
        if service is not None:
            rows = attendance.sheet(service, day, class_ids)
            counts = attendance.summary(rows)
            started = attendance.has_started(service, day)
        return self.render_template(
            "attendance/sheet.html", services=services, classes=classes, day=day,
            service=service, class_ids=class_ids, rows=rows, counts=counts, started=started,
            title=_("Attendance"))

    @expose("/mark", methods=["POST"])
    @has_access
    def mark(self):
        """Record one mark; answers JSON to the sheet's script, or redirects without it."""
        person = db.session.get(Person, request.form.get("person_id", type=int) or 0)
        service = db.session.get(Service, request.form.get("service_id", type=int) or 0)
        day = _parse_day(request.form.get("date"))
        status = request.form.get("status") or None
        wants_json = request.accept_mimetypes.best == "application/json"
        if person is None or service is None:
            message = _("Unknown person.") if person is None else _("Unknown service.")
            if wants_json:
                return jsonify(error=message), 404
            flash(message, "danger")
            return redirect(request.referrer or url_for("AttendanceView.sheet"))
        user = acting_user()
        try:
            attendance.mark(person, service, day, status,
                            recorded_by_id=user.id if user else None)
            db.session.commit()
        except RuleViolation as exc:
            db.session.rollback()
            if wants_json:
                return jsonify(error=exc.message), 409
            flash(exc.message, "danger")
        if wants_json:
            return jsonify(person_id=person.id, status=status)
        return redirect(request.referrer or url_for("AttendanceView.sheet", date=day.isoformat(),
                                                   service_id=service.id))
