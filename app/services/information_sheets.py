"""Fiches de renseignements: what the town holds about a child or an adult, section by section
as the user ticks them, printed (and optionally saved into the person's documents).

A child's « Santé et autorisations » (ChildCare) is the `health` section: offered only to
those who may read it (HEALTH_SECTION, app.views.official_documents)."""
from dataclasses import dataclass, field
from datetime import date
from typing import Optional

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.extensions import db
from app.models import Guardianship, HouseholdMember, Person, PersonCriterion, PersonInsurance
from app.services import RuleViolation, bulk

# The sections offered, per kind of person, in the order printed.
SECTIONS = {
    "child": {"identity": _l("Identity"), "households": _l("Households"),
              "guardians": _l("Guardians"), "school": _l("School"),
              "services": _l("Services"), "health": _l("Health and permissions"),
              "criteria": _l("Criteria"), "insurances": _l("Insurances")},
    "adult": {"identity": _l("Identity and contact details"), "households": _l("Households"),
              "children": _l("Children"), "criteria": _l("Criteria"),
              "insurances": _l("Insurances")},
}

HEALTH_SECTION = "health"


@dataclass
class Sheet:
    person: Person
    sections: tuple
    school: Optional[object] = None  # the current Enrollment
    subscriptions: list = field(default_factory=list)


def offered(kind: str, with_health: bool) -> dict:
    """The sections a user may tick: the health one only for who may read children's health."""
    return {name: label for name, label in SECTIONS[kind].items()
            if with_health or name != HEALTH_SECTION}


def check_sections(kind: str, sections, save_to_records: bool = False) -> tuple:
    offered = SECTIONS[kind]
    chosen = tuple(name for name in offered if name in set(sections or ()))
    if not chosen:
        raise RuleViolation(_("Tick at least one section to print."), "sections")
    if save_to_records and HEALTH_SECTION in chosen:
        # A saved sheet is a document of the record, read by whoever reads documents (the
        # régie, the portal): health stays on paper, printed for who may read it.
        raise RuleViolation(_("A sheet with « Health and permissions » is printed, not saved "
                              "into the records: untick one or the other."), "save_to_records")
    return chosen


def sheets(kind: str, person_ids, sections, today: date) -> list:
    """The sheets of the people of `kind` among `person_ids`, by name (archived ones too: a
    sheet is read, not changed)."""
    from app.services import bookings, schooling

    chosen = check_sections(kind, sections)
    people = db.session.scalars(
        sa.select(Person).where(bulk.among(Person.id, person_ids), Person.kind == kind)
        .options(sa.orm.selectinload(Person.memberships).joinedload(HouseholdMember.household),
                 sa.orm.selectinload(Person.guardians).joinedload(Guardianship.adult),
                 sa.orm.selectinload(Person.wards).joinedload(Guardianship.child),
                 sa.orm.selectinload(Person.criteria).joinedload(PersonCriterion.criterion),
                 sa.orm.selectinload(Person.criteria).joinedload(PersonCriterion.value),
                 sa.orm.selectinload(Person.insurances).joinedload(PersonInsurance.insurance),
                 *([sa.orm.selectinload(Person.care)] if HEALTH_SECTION in chosen else []))
        .order_by(Person.search_name, Person.id)).all()
    result = []
    for person in people:
        sheet = Sheet(person, chosen)
        if "school" in chosen:
            sheet.school = schooling.current_class(person.id, today)
        if "services" in chosen:
            sheet.subscriptions = bookings.current_subscriptions(person.id, today)
        result.append(sheet)
    return result
