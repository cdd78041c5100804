"""List filters FAB lacks."""
import sqlalchemy as sa
from flask_appbuilder.fields import QuerySelectField
from flask_appbuilder.fieldwidgets import Select2Widget
from flask_appbuilder.models.filters import BaseFilter, FilterRelation, Filters
from flask_appbuilder.models.sqla import filters as fab_filters
from flask_appbuilder.models.sqla.filters import SQLAFilterConverter, get_field_setup_query
from flask_appbuilder.models.sqla.interface import SQLAInterface
from flask_babel import lazy_gettext as _l
from wtforms import StringField

from app.extensions import db
from app.models import (Enrollment, Level, Person, School, SchoolClass, Service,
                        Subscription)
from app.views.datamodel import EagerInterface
from app.models.sql import folded
from app.services import registry
from app.services.calendar import today_in_town
from app.services.text import fold


def _add_filter_index(self, column_name, filter_instance_index, value):
    """FAB's, with an index past the column's filters refused (400) rather than answered by
    a server error: « _flt_7_name » names no filter."""
    offered = self._all_filters.get(column_name)
    if offered is not None and not 0 <= filter_instance_index < len(offered):
        from flask import abort

        abort(400)
    return _fab_add_filter_index(self, column_name, filter_instance_index, value)


_fab_add_filter_index = Filters.add_filter_index
Filters.add_filter_index = _add_filter_index


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


# Nobody types more into a search box; SQLite refuses a LIKE pattern of some 50,000 characters
# (« pattern too complex »), which answered 500.
MAX_SEARCH_LENGTH = 200


def _folded(fab_filter, condition, negated=False):
    """`fab_filter` comparing text with accents and case aside, as the pickers do: FAB's ilike
    knows neither on SQLite nor accents on PostgreSQL, so « lefevre » missed « Lefèvre »."""

    def apply(self, query, value):
        query, field = get_field_setup_query(query, self.model, self.column_name)
        matches = condition(folded(field), fold(str(value)[:MAX_SEARCH_LENGTH]))
        return query.filter(sa.not_(matches) if negated else matches)

    return type(fab_filter.__name__, (fab_filter,), {"apply": apply})


# FAB's order, kept so that the indexes in saved addresses (« _flt_2_name » is « Contient »)
# keep their meaning.
FOLDED_TEXT_FILTERS = [
    _folded(fab_filters.FilterStartsWith, lambda f, v: f.startswith(v, autoescape=True)),
    _folded(fab_filters.FilterEndsWith, lambda f, v: f.endswith(v, autoescape=True)),
    _folded(fab_filters.FilterContains, lambda f, v: f.contains(v, autoescape=True)),
    _folded(fab_filters.FilterEqual, lambda f, v: f == v),
    _folded(fab_filters.FilterNotStartsWith, lambda f, v: f.startswith(v, autoescape=True),
            True),
    _folded(fab_filters.FilterNotEndsWith, lambda f, v: f.endswith(v, autoescape=True), True),
    _folded(fab_filters.FilterNotContains, lambda f, v: f.contains(v, autoescape=True), True),
    _folded(fab_filters.FilterNotEqual, lambda f, v: f == v, True),
]


def _number(value, integer: bool):
    """The number a filter's box holds (« 12,50 » for an amount), or None for anything else."""
    from app.services.money import AmountError, parse_amount

    text = str(value).strip()
    if integer:
        digits = text[1:] if text[:1] in "+-" else text
        return int(text) if digits.isdecimal() and len(digits) < 19 else None
    try:
        return parse_amount(text)
    except AmountError:
        return None


def _checked_number(fab_filter, integer: bool):
    """`fab_filter` on a number column, its value checked first: « x » or « ² » in an amount
    filter matches nothing, where FAB's would be a server error."""

    def apply(self, query, value):
        number = _number(value, integer)
        if number is None:
            return query.filter(sa.false())
        return fab_filter.apply(self, query, number)

    return type(fab_filter.__name__, (fab_filter,), {"apply": apply})


def _numbers_checked(table, integer: bool):
    # In and Not in take lists: FAB's own.
    return [f if f in (fab_filters.FilterIn, fab_filters.FilterNotIn)
            else _checked_number(f, integer) for f in table]


def use_folded_text_search():
    """Every text filter of every list and API, FAB's own screens included, ignores accents and
    case; every number filter checks its value. Called before AppBuilder builds any view:
    views compute their filters when built."""
    def town_filters(marker, table):
        if marker in ("is_string", "is_text"):
            return FOLDED_TEXT_FILTERS
        if marker in ("is_integer", "is_numeric", "is_float"):
            return _numbers_checked(table, integer=marker == "is_integer")
        return table

    SQLAFilterConverter.conversion_table = tuple(
        (marker, town_filters(marker, table))
        for marker, table in SQLAFilterConverter.conversion_table)


class FilterNameWords(BaseFilter):
    """A person's name containing every word typed, in any order (« leo martin » finds
    MARTIN Léo), on the folded `search_name` column the pickers use."""

    name = _l("Contains")
    arg_name = "ct"

    def apply(self, query, value):
        matches = registry.name_matches(str(value))
        return query if matches is None else query.filter(matches)


