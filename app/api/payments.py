"""Payment resources and actions (API.md): payment, deposit, deposit/create, deposit slip.
The account of an adult is answered by the person resource (app/api/registry.py)."""
from flask import Response, request
from flask_appbuilder.api import expose, protect, safe
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import gettext as _
from marshmallow import Schema, ValidationError, fields

from app.api.base import MarelleModelApi, NOT_AN_OBJECT, rule_response
from app.extensions import db
from app.models import Deposit, Payment
from app.pdf.deposits import deposit_slip_pdf
from app.services import RuleViolation, deposits, direct_debits, payments

PAYMENT_FIELDS = ["id", "payer_id", "regie_id", "date", "method", "cheque_number", "bank",
                  "product_id", "amount", "status", "reject_reason", "deposit_id",
                  "end_to_end_id"]


def _money_as_text(row: dict, *keys) -> dict:
    """Amounts as "12.50", as the invoices answer them."""
    for key in keys:
        if row.get(key) is not None:
            row[key] = f"{row[key]:.2f}" if not isinstance(row[key], str) else row[key]
    return row


class PaymentBody(Schema):
    payer_id = fields.Integer(required=True)
    regie_id = fields.Integer(required=True)
    date = fields.Date(allow_none=True)
    method = fields.String(required=True)
    product_id = fields.Integer(allow_none=True)
    # Checked by the service (French comma or dot, two decimals at most): never rounded here.
    amount = fields.Raw(required=True)
    cheque_number = fields.String(allow_none=True)
    bank = fields.String(allow_none=True)
    invoice_ids = fields.List(fields.Integer(), load_default=list)


class PaymentApi(MarelleModelApi):
    """Create records a payment through the service (allocated to `invoice_ids` in order, the
    rest credited to the account); a payment is never edited; delete only while it is not in
    a deposit."""

    resource_name = "payment"
    datamodel = SQLAInterface(Payment)
    list_columns = show_columns = PAYMENT_FIELDS
    search_columns = ["payer_id", "regie_id", "date", "method", "product_id", "status",
                      "deposit_id"]
    order_columns = ["id", "date", "amount"]
    include_route_methods = {"get", "get_list", "post", "delete", "info", "reject"}

    def _dump(self, item):
        result = _money_as_text(super()._dump(item), "amount")
        result["invoice_ids"] = [a.invoice_id for a in item.allocations]
        result["allocations"] = [{"invoice_id": a.invoice_id, "amount": str(a.amount)}
                                 for a in item.allocations]
        return result

    def pre_get_list(self, data):
        for row in data.get("result", []):
            _money_as_text(row, "amount")

    @expose("/<int:pk>", methods=["GET"])
    @protect()
    @safe
    def get(self, pk, **kwargs):
        """One payment with its allocations."""
        payment = self.datamodel.get(pk, self._base_filters)
        if payment is None:
            return self.response_404()
        return self.response(200, id=payment.id, result=self._dump(payment))

    def post_headless(self):
        if not request.is_json:
            return self.response_400(message=str(NOT_AN_OBJECT))
        try:
            data = PaymentBody().load(request.json or {})
        except ValidationError as err:
            return self.response_422(message=err.messages)
        if not isinstance(data["amount"], (str, int, float)) or isinstance(data["amount"], bool):
            return self.response_422(message={"amount": [_("This is not an amount.")]})
        try:
            payment = payments.record_payment(
                data["payer_id"], data["regie_id"], data["amount"], data["method"],
                data.get("date"), product_id=data.get("product_id"),
                cheque_number=data.get("cheque_number"), bank=data.get("bank"),
                invoice_ids=data["invoice_ids"])
            db.session.commit()
        except RuleViolation as exc:
            return rule_response(self, exc)
        return self.response(201, id=payment.id, result=self._dump(payment))

    @expose("/<int:pk>/reject", methods=["POST"])
    @protect()
    @safe
    def reject(self, pk):
        """Reject a deposited direct debit with its SEPA reason code: 200 {"status":
        "rejected"} (again: unchanged); 409 for any other payment."""
        payment = self.datamodel.get(pk, self._base_filters)
        if payment is None:
            return self.response_404()
        code = (request.json or {}).get("reason_code") if request.is_json else None
        if not isinstance(code, str) or not code.strip():
            return self.response_422(message={"reason_code": [_("Give the SEPA reason code.")]})
        try:
            done = direct_debits.reject(payment, code)
            db.session.commit()
        except RuleViolation as exc:
            return rule_response(self, exc)
        return self.response(200, status="rejected", already=bool(done["already"]),
                             mandate_revoked=bool(done["revoked"]))

    def pre_delete(self, item):
        payments.ensure_deletable(item)

    def delete_headless(self, pk):
        payment = self.datamodel.get(pk, self._base_filters)
        if payment is None:
            return self.response_404()
        try:
            payments.delete_payment(payment)
            db.session.commit()
        except RuleViolation as exc:
            return rule_response(self, exc)
        return self.response(200, message="OK")


