"""Amounts of money as people type them and as the database keeps them: exact, to the cent.

One parser serves every screen (French "1 250,50 €" or "4.50") and one check every write, so a
third decimal is refused with a sentence instead of being rounded away somewhere."""
import re
from decimal import Decimal, InvalidOperation

from flask_babel import gettext as _
from sqlalchemy import inspect as sa_inspect

CENT = Decimal("0.01")
# Upper bound of Numeric(12, 2): ten digits before the comma.
LIMIT = Decimal("9999999999.99")
_SPACES = re.compile(r"[\s\u00a0\u202f']")


class AmountError(ValueError):
    """The text is not an amount; str() is a sentence in the user's language."""


def check_cents(value: Decimal) -> Decimal:
    """The amount itself, refused when it has more than two decimals or is out of range."""
    if not value.is_finite():
        raise AmountError(_("This is not an amount."))
    if value != value.quantize(CENT):
        raise AmountError(_("An amount has at most two decimals (cents)."))
    if abs(value) > LIMIT:
        raise AmountError(_("This amount is too large."))
    return value.quantize(CENT)


def parse_amount(text) -> Decimal:
    """"4,50", "1 250,00 €", "1.250,00", "4.50" -> Decimal; AmountError with the reason."""
    if isinstance(text, Decimal):
        return check_cents(text)
    if isinstance(text, int) and not isinstance(text, bool):
        return check_cents(Decimal(text))
    cleaned = _SPACES.sub("", str(text or "")).replace("€", "")
    if "," in cleaned:
        # French writing: a dot, if any, groups thousands.
        cleaned = cleaned.replace(".", "").replace(",", ".")
    # ASCII digits only: Python's \d and Decimal also take « ١٢ » (Arabic-Indic digits).
    if not re.fullmatch(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)", cleaned):
        raise AmountError(_("“%(text)s” is not an amount: type it like 4,50.", text=text))
    try:
        return check_cents(Decimal(cleaned))
    except InvalidOperation:
        raise AmountError(_("“%(text)s” is not an amount: type it like 4,50.", text=text))


_MONEY_ATTRIBUTES = {}


def _money_attributes(mapper) -> list:
    from app.models.base import Money

    if mapper not in _MONEY_ATTRIBUTES:
        _MONEY_ATTRIBUTES[mapper] = [
            prop.key for prop in mapper.column_attrs
            if any(isinstance(getattr(col, "type", None), Money) for col in prop.columns)]
    return _MONEY_ATTRIBUTES[mapper]


def check_amounts_before_flush(session, flush_context, instances) -> None:
    """Every amount written through the ORM, by any form, API call or service, is exact to the
    cent: a third decimal is refused (RuleViolation on that field), never rounded."""
    from app.services import RuleViolation

    for obj in list(session.new) + list(session.dirty):
        mapper = sa_inspect(obj).mapper
        for key in _money_attributes(mapper):
            value = getattr(obj, key)
            if value is None:
                continue
            try:
                exact = parse_amount(value if not isinstance(value, float)
                                              else Decimal(str(value)))
            except AmountError as exc:
                raise RuleViolation(str(exc), key) from None
            if exact != value:
                setattr(obj, key, exact)