class _FilterAccount(BaseFilter):
    """Adults whose account at the régie (its id; any régie when empty) is in debit or in
    credit: the balance is the sum of the entries, summed here in SQL (money with money)."""

    sign = None

    def apply(self, query, value):
        from app.models import AccountEntry

        balances = sa.select(AccountEntry.adult_id).group_by(AccountEntry.adult_id,
                                                             AccountEntry.regie_id)
        if _chosen_id(value) is not None:
            balances = balances.where(AccountEntry.regie_id == _chosen_id(value))
        total = sa.func.sum(AccountEntry.amount)
        balances = balances.having(total < 0 if self.sign < 0 else total > 0)
        return query.filter(Person.id.in_(balances))


class FilterAccountInDebit(_FilterAccount):
    name = _l("In debit at the régie")
    arg_name = "debtor"
    sign = -1


class FilterAccountInCredit(_FilterAccount):
    name = _l("In credit at the régie")
    arg_name = "creditor"
    sign = 1


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
        if _chosen_id(value) is not None:
            return query.filter(column == _chosen_id(value))
        matches = registry.name_matches(str(value))
        if matches is None:
            return query
        return query.filter(column.in_(sa.select(Person.id).where(matches)))


def _chosen_id(value):
    """The id a filter's select sent; None for anything else."""
    value = str(value).strip()
    # isdecimal, not isdigit: « ² » and « ① » are digits that int() refuses.
    return int(value) if value.isdecimal() and len(value) < 12 else None


class _FilterChildrenIn(BaseFilter):
    """Children with an enrollment (or a subscription) not ended today — in force, or starting
    later (enrolled for next September) — in the school, class or service chosen. An unusable
    value matches nobody: a mass message from this list must never widen to every child."""

    def rows(self, chosen_id: int, today):
        raise NotImplementedError

    def apply(self, query, value):
        chosen = _chosen_id(value)
        if chosen is None:
            return query.filter(sa.false())
        return query.filter(Person.id.in_(self.rows(chosen, today_in_town())))


def _enrolled(today):
    return (sa.select(Enrollment.person_id)
            .join(SchoolClass, SchoolClass.id == Enrollment.school_class_id)
            .where(sa.or_(Enrollment.end_date.is_(None), Enrollment.end_date >= today)))


class FilterChildSchool(_FilterChildrenIn):
    name = _l("Enrolled in")
    arg_name = "child_school"

    def rows(self, chosen_id, today):
        return _enrolled(today).where(SchoolClass.school_id == chosen_id)


class FilterChildClass(_FilterChildrenIn):
    name = _l("Enrolled in")
    arg_name = "child_class"

    def rows(self, chosen_id, today):
        return _enrolled(today).where(SchoolClass.id == chosen_id)


class FilterChildService(_FilterChildrenIn):
    name = _l("Subscribed to")
    arg_name = "child_service"

    def rows(self, chosen_id, today):
        return sa.select(Subscription.person_id).where(
            Subscription.service_id == chosen_id,
            sa.or_(Subscription.end_date.is_(None), Subscription.end_date >= today))


# The children list's filters that stand on no column of `person` (ChildInterface).
CHILD_FILTERS = {"school": FilterChildSchool, "school_class": FilterChildClass,
                 "service": FilterChildService}


def child_filter_fields() -> dict:
    """`search_form_extra_fields` of the children list: a select of the town's schools, classes
    and services, read when the filter is offered (not when the app starts)."""

    def select(label, query_func):
        return QuerySelectField(label, query_func=query_func, get_pk_func=lambda row: row.id,
                                allow_blank=False, widget=Select2Widget())

    return {
        "school": select(_l("School"), lambda: db.session.query(School).order_by(School.name)),
        "school_class": select(_l("Class"), lambda: (
            db.session.query(SchoolClass).join(School)
            .outerjoin(Level, Level.id == SchoolClass.level_id)
            .options(sa.orm.contains_eager(SchoolClass.school))
            .order_by(School.name, Level.rank.is_(None), Level.rank, SchoolClass.name))),
        "service": select(_l("Service"), lambda: db.session.query(Service).order_by(
            Service.name)),
    }


class PersonNameFilterConverter(SQLAFilterConverter):
    def convert(self, col_name):
        if self.datamodel.obj is Person and col_name in CHILD_FILTERS:
            return [CHILD_FILTERS[col_name](col_name, self.datamodel)]
        if self.datamodel.obj is Person and col_name == "search_name":
            return [FilterNameWords(col_name, self.datamodel)]
        if self.datamodel.obj is Person and col_name == "id":
            return [FilterAccountInDebit(col_name, self.datamodel),
                    FilterAccountInCredit(col_name, self.datamodel)]
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


class EagerPersonInterface(EagerInterface):
    filter_converter_class = PersonNameFilterConverter


class ChildInterface(EagerPersonInterface):
    """The children list, whose « Établissement », « Classe » and « Prestation » filters stand
    on no column: FAB applies the filters of an address (`_flt_0_service=3`) only for the
    model's columns, so they are added to those it knows."""

    def get_filters(self, search_columns=None, search_filters=None):
        filters = super().get_filters(search_columns, search_filters)
        filters._all_filters = {**filters._all_filters, **{
            name: [cls(name, self)] for name, cls in CHILD_FILTERS.items()}}
        return filters
