"""A payer's account read month by month, as the record unfolds it and the statement prints it:
each month opens with the balance the entries before it leave, and closes with its own added."""
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from app.services import payments

ZERO = Decimal("0.00")


@dataclass
class AccountMonth:
    regie: object
    month: date  # its first day
    opening: Decimal
    entries: list = field(default_factory=list)

    @property
    def closing(self) -> Decimal:
        return self.opening + sum((Decimal(e.amount) for e in self.entries), ZERO)

    @property
    def debits(self) -> Decimal:
        return sum((Decimal(e.amount) for e in self.entries if e.amount < 0), ZERO)

    @property
    def credits(self) -> Decimal:
        return sum((Decimal(e.amount) for e in self.entries if e.amount > 0), ZERO)


def months_of(adult_id: int, regie_id=None) -> list:
    """Every month with movements, per régie, the latest first (one query)."""
    months, running = {}, {}
    for entry in payments.entries(adult_id, regie_id):
        key = (entry.regie_id, entry.date.replace(day=1))
        if key not in months:
            months[key] = AccountMonth(entry.regie, key[1], running.get(entry.regie_id, ZERO))
        months[key].entries.append(entry)
        running[entry.regie_id] = running.get(entry.regie_id, ZERO) + Decimal(entry.amount)
    return sorted(months.values(), key=lambda m: (m.month, m.regie.code), reverse=True)


def month_of(adult_id: int, regie_id: int, month: date):
    """The month of one régie's account, or None when it has no movement then."""
    return next((m for m in months_of(adult_id, regie_id) if m.month == month.replace(day=1)),
                None)
