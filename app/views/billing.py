"""Billing screens: billing rules on an adult's record, invoice groups, drafts, validation,
credit notes, folders and PDFs."""
from datetime import datetime

import sqlalchemy as sa
from flask import Response, abort, flash, redirect, request, send_file, session, url_for
from flask_appbuilder import BaseView, action, expose, has_access
from flask_appbuilder.fields import QuerySelectField
from flask_appbuilder.fieldwidgets import Select2Widget
from flask_appbuilder.models.filters import BaseFilter
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_appbuilder.widgets import ListWidget
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from markupsafe import Markup
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, DateTimeLocalField, RadioField
from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Optional

from app import jobs
from app.jobs.billing import submit_generation
from app.extensions import db
from app.formatting import CRITERION_LABELS, money, short_date
from app.models import (
    Adjustment,
    BillingRule,
    Invoice,
    InvoiceFolder,
    InvoiceLine,
    Person,
    Regie,
    Service,
    Subscription,
)
from app.pdf.invoices import invoice_pdf
from app.services import (
    RuleViolation,
    billing,
    billing_rules,
    payments,
    problems_of,
    refuse_all,
)
from app.services.calendar import TOWN_TZ, today_in_town
from app.views.base import RuleCheckedModelView, choice_field
from app.views.filters import (
    PersonNameFilterConverter,
    PersonSearchInterface,
    person_search_fields,
)
from app.views.bookings import CheckboxesField
from app.views.forms import MoneyField, PickerField, checked_form

STATUS_LABELS = {"draft": _l("draft"), "validated": _l("validated"),
                 "cancelled": _l("cancelled")}
STATE_LABELS = {
    "draft": _l("draft"), "unpaid": _l("unpaid"), "partially_paid": _l("partially paid"),
    "paid": _l("paid"), "to_remind": _l("to remind"), "cancelled": _l("cancelled"),
}
# A credit note is not paid by anyone: it is shown as issued, never with a « payée » badge.
SHOWN_STATE_LABELS = {**STATE_LABELS, "credit_note": _l("credit note issued")}
STATE_CSS = {"draft": "warning", "to_remind": "danger", "paid": "success",
             "cancelled": "default", "credit_note": "info"}


def shown_state(invoice: Invoice, settlement=billing.Settlement()) -> str:
    """The state on screens: billing.state_of, except that credit notes have their own."""
    if invoice.kind == "credit_note" and invoice.status == "validated":
        return "credit_note"
    return billing.state_of(invoice, *settlement)


def state_badge(state) -> Markup:
    label = SHOWN_STATE_LABELS.get(state) or STATUS_LABELS.get(state, state)
    return Markup('<span class="label label-{} invoice-state-{}">{}</span>').format(
        STATE_CSS.get(state, "primary"), state, label)


def draft_mark(number):
    return number or Markup('<b class="invoice-draft-number" title="{}">*</b>').format(
        _("draft"))


class FilterInvoiceState(BaseFilter):
    name = _l("State is")
    arg_name = "state"

    def apply(self, query, value):
        return query.filter(billing.state_condition(value)) if value in STATE_LABELS else query


class FilterBatch(BaseFilter):
    name = _l("Group")
    arg_name = "batch"

    def apply(self, query, value):
        return query.filter(Invoice.batch_id == value)


class InvoiceFilterConverter(PersonNameFilterConverter):
    """The invoice list filters its status column by the states users know."""

    def convert(self, col_name):
        filters = super().convert(col_name) or []
        if col_name == "status":
            return [FilterInvoiceState(col_name, self.datamodel)] + filters
        if col_name == "batch_id":
            return [FilterBatch(col_name, self.datamodel)] + filters
        return filters


class InvoiceInterface(PersonSearchInterface):
    filter_converter_class = InvoiceFilterConverter

    def get_values(self, lst, list_columns):
        """The list's state column holds the state users know (credit notes of the page in
        one query), not the stored status."""
        lst = list(lst)
        settled = (billing.settlements([i.id for i in lst])
                   if "status" in list_columns else {})
        for item, values in zip(lst, super().get_values(lst, list_columns)):
            if "status" in values:
                values["status"] = shown_state(item, settled[item.id])
            yield values


