"""Payment screens: « Ajouter un paiement » on an invoice, « Créditer le compte » on an adult's
record, « Imputer le crédit », the list of payments with its total and « Créer un dépôt », and
deposits with their slip."""
import sqlalchemy as sa
from flask import Response, abort, flash, redirect, request, url_for
from flask_appbuilder import action, expose, has_access
from flask_appbuilder.models.filters import BaseFilter
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from flask_wtf import FlaskForm
from markupsafe import Markup
from wtforms import DateField, RadioField, SelectField, StringField
from wtforms.validators import InputRequired

from app.extensions import db
from app.formatting import (
    PAYMENT_METHOD_LABELS,
    PAYMENT_STATE_LABELS,
    PAYMENT_STATUS_LABELS,
    money,
    short_date,
)
from app.models import Deposit, Invoice, Payment, Person, Product, Regie
from app.pdf.deposits import deposit_slip_pdf
from app.services import RuleViolation, deposits, direct_debits, payments, sepa_returns
from app.services.calendar import today_in_town
from app.views.base import RuleCheckedModelView
from app.views.datamodel import EagerInterface
from app.views.filters import PersonSearchInterface, person_search_fields
from app.views.forms import MoneyField


class PaymentForm(FlaskForm):
    method = RadioField(_l("Payment method"), choices=[
        (m, PAYMENT_METHOD_LABELS[m]) for m in payments.DESK_METHODS], default="cheque",
        validators=[InputRequired(message=_l("Choose how the family paid."))])
    cheque_number = StringField(_l("Cheque number"))
    bank = StringField(_l("Bank"))
    regie = SelectField(_l("Régie"), coerce=int)
    product = SelectField(_l("Product"), coerce=int, default=0)
    date = DateField(_l("Date"), [InputRequired(message=_l("Give the date of the payment."))])
    amount = MoneyField(_l("Amount"), [InputRequired(message=_l("The amount is required."))])

    def offer(self, regies, products, with_regie=False):
        self.regie.choices = [(r.id, str(r)) for r in regies]
        self.product.choices = [(0, _("— no product —"))] + [
            (p.id, f"{p.name} ({p.regie.code})" if with_regie else p.name) for p in products]


class ToDeposit(BaseFilter):
    name = _l("Not yet deposited")
    arg_name = "to_deposit"

    def apply(self, query, value):
        if str(value).lower() in ("0", "n", "no", "non", "false"):
            return query.filter(Payment.deposit_id.isnot(None))
        return query.filter(Payment.deposit_id.is_(None))


class PaymentFilterConverter(PersonSearchInterface.filter_converter_class):
    def convert(self, col_name):
        filters = super().convert(col_name) or []
        if col_name == "deposit":
            return [ToDeposit(col_name, self.datamodel)] + filters
        return filters


class PaymentInterface(EagerInterface):
    """Payer, régie, product and deposit of every row of a page in the page's own query."""

    filter_converter_class = PaymentFilterConverter

    def __init__(self, obj=Payment, session=None):
        # FAB builds the same interface for related models (a filter's choices).
        eager = [sa.orm.joinedload(getattr(Payment, name))
                 for name in ("payer", "regie", "product", "deposit")] if obj is Payment else []
        super().__init__(obj, eager=eager, session=session)


def status_badge(status) -> Markup:
    return Markup('<span class="label label-{}">{}</span>').format(
        "danger" if status == "rejected" else "default", PAYMENT_STATUS_LABELS.get(status, status))


def state_badge(state) -> Markup:
    """Where the money is, not « encaissé » before it is (review): à déposer, en dépôt,
    remis à la banque, à prélever, prélevé, REFUSÉ."""
    style = {"rejected": "danger", "to_deposit": "warning", "to_collect": "info",
             "collected": "success", "handed_to_bank": "success"}.get(state, "default")
    return Markup('<span class="label label-{} payment-state-{}">{}</span>').format(
        style, state, PAYMENT_STATE_LABELS.get(state, state))


def reject_reason_text(code) -> Markup:
    """« AM04 — Provision insuffisante » and what to do next, on a rejected payment."""
    if not code:
        return Markup("")
    why = sepa_returns.describe(code)
    return Markup('<b class="reject-reason">{} — {}</b><br><span class="reject-advice">{}'
                  '</span>').format(why.code, why.meaning, why.advice)


