"""What every Marelle resource shares: domain refusals answered as 409/422 in the user's
language, and writes that go through the services' checks."""
from flask_appbuilder.api import ModelRestApi

from app.extensions import db
from app.services import RuleViolation


def rule_response(api, exc: RuleViolation):
    """A refusal tied to one field is a validation error (422); any other is a conflict (409)."""
    db.session.rollback()
    if exc.field:
        return api.response_422(message={exc.field: [exc.message]})
    return api.response(409, message=exc.message)


class MarelleModelApi(ModelRestApi):
    allow_browser_login = True
    page_size = 50

    def post_headless(self):
        try:
            return super().post_headless()
        except RuleViolation as exc:
            return rule_response(self, exc)

    def put_headless(self, pk):
        try:
            return super().put_headless(pk)
        except RuleViolation as exc:
            return rule_response(self, exc)

    def delete_headless(self, pk):
        try:
            return super().delete_headless(pk)
        except RuleViolation as exc:
            return rule_response(self, exc)
