"""« Prélèvements »: the direct-debit run (régie, collection date, optionally only the invoices
of a filtered list) and « Importer un fichier de rejets »."""
import sqlalchemy as sa
from flask import flash, redirect, request, url_for
from flask_appbuilder import BaseView, expose, has_access
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, DateField, SelectField
from wtforms.validators import InputRequired

from app import jobs
from app.extensions import db
from app.jobs.direct_debits import submit_run
from app.models import Regie
from app.services import RuleViolation, billing, direct_debits, sepa
from app.services.calendar import today_in_town
from app.services.sepa_returns import MAX_FILE_BYTES
from app.views.base import list_filter_args


class RunForm(FlaskForm):
    regie = SelectField(_l("Régie"), coerce=int)
    collection_date = DateField(_l("Collection date"), [
        InputRequired(message=_l("Give the collection date."))])
    only_list = BooleanField(_l("Only the invoices of the filtered list"))


class RejectFileForm(FlaskForm):
    file = FileField(_l("The bank's file (pain.002 or camt.054)"))


def _invoice_list_ids(appbuilder) -> list:
    """The invoices the invoice list shows with this request's filters (its own code)."""
    from app.views.billing import InvoiceView

    view = next(v for v in appbuilder.baseviews if isinstance(v, InvoiceView))
    return view._filtered_ids()


class DirectDebitView(BaseView):
    route_base = "/direct_debits"
    default_view = "run"
    base_permissions = ["can_run", "can_rejects"]

    def _filter_args(self) -> dict:
        return list_filter_args()

    @expose("/", methods=["GET", "POST"])
    @has_access
    def run(self):
        """Régie, collection date (the earliest the bank allows by default) → a job → its
        summary page."""
        filter_args = self._filter_args()
        listed = billing.summary(_invoice_list_ids(self.appbuilder)) if filter_args else None
        form = RunForm()
        form.regie.choices = [(r.id, str(r)) for r in db.session.scalars(
            sa.select(Regie).order_by(Regie.code))]
        if request.method == "GET":
            form.collection_date.data = sepa.earliest_collection_date(today_in_town())
            form.only_list.data = bool(listed)
        if form.validate_on_submit():
            ids = listed["ids"] if listed and form.only_list.data else None
            try:
                row = submit_run(form.regie.data, form.collection_date.data, ids,
                                 created_by_id=current_user.id)
                db.session.commit()
            except RuleViolation as exc:
                db.session.rollback()
                field = {"regie_id": "regie", "collection_date": "collection_date"}.get(
                    exc.field, "regie")
                getattr(form, field).errors = list(getattr(form, field).errors) + [exc.message]
            else:
                jobs.dispatch(row.id)
                return redirect(url_for("JobView.show", job_id=row.id))
        return self.render_template(
            "payments/direct_debit_run.html", form=form, listed=listed,
            filter_args=filter_args, title=_("Direct debits"),
            earliest=sepa.earliest_collection_date(today_in_town()))

    @expose("/rejects", methods=["GET", "POST"])
    @has_access
    def rejects(self):
        """« Importer un fichier de rejets »: the bank's pain.002 or camt.054."""
        form = RejectFileForm()
        result = None
        if form.validate_on_submit():
            upload = form.file.data
            data = upload.read(MAX_FILE_BYTES + 1) if upload else b""
            try:
                if not data:
                    raise RuleViolation(_("Choose the bank's file."), "file")
                result = direct_debits.import_rejects(data)
                db.session.commit()
            except RuleViolation as exc:
                db.session.rollback()
                form.file.errors = list(form.file.errors) + [exc.message]
            else:
                flash(ngettext("%(num)s direct debit rejected.",
                               "%(num)s direct debits rejected.", result["rejected"]),
                      "success" if result["rejected"] else "info")
                for rum in result["revoked"]:
                    flash(_("Mandate %(rum)s revoked: the family must pay another way.",
                            rum=rum), "warning")
        return self.render_template("payments/reject_import.html", form=form, result=result,
                                    title=_("Import a reject file"))