class InvoiceListWidget(ListWidget):
    """Drafts stand out (a coloured row), and only drafts offer « Modifier » and
    « Supprimer »."""
    template = "billing/invoice_list_widget.html"


def _invoice_of_the_form():
    """The draft an adjustment form belongs to: the invoice page's filter when adding, the
    adjustment's own invoice when editing."""
    if request.view_args and "pk" in request.view_args:
        adjustment = db.session.get(Adjustment, request.view_args["pk"])
        return adjustment.invoice_id if adjustment else None
    value = request.args.get("_flt_0_invoice", "")
    return int(value) if value.isdecimal() else None


class OnTheInvoice(BaseFilter):
    """An adjustment's child or service is one of its invoice's lines: the choices are those,
    never the whole town."""

    def apply(self, query, value):
        column = InvoiceLine.person_id if self.model is Person else InvoiceLine.service_id
        return query.filter(self.model.id.in_(sa.select(column).where(
            InvoiceLine.invoice_id == (_invoice_of_the_form() or 0))))


class DraftsOnly(BaseFilter):
    def apply(self, query, value):
        return query.filter(Invoice.status == "draft")


def invoice_label(invoice: Invoice) -> str:
    """An invoice as people recognise it in a choice: its payer and period, not « *12 »."""
    return _("%(number)s — %(payer)s — %(start)s to %(end)s",
             number=invoice.number or _("draft"), payer=invoice.payer_name or invoice.payer,
             start=short_date(invoice.period_start), end=short_date(invoice.period_end))


def _drafts():
    return db.session.scalars(sa.select(Invoice).where(Invoice.status == "draft")
                              .order_by(Invoice.payer_name, Invoice.id)).all()


class AdjustmentView(RuleCheckedModelView):
    datamodel = SQLAInterface(Adjustment)
    search_columns = ["label", "kind", "amount"]
    list_title = _l("Adjustments")
    add_title = _l("Add a discount or surcharge")
    edit_title = _l("Edit an adjustment")
    list_columns = ["kind", "label", "person", "service", "amount"]
    add_columns = edit_columns = ["invoice", "kind", "label", "amount", "person", "service"]
    label_columns = {"invoice": _l("Invoice"), "kind": _l("Kind"), "label": _l("Label"),
                     "amount": _l("Amount"), "person": _l("Child (empty: whole invoice)"),
                     "service": _l("Service (empty: every service)")}
    formatters_columns = {"amount": money,
                          "kind": lambda k: str(_l("discount") if k == "discount"
                                                else _l("surcharge"))}
    add_form_query_rel_fields = edit_form_query_rel_fields = {
        "person": [["id", OnTheInvoice, None]], "service": [["id", OnTheInvoice, None]],
        "invoice": [["status", DraftsOnly, None]]}
    add_form_extra_fields = edit_form_extra_fields = {
        "kind": choice_field(_l("Kind"), [("discount", _l("discount")),
                                          ("surcharge", _l("surcharge"))]),
        "amount": MoneyField(_l("Amount"), [InputRequired()]),
        "invoice": QuerySelectField(_l("Invoice"), [DataRequired()], query_func=_drafts,
                                    get_pk_func=lambda i: i.id, get_label=invoice_label,
                                    widget=Select2Widget()),
    }

    @expose("/add", methods=["GET", "POST"])
    @has_access
    def add(self):
        """The form names the draft and family it is for; on a validated invoice it is
        refused on the invoice's page, with the reason."""
        invoice = db.session.get(Invoice, _invoice_of_the_form() or 0)
        if invoice is not None and invoice.status != "draft":
            try:
                billing.ensure_draft(invoice)
            except RuleViolation as exc:
                flash(exc.message, "danger")
            return redirect(url_for("InvoiceView.show", pk=invoice.id))
        widget = self._add()
        if not widget:
            return self.post_add_redirect()
        title = (_("Add a discount or surcharge to the invoice %(invoice)s",
                   invoice=invoice_label(invoice)) if invoice is not None else self.add_title)
        return self.render_template(self.add_template, title=title, widgets=widget)

    # The invoices it leaves and reaches are locked drafts; their totals change in the same
    # commit as the adjustment.
    rule = billing.save_adjustment

    def pre_delete(self, item):
        billing.remove_adjustment(item)


