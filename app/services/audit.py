"""Audit rows for operations that change money or identity."""
from flask import has_request_context
from flask_login import current_user

from app.extensions import db
from app.models import AuditLog


def current_user_id():
    if has_request_context() and current_user and current_user.is_authenticated:
        return current_user.id
    return None


def record(action: str, entity, before=None, after=None, user_id=None) -> AuditLog:
    row = AuditLog(
        user_id=user_id if user_id is not None else current_user_id(),
        action=action,
        entity=type(entity).__name__,
        entity_id=entity.id,
        before=before,
        after=after,
    )
    db.session.add(row)
    return row
