"""Attendance sheet (pointage): made for a tablet in the canteen."""
from datetime import date

import sqlalchemy as sa
from flask import flash, jsonify, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import gettext as _
from flask_babel import ngettext

from app.services.calendar import today_in_town
from app.extensions import db
from app.models import Level, Person, School, SchoolClass, Service
from app.security import acting_user
from app.services import RuleViolation, attendance, child_care


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
        services = db.session.scalars(sa.select(Service).order_by(Service.start_time,
                                                                  Service.name)).all()
        classes = db.session.scalars(
            sa.select(SchoolClass).join(School).outerjoin(Level, Level.id == SchoolClass.level_id)
            .options(sa.orm.contains_eager(SchoolClass.school))
            .order_by(School.name, Level.rank.is_(None), Level.rank, SchoolClass.name)).all()
        day = _parse_day(request.args.get("date"))
        service = db.session.get(Service, request.args.get("service_id", type=int) or 0)
        nothing_left = False
        if service is None and "service_id" not in request.args and day == today_in_town():
            # Opened without a choice: the service being served now, or the next one today.
            service = attendance.current_or_next_service(services)
            nothing_left = service is None
        class_ids = request.args.getlist("class_ids", type=int)
        rows, counts, started = [], None, False
        runs = service is not None and attendance.runs_on(service, day)
        attention = {}
        if runs:
            rows = attendance.sheet(service, day, class_ids)
            counts = attendance.summary(rows)
            started = attendance.has_started(service, day)
            if self.appbuilder.sm.has_access("can_show", "ChildCareView"):
                # Allergies and PAI flagged next to the name: the leader serves the meal.
                attention = child_care.sheet_notes([row.person_id for row in rows])
        return self.render_template(
            "attendance/sheet.html", services=services, classes=classes, day=day,
            service=service, class_ids=class_ids, rows=rows, counts=counts, started=started,
            attention=attention, may_open=self.appbuilder.sm.has_access("can_show", "ChildView"),
            runs=runs, nothing_left=nothing_left, is_today=day == today_in_town(),
            confirm_all=counts is not None and request.args.get("confirm") == "all_present",
            title=_("Attendance"))

    @expose("/all_present", methods=["POST"])
    @has_access
    def all_present(self):
        """« Tous présents »: the booked children of the sheet not marked yet."""
        service = db.session.get(Service, request.form.get("service_id", type=int) or 0)
        day = _parse_day(request.form.get("date"))
        class_ids = request.form.getlist("class_ids", type=int)
        back = url_for("AttendanceView.sheet", date=day.isoformat(),
                       service_id=service.id if service else None, class_ids=class_ids)
        if service is None:
            flash(_("Unknown service."), "danger")
            return redirect(back)
        if request.form.get("confirmed") != "yes":
            # Without the sheet's script no confirm() was asked: the sheet asks it instead.
            return redirect(url_for("AttendanceView.sheet", date=day.isoformat(),
                                    service_id=service.id, class_ids=class_ids,
                                    confirm="all_present", _anchor="all-present"))
        user = acting_user()
        try:
            people = [row.person_id for row in attendance.sheet(service, day, class_ids)]
            count = attendance.mark_booked_present(service, day, people,
                                                   recorded_by_id=user.id if user else None)
            db.session.commit()
            flash(ngettext("%(num)s booked child marked present.",
                           "%(num)s booked children marked present.", count), "success")
        except RuleViolation as exc:
            db.session.rollback()
            flash(exc.message, "danger")
        return redirect(back)

    @expose("/mark", methods=["POST"])
    @has_access
    def mark(self):
        """Record one mark; answers JSON to the sheet's script, or redirects without it. The
        sheet's buttons send `mark=<person id>:<status>`; `person_id` and `status` work too."""
        person_id, _sep, status = request.form.get("mark", "").partition(":")
        if not person_id:
            person_id, status = request.form.get("person_id", ""), request.form.get("status")
        person = db.session.get(Person, int(person_id) if person_id.isdecimal() else 0)
        service = db.session.get(Service, request.form.get("service_id", type=int) or 0)
        day = _parse_day(request.form.get("date"))
        status = status or None
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
        warning = attendance.unbooked_presence_warning(person, service, day, status)
        if wants_json:
            return jsonify(person_id=person.id, status=status, warning=warning)
        if warning:
            flash(_("%(name)s: %(warning)s", name=person.full_name, warning=warning), "warning")
        return redirect(request.referrer or url_for("AttendanceView.sheet", date=day.isoformat(),
                                                   service_id=service.id))
