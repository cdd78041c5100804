"""Business rules. Plain functions over the SQLAlchemy session: they flush, the caller commits."""


class RuleViolation(Exception):
    """A business rule refused the operation. `message` is already in the user's language."""

    def __init__(self, message, field=None):
        super().__init__(str(message))
        self.message = str(message)
        self.field = field
