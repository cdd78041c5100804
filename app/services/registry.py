"""The family register: households, adults, children and the links between them.

Every function validates its input, raises RuleViolation with a message for the user, and
flushes; the caller (view, API, CLI, job) commits once.
"""
import re
from dataclasses import dataclass, field
from datetime import date
from typing import Optional

import sqlalchemy as sa
from email_validator import EmailNotValidError, validate_email
from flask_babel import gettext as _

from app.services.calendar import today_in_town
from app.extensions import db
from app.models import Guardianship, Household, HouseholdMember, Person
from app.models.base import utcnow
from app.models.people import RELATIONS
from app.models.sql import folded
from app.services import RuleViolation, audit, problems_of, refuse_all
from app.services.text import fold, search_name

# Other domains (billing) register functions here that say why a person cannot be archived.
ARCHIVE_GUARDS = []


@dataclass
class PersonData:
    """What a form or an API call says about a person, before it is checked."""

    last_name: str = ""
    first_name: str = ""
    birth_date: Optional[date] = None
    email: Optional[str] = None
    phone: Optional[str] = None
    mobile_phone: Optional[str] = None
    profession: Optional[str] = None
    extra: dict = field(default_factory=dict)


@dataclass
class HouseholdData:
    name: str = ""
    address_line: Optional[str] = None
    postal_code: Optional[str] = None
    city: Optional[str] = None


# ---------------------------------------------------------------------------------------------
# Validation


def _clean(value):
    if isinstance(value, str):
        value = " ".join(value.split())
        return value or None
    return value


def check_email(email: Optional[str]) -> Optional[str]:
    email = _clean(email)
    if not email:
        return None
    try:
        return validate_email(email, check_deliverability=False).normalized
    except EmailNotValidError:
        raise RuleViolation(_("The e-mail address “%(email)s” is not valid.", email=email), "email")


# Digits with the separators people type (« 06 12 34 56 78 », « +33 6.12.34.56.78 »), 6 to 20
# digits: « abc » or a name typed in the wrong box is refused.
_PHONE = re.compile(r"^\+?[0-9 .\-()/]+$")


def check_phone(phone: Optional[str], field: str = "phone") -> Optional[str]:
    phone = _clean(phone)
    if not phone:
        return None
    digits = sum(c.isdigit() for c in phone)
    if not _PHONE.match(phone) or not 6 <= digits <= 20:
        raise RuleViolation(_("“%(phone)s” is not a phone number: digits with spaces, dots "
                              "or dashes, and a leading + for abroad.", phone=phone), field)
    return phone


def check_postal_code(postal_code: Optional[str]) -> Optional[str]:
    postal_code = _clean(postal_code)
    if postal_code and not (postal_code.isdigit() and len(postal_code) == 5):
        raise RuleViolation(_("A postal code has five digits."), "postal_code")
    return postal_code


def person_problems(kind: str, data: PersonData) -> list:
    """Every (field, message) wrong in what is said about a person, not just the first: a
    form shows them all at once."""
    problems = []
    if not _clean(data.last_name):
        problems.append(("last_name", _("The last name is required.")))
    if not _clean(data.first_name):
        problems.append(("first_name", _("The first name is required.")))
    if data.birth_date and data.birth_date > today_in_town():
        problems.append(("birth_date", _("The birth date cannot be in the future.")))
    if kind == "child" and not data.birth_date:
        problems.append(("birth_date", _("A child's birth date is required.")))
    return (problems + problems_of(check_email, data.email)
            + problems_of(check_phone, data.phone)
            + problems_of(check_phone, data.mobile_phone, "mobile_phone"))


def _check_person(kind: str, data: PersonData) -> dict:
    refuse_all(person_problems(kind, data))
    last_name, first_name = _clean(data.last_name), _clean(data.first_name)
    return dict(
        last_name=last_name,
        first_name=first_name,
        search_name=search_name(last_name, first_name),
        birth_date=data.birth_date,
        email=check_email(data.email),
        phone=check_phone(data.phone),
        mobile_phone=check_phone(data.mobile_phone, "mobile_phone"),
        profession=_clean(data.profession),
    )


def household_problems(data: HouseholdData) -> list:
    problems = []
    if not _clean(data.name):
        problems.append(("name", _("The household name is required.")))
    return problems + problems_of(check_postal_code, data.postal_code)


def _check_household(data: HouseholdData) -> dict:
    refuse_all(household_problems(data))
    return dict(
        name=_clean(data.name),
        address_line=_clean(data.address_line),
        postal_code=check_postal_code(data.postal_code),
        city=_clean(data.city),
    )


