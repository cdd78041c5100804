"""List filters FAB lacks."""
from flask_appbuilder.models.filters import BaseFilter
from flask_appbuilder.models.sqla.filters import get_field_setup_query
from flask_babel import lazy_gettext as _l


class FilterIsNull(BaseFilter):
    name = _l("Is empty")
    arg_name = "null"

    def apply(self, query, value):
        query, field = get_field_setup_query(query, self.model, self.column_name)
        return query.filter(field.is_(None))


class FilterIsNotNull(BaseFilter):
    name = _l("Is not empty")
    arg_name = "notnull"

    def apply(self, query, value):
        query, field = get_field_setup_query(query, self.model, self.column_name)
        return query.filter(field.isnot(None))
