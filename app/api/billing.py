"""Billing resources and actions (API.md): billing_rule, invoice, adjustment, generate,
validate, credit_note, pdf."""

from flask import Response, request
from flask_appbuilder.api import expose, protect, safe
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import gettext as _
from marshmallow import Schema, ValidationError, fields

from app import jobs
from app.jobs.billing import submit_generation
from app.api.base import MarelleModelApi, rule_response
from app.extensions import db
from app.models import Adjustment, BillingRule, Invoice, Subscription
from app.pdf.invoices import invoice_pdf
from app.security import acting_user
from app.services import RuleViolation, billing, billing_rules


class BillingRuleApi(MarelleModelApi):
    resource_name = "billing_rule"
    datamodel = SQLAInterface(BillingRule)
    list_columns = show_columns = ["id", "payer_id", "co_payer_id", "start_date", "end_date",
                                   "criterion", "weeks", "subscription_ids"]
    add_columns = edit_columns = ["payer_id", "co_payer_id", "start_date", "end_date",
                                  "criterion", "weeks"]
    search_columns = ["payer_id", "co_payer_id", "start_date", "criterion"]
    relation_id_fields = {"subscription_ids": ("subscriptions", Subscription)}

    def _split_body(self):
        body, extras = super()._split_body()
        if isinstance(body.get("weeks"), list):  # API.md: ISO week numbers as a list
            body["weeks"] = ",".join(str(w) for w in body["weeks"])
        return body, extras

    def pre_add(self, item):
        billing_rules.check_rule(item)

    pre_update = pre_add


class InvoiceApi(MarelleModelApi):
    """Read; edit and delete only while the invoice is a draft (409 otherwise)."""

    resource_name = "invoice"
    datamodel = SQLAInterface(Invoice)
    list_columns = show_columns = ["id", "number", "kind", "status", "regie_id", "payer_id",
                                   "co_payer_id", "period_start", "period_end", "issue_date",
                                   "due_date", "debit_date", "display_at", "total", "comment",
                                   "folder_id", "credits_invoice_id"]
    edit_columns = ["comment", "due_date", "debit_date", "display_at", "folder_id"]
    search_columns = ["number", "status", "regie_id", "payer_id", "period_start", "period_end",
                      "folder_id", "batch_id"]
    order_columns = ["id", "number", "period_start", "total"]
    include_route_methods = {"get", "get_list", "put", "delete", "info", "generate",
                             "validate", "credit_note", "pdf"}

    def _dump(self, item):
        result = super()._dump(item)
        settled = billing.settlement_of(item)
        result.update(state=billing.state_of(item, *settled),
                      amount_due=str(billing.amount_due(item, *settled)),
                      total=str(item.total),
                      lines=[{"person_id": line.person_id, "service_id": line.service_id,
                              "quantity": line.quantity, "unit_price": str(line.unit_price),
                              "amount": str(line.amount), "dates": line.date_list}
                             for line in item.lines])
        return result

    @expose("/<int:pk>", methods=["GET"])
    @protect()
    @safe
    def get(self, pk, **kwargs):
        """One invoice with its state, amount due and lines."""
        invoice = self.datamodel.get(pk, self._base_filters)
        if invoice is None:
            return self.response_404()
        return self.response(200, id=invoice.id, result=self._dump(invoice))

    def put_headless(self, pk):
        # A validated invoice is refused whatever the body says: 409 before any validation.
        invoice = self.datamodel.get(pk, self._base_filters)
        if invoice is not None and invoice.status != "draft":
            return rule_response(self, RuleViolation(_(
                "Invoice %(number)s is validated: it can no longer change; correct it with a "
                "credit note.", number=invoice.number)))
        return super().put_headless(pk)

    def pre_update(self, item):
        billing.ensure_draft(item)

    def pre_delete(self, item):
        billing.ensure_draft(item)

    @expose("/generate", methods=["POST"])
    @protect()
    @safe
    def generate(self):
        """Create a group of drafts as a background job: 202 {"job_id"}."""
        try:
            data = GenerateBody().load(request.json or {})
        except ValidationError as err:
            return self.response_422(message=err.messages)
        user = acting_user()
        try:
            row = submit_generation(
                data["regie_id"], data["service_ids"], data["period_start"],
                data["period_end"], data.get("due_date"), data.get("debit_date"),
                data.get("display_at"), created_by_id=user.id if user else None)
        except RuleViolation as exc:
            return rule_response(self, exc)
        db.session.commit()
        jobs.dispatch(row.id)
        return self.response(202, job_id=row.id)

    @expose("/validate", methods=["POST"])
    @protect()
    @safe
    def validate(self):
        """Validate drafts: all or none; 409 if one is not a draft."""
        ids = (request.json or {}).get("ids")
        if not isinstance(ids, list) or not all(isinstance(i, int) for i in ids):
            return self.response_422(message={"ids": [_("A list of ids is expected.")]})
        try:
            numbers = billing.validate(ids)
            db.session.commit()
        except RuleViolation as exc:
            return rule_response(self, RuleViolation(exc.message) if exc.field != "ids"
                                 else exc)
        return self.response(200, numbers={str(k): v for k, v in numbers.items()})

    @expose("/<int:pk>/credit_note", methods=["POST"])
    @protect()
    @safe
    def credit_note(self, pk):
        """A credit note on a validated invoice: 201 {"id", "number"}."""
        invoice = db.session.get(Invoice, pk)
        if invoice is None:
            return self.response_404()
        body = request.json or {}
        try:
            note = billing.credit_note(invoice, body.get("amount"), body.get("reason"))
            db.session.commit()
        except RuleViolation as exc:
            return rule_response(self, exc)
        except ArithmeticError:
            return self.response_422(message={"amount": [_("Invalid value.")]})
        return self.response(201, id=note.id, number=note.number)

    @expose("/<int:pk>/pdf", methods=["GET"])
    @protect()
    @safe
    def pdf(self, pk):
        """The invoice as a PDF (a validated invoice's is kept once rendered)."""
        invoice = db.session.get(Invoice, pk)
        if invoice is None:
            return self.response_404()
        document = invoice_pdf(invoice)
        db.session.commit()
        return Response(document, mimetype="application/pdf")


class GenerateBody(Schema):
    regie_id = fields.Integer(required=True)
    service_ids = fields.List(fields.Integer(), required=True)
    period_start = fields.Date(required=True)
    period_end = fields.Date(required=True)
    due_date = fields.Date(allow_none=True)
    debit_date = fields.Date(allow_none=True)
    display_at = fields.DateTime(allow_none=True)


class AdjustmentApi(MarelleModelApi):
    resource_name = "adjustment"
    datamodel = SQLAInterface(Adjustment)
    list_columns = show_columns = ["id", "invoice_id", "label", "service_id", "person_id",
                                   "kind", "amount"]
    add_columns = edit_columns = ["invoice_id", "label", "service_id", "person_id", "kind",
                                  "amount"]
    search_columns = ["invoice_id", "kind"]

    def pre_add(self, item):
        billing.save_adjustment(item)

    pre_update = pre_add

    def pre_delete(self, item):
        billing.remove_adjustment(item)