def ensure_editable(person: Person) -> None:
    if person.archived:
        raise RuleViolation(
            _("%(name)s is archived: unarchive the record before changing it.", name=person.full_name)
        )


# ---------------------------------------------------------------------------------------------
# Look-ups


def possible_duplicates(kind, last_name, first_name, birth_date, exclude_id=None):
    """People already registered with the same names (accents and case ignored) and birth date."""
    query = sa.select(Person).where(
        Person.kind == kind,
        Person.search_name == search_name(last_name or "", first_name or ""),
    )
    query = query.where(
        Person.birth_date == birth_date if birth_date else Person.birth_date.is_(None)
    )
    if exclude_id:
        query = query.where(Person.id != exclude_id)
    return db.session.scalars(query).all()


def name_matches(text: str):
    """SQL condition: the person's folded 'LAST FIRST' contains every word typed, accents and
    case aside (None when nothing was typed)."""
    words = search_name((text or "")[:200], "").split()
    if not words:
        return None
    return sa.and_(*[Person.search_name.contains(word, autoescape=True) for word in words])


def search_people(kind: str, text: str, limit: int = 20, include_archived=False):
    """People whose folded 'LAST FIRST' contains every word typed, for pickers."""
    matches = name_matches(text)
    if matches is None:
        return []
    query = sa.select(Person).where(Person.kind == kind, matches)
    if not include_archived:
        query = query.where(Person.archived_at.is_(None))
    return db.session.scalars(query.order_by(Person.search_name).limit(limit)).all()


def search_households(text: str, limit: int = 20):
    query = sa.select(Household)
    for word in fold(text).split():
        query = query.where(folded(Household.name).contains(word, autoescape=True))
    return db.session.scalars(query.order_by(Household.name).limit(limit)).all()


# ---------------------------------------------------------------------------------------------
# Creation


def new_person(kind: str, data: PersonData) -> Person:
    person = Person(kind=kind, **_check_person(kind, data))
    db.session.add(person)
    db.session.flush()
    return person


def person_data_of(person: Person) -> PersonData:
    return PersonData(**{k: getattr(person, k) for k in
                         ("last_name", "first_name", "birth_date", "email", "phone",
                          "mobile_phone", "profession")})


def validate_person(person: Person) -> Person:
    """Check and normalise a person that a generic form or API schema filled in place."""
    for key, value in _check_person(person.kind, person_data_of(person)).items():
        setattr(person, key, value)
    return person


def update_person(person: Person, data: PersonData) -> Person:
    ensure_editable(person)
    for key, value in _check_person(person.kind, data).items():
        setattr(person, key, value)
    db.session.flush()
    return person


def validate_household(household: Household) -> Household:
    """Check and normalise a household that a generic form or API schema filled in place."""
    data = HouseholdData(name=household.name, address_line=household.address_line,
                         postal_code=household.postal_code, city=household.city)
    for key, value in _check_household(data).items():
        setattr(household, key, value)
    return household


def new_household(data: HouseholdData) -> Household:
    household = Household(**_check_household(data))
    db.session.add(household)
    db.session.flush()
    return household


def is_member(household_id: int, person_id: int) -> bool:
    return db.session.scalar(
        sa.select(HouseholdMember.id).where(
            HouseholdMember.household_id == household_id, HouseholdMember.person_id == person_id
        )
    ) is not None


def add_member(household: Household, person: Person) -> None:
    if not is_member(household.id, person.id):
        db.session.add(HouseholdMember(household=household, person=person))
        db.session.flush()


def check_guardianship(child: Optional[Person], adult: Optional[Person], relation: str) -> None:
    if child is None or child.kind != "child":
        raise RuleViolation(_("Only a child can have a legal guardian."), "child_id")
    if adult is None or adult.kind != "adult":
        raise RuleViolation(_("A legal guardian must be an adult."), "adult_id")
    if relation not in RELATIONS:
        raise RuleViolation(_("Choose the relation: father, mother, guardian or other."), "relation")
    ensure_editable(child)
    ensure_editable(adult)


def check_new_guardianship(child, adult, relation) -> None:
    """What a screen or API call that adds a guardianship row must pass first."""
    check_guardianship(child, adult, relation)
    exists = db.session.scalar(sa.select(Guardianship.id).where(
        Guardianship.child_id == child.id, Guardianship.adult_id == adult.id))
    if exists:
        raise RuleViolation(_("%(adult)s is already a legal guardian of %(child)s.",
                              adult=adult.full_name, child=child.full_name))