def _refuse_on_form(form, exc: RuleViolation):
    """The refusal next to its field, the form kept as typed."""
    db.session.rollback()
    name = {"payer_id": None, "regie_id": "regie", "product_id": "product", "date": "date",
            "invoice_ids": None}.get(exc.field, exc.field)
    field = getattr(form, name, None) if name else None
    if field is not None:
        field.errors = list(field.errors or []) + [exc.message]
    else:
        flash(exc.message, "danger")


class PaymentView(RuleCheckedModelView):
    datamodel = PaymentInterface(Payment)
    list_title = _l("Payments")
    show_title = _l("Payment")
    list_template = "payments/payment_list.html"
    list_columns = ["date", "payer", "regie", "method", "cheque_number", "bank", "product",
                    "amount", "state", "deposit"]
    show_columns = ["date", "payer", "regie", "method", "cheque_number", "bank", "product",
                    "amount", "state", "reject_reason", "deposit"]
    search_columns = ["deposit", "method", "regie", "product", "date", "payer", "status",
                      "cheque_number", "amount"]
    search_form_extra_fields = person_search_fields(payer=_l("Payer"))
    order_columns = ["date", "amount", "method", "cheque_number"]
    base_order = ("id", "desc")
    base_permissions = ["can_list", "can_show", "can_delete", "can_pay", "can_credit",
                        "can_allocate", "create_deposit", "can_deposit_all"]
    label_columns = {
        "date": _l("Date"), "payer": _l("Payer"), "regie": _l("Régie"),
        "method": _l("Payment method"), "cheque_number": _l("Cheque number"),
        "bank": _l("Bank"), "product": _l("Product"), "amount": _l("Amount"),
        "status": _l("State"), "state": _l("State"), "reject_reason": _l("Reject reason"),
        "deposit": _l("Deposit"),
    }
    formatters_columns = {
        "date": short_date, "amount": money, "status": status_badge, "state": state_badge,
        "method": lambda m: str(PAYMENT_METHOD_LABELS.get(m, m)),
        **{column: (lambda v: "" if v is None else v) for column in (
            "cheque_number", "bank", "product", "deposit")},
        "reject_reason": lambda code: reject_reason_text(code),
    }

    @expose("/list/")
    @has_access
    def list(self):
        """FAB's list, with the count and total of the whole filtered list (every page) at the
        bottom, and « Créer un dépôt » for that whole list."""
        self.update_redirect()
        widgets = self._list()
        listed = payments.summary(self._filtered_ids())
        return self.render_template(self.list_template, title=self.list_title, widgets=widgets,
                                    listed=listed, filter_args=self._filter_args())

    def _delete(self, pk):
        item = self.datamodel.get(pk, self._base_filters) or abort(404)
        try:
            payments.delete_payment(item)
            db.session.commit()
            flash(_("Payment deleted: what it paid is due again."), "success")
        except RuleViolation as exc:
            db.session.rollback()
            flash(exc.message, "danger")
        self.update_redirect()

    def _deposit(self, ids, back):
        try:
            made = deposits.create_deposits(ids)
            db.session.commit()
        except RuleViolation as exc:
            db.session.rollback()
            flash(exc.message, "danger")
            return redirect(back)
        for deposit in made:
            flash(_("Deposit %(number)s created: %(count)s, %(total)s.", number=deposit.number,
                    count=ngettext("%(num)s payment", "%(num)s payments",
                                   len(deposit.payments)),
                    total=money(deposit.total)), "success")
        if len(made) == 1:
            return redirect(url_for("DepositView.show", pk=made[0].id))
        return redirect(url_for("DepositView.list"))

    @action("create_deposit", _l("Create a deposit"),
            _l("Put the selected payments in a deposit?"), "fa-university")
    def create_deposit(self, items):
        items = items if isinstance(items, list) else [items]
        return self._deposit([i.id for i in items], self.get_redirect())

    @expose("/deposit_all", methods=["GET", "POST"])
    @has_access
    def deposit_all(self):
        """Every payment of the filtered list in deposits (one per régie and method), after a
        confirmation that names how many and what total."""
        back = url_for("PaymentView.list", **self._filter_args())
        listed = payments.summary(self._filtered_ids())
        if not listed["depositable_ids"]:
            flash(_("No payment of this list is left to deposit."), "warning")
            return redirect(back)
        if request.method == "POST":
            if request.form.get("count") == str(len(listed["depositable_ids"])):
                return self._deposit(listed["depositable_ids"], back)
            flash(_("The list changed since the confirmation: check it again."), "warning")
        return self.render_template("payments/deposit_all.html", listed=listed, back=back,
                                    filter_args=self._filter_args(),
                                    title=_("Create a deposit"))

    def _render_form(self, form, title, payer, invoice=None):
        return self.render_template("payments/payment_form.html", form=form, title=title,
                                    payer=payer, invoice=invoice)

    @expose("/pay/<int:invoice_id>", methods=["GET", "POST"])
    @has_access
    def pay(self, invoice_id):
        """« Ajouter un paiement » on a validated invoice: the amount proposed is what
        remains; what is paid beyond goes to the payer's account."""
        invoice = db.session.get(Invoice, invoice_id) or abort(404)
        back = url_for("InvoiceView.show", pk=invoice.id)
        if invoice.kind != "invoice" or invoice.status != "validated":
            flash(_("Invoice %(number)s is not a validated invoice: only those can be paid.",
                    number=invoice), "danger")
            return redirect(back)
        form = PaymentForm()
        form.offer([invoice.regie], _products(invoice.regie_id))
        if request.method == "GET":
            form.regie.data = invoice.regie_id
            form.date.data = today_in_town()
            form.amount.data = payments.amount_due(invoice)
        else:
            form.regie.data = invoice.regie_id  # the invoice's régie, whatever is posted
        if form.validate_on_submit():
            try:
                payment = self._record(form, invoice.payer_id, [invoice.id])
                db.session.commit()
                self._flash_recorded(payment)
                return redirect(back)
            except RuleViolation as exc:
                _refuse_on_form(form, exc)
        title = _("Add a payment to invoice %(number)s", number=invoice.number)
        return self._render_form(form, title, invoice.payer, invoice)

    @expose("/credit/<int:person_id>", methods=["GET", "POST"])
    @has_access
    def credit(self, person_id):
        """« Créditer le compte »: a payment that only credits the adult's account."""
        payer = db.session.get(Person, person_id) or abort(404)
        back = url_for("AdultView.show", pk=payer.id)
        regies = db.session.scalars(sa.select(Regie).order_by(Regie.code)).all()
        form = PaymentForm()
        regie_id = form.regie.data if request.method == "POST" else (
            request.args.get("regie_id", type=int) or (regies[0].id if regies else None))
        form.offer(regies, _products(), with_regie=True)
        if request.method == "GET":
            form.regie.data = regie_id
            form.date.data = today_in_town()
        if form.validate_on_submit():
            try:
                payment = self._record(form, payer.id, [])
                db.session.commit()
                self._flash_recorded(payment)
                return redirect(back)
            except RuleViolation as exc:
                _refuse_on_form(form, exc)
        title = _("Credit the account of %(name)s", name=payer.full_name)
        return self._render_form(form, title, payer)

    def _record(self, form, payer_id, invoice_ids) -> Payment:
        return payments.record_payment(
            payer_id, form.regie.data, form.amount.data, form.method.data, form.date.data,
            product_id=form.product.data or None, cheque_number=form.cheque_number.data,
            bank=form.bank.data, invoice_ids=invoice_ids)

    def _flash_recorded(self, payment: Payment):
        allocated = sum((a.amount for a in payment.allocations), payments.ZERO)
        credit = payment.amount - allocated
        flash(_("Payment of %(amount)s recorded.", amount=money(payment.amount)), "success")
        if credit > 0:
            flash(_("%(amount)s credited to the account of %(name)s.", amount=money(credit),
                    name=payment.payer.full_name), "info")

    @expose("/allocate/<int:invoice_id>", methods=["POST"])
    @has_access
    def allocate(self, invoice_id):
        """« Imputer le crédit »: the payer's account credit settles this invoice."""
        invoice = db.session.get(Invoice, invoice_id) or abort(404)
        try:
            used = payments.allocate_credit(invoice.id)
            db.session.commit()
            flash(_("%(amount)s of account credit put on invoice %(number)s.",
                    amount=money(used), number=invoice.number), "success")
        except RuleViolation as exc:
            db.session.rollback()
            flash(exc.message, "danger")
        return redirect(url_for("InvoiceView.show", pk=invoice_id))