class InvoiceView(RuleCheckedModelView):
    datamodel = InvoiceInterface(Invoice)
    list_title = _l("Invoices")
    show_title = _l("Invoice")
    edit_title = _l("Edit a draft")
    list_columns = ["number", "status", "payer", "co_payer", "period_start", "total",
                    "due_date", "folder"]
    list_widget = InvoiceListWidget
    list_template = "billing/invoice_list.html"
    show_columns = ["number", "kind", "regie", "payer", "co_payer", "period_start",
                    "period_end", "issue_date", "due_date", "debit_date", "display_at",
                    "folder", "comment", "total"]
    edit_columns = ["comment", "due_date", "debit_date", "display_at", "folder"]
    search_columns = ["number", "status", "regie", "payer", "period_start", "period_end",
                      "folder", "due_date", "batch_id"]
    search_form_extra_fields = person_search_fields(payer=_l("Payer"))
    order_columns = ["number", "period_start", "total", "due_date"]
    base_order = ("id", "desc")
    base_permissions = ["can_list", "can_show", "can_edit", "can_delete", "can_pdf",
                        "validate", "put_in_folder", "display_date", "print_list",
                        "can_credit_note", "can_folder", "can_shift_display", "can_download",
                        "can_validate_all", "can_print_all", "can_reminders", "remind"]
    show_template = "billing/invoice_show.html"
    label_columns = {
        "number": _l("Number"), "kind": _l("Kind"), "status": _l("State"),
        "regie": _l("Régie"), "payer": _l("Payer"), "co_payer": _l("Co-payer"),
        "period_start": _l("Period from"), "period_end": _l("Period until"),
        "issue_date": _l("Issued on"),
        "due_date": _l("Due date"), "debit_date": _l("Direct-debit date"),
        "display_at": _l("On the portal from"), "folder": _l("Folder"), "comment": _l("Comment"),
        "total": _l("Total"), "batch_id": _l("Group"),
    }
    formatters_columns = {
        "number": draft_mark, "total": money, "period_start": short_date,
        "period_end": short_date, "issue_date": short_date, "due_date": short_date,
        "debit_date": short_date, "display_at": short_date,
        "status": state_badge,
        **{column: (lambda v: "" if v is None else v) for column in (
            "co_payer", "folder", "comment")},
        "kind": lambda k: str(_l("credit note") if k == "credit_note" else _l("invoice")),
    }
    related_views = [AdjustmentView]

    def pre_update(self, item):
        self._run_rule(billing.ensure_draft, item)

    def pre_delete(self, item):
        billing.ensure_draft(item)

    @expose("/show/<pk>", methods=["GET"])
    @has_access
    def show(self, pk):
        from app.services import reminders

        widgets = self._show(pk)
        item = self.datamodel.get(pk, self._base_filters)
        settled = billing.settlement_of(item)
        cancelled = billing.cancelled_days([line.id for line in item.lines])
        draft = item.status == "draft"
        # One invoice has its « PDF » button: no « Imprimer (un seul PDF) » of a list of one.
        # Only drafts change: no « Valider » and no adjustments tab with its « Ajouter ».
        hidden = {"print_list"} if draft else {"print_list", "validate"}
        widgets = {**widgets, "show": self._get_show_widget(pk, item, actions={
            name: act for name, act in self.actions.items() if name not in hidden})["show"]}
        retry = session.get("credit_note_retry") or {}
        if retry.get("pk") == item.id:
            session.pop("credit_note_retry")
        credit_notes = db.session.scalars(sa.select(Invoice).where(
            Invoice.credits_invoice_id == item.id).order_by(Invoice.id)).all()
        return self.render_template(
            self.show_template, pk=pk,
            title=_("Credit note") if item.kind == "credit_note" else self.show_title,
            widgets=widgets, related_views=self._related_views if draft else [], item=item,
            state=shown_state(item, settled), state_badge=state_badge,
            due=billing.amount_due(item, *settled), cancelled=cancelled,
            credit_notes=credit_notes, paid=settled.paid,
            allocations=payments.payments_of_invoice(item.id),
            credit_available=payments.credit_available_for(item),
            retry=retry if retry.get("pk") == item.id else {},
            credit_room=item.total + settled.credited,
            reminded=reminders.reminders_of([item.id]).get(item.id, []))

    @expose("/edit/<pk>", methods=["GET", "POST"])
    @has_access
    def edit(self, pk):
        """A validated invoice never changes: its edit page says so on the invoice's page."""
        item = self.datamodel.get(pk, self._base_filters) or abort(404)
        if item.status != "draft" and request.method == "GET":
            return self._refused(billing.ensure_draft, item, url_for("InvoiceView.show", pk=pk))
        return super().edit(pk)

    def _refused(self, rule, item, there):
        try:
            rule(item)
        except RuleViolation as exc:
            flash(exc.message, "danger")
        return redirect(there)

    @expose("/list/")
    @has_access
    def list(self):
        """FAB's list, with the total of the whole filtered list (every page) at the bottom and
        the actions that take the whole list at once."""
        self.update_redirect()
        widgets = self._list()
        return self.render_template(
            self.list_template, title=self.list_title, widgets=widgets,
            listed=billing.summary(self._filtered_ids()), filter_args=self._filter_args())

    @expose("/validate_all", methods=["GET", "POST"])
    @has_access
    def validate_all(self):
        """Validate every draft of a group or of the filtered list at once, after a
        confirmation that names how many and what total."""
        back = url_for("InvoiceView.list", **self._filter_args())
        drafts = billing.summary(self._filtered_ids(), drafts_only=True)
        if not drafts["count"]:
            flash(_("There is no draft to validate in this list."), "warning")
            return redirect(back)
        if request.method == "POST":
            if request.form.get("count") == str(drafts["count"]):
                return self._validate(drafts["ids"], back)
            # Someone changed the list between the question and the answer: ask again.
            flash(_("The list changed since the confirmation: check it again."), "warning")
        return self.render_template("billing/validate_all.html", drafts=drafts, back=back,
                                    filter_args=self._filter_args(),
                                    title=_("Validate invoices"))

    @expose("/reminders", methods=["GET", "POST"])
    @has_access
    def reminders(self):
        """Reminder letters for the overdue invoices of the filtered list (or of the rows
        ticked), after a page that says how many letters, invoices and euros."""
        from app.services import reminders

        back = url_for("InvoiceView.list", **self._filter_args())
        ids = self._ids() if request.values.get("ids") else self._filtered_ids()
        if request.method == "POST":
            row = jobs.submit("reminder_letters", {
                "invoice_ids": ids, "save_to_records": bool(request.form.get("save_to_records")),
                "notify": bool(request.form.get("save_to_records") and request.form.get("notify")),
                "created_by_id": current_user.id}, created_by_id=current_user.id)
            db.session.commit()
            jobs.dispatch(row.id)
            return redirect(url_for("JobView.show", job_id=row.id))
        letters = reminders.letters_for(ids)
        counted = reminders.totals(letters)
        return self.render_template(
            "billing/reminders.html", letters=letters, ids=ids,
            invoice_count=counted["invoices"], total=counted["total"],
            skipped=len(ids) - counted["invoices"], back=back,
            filter_args=self._filter_args(), title=_("Reminder letters"))

    @action("remind", _l("Reminder letters"), None, "fa-bell")
    def remind(self, items):
        items = items if isinstance(items, list) else [items]
        return redirect(url_for("InvoiceView.reminders",
                                ids=",".join(str(i.id) for i in items)))

    @expose("/print_all", methods=["POST"])
    @has_access
    def print_all(self):
        """One PDF of every invoice of a group or of the filtered list."""
        return self._print(billing.summary(self._filtered_ids())["ids"])

    def _validate(self, ids, there):
        try:
            numbers = billing.validate(ids)
            db.session.commit()
            flash(ngettext("%(num)s invoice validated: %(first)s.",
                           "%(num)s invoices validated: %(first)s to %(last)s.", len(numbers),
                           first=min(numbers.values()), last=max(numbers.values())), "success")
        except RuleViolation as exc:
            db.session.rollback()
            flash(exc.message, "danger")
        return redirect(there)

    def _print(self, ids):
        row = jobs.submit("print_invoices", {"invoice_ids": list(ids)},
                          created_by_id=current_user.id)
        db.session.commit()
        jobs.dispatch(row.id)
        return redirect(url_for("JobView.show", job_id=row.id))

    @action("validate", _l("Validate"), _l("Validate the selected drafts? Numbers are final."),
            "fa-check")
    def validate(self, items):
        if not isinstance(items, list):
            # From the invoice's own page: back to that invoice, now numbered.
            return self._validate([items.id], url_for("InvoiceView.show", pk=items.id))
        return self._validate([i.id for i in items], self.get_redirect())

    @action("put_in_folder", _l("Put in a folder"), None, "fa-folder")
    def put_in_folder(self, items):
        items = items if isinstance(items, list) else [items]
        return redirect(url_for("InvoiceView.folder", ids=",".join(str(i.id) for i in items)))

    @action("display_date", _l("Change the portal display date"), None, "fa-clock")
    def display_date(self, items):
        items = items if isinstance(items, list) else [items]
        return redirect(url_for("InvoiceView.shift_display",
                                ids=",".join(str(i.id) for i in items)))

    @action("print_list", _l("Print (one PDF)"), None, "fa-print")
    def print_list(self, items):
        items = items if isinstance(items, list) else [items]
        return self._print([i.id for i in items])

    def _ids(self):
        try:
            return [int(i) for i in request.values.get("ids", "").split(",") if i]
        except ValueError:
            abort(400)

    @expose("/folder", methods=["GET", "POST"])
    @has_access
    def folder(self):
        ids = self._ids()
        folders = db.session.scalars(sa.select(InvoiceFolder)).all()
        if request.method == "POST":
            folder_id = request.form.get("folder_id", type=int)
            folder = db.session.get(InvoiceFolder, folder_id) if folder_id else None
            billing.put_in_folder(ids, folder.id if folder else None)
            db.session.commit()
            flash(ngettext("%(num)s invoice put in “%(folder)s”.",
                           "%(num)s invoices put in “%(folder)s”.", len(ids),
                           folder=folder or _("no folder")), "success")
            return redirect(url_for("InvoiceView.list"))
        return self.render_template("billing/folder.html", ids=ids, folders=folders,
                                    title=_("Put in a folder"))

    @expose("/display", methods=["GET", "POST"])
    @has_access
    def shift_display(self):
        """Replace the portal display date-time of the listed invoices, or shift it."""
        ids = self._ids()
        if request.method == "POST":
            try:
                if request.form.get("mode") == "shift":
                    billing.change_display_date(ids, shift_days=int(request.form.get("days", "0")))
                else:
                    billing.change_display_date(ids, moment=datetime.fromisoformat(
                        request.form["display_at"]).replace(tzinfo=TOWN_TZ))
                db.session.commit()
                flash(ngettext("Portal display date changed on %(num)s invoice.",
                               "Portal display date changed on %(num)s invoices.", len(ids)),
                      "success")
                return redirect(url_for("InvoiceView.list"))
            except (ValueError, KeyError):
                db.session.rollback()
                flash(_("Give a date and time, or a number of days."), "danger")
            except RuleViolation as exc:
                db.session.rollback()
                flash(exc.message, "danger")
        return self.render_template("billing/display.html", ids=ids,
                                    title=_("Change the portal display date"))

    @expose("/pdf/<int:pk>")
    @has_access
    def pdf(self, pk):
        invoice = db.session.get(Invoice, pk) or abort(404)
        document = invoice_pdf(invoice)
        db.session.commit()  # keeps a validated invoice's first rendering
        name = f"{invoice.number or 'brouillon-' + str(invoice.id)}.pdf"
        return Response(document, mimetype="application/pdf",
                        headers={"Content-Disposition": f'inline; filename="{name}"'})

    @expose("/credit_note/<int:pk>", methods=["POST"])
    @has_access
    def credit_note(self, pk):
        """A credit note from the invoice's page. One click must never cancel an invoice: the
        page asks what it cancels (days, an amount, or « toute la facture » ticked on purpose)
        and why, and a refusal comes back to the form as it was typed."""
        invoice = db.session.get(Invoice, pk) or abort(404)
        form = request.form
        amount, reason = form.get("amount") or None, (form.get("reason") or "").strip()
        lines, whole = _cancelled_lines(form), bool(form.get("whole"))
        try:
            problems = []
            if not reason:
                problems.append(("reason", _("Give the reason of the credit note: it is printed "
                                             "on it.")))
            if whole and (lines or amount):
                problems.append(("whole", _("« The whole invoice » goes alone: untick the days "
                                            "and leave the amount empty.")))
            elif not (whole or lines or amount):
                problems.append(("whole", _("Tick the days the credit note cancels, give an "
                                            "amount, or tick « The whole invoice ».")))
            refuse_all(problems)
            if whole:  # every day left is cancelled, and released to be corrected
                lines = [(line.id, None) for line in invoice.lines] or None
            note = billing.credit_note(invoice, amount, reason, cancelled_lines=lines)
            db.session.commit()
            flash(_("Credit note %(number)s created.", number=note.number), "success")
            return redirect(url_for("InvoiceView.show", pk=note.id))
        except RuleViolation as exc:
            db.session.rollback()
            for _field, message in exc.problems:
                flash(message, "danger")
            session["credit_note_retry"] = {
                "pk": invoice.id, "amount": amount or "", "reason": reason, "whole": whole,
                "lines": form.getlist("line"),
                "days": [f"{key}:{day}" for key in form if key.startswith("day_")
                         for day in form.getlist(key)]}
            return redirect(url_for("InvoiceView.show", pk=pk) + "#credit-note-form")

    @expose("/download/<path:name>")
    @has_access
    def download(self, name):
        from app.jobs.billing import batch_file

        return send_file(batch_file(name) or abort(404), mimetype="application/pdf",
                         as_attachment=True, download_name="factures.pdf")


