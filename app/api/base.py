"""What every Marelle resource shares: domain refusals answered as 409/422 in the user's
language, and writes that go through the services' checks."""
import json
import sys

import jsonschema
import prison
import sqlalchemy as sa
from flask import current_app, request
from flask_appbuilder.api import ModelRestApi
from flask_appbuilder.api.convert import Model2SchemaConverter
from marshmallow_sqlalchemy import SQLAlchemyAutoSchema
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_appbuilder.exceptions import (
    DatabaseException,
    InvalidColumnArgsFABException,
    InvalidColumnFilterFABException,
    InvalidOperationFilterFABException,
    InvalidOrderByColumnFABException,
)
from marshmallow import ValidationError
from werkzeug.exceptions import BadRequest

from app import errors
from app.extensions import db
from app.services import RuleViolation, usage


def rule_response(api, exc: RuleViolation):
    """A refusal tied to fields is a validation error (422) naming every field refused; any
    other is a conflict (409)."""
    db.session.rollback()
    if exc.field:
        fields = {}
        for field, message in exc.problems:
            fields.setdefault(field or "_schema", []).append(message)
        return api.response_422(message=fields)
    return api.response(409, message=exc.message)


def _plain(messages):
    """marshmallow keeps a lazily translated message as is, where it would wrap a str in a
    list: give every field its list of plain strings, in the user's language."""
    if isinstance(messages, dict):
        return {key: _plain(value) for key, value in messages.items()}
    if isinstance(messages, (list, tuple)):
        return [str(m) if not isinstance(m, (dict, list)) else _plain(m) for m in messages]
    return [str(messages)]


NOT_AN_OBJECT = _l("The request body must be a JSON object ({...}).")


def check_api_input():
    """Input every endpoint reads, checked once before any of them runs: the body must be a
    JSON object and the `q` argument rison (or JSON), else 400 with the reason. FAB's parser
    lets an array body or a `q` like "(((((" (the rison parser recurses) escape as a 500."""
    if not request.path.startswith(errors.API_PREFIX):
        return None
    query = request.args.get("q")
    if query:
        try:
            prison.loads(query)
        except prison.decoder.ParserException:
            try:
                json.loads(query)
            except ValueError:
                return errors.json_error(400, _("The q argument is not valid rison."))
        except Exception:  # RecursionError, TypeError...: prison fails on some input
            return errors.json_error(400, _("The q argument is not valid rison."))
    if request.method in ("POST", "PUT", "PATCH") and request.is_json and request.get_data():
        body = request.get_json(silent=True)
        if body is None:
            return errors.json_error(400, _("The request body is not valid JSON."))
        if not isinstance(body, dict):
            return errors.json_error(400, str(NOT_AN_OBJECT))
    return None


FAB_REFUSALS = {
    InvalidColumnFilterFABException: _l("This filter is not allowed on this resource."),
    InvalidOperationFilterFABException: _l("This filter is not allowed on this resource."),
    InvalidOrderByColumnFABException: _l("This sort order is not allowed on this resource."),
    InvalidColumnArgsFABException: _l("A column named in the request is unknown."),
    jsonschema.ValidationError: _l("The q argument does not have the expected form "
                                   "(filters, order, page)."),
}


class FrenchResponses:
    """FAB's stock answers in the user's language. An exception that escapes an endpoint (FAB's
    @safe turns it into response_500) is answered by what it means — a value the database
    cannot hold is the caller's 400 — and never by its text."""

    def response_400(self, message=None):
        # FAB answers these from an `except` clause, in English: say it again in French.
        refused = sys.exc_info()[1]
        for kind, text in FAB_REFUSALS.items():
            if isinstance(refused, kind):
                message = text
        if message is None or isinstance(refused, BadRequest):
            message = errors.message_for(400)
        return self.response(400, message=str(message))

    def response_401(self):
        return self.response(401, message=errors.message_for(401))

    def response_403(self):
        return self.response(403, message=errors.message_for(403))

    def response_404(self):
        return self.response(404, message=errors.message_for(404))

    def response_500(self, message=None):
        db.session.rollback()
        status, text = errors.classify(sys.exc_info()[1])
        return errors.with_retry_hint(self.response(status, message=text))


