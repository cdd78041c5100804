"""Password policy for staff accounts: one length rule, checked by FAB's password forms (reset my
password, reset a user's password, add a user) and by `flask marelle init`."""
import secrets

from flask import current_app
from flask_appbuilder.exceptions import PasswordComplexityValidationError
from flask_babel import gettext as _


def check_password_strength(password) -> None:
    """FAB_PASSWORD_COMPLEXITY_VALIDATOR: raises with the reason, in the user's language."""
    minimum = current_app.config["PASSWORD_MIN_LENGTH"]
    if len(password or "") < minimum:
        raise PasswordComplexityValidationError(
            _("The password must have at least %(count)d characters.", count=minimum))


def generate_password() -> str:
    """A password nobody chose: 20 URL-safe characters (120 bits)."""
    return secrets.token_urlsafe(15)
