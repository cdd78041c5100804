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


def _plain(messages):
    """marshmallow keeps a lazily translated message as is, where it would wrap a str in a
    list: give every field its list of plain strings, in the user's language."""
    if isinstance(messages, dict):
        return {key: _plain(value) for key, value in messages.items()}
    if isinstance(messages, (list, tuple)):
        return [str(m) if not isinstance(m, (dict, list)) else _plain(m) for m in messages]
    return [str(messages)]


class MarelleModelApi(ModelRestApi):
    allow_browser_login = True
    page_size = 50

    def response_422(self, message=None):
        return super().response_422(message=_plain(message) if isinstance(message, dict) else message)

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
