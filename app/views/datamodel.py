"""FAB's SQLAInterface with eager loading, so a list page runs a fixed number of queries."""
from flask_appbuilder.models.sqla.interface import SQLAInterface


class EagerInterface(SQLAInterface):
    def __init__(self, obj, eager=(), session=None):
        super().__init__(obj, session)
        self.eager = tuple(eager)

    def apply_all(self, *args, **kwargs):
        query = super().apply_all(*args, **kwargs)
        return query.options(*self.eager) if self.eager else query
