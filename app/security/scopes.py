"""Staff scopes: what a staff member attached to some schools and services may see.

One row filter for the whole application, not one per view: every ORM query of a request made
by a scoped user gets loader criteria (SQLAlchemy's `with_loader_criteria`) on the services,
the children, and the rows that belong to a service (subscriptions, bookings, attendance) or a
school (enrollments). Lists, record pages, the attendance sheet, exports and the API alike only
ever load what is in scope; a record out of scope is simply not found (404).

- Services: those of the scope (when some are listed).
- Children: subscribed to one of the scope's services, and enrolled in one of its schools
  (each condition only when that part of the scope is set); their health rows (ChildCare)
  and their documents too. Adults are not filtered here: roles decide who sees adults at all
  (the Animateur sees none).
A user with nothing listed has no scope. The scope is resolved once per request, after the
user is known (session or API token), and for a background job from the user who started it.
"""
from dataclasses import dataclass

import sqlalchemy as sa
from flask import g, has_app_context
from sqlalchemy.orm import with_loader_criteria

from app.extensions import db
from app.models import (Attendance, Booking, ChildCare, Document, Enrollment, Guardianship,
                        HouseholdMember, Person, PersonCriterion, PersonInsurance, School,
                        SchoolClass, Service, Subscription)
from app.models.security import staff_scope_school, staff_scope_service

SCOPE_KEY = "_marelle_scope"


@dataclass(frozen=True)
class Scope:
    school_ids: tuple
    service_ids: tuple

    @property
    def empty(self) -> bool:
        return not self.school_ids and not self.service_ids


def scope_of(user_id) -> Scope:
    if user_id is None:
        return Scope((), ())
    return scopes_of([user_id])[user_id]


def scopes_of(user_ids) -> dict:
    """{user id: Scope} for a list of staff members (« Périmètres du personnel »), in two
    queries."""
    found = {user_id: ([], []) for user_id in user_ids}
    for part, (table, column) in enumerate((
            (staff_scope_school, staff_scope_school.c.school_id),
            (staff_scope_service, staff_scope_service.c.service_id))):
        for user_id, target in db.session.execute(
                sa.select(table.c.user_id, column).where(table.c.user_id.in_(list(user_ids)))):
            found[user_id][part].append(target)
    return {user_id: Scope(tuple(sorted(schools)), tuple(sorted(services)))
            for user_id, (schools, services) in found.items()}


def school_choices() -> list:
    """What a scope may name, by name: the user form's and the scope page's choices."""
    return db.session.scalars(sa.select(School).order_by(School.name)).all()


def service_choices() -> list:
    return db.session.scalars(sa.select(Service).order_by(Service.name)).all()


def set_scope(user_id: int, school_ids, service_ids) -> Scope:
    """Attach a staff member to these schools and services (none: no limit)."""
    db.session.execute(sa.delete(staff_scope_school).where(
        staff_scope_school.c.user_id == user_id))
    db.session.execute(sa.delete(staff_scope_service).where(
        staff_scope_service.c.user_id == user_id))
    schools = sorted({int(i) for i in school_ids})
    services = sorted({int(i) for i in service_ids})
    if schools:
        db.session.execute(sa.insert(staff_scope_school),
                           [{"user_id": user_id, "school_id": i} for i in schools])
    if services:
        db.session.execute(sa.insert(staff_scope_service),
                           [{"user_id": user_id, "service_id": i} for i in services])
    db.session.flush()
    return Scope(tuple(schools), tuple(services))


def resolve_for_request(user) -> None:
    """Called once the request's user is known: their scope, or none (read with the user by
    the security manager: no statement of its own)."""
    from flask import current_app

    g.pop(SCOPE_KEY, None)
    if user is None:
        return
    scope = current_app.appbuilder.sm.scope_of(user)
    if not scope.empty:
        setattr(g, SCOPE_KEY, scope)


