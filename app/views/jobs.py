"""Progress of background jobs, and the demo loader that proves the plumbing end to end."""
from datetime import date
from decimal import Decimal

from flask import abort, flash, jsonify, redirect, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import IntegerField
from wtforms.validators import InputRequired, NumberRange

from app import jobs
from app.extensions import db
from app.models import BackgroundJob
from app.security import acting_user, is_admin
from app.services import billing

# Jobs as people name them (the page's title), by their internal name.
JOB_TITLES = {
    "generate_invoices": _l("Create a group of invoices"),
    "print_invoices": _l("Print invoices"),
    "reminder_letters": _l("Reminder letters"),
    "demo_load": _l("Demo families"),
    "direct_debit_run": _l("Direct debits"),
    "tax_certificates": _l("Tax certificates"),
    "information_sheets": _l("Information sheets"),
}
# What the demo loader counts, in words.
DEMO_COUNTS = {
    "households": _l("Households"), "adults": _l("Adults"), "children": _l("Children"),
    "schools": _l("Schools"), "enrollments": _l("Enrolments"),
    "subscriptions": _l("Subscriptions"), "bookings": _l("Bookings"),
    "billing_rules": _l("Billing rules"),
    "history_invoices": _l("Invoices of past months"), "history_payments": _l("Payments"),
}


def job_title(row: BackgroundJob) -> str:
    """The job page's title: what it does, and for a message which one."""
    if row.name == "send_message":
        from app.models import Message

        message = db.session.get(Message, (row.params or {}).get("message_id") or 0)
        if message is not None:
            return _("Sending the message « %(subject)s »", subject=message.subject)
    return JOB_TITLES.get(row.name, _("Background job"))


def find_visible_job(job_id):
    """A job's owner and admins may follow it; for anyone else it does not exist."""
    row = db.session.get(BackgroundJob, job_id)
    if row is None:
        return None
    user = acting_user()
    if user is None or (row.created_by_id not in (None, user.id) and not is_admin(user)):
        return None
    return row


def visible_job(job_id):
    return find_visible_job(job_id) or abort(404)


def job_status(row: BackgroundJob) -> dict:
    result = row.result
    if row.name == "generate_invoices" and row.status == "finished" and result is not None:
        # Read now, like the summary page: what the agent checks before validating.
        result = dict(result, presences_without_booking=[
            {"person_id": p["person_id"], "service_id": p["service_id"],
             "date": p["date"].isoformat(), "billed": p["billed"]}
            for p in billing.generation_presences_without_booking(row.params or {})])
    return {"id": row.id, "name": row.name, "status": row.status, "progress": row.progress,
            "message": row.message, "result": result, "error": row.error}


def job_report(row: BackgroundJob):
    """What a finished job's page tells people, read from its result (never the raw JSON)."""
    result = row.result or {}
    if row.status != "finished":
        return None
    if row.name == "generate_invoices":
        ids = result.get("invoice_ids") or []
        return {"invoices": billing.summary(ids), "unbilled": billing.unbilled_report(result),
                "presences": billing.generation_presences_without_booking(row.params or {}),
                "batch_id": result.get("batch_id")}
    if row.name == "direct_debit_run":
        from app.models import Deposit
        from app.services import direct_debits

        deposit_id = result.get("deposit_id")
        return {"count": result.get("count", 0), "total": Decimal(result.get("total") or 0),
                "deposit": db.session.get(Deposit, deposit_id) if deposit_id else None,
                "refused": direct_debits.refused_report(result),
                "collection_date": date.fromisoformat(result["collection_date"])
                if result.get("collection_date") else None}
    return result


class JobView(BaseView):
    route_base = "/jobs"
    default_view = "show"
    base_permissions = ["can_show", "can_status"]

    @expose("/<job_id>")
    @has_access
    def show(self, job_id):
        row = visible_job(job_id)
        return self.render_template("jobs/progress.html", job=row,
                                    title=job_title(row),
                                    report=job_report(row), DEMO_COUNTS=DEMO_COUNTS)

    @expose("/<job_id>/status")
    @has_access
    def status(self, job_id):
        return jsonify(job_status(visible_job(job_id)))


class DemoForm(FlaskForm):
    children = IntegerField(_l("Number of children"), [
        InputRequired(message=_l("Give a number of children.")),
        NumberRange(1, 50000, message=_l("Between 1 and 50,000 children."))], default=200)


class DemoView(BaseView):
    route_base = "/demo"
    default_view = "load"

    @expose("/", methods=["GET", "POST"])
    @has_access
    def load(self):
        form = DemoForm()
        if form.validate_on_submit():
            row = jobs.submit("demo_load", {"children": form.children.data},
                              created_by_id=current_user.id)
            db.session.commit()
            jobs.dispatch(row.id)
            flash(_("Loading demo families…"), "info")
            return redirect(url_for("JobView.show", job_id=row.id))
        return self.render_template("jobs/demo.html", form=form, title=_("Demo families"))
