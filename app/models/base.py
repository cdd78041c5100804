"""Column helpers shared by every domain module."""
from datetime import datetime, timezone

import sqlalchemy as sa


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def created_at_column():
    return sa.Column(sa.DateTime(timezone=True), nullable=False, default=utcnow)


def enum_column(*values: str, name: str, **kwargs):
    """A VARCHAR with a CHECK constraint: no native PostgreSQL enum to leak on downgrade."""
    return sa.Column(
        sa.Enum(*values, name=name, native_enum=False, create_constraint=True, length=32),
        **kwargs,
    )