def _cancelled_lines(form) -> list:
    """The credit-note form's ticks: a whole line ("line" = its id) or some of its days
    ("day_<line id>" = ISO dates)."""
    chosen = {int(v): None for v in form.getlist("line") if v.isdecimal()}
    for key in form:
        if key.startswith("day_") and key[4:].isdecimal() and int(key[4:]) not in chosen:
            chosen[int(key[4:])] = form.getlist(key)
    return list(chosen.items())


class _GenerateFields(FlaskForm):
    regie = SelectField(_l("Régie"), coerce=int)
    services = CheckboxesField(_l("Services"), coerce=int)
    period_start = DateField(_l("From"), [InputRequired(message=_l("Give the first and the last day."))])
    period_end = DateField(_l("Until"), [InputRequired(message=_l("Give the first and the last day."))])
    bill_ahead = BooleanField(_l("Also bill the days still to come (billing in advance)"))
    due_date = DateField(_l("Due date"), [Optional()])
    debit_date = DateField(_l("Direct-debit date"), [Optional()])
    display_at = DateTimeLocalField(_l("On the portal from"), [Optional()],
                                    format="%Y-%m-%dT%H:%M")


_GENERATION_FIELDS = {"regie_id": "regie", "service_ids": "services"}


def _generation_problems(form) -> list:
    """The generation's checks on what the form holds, and one more for people: a period that
    ends today or later bills meals not served yet, only when asked to."""
    problems = [(_GENERATION_FIELDS.get(name, name), message) for name, message in problems_of(
        billing.check_generation, form.regie.data, form.services.data or [],
        form.period_start.data, form.period_end.data, form.due_date.data)]
    end = form.period_end.data
    if end and end >= today_in_town() and not form.bill_ahead.data:
        problems.append(("period_end", _(
            "The period ends on %(day)s, not yet past: its days to come would be billed before "
            "they are served. Tick « Also bill the days still to come » to bill in advance.",
            day=short_date(end))))
    return problems


