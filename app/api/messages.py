"""marshmallow's validation messages in the user's language (422 answers of the API)."""
from flask_babel import lazy_gettext as _l
from marshmallow import fields, validate


def translate_marshmallow():
    fields.Field.default_error_messages.update({
        "required": _l("Missing data for required field."),
        "null": _l("Field may not be null."),
        "validator_failed": _l("Invalid value."),
    })
    fields.String.default_error_messages["invalid"] = _l("Not a valid string.")
    fields.Integer.default_error_messages["invalid"] = _l("Not a valid integer.")
    fields.Boolean.default_error_messages["invalid"] = _l("Not a valid boolean.")
    fields.Date.default_error_messages["invalid"] = _l("Not a valid date (YYYY-MM-DD expected).")
    fields.DateTime.default_error_messages["invalid"] = _l("Not a valid date and time.")
    fields.Email.default_error_messages["invalid"] = _l("Not a valid e-mail address.")
    validate.OneOf.default_message = _l("Must be one of: {choices}.")
    validate.Length.message_max = _l("Longer than maximum length {max}.")