# The people table read as a plain table: the children's criterion must not hide an
# out-of-scope child inside the scope's own subqueries.
_PEOPLE = Person.__table__.alias("scope_people")
_SUBSCRIPTIONS = Subscription.__table__.alias("scope_subscriptions")
_ENROLLMENTS = Enrollment.__table__.alias("scope_enrollments")
_CLASSES = SchoolClass.__table__.alias("scope_classes")


def _visible_people(services, schools):
    """The ids of the people a scope shows: every adult, and the children subscribed to one
    of its services and enrolled in one of its schools (each part only when set)."""
    in_scope = []
    if services:
        in_scope.append(_PEOPLE.c.id.in_(sa.select(_SUBSCRIPTIONS.c.person_id).where(
            _SUBSCRIPTIONS.c.service_id.in_(services))))
    if schools:
        in_scope.append(_PEOPLE.c.id.in_(sa.select(_ENROLLMENTS.c.person_id).where(
            _ENROLLMENTS.c.school_class_id.in_(
                sa.select(_CLASSES.c.id).where(_CLASSES.c.school_id.in_(schools))))))
    return sa.select(_PEOPLE.c.id).where(sa.or_(_PEOPLE.c.kind != "child", sa.and_(*in_scope)))


def _person_rows():
    """Every row that belongs to a person by its `person_id` (and Guardianship by its child):
    out of scope, the child is not found, and neither is anything of theirs — to read,
    change or delete, by URL or by the API."""
    return (ChildCare, Document, HouseholdMember, Enrollment, Subscription, Booking,
            Attendance, PersonCriterion, PersonInsurance)


def criteria(scope: Scope) -> list:
    """The loader criteria of a scope (see the module)."""
    options = []
    services, schools = scope.service_ids, scope.school_ids
    if services:
        options.append(with_loader_criteria(Service, lambda cls: cls.id.in_(services),
                                            include_aliases=True))
        for model in (Subscription, Booking, Attendance):
            options.append(with_loader_criteria(
                model, lambda cls: cls.service_id.in_(services), include_aliases=True))
    if schools:
        options.append(with_loader_criteria(
            Enrollment, lambda cls: cls.school_class_id.in_(
                sa.select(SchoolClass.id).where(SchoolClass.school_id.in_(schools))),
            include_aliases=True))

    # One criterion per part of the scope (both apply when both are set): SQLAlchemy caches a
    # criterion's SQL by its function, so a function must build the same SQL whatever the
    # scope's values — never branch on them inside.
    if services:
        options.append(with_loader_criteria(Person, lambda cls: sa.or_(
            cls.kind != "child",
            sa.exists().where(Subscription.person_id == cls.id,
                              Subscription.service_id.in_(services))), include_aliases=True))
    if schools:
        options.append(with_loader_criteria(Person, lambda cls: sa.or_(
            cls.kind != "child",
            sa.exists().where(Enrollment.person_id == cls.id,
                              Enrollment.school_class_id.in_(
                                  sa.select(SchoolClass.id)
                                  .where(SchoolClass.school_id.in_(schools))))),
            include_aliases=True))
    # The rows of a person follow them. `visible` is a SQL element: SQLAlchemy keys its cache on
    # it; the lambdas themselves never branch.
    visible = _visible_people(services, schools)
    for model in _person_rows():
        options.append(with_loader_criteria(
            model, lambda cls: cls.person_id.in_(visible), include_aliases=True))
    options.append(with_loader_criteria(
        Guardianship, lambda cls: cls.child_id.in_(visible), include_aliases=True))
    return options


def activate_for(user_id) -> None:
    """A background job runs under the scope of the staff member who started it: the same
    filter as their pages (called by app.jobs.execute)."""
    g.pop(SCOPE_KEY, None)
    scope = scope_of(user_id)
    if not scope.empty:
        setattr(g, SCOPE_KEY, scope)


@sa.event.listens_for(sa.orm.Session, "do_orm_execute")
def _scoped_queries(execute_state):
    if not execute_state.is_select or not has_app_context():
        return
    scope = g.get(SCOPE_KEY)
    if scope is not None:
        execute_state.statement = execute_state.statement.options(*criteria(scope))