GenerateForm = checked_form(_GenerateFields, _generation_problems)


class InvoiceGroupView(BaseView):
    """“Créer un groupe de factures”: a background job with a progress bar."""

    route_base = "/invoices"
    default_view = "generate"

    @expose("/generate", methods=["GET", "POST"])
    @has_access
    def generate(self):
        form = GenerateForm()
        regies = db.session.scalars(sa.select(Regie).order_by(Regie.code)).all()
        form.regie.choices = [(r.id, str(r)) for r in regies]
        services = db.session.scalars(sa.select(Service).order_by(Service.name)).all()
        form.services.choices = [(s.id, s.name) for s in services]
        if request.method == "GET":
            # The usual run: last month, the régie's services (the only régie, or the one
            # just chosen), due after the régie's payment term.
            regie_id = request.args.get("regie", type=int) or (
                regies[0].id if len(regies) == 1 else None)
            regie = next((r for r in regies if r.id == regie_id), None)
            for name, value in billing.generation_defaults(today_in_town(), regie).items():
                getattr(form, name).data = value
            if regie:
                form.regie.data = regie.id
                form.services.data = [s.id for s in services if s.regie_id == regie.id]
        if form.validate_on_submit():
            try:
                row = submit_generation(
                    form.regie.data, form.services.data or [], form.period_start.data,
                    form.period_end.data, form.due_date.data, form.debit_date.data,
                    form.display_at.data.replace(tzinfo=TOWN_TZ) if form.display_at.data
                    else None, created_by_id=current_user.id)
                db.session.commit()
                jobs.dispatch(row.id)
                return redirect(url_for("JobView.show", job_id=row.id))
            except RuleViolation as exc:  # the data changed since the form was checked
                flash(exc.message, "danger")
        return self.render_template("billing/generate.html", form=form,
                                    title=_("Create a group of invoices"))