def link_guardian(child: Person, adult: Person, relation: str) -> Guardianship:
    """Record that `adult` is the father, mother or guardian of `child` (idempotent)."""
    check_guardianship(child, adult, relation)
    link = db.session.scalar(
        sa.select(Guardianship).where(
            Guardianship.child_id == child.id, Guardianship.adult_id == adult.id
        )
    )
    if link:
        link.relation = relation
    else:
        link = Guardianship(child=child, adult=adult, relation=relation)
        db.session.add(link)
    db.session.flush()
    return link


def create_household(
    household: HouseholdData,
    adult: Person,
    child: Optional[Person] = None,
    relation: Optional[str] = None,
) -> Household:
    """A new household with its adult and, optionally, a child linked to that adult.

    The adult and child are new or found ones. A found child keeps the households it already has
    (separated parents: the child belongs to both).
    """
    return join_household(new_household(household), adult, child, relation)


def check_new_child(data: PersonData, guardian: Optional[Person], relation: str) -> None:
    """Everything wrong with a new child and its guardian, refused at once, nothing written."""
    problems = person_problems("child", data)
    if guardian is None or guardian.kind != "adult":
        problems.append(("guardian_id", _("Choose the adult among those found.")))
    else:
        problems += [("guardian_id", message)
                     for _, message in problems_of(ensure_editable, guardian)]
    if relation not in RELATIONS:
        problems.append(("relation", _("Choose the relation: father, mother, guardian or other.")))
    refuse_all(problems)


def add_child(data: PersonData, guardian: Person, relation: str,
              household: Optional[Household] = None) -> Person:
    """A new child, linked to its guardian and placed in the guardian's households (and in
    `household`, the one it is added from, if the guardian is not there)."""
    check_new_child(data, guardian, relation)
    child = new_person("child", data)
    link_guardian(child, guardian, relation)
    for home in guardian.households + ([household] if household is not None else []):
        add_member(home, child)
    return child


def add_adult(data: PersonData, household: Optional[Household] = None,
              new_household_data: Optional[HouseholdData] = None) -> Person:
    """A new adult, who joins an existing household or gets one created with them."""
    if household is None and new_household_data is None:
        raise RuleViolation(_("Choose a household or give the new household's name."), "household")
    if new_household_data is not None and household is None:
        _check_household(new_household_data)  # refuse before anything is written
    adult = new_person("adult", data)
    add_member(household or new_household(new_household_data), adult)
    return adult


# ---------------------------------------------------------------------------------------------
# Changes


def rename_household(household: Household, name: str) -> Household:
    name = _clean(name)
    if not name:
        raise RuleViolation(_("The household name is required."), "name")
    household.name = name
    db.session.flush()
    return household


def move_adult(adult: Person, target: Household) -> list:
    """Move an adult to another household; the children linked to them follow.

    A child leaves the old household only when no other adult there is its guardian: when one
    parent moves out, the child belongs to both households.
    Returns the children that joined the target household.
    """
    if adult.kind != "adult":
        raise RuleViolation(_("Only an adult can be moved to another household."))
    ensure_editable(adult)
    sources = [m for m in adult.memberships if m.household_id != target.id]
    if not sources and any(m.household_id == target.id for m in adult.memberships):
        raise RuleViolation(_("%(name)s already belongs to this household.", name=adult.full_name))
    before = [m.household_id for m in adult.memberships]
    moved_children = []
    for link in adult.wards:
        child = link.child
        if child.archived:
            continue
        if target.id not in {m.household_id for m in child.memberships}:
            add_member(target, child)
            moved_children.append(child)
    for membership in sources:
        old_id = membership.household_id
        db.session.delete(membership)
        db.session.flush()
        remaining_adults = set(db.session.scalars(
            sa.select(HouseholdMember.person_id).join(Person).where(
                HouseholdMember.household_id == old_id, Person.kind == "adult")
        ))
        for link in adult.wards:
            if not remaining_adults & {g.adult_id for g in link.child.guardians}:
                db.session.execute(sa.delete(HouseholdMember).where(
                    HouseholdMember.household_id == old_id,
                    HouseholdMember.person_id == link.child_id,
                ))
    db.session.expire_all()
    add_member(target, adult)
    db.session.flush()
    audit.record("move_adult", adult, before={"households": before},
                 after={"households": [target.id]})
    return moved_children


def archive_blockers(person: Person) -> list:
    """Reasons, in the user's language, why this person cannot be archived now."""
    reasons = []
    for guard in ARCHIVE_GUARDS:
        reasons.extend(guard(person))
    return reasons


def archive_person(person: Person) -> Person:
    if person.archived:
        raise RuleViolation(_("%(name)s is already archived.", name=person.full_name))
    reasons = archive_blockers(person)
    if reasons:
        raise RuleViolation(
            _("%(name)s cannot be archived: %(reasons)s", name=person.full_name,
              reasons=" ".join(reasons))
        )
    person.archived_at = utcnow()
    db.session.flush()
    audit.record("archive", person, after={"archived_at": person.archived_at.isoformat()})
    return person


