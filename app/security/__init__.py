"""Who is acting: the back-office session user or the API's JWT user alike."""
from flask import current_app, has_request_context


def acting_user():
    if not has_request_context():
        return None
    user = current_app.appbuilder.sm.current_user
    return user if user is not None and getattr(user, "is_authenticated", True) else None


def is_admin(user) -> bool:
    return user is not None and any(
        role.name == current_app.config["AUTH_ROLE_ADMIN"] for role in user.roles)