class _RuleFields(FlaskForm):
    start_date = DateField(_l("From"), [InputRequired(message=_l("The start date is required."))])
    end_date = DateField(_l("Until"), [Optional()])
    criterion = RadioField(_l("Criterion"), choices=list(CRITERION_LABELS.items()),
                           default="all_weeks")
    weeks = StringField(_l("ISO weeks (e.g. 36, 38, 40)"))
    subscriptions = CheckboxesField(_l("Subscriptions covered"), coerce=int)


def _rule_problems(form) -> list:
    """What the rule's service would refuse first that the form can tell at once: no
    subscription ticked, weeks that are no ISO weeks."""
    problems = problems_of(billing_rules.checked_weeks, form.criterion.data, form.weeks.data)
    if not form.subscriptions.data:
        problems.append(("subscriptions", _("Tick the subscriptions this rule covers.")))
    return problems


RuleForm = checked_form(_RuleFields, _rule_problems)


class TransferForm(FlaskForm):
    action = RadioField(_l("What to do"), choices=[
        ("transfer", _l("Transfer the rule or set a co-payer")),
        ("stop", _l("Stop at a date")), ("delete", _l("Delete the rule"))], default="transfer")
    # Found by name, like legal guardians: nobody types an internal number.
    payer_id = PickerField(_l("Transfer the rule to"), Person, "AdultView.search_json",
                           validators=[Optional()])
    co_payer_id = PickerField(_l("Co-payer (tiers solidaire)"), Person, "AdultView.search_json",
                              validators=[Optional()])
    remove_co_payer = BooleanField(_l("Remove the co-payer"))
    end_date = DateField(_l("Last day"), [Optional()])


