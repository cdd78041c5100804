"""Business rules. Plain functions over the SQLAlchemy session: they flush, the caller commits."""


class RuleViolation(Exception):
    """A business rule refused the operation. `message` is already in the user's language.
    `problems` lists every (field, message) refused: one here, several in RuleViolations."""

    def __init__(self, message, field=None):
        super().__init__(str(message))
        self.message = str(message)
        self.field = field
        self.problems = [(field, self.message)]


class RuleViolations(RuleViolation):
    """Several fields refused at once, so that a form shows every mistake in one pass (not one
    per submission). `field` and `message` are the first problem's, for callers that show one."""

    def __init__(self, problems):
        problems = list(problems)
        super().__init__(" ".join(message for _, message in problems), problems[0][0])
        self.problems = problems


def refuse_all(problems) -> None:
    """Raise every (field, message) problem found, if any."""
    if problems:
        raise RuleViolations(problems)


def problems_of(check, *args, rename=None) -> list:
    """The (field, message) pairs `check(*args)` refuses, [] when it passes; `rename` maps a
    field name to the caller's (a child's "last_name" to "child_last_name")."""
    try:
        check(*args)
    except RuleViolation as exc:
        return [((rename(field) if rename and field else field), message)
                for field, message in exc.problems]
    return []
