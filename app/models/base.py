"""Column helpers shared by every domain module."""
from datetime import datetime, timezone
from decimal import Decimal

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


class Money(sa.types.TypeDecorator):
    """A Decimal exact to the cent on both databases.

    PostgreSQL keeps NUMERIC(12, 2). SQLite has no decimal type: its NUMERIC stores 0.1 as a
    float and SUM adds floats, so there the amount is kept as an INTEGER number of cents, and
    SUM over it is exact. SQL arithmetic that mixes an amount with another number (a price
    times a quantity) must therefore happen in Python, not in SQL; sums and comparisons of
    amounts with amounts are safe on both."""

    impl = sa.Numeric(12, 2)
    cache_ok = True
    # Read by marshmallow-sqlalchemy only: with it, the API's schemas would round "4.505" to
    # two places; without, the exact value reaches the one check that refuses it.
    asdecimal = False

    def __init__(self, precision=12, scale=2):
        super().__init__(precision, scale)
        self.scale = scale

    def load_dialect_impl(self, dialect):
        if dialect.name == "sqlite":
            return dialect.type_descriptor(sa.Integer())
        return dialect.type_descriptor(sa.Numeric(self.impl.precision, self.scale))

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        value = value if isinstance(value, Decimal) else Decimal(str(value))
        cents = (value * 100).to_integral_value()
        if dialect.name == "sqlite":
            return int(cents)
        return cents / 100

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if dialect.name == "sqlite":
            return Decimal(int(value)).scaleb(-2)
        return Decimal(value).quantize(Decimal("0.01"))


def money_column(*args, **kwargs):
    return sa.Column(Money(), *args, **kwargs)


class UtcDateTime(sa.types.TypeDecorator):
    """A moment, aware on both databases. PostgreSQL keeps timestamptz; SQLite keeps text
    without an offset, so moments are written there in UTC and read back as UTC: a link's
    expiry compares right with the town's clock whatever zone wrote it."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)

    def process_result_value(self, value, dialect):
        if value is not None and value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return value


def moment_column(*args, **kwargs):
    return sa.Column(UtcDateTime(), *args, **kwargs)
