"""Bounds every input field shares, whoever declared it (FAB's generated forms and schemas,
our forms, our API bodies): installed once on the field classes of WTForms and marshmallow."""
from marshmallow import ValidationError
from marshmallow import fields as ma_fields
from wtforms import ValidationError as FormValidationError
from wtforms.fields import DateTimeField

from app.services import dates


def _form_pre_validate(field, form):
    message = dates.out_of_bounds(field.data)
    if message:
        raise FormValidationError(message)


def _schema_deserialize(field, value, attr=None, data=None, **kwargs):
    result = _schema_deserialize.original(field, value, attr, data, **kwargs)
    message = dates.out_of_bounds(result)
    if message:
        raise ValidationError(message)
    return result


def install():
    """DateField, DateTimeLocalField... inherit DateTimeField; Date, NaiveDateTime...
    inherit marshmallow's DateTime."""
    DateTimeField.pre_validate = _form_pre_validate
    if not hasattr(_schema_deserialize, "original"):
        _schema_deserialize.original = ma_fields.DateTime.deserialize
        ma_fields.DateTime.deserialize = _schema_deserialize
