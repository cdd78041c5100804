"""What every Marelle resource shares: domain refusals answered as 409/422 in the user's
language, and writes that go through the services' checks."""
import sqlalchemy as sa
from flask import current_app, request
from flask_appbuilder.api import ModelRestApi
from flask_appbuilder.api.convert import Model2SchemaConverter
from marshmallow_sqlalchemy import SQLAlchemyAutoSchema
from flask_babel import gettext as _
from marshmallow import ValidationError

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


class MarelleModelApi(ModelRestApi):
    allow_browser_login = True
    page_size = 50
    model2schemaconverter = ForeignKeySchemaConverter

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
            return self.response_400(message="Request is not JSON")
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
            return self.response_400(message="Request is not JSON")
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
        try:
            return super().delete_headless(pk)
        except RuleViolation as exc:
            return rule_response(self, exc)