class ForeignKeySchemaConverter(Model2SchemaConverter):
    """FAB's schemas, keeping the foreign-key fields FAB builds for `*_id` columns.

    marshmallow-sqlalchemy drops inherited foreign-key fields unless `include_fk` is set, and
    the names listed in `fields` then come back as untyped `Inferred` fields that refuse null:
    an optional relation (a billing rule's co-payer) could neither be sent empty nor survive an
    edit, whose merge sends its stored null back. With `include_fk` each id is an Integer that
    takes null exactly when its column is nullable."""

    def _meta_schema_factory(self, columns, model, class_mixin, parent_schema_name=None):
        meta = {"model": model, "load_instance": True, "include_fk": True,
                "sqla_session": current_app.appbuilder.session,
                "parent_schema_name": parent_schema_name}
        if columns:
            meta["fields"] = columns
        return type("MetaSchema", (SQLAlchemyAutoSchema, class_mixin),
                    {"Meta": type("Meta", (), meta)})


class MarelleModelApi(FrenchResponses, ModelRestApi):
    allow_browser_login = True
    page_size = 50
    model2schemaconverter = ForeignKeySchemaConverter

    def _get_field_info(self, field, *args, **kwargs):
        # FAB translates a missing description, and gettext("") is the catalogue's header.
        info = super()._get_field_info(field, *args, **kwargs)
        if not self.description_columns.get(field.name):
            info["description"] = ""
        return info

    def response_422(self, message=None):
        return super().response_422(message=_plain(message) if isinstance(message, dict) else message)

    # JSON fields given as lists of ids that set a many-to-many relation:
    # {"service_ids": ("services", Service)}.
    relation_id_fields = {}

    def _split_body(self):
        body = dict(request.json or {})
        extras = {key: body.pop(key) for key in list(body) if key in self.relation_id_fields}
        return body, extras

    def _apply_relation_ids(self, item, extras):
        for key, ids in extras.items():
            relation, model = self.relation_id_fields[key]
            if not isinstance(ids, list) or not all(isinstance(i, int) for i in ids):
                raise RuleViolation(_("A list of ids is expected."), key)
            rows = db.session.scalars(sa.select(model).where(model.id.in_(ids))).all()
            if len(rows) != len(set(ids)):
                raise RuleViolation(_("Unknown id in the list."), key)
            setattr(item, relation, rows)

    def _dump(self, item):
        return self.show_model_schema.dump(item, many=False)

    def post_headless(self):
        """FAB's create, with the rules' refusals answered 409/422 and id lists for relations."""
        if not request.is_json:
            return self.response_400(message=str(NOT_AN_OBJECT))
        body, extras = self._split_body()
        try:
            item = self.add_model_schema.load(body)
        except ValidationError as err:
            return self.response_422(message=err.messages)
        try:
            with db.session.no_autoflush:
                self._apply_relation_ids(item, extras)
                self.pre_add(item)
            self.datamodel.add(item, commit=False)
            db.session.commit()
            self.post_add(item)
        except RuleViolation as exc:
            return rule_response(self, exc)
        except sa.exc.IntegrityError:
            db.session.rollback()
            return self.response(409, message=_("This record already exists."))
        return self.response(201, id=self.datamodel.get_pk_value(item), result=self._dump(item))

    def put_headless(self, pk):
        item = self.datamodel.get(pk, self._base_filters)
        if not request.is_json:
            return self.response_400(message=str(NOT_AN_OBJECT))
        if not item:
            return self.response_404()
        body, extras = self._split_body()
        try:
            data = self._merge_update_item(item, body)
            item = self.edit_model_schema.load(data, instance=item)
        except ValidationError as err:
            db.session.rollback()
            return self.response_422(message=err.messages)
        try:
            with db.session.no_autoflush:
                self._apply_relation_ids(item, extras)
                self.pre_update(item)
            self.datamodel.edit(item, commit=False)
            db.session.commit()
            self.post_update(item)
        except RuleViolation as exc:
            return rule_response(self, exc)
        except sa.exc.IntegrityError:
            db.session.rollback()
            return self.response(409, message=_("This record already exists."))
        return self.response(200, result=self._dump(item))

    def delete_headless(self, pk):
        """FAB's delete, with the rules' refusals as 409, and a record other rows still need
        answered 409 with what needs it (FAB would show the driver's error, SQL included)."""
        item = self.datamodel.get(pk, self._base_filters)
        if not item:
            return self.response_404()
        key = self.datamodel.get_pk_value(item)
        try:
            self.pre_delete(item)
            self.datamodel.delete(item)
            self.post_delete(item)
        except RuleViolation as exc:
            return rule_response(self, exc)
        except DatabaseException:
            return self.response(409, message=usage.still_used_message(self.datamodel.obj, key))
        return self.response(200, message="OK")