def unarchive_person(person: Person) -> Person:
    if not person.archived:
        raise RuleViolation(_("%(name)s is not archived.", name=person.full_name))
    before = person.archived_at.isoformat()
    person.archived_at = None
    db.session.flush()
    audit.record("unarchive", person, before={"archived_at": before})
    return person


@dataclass
class WizardOutcome:
    """What the guided flow did: a household created, or people added to an existing one."""

    household: Household
    created: bool
    adult: Person
    child: Optional[Person] = None


def _wizard_problems(household, household_id, adult_id, adult, child_id, child, relation):
    """Every problem of the guided flow's input, nothing written. A new child's fields are
    named child_*: the adult's and the child's « last name » are two fields of one form."""
    problems = []
    if household_id:
        found = db.session.get(Household, household_id)
        if found is None:
            problems.append(("household_id", _("Choose the household among those found.")))
    else:
        problems += household_problems(household or HouseholdData())
    if adult_id:
        found_adult = db.session.get(Person, adult_id)
        if found_adult is None or found_adult.kind != "adult":
            problems.append(("adult_id", _("Choose the adult among those found.")))
        else:
            problems += problems_of(ensure_editable, found_adult)
            problems += person_problems("adult", _completed(found_adult, adult))
    else:
        problems += person_problems("adult", adult or PersonData())
    if child_id:
        found_child = db.session.get(Person, child_id)
        if found_child is None or found_child.kind != "child":
            problems.append(("child_id", _("Choose the child among those found.")))
    if (child_id or child is not None) and not relation:
        problems.append(("relation", _("Choose the relation between the adult and the child.")))
    if child is not None and not child_id:
        problems += [(f"child_{field}", message)
                     for field, message in person_problems("child", child)]
    return problems


def _completed(found_adult: Person, contact: Optional[PersonData]) -> PersonData:
    """A found adult's record with the contact details typed in step 2 (those left empty keep
    the record's)."""
    data = person_data_of(found_adult)
    for key in ("email", "phone", "mobile_phone", "profession"):
        value = getattr(contact, key) if contact is not None else None
        if value:
            setattr(data, key, value)
    return data


def check_wizard(household: Optional[HouseholdData] = None, household_id: Optional[int] = None,
                 adult_id: Optional[int] = None, adult: Optional[PersonData] = None,
                 child_id: Optional[int] = None, child: Optional[PersonData] = None,
                 relation: Optional[str] = None) -> None:
    """The guided flow's checks alone: every problem refused at once, nothing written."""
    refuse_all(_wizard_problems(household, household_id, adult_id, adult, child_id, child,
                                relation))


def register_from_wizard(household: Optional[HouseholdData] = None,
                         household_id: Optional[int] = None, adult_id: Optional[int] = None,
                         adult: Optional[PersonData] = None, child_id: Optional[int] = None,
                         child: Optional[PersonData] = None,
                         relation: Optional[str] = None) -> WizardOutcome:
    """The guided flow in one call: each person, and the household, is either found (an id)
    or new (its data). Every check runs before anything is written."""
    check_wizard(household, household_id, adult_id, adult, child_id, child, relation)
    if adult_id:
        found_adult = db.session.get(Person, adult_id)
        # Contact details typed in step 2 complete the found adult's record.
        for key, value in _check_person("adult", _completed(found_adult, adult)).items():
            setattr(found_adult, key, value)
    else:
        found_adult = new_person("adult", adult)
    found_child = None
    if child_id:
        found_child = db.session.get(Person, child_id)
    elif child is not None:
        found_child = new_person("child", child)
    if household_id:
        home = join_household(db.session.get(Household, household_id), found_adult,
                              found_child, relation)
    else:
        home = create_household(household, found_adult, found_child, relation)
    return WizardOutcome(home, not household_id, found_adult, found_child)


def create_household_from_wizard(*args, **kwargs) -> Household:
    """The guided flow, for callers that only need the household."""
    return register_from_wizard(*args, **kwargs).household


def join_household(household: Household, adult: Person, child: Optional[Person] = None,
                   relation: Optional[str] = None) -> Household:
    """An adult (and optionally a child linked to them) joins an existing household."""
    if adult.kind != "adult":
        raise RuleViolation(_("The first person of a household must be an adult."), "adult_id")
    ensure_editable(adult)
    add_member(household, adult)
    if child is not None:
        if not relation:
            raise RuleViolation(_("Choose the relation between the adult and the child."),
                                "relation")
        link_guardian(child, adult, relation)
        add_member(household, child)
    return household
