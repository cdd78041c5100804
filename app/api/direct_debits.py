"""Direct debits over REST (API.md): the run, and the bank's reject file."""
from flask import request
from flask_appbuilder.api import BaseApi, expose, protect, safe
from flask_babel import gettext as _
from marshmallow import Schema, ValidationError, fields, validate

from app import jobs
from app.api.base import FrenchResponses, rule_response
from app.extensions import db
from app.jobs.direct_debits import submit_run
from app.security import acting_user
from app.services import RuleViolation, direct_debits
from app.services.sepa_returns import MAX_FILE_BYTES


class RunBody(Schema):
    regie_id = fields.Integer(required=True, validate=validate.Range(1, 2**31 - 1))
    collection_date = fields.Date(required=True)
    # Ids a database integer holds: a larger one failed the job with raw SQL in its error.
    invoice_ids = fields.List(fields.Integer(validate=validate.Range(1, 2**31 - 1)),
                              load_default=None, allow_none=True)


class DirectDebitApi(FrenchResponses, BaseApi):
    resource_name = "direct_debit"
    allow_browser_login = True

    @expose("/run", methods=["POST"])
    @protect()
    @safe
    def run(self):
        """Run the direct debits of a régie as a background job: 202 {"job_id"}; its result
        {"deposit_id", "count", "total", "refused": [{"invoice_id", "reason"}]}."""
        try:
            data = RunBody().load(request.json or {})
        except ValidationError as err:
            return self.response_422(message=err.messages)
        user = acting_user()
        try:
            row = submit_run(data["regie_id"], data["collection_date"], data.get("invoice_ids"),
                             created_by_id=user.id if user else None)
        except RuleViolation as exc:
            return rule_response(self, exc)
        db.session.commit()
        jobs.dispatch(row.id)
        return self.response(202, job_id=row.id)


class SepaRejectApi(FrenchResponses, BaseApi):
    resource_name = "sepa"
    allow_browser_login = True

    @expose("/rejects", methods=["POST"])
    @protect()
    @safe
    def rejects(self):
        """The bank's pain.002 or camt.054 file as the raw body: 200 {"rejected", "already",
        "unmatched": [{"end_to_end_id", "reason_code"}]}. The same file twice rejects nothing
        more."""
        if (request.content_length or 0) > MAX_FILE_BYTES:
            return self.response(413, message=_("This file is too large for a bank's reject "
                                                "file."))
        data = request.get_data(cache=False)
        if not data:
            return self.response_400(message=_("Send the bank's file as the request body."))
        try:
            result = direct_debits.import_rejects(data)
            db.session.commit()
        except RuleViolation as exc:
            return rule_response(self, exc)
        return self.response(200, **result)
