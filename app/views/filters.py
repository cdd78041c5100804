"""List filters FAB lacks."""
import sqlalchemy as sa
from flask_appbuilder.models.filters import BaseFilter, FilterRelation
from flask_appbuilder.models.sqla.filters import SQLAFilterConverter, get_field_setup_query
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import lazy_gettext as _l
from wtforms import StringField

from app.models import Person
from app.services import registry


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


class FilterPersonNamed(FilterRelation):
    """A relation to a person searched by the name typed (accents and case aside): FAB would
    offer a list of every person of the town, megabytes on each list page. A number is the
    person's id, as a record's page sends it to its related lists and their add forms (being a
    FilterRelation, the form then fixes that person instead of asking)."""

    name = _l("Name contains")
    arg_name = "named"

    def apply(self, query, value):
        (key,) = getattr(self.model, self.column_name).property.local_columns
        column = getattr(self.model, key.key)
        if str(value).strip().isdigit():
            return query.filter(column == int(value))
        matches = registry.name_matches(str(value))
        if matches is None:
            return query
        return query.filter(column.in_(sa.select(Person.id).where(matches)))


class PersonNameFilterConverter(SQLAFilterConverter):
    def convert(self, col_name):
        if (self.datamodel.is_relation_many_to_one(col_name)
                and self.datamodel.get_related_model(col_name) is Person):
            return [FilterPersonNamed(col_name, self.datamodel)]
        return super().convert(col_name)


class PersonSearchInterface(SQLAInterface):
    """Lists whose person columns are searched by name."""

    filter_converter_class = PersonNameFilterConverter


def person_search_fields(**labels) -> dict:
    """`search_form_extra_fields` giving each person column a text box for the name."""
    return {column: StringField(label) for column, label in labels.items()}
