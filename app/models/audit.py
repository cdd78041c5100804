"""Audit trail of sensitive operations: who did what, when, with the before/after values."""
import sqlalchemy as sa
from flask_appbuilder import Model

from app.models.base import created_at_column


class AuditLog(Model):
    __tablename__ = "audit_log"
    id = sa.Column(sa.Integer, primary_key=True)
    at = created_at_column()
    user_id = sa.Column(sa.Integer, sa.ForeignKey("ab_user.id", ondelete="SET NULL"))
    action = sa.Column(sa.String(60), nullable=False, index=True)
    entity = sa.Column(sa.String(60), nullable=False)
    entity_id = sa.Column(sa.Integer, index=True)
    before = sa.Column(sa.JSON)
    after = sa.Column(sa.JSON)
