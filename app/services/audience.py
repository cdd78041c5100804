"""Who a group document or a consent is for: every family (nothing ticked), or the families of
children in some schools, classes or services. Both keep their scope in the same three link
tables (app.models.portal), so one set of SQL conditions serves both."""
from datetime import date

import sqlalchemy as sa
import sqlalchemy.orm
from flask_babel import gettext as _

from app.models import Enrollment, Guardianship, Person, SchoolClass, Subscription
from app.services import RuleViolation


def for_everyone(scope: dict, owner_id):
    """SQL: the item `owner_id` (a column or a value) has nothing ticked."""
    return sa.and_(*(~sa.exists().where(_owner(table) == owner_id) for table in scope.values()))


def _owner(table):
    # app.models.portal._scope_table puts the owner's key first, the target's second.
    return list(table.c)[0]


def _live(model, day: date, upcoming: bool):
    """The row is current on `day` (or, with `upcoming`, has not ended yet)."""
    ended = sa.or_(model.end_date.is_(None), model.end_date >= day)
    return ended if upcoming else sa.and_(model.start_date <= day, ended)


def _exists(own_tables, *conditions):
    return sa.select(sa.literal(1)).where(*conditions).correlate_except(*own_tables).exists()


def reaches_person(scope: dict, owner_id, person_id, day: date, upcoming: bool = False):
    """SQL: the item `owner_id` ticks the school or class of an enrollment, or the service of a
    subscription, of `person_id` (columns or values) current on `day`."""
    school, school_class, service = scope["school"], scope["school_class"], scope["service"]
    enrolled = sa.and_(Enrollment.person_id == person_id, _live(Enrollment, day, upcoming))
    # Each test keeps its own tables and correlates the rest (the item, the person) to the
    # enclosing queries, however deeply nested: the default correlates one level only.
    by_class = _exists([Enrollment, school_class], enrolled, _owner(school_class) == owner_id,
                       school_class.c.school_class_id == Enrollment.school_class_id)
    by_school = _exists([Enrollment, SchoolClass, school], enrolled,
                        _owner(school) == owner_id, SchoolClass.id == Enrollment.school_class_id,
                        school.c.school_id == SchoolClass.school_id)
    by_service = _exists(
        [Subscription, service], Subscription.person_id == person_id,
        _live(Subscription, day, upcoming), _owner(service) == owner_id,
        service.c.service_id == Subscription.service_id)
    return sa.or_(by_class, by_school, by_service)


def reaches_children_of(scope: dict, owner_id, adult_id: int, day: date, upcoming=False):
    """SQL: the item is for everyone, or reaches one of the adult's (unarchived) children."""
    child = sa.orm.aliased(Person)
    return sa.or_(
        for_everyone(scope, owner_id),
        _exists([Guardianship, child], Guardianship.adult_id == adult_id,
                child.id == Guardianship.child_id, child.archived_at.is_(None),
                reaches_person(scope, owner_id, Guardianship.child_id, day, upcoming)))


def set_scope(item, everyone: bool, schools=(), classes=(), services=()) -> None:
    """Tick the schools, classes and services of `item`, or none for everyone. Choosing some
    groups and ticking nothing would publish to everyone by mistake: refused."""
    schools, classes, services = list(schools or ()), list(classes or ()), list(services or ())
    if everyone:
        schools, classes, services = [], [], []
    elif not (schools or classes or services):
        raise RuleViolation(_("Tick at least one school, class or service, or choose “to "
                              "everyone”."), "schools")
    item.schools, item.classes, item.services = schools, classes, services


def scope_summary(item) -> str:
    """« à tout le logiciel », or the groups ticked, for lists."""
    groups = [*item.schools, *item.classes, *item.services]
    return ", ".join(str(g) for g in groups) if groups else _("everyone")


def check_dates(start, end, field: str, message: str) -> None:
    if start and end and end < start:
        raise RuleViolation(message, field)