def _products(regie_id=None) -> list:
    """The products of a régie (all of them, named with their régie, without one)."""
    query = sa.select(Product).order_by(Product.name)
    if regie_id is not None:
        return db.session.scalars(query.where(Product.regie_id == regie_id)).all()
    return db.session.scalars(query.options(sa.orm.joinedload(Product.regie))).all()


class DepositView(RuleCheckedModelView):
    datamodel = SQLAInterface(Deposit)
    list_title = _l("Deposits")
    show_title = _l("Deposit")
    show_template = "payments/deposit_show.html"
    list_columns = ["number", "regie", "date", "method", "total", "sent_at"]
    show_columns = ["number", "regie", "date", "method", "total", "sent_at"]
    search_columns = ["number", "regie", "date", "method", "sent_at"]
    order_columns = ["number", "date", "total"]
    base_order = ("id", "desc")
    base_permissions = ["can_list", "can_show", "can_delete", "can_slip", "can_send",
                        "can_sepa", "can_reject"]
    label_columns = {"number": _l("Number"), "regie": _l("Régie"), "date": _l("Date"),
                     "method": _l("Payment method"), "total": _l("Total"),
                     "sent_at": _l("Handed to the bank on")}
    formatters_columns = {"date": short_date, "total": money, "sent_at": short_date,
                          "method": lambda m: str(PAYMENT_METHOD_LABELS.get(m, m))}

    def show_context(self, item) -> dict:
        if item is None:
            return {}
        return {"by_product": deposits.by_product(item),
                "reject_codes": sepa_returns.choices(),
                "rejected": direct_debits.rejected_on_deposit(item.id),
                "deposit_payments": db.session.scalars(
                    sa.select(Payment).where(Payment.deposit_id == item.id)
                    .options(sa.orm.joinedload(Payment.payer), sa.orm.joinedload(Payment.product))
                    .order_by(Payment.id)).all()}

    def _delete(self, pk):
        item = self.datamodel.get(pk, self._base_filters) or abort(404)
        try:
            freed = deposits.delete_deposit(item)
            db.session.commit()
            flash(ngettext("Deposit deleted: %(num)s payment is to deposit again.",
                           "Deposit deleted: %(num)s payments are to deposit again.", freed),
                  "success")
        except RuleViolation as exc:
            db.session.rollback()
            flash(exc.message, "danger")
        self.update_redirect()

    @expose("/send/<int:pk>", methods=["POST"])
    @has_access
    def send(self, pk):
        deposit = db.session.get(Deposit, pk) or abort(404)
        try:
            deposits.mark_sent(deposit)
            db.session.commit()
            flash(_("Deposit %(number)s marked as handed to the bank: it is now locked.",
                    number=deposit.number), "success")
        except RuleViolation as exc:
            db.session.rollback()
            flash(exc.message, "danger")
        return redirect(url_for("DepositView.show", pk=pk))

    @expose("/sepa/<int:pk>")
    @has_access
    def sepa(self, pk):
        """The run's pain.008 file, as it was made."""
        deposit = db.session.get(Deposit, pk) or abort(404)
        xml = direct_debits.sepa_file(deposit)
        if xml is None:
            abort(404)
        return Response(xml, mimetype="application/xml", headers={
            "Content-Disposition": f'attachment; filename="{deposit.number}.xml"'})

    @expose("/reject/<int:pk>/<int:payment_id>", methods=["POST"])
    @has_access
    def reject(self, pk, payment_id):
        """« Rejeter » a direct debit of this deposit with the SEPA code the bank gave."""
        payment = db.session.get(Payment, payment_id)
        if payment is None or payment.deposit_id != pk:
            abort(404)
        try:
            done = direct_debits.reject(payment, request.form.get("reason_code", ""))
            db.session.commit()
        except RuleViolation as exc:
            db.session.rollback()
            flash(exc.message, "danger")
            return redirect(url_for("DepositView.show", pk=pk))
        why = sepa_returns.reason(request.form.get("reason_code", ""))
        if done["already"]:
            flash(_("This direct debit was already rejected: nothing changed."), "info")
        else:
            flash(_("Direct debit of %(name)s rejected (%(code)s — %(meaning)s): the invoice "
                    "is due again.", name=payment.payer.full_name, code=why.code,
                    meaning=why.meaning), "success")
        for rum in done["revoked"]:
            flash(_("Mandate %(rum)s revoked: the family must pay another way.", rum=rum),
                  "warning")
        if not done["revoked"]:  # a revoked mandate's message already says what to do
            flash(why.advice, "info")
        return redirect(url_for("DepositView.show", pk=pk))

    @expose("/slip/<int:pk>")
    @has_access
    def slip(self, pk):
        deposit = db.session.get(Deposit, pk) or abort(404)
        return Response(deposit_slip_pdf(deposit), mimetype="application/pdf", headers={
            "Content-Disposition": f'inline; filename="{deposit.number}.pdf"'})