class DepositApi(MarelleModelApi):
    resource_name = "deposit"
    datamodel = SQLAInterface(Deposit)
    list_columns = show_columns = ["id", "regie_id", "number", "date", "method", "total",
                                   "sent_at"]
    search_columns = ["regie_id", "number", "date", "method"]
    order_columns = ["id", "number", "date", "total"]
    include_route_methods = {"get", "get_list", "delete", "info", "create", "slip", "sepa"}

    def _dump(self, item):
        result = _money_as_text(super()._dump(item), "total")
        result["payment_ids"] = [p.id for p in item.payments]
        result["by_product"] = [{"product": name, "count": count, "total": str(total)}
                                for name, count, total in deposits.by_product(item)]
        return result

    def pre_get_list(self, data):
        for row in data.get("result", []):
            _money_as_text(row, "total")

    @expose("/<int:pk>", methods=["GET"])
    @protect()
    @safe
    def get(self, pk, **kwargs):
        """One deposit with its payments and its total per product."""
        deposit = self.datamodel.get(pk, self._base_filters)
        if deposit is None:
            return self.response_404()
        return self.response(200, id=deposit.id, result=self._dump(deposit))

    def delete_headless(self, pk):
        """Deleting a deposit frees its payments (409 once handed to the bank)."""
        deposit = self.datamodel.get(pk, self._base_filters)
        if deposit is None:
            return self.response_404()
        try:
            deposits.delete_deposit(deposit)
            db.session.commit()
        except RuleViolation as exc:
            return rule_response(self, exc)
        return self.response(200, message="OK")

    @expose("/create", methods=["POST"])
    @protect()
    @safe
    def create(self):
        """Put payments in a deposit: 201 {"id", "number", "total"}; 409 if one is already
        deposited or rejected. Payments of several régies or methods make one deposit each:
        then {"deposits": [...]} lists them all."""
        ids = (request.json or {}).get("payment_ids")
        if not isinstance(ids, list) or not ids or not all(
                isinstance(i, int) and not isinstance(i, bool) for i in ids):
            return self.response_422(message={"payment_ids": [_("A list of ids is expected.")]})
        try:
            made = deposits.create_deposits(ids)
            db.session.commit()
        except RuleViolation as exc:
            return rule_response(self, exc)
        rows = [{"id": d.id, "number": d.number, "total": str(d.total)} for d in made]
        return self.response(201, **rows[0], deposits=rows)

    @expose("/<int:pk>/sepa", methods=["GET"])
    @protect()
    @safe
    def sepa(self, pk):
        """The pain.008.001.02 file of a direct-debit run's deposit, as it was made; 404 for
        any other deposit."""
        deposit = db.session.get(Deposit, pk)
        xml = direct_debits.sepa_file(deposit) if deposit else None
        if xml is None:
            return self.response_404()
        return Response(xml, mimetype="application/xml")

    @expose("/<int:pk>/slip", methods=["GET"])
    @protect()
    @safe
    def slip(self, pk):
        """The deposit slip PDF."""
        deposit = db.session.get(Deposit, pk)
        if deposit is None:
            return self.response_404()
        return Response(deposit_slip_pdf(deposit), mimetype="application/pdf")
