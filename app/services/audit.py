"""Audit rows for operations that change money or identity."""
from app.extensions import db
from app.models import AuditLog
from app.security import acting_user


def current_user_id():
    user = acting_user()
    return user.id if user is not None else None


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