class BillingRuleView(RuleCheckedModelView):
    """Règles de facturation, shown on the adult's record."""

    datamodel = PersonSearchInterface(BillingRule)
    search_columns = ["payer", "co_payer", "start_date", "end_date", "criterion"]
    search_form_extra_fields = person_search_fields(payer=_l("Payer"), co_payer=_l("Co-payer"))
    list_title = _l("Billing rules")
    list_columns = ["payer", "co_payer", "start_date", "end_date", "criterion", "weeks",
                    "subscriptions"]
    label_columns = {"payer": _l("Payer"), "co_payer": _l("Co-payer"), "start_date": _l("From"),
                     "end_date": _l("Until"), "criterion": _l("Criterion"),
                     "weeks": _l("Weeks"), "subscriptions": _l("Subscriptions covered")}
    formatters_columns = {"start_date": short_date, "end_date": short_date,
                          "criterion": lambda c: str(CRITERION_LABELS.get(c, c)),
                          "subscriptions": lambda subs: ", ".join(str(s) for s in subs)}
    base_permissions = ["can_list", "can_new", "can_manage"]

    @expose("/new/<int:payer_id>", methods=["GET", "POST"])
    @has_access
    def new(self, payer_id):
        payer = db.session.get(Person, payer_id) or abort(404)
        form = RuleForm()
        form.subscriptions.choices = [(s.id, str(s)) for s in
                                      billing_rules.subscriptions_billable_by(payer)]
        if form.validate_on_submit():
            try:
                subscriptions = db.session.scalars(sa.select(Subscription).where(
                    Subscription.id.in_(form.subscriptions.data or [0]))).all()
                billing_rules.add_rule(payer, form.start_date.data, subscriptions,
                                       form.criterion.data, form.weeks.data,
                                       form.end_date.data)
                db.session.commit()
                flash(_("Billing rule added."), "success")
                return redirect(url_for("AdultView.show", pk=payer.id))
            except RuleViolation as exc:
                db.session.rollback()
                field = getattr(form, {"subscription_ids": "subscriptions"}.get(
                    exc.field, exc.field or ""), None)
                if field is not None:
                    field.errors = list(field.errors) + [exc.message]
                else:
                    flash(exc.message, "danger")
        return self.render_template("billing/rule_form.html", form=form, payer=payer,
                                    title=_("Add a billing rule for %(name)s",
                                            name=payer.full_name))

    @expose("/manage/<int:pk>", methods=["GET", "POST"])
    @has_access
    def manage(self, pk):
        """Stop at a date, delete, transfer to another adult, or set the tiers solidaire."""
        rule = db.session.get(BillingRule, pk) or abort(404)
        payer_id = rule.payer_id
        form = TransferForm()
        if form.validate_on_submit():
            try:
                if form.action.data == "stop":
                    billing_rules.stop_rule(rule, form.end_date.data)
                elif form.action.data == "delete":
                    billing_rules.delete_rule(rule)
                else:
                    billing_rules.transfer_rule(rule, form.payer_id.data, form.co_payer_id.data,
                                                clear_co_payer=form.remove_co_payer.data)
                db.session.commit()
                flash(_("Billing rule updated."), "success")
                return redirect(url_for("AdultView.show", pk=payer_id))
            except RuleViolation as exc:
                db.session.rollback()
                flash(exc.message, "danger")
        return self.render_template("billing/rule_manage.html", form=form, rule=rule,
                                    title=_("Billing rule of %(name)s",
                                            name=rule.payer.full_name))


class InvoiceFolderView(RuleCheckedModelView):
    datamodel = SQLAInterface(InvoiceFolder)
    list_title = _l("Invoice folders")
    add_title = _l("Add a folder")
    edit_title = _l("Edit a folder")
    list_columns = add_columns = edit_columns = show_columns = ["name", "parent"]
    label_columns = {"name": _l("Name"), "parent": _l("Inside the folder")}
