"""« Attestations fiscales » and « Fiches de renseignements » from the children, adults and
households lists: on the whole filtered list (or the rows ticked), a form, then the job's
progress page."""
from flask import abort, redirect, request, send_file, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, RadioField
from wtforms.validators import InputRequired

from app import jobs
from app.extensions import db
from app.jobs.documents import submit_certificates, submit_sheets
from app.services import RuleViolation, certificates, information_sheets
from app.services.calendar import today_in_town
from app.views.base import list_filter_args
from app.views.bookings import CheckboxesField
from app.views.forms import show_problems

# The lists these pages act on: (view class name, kind of people it lists).
SOURCES = {"children": ("ChildView", "child"), "adults": ("AdultView", "adult"),
           "households": ("HouseholdView", None)}


class CertificateForm(FlaskForm):
    # The service's rule says which service is not deductible, by name (not « invalid choice »).
    services = CheckboxesField(_l("Services (tax-deductible childcare)"), coerce=int,
                               validate_choice=False)
    start = DateField(_l("Payments received from"), [
        InputRequired(message=_l("Give the period's first and last days."))])
    end = DateField(_l("Until"), [
        InputRequired(message=_l("Give the period's first and last days."))])
    per = RadioField(_l("One certificate"), choices=[
        ("payer", _l("per payer, listing each child")), ("child", _l("per child"))],
        default="payer")
    save_to_records = BooleanField(_l("Save each certificate into the payer's documents, on "
                                      "the portal from today (« Enregistrer dans les fiches »)"))
    notify = BooleanField(_l("Tell each payer by e-mail that the certificate is in their "
                             "documents on the portal (with the box above)"))


class SheetForm(FlaskForm):
    sections = CheckboxesField(_l("Sections to print"))
    save_to_records = BooleanField(_l("Save each sheet into the person's documents, on the "
                                      "portal from today (« Enregistrer dans les fiches »)"))


class OfficialDocumentView(BaseView):
    route_base = "/official_documents"
    default_view = "tax_certificates"
    base_permissions = ["can_tax_certificates", "can_information_sheets", "can_download"]

    def _source(self, source, kinds=("children", "adults", "households")):
        if source not in kinds:
            abort(404)
        return SOURCES[source]

    def _ids(self, source) -> list:
        """The rows ticked (ids=) or every row of the source list with the request's filters."""
        if request.values.get("ids"):
            try:
                return sorted({int(i) for i in request.values["ids"].split(",") if i})
            except ValueError:
                abort(400)
        view_name = SOURCES[source][0]
        view = next(v for v in self.appbuilder.baseviews if type(v).__name__ == view_name)
        return view._filtered_ids()

    def _back(self, source):
        return url_for(f"{SOURCES[source][0]}.list", **list_filter_args())

    @staticmethod
    def _started(form, submit):
        """The job `submit()` queues, started (its progress page), or None with the refusals
        shown next to the form's fields."""
        try:
            row = submit()
        except RuleViolation as exc:
            db.session.rollback()
            show_problems(form, exc)
            return None
        db.session.commit()
        jobs.dispatch(row.id)
        return redirect(url_for("JobView.show", job_id=row.id))

    @expose("/tax_certificates/<source>", methods=["GET", "POST"])
    @has_access
    def tax_certificates(self, source):
        """« Attestations fiscales »: services, period (last calendar year by default), per payer
        or per child, saving and announcing; from the children list the children's payers get
        them, from the adults list those adults, from the households list their adults."""
        self._source(source)
        ids = self._ids(source)
        form = CertificateForm()
        form.services.choices = [(s.id, s.name) for s in certificates.deductible_services()]
        if request.method == "GET":
            form.start.data, form.end.data = certificates.default_period(today_in_town())
            form.services.data = [s_id for s_id, _name in form.services.choices]
        if request.method == "POST" and form.validate_on_submit():
            scope = ({"child_ids": ids} if source == "children" else
                     {"payer_ids": ids} if source == "adults" else
                     {"payer_ids": certificates.payers_of_households(ids)})
            started = self._started(form, lambda: submit_certificates(
                form.services.data, form.start.data, form.end.data, form.per.data,
                save_to_records=form.save_to_records.data, notify=form.notify.data,
                created_by_id=current_user.id, **scope))
            if started is not None:
                return started
        return self.render_template(
            "official_documents/certificates.html", form=form, count=len(ids), source=source,
            ids=request.values.get("ids", ""), back=self._back(source),
            filter_args=list_filter_args(), title=_("Tax certificates"))

    @expose("/information_sheets/<source>", methods=["GET", "POST"])
    @has_access
    def information_sheets(self, source):
        """« Fiches de renseignements » of the children or adults listed, with the sections
        ticked."""
        kind = self._source(source, ("children", "adults"))[1]
        ids = self._ids(source)
        form = SheetForm()
        form.sections.choices = list(information_sheets.offered(
            kind, self.appbuilder.sm.has_access("can_show", "ChildCareView")).items())
        if request.method == "GET":
            form.sections.data = [name for name, _label in form.sections.choices]
        if request.method == "POST" and form.validate_on_submit():
            started = self._started(form, lambda: submit_sheets(
                kind, ids, form.sections.data, save_to_records=form.save_to_records.data,
                created_by_id=current_user.id))
            if started is not None:
                return started
        return self.render_template(
            "official_documents/sheets.html", form=form, count=len(ids), source=source,
            ids=request.values.get("ids", ""), back=self._back(source),
            filter_args=list_filter_args(), title=_("Information sheets"))

    @expose("/download/<name>")
    @has_access
    def download(self, name):
        from app.jobs.billing import batch_file

        return send_file(batch_file(name) or abort(404), mimetype="application/pdf",
                         as_attachment=True,
                         download_name=request.args.get("as") == "sheets"
                         and "fiches-de-renseignements.pdf" or "attestations-fiscales.pdf")
