"""A believable demo town, generated with Faker's fr_FR locale.

Families of every shape a register meets: two parents, a single parent, separated parents whose
child belongs to both households, a grandparent living with the family who is not a guardian,
an adult-only household (a teacher who eats at the canteen), and some archived people.
Everything is written with bulk INSERTs so that 20,000 children load in seconds.
"""
import random
from datetime import date, timedelta

import sqlalchemy as sa
from faker import Faker

from app.extensions import db
from app.models import (
    Criterion,
    CriterionValue,
    Guardianship,
    Household,
    HouseholdMember,
    Insurance,
    Person,
)
from app.models.base import utcnow
from app.services.text import search_name

TOWN = {"city": "Saint-Aubin-la-Marelle", "postal_code": "44190"}
CRITERIA = {
    ("Régime alimentaire", "child"): ["Sans porc", "Végétarien", "Sans restriction"],
    ("PAI (allergie)", "child"): ["Oui", "Non"],
    ("Droit à l'image", "child"): ["Autorisé", "Refusé"],
    ("Situation professionnelle", "adult"): ["En activité", "En recherche d'emploi", "Autre"],
}
INSURANCES = [("MAE", True), ("MAIF", True), ("MACIF", True), ("AXA", True), ("Ancienne mutuelle", False)]
# Share of families of each shape, in order of how often a town meets them.
SHAPES = [("couple", 0.56), ("single", 0.2), ("separated", 0.14), ("with_grandparent", 0.06),
          ("guardian", 0.04)]
CHUNK = 5000


def _insert_returning_ids(model, rows):
    ids = []
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start:start + CHUNK]
        result = db.session.execute(
            sa.insert(model).returning(model.id, sort_by_parameter_order=True), chunk
        )
        ids.extend(result.scalars().all())
    return ids


def _insert(model, rows):
    for start in range(0, len(rows), CHUNK):
        db.session.execute(sa.insert(model), rows[start:start + CHUNK])


def load_settings() -> None:
    """Criteria and insurances the town would have set up (skipped when already there)."""
    if db.session.scalar(sa.select(sa.func.count(Criterion.id))):
        return
    for (label, applies_to), values in CRITERIA.items():
        db.session.add(Criterion(label=label, applies_to=applies_to,
                                 values=[CriterionValue(label=v) for v in values]))
    for label, visible in INSURANCES:
        db.session.add(Insurance(label=label, visible=visible))
    db.session.flush()


def load_demo_town(children: int = 300, seed: int = 2026, progress=None) -> dict:
    """Add families until `children` children are registered; return what was created."""
    progress = progress or (lambda percent, message=None: None)
    fake = Faker("fr_FR")
    Faker.seed(seed)
    rng = random.Random(seed)
    today = date.today()
    now = utcnow()
    load_settings()
    progress(2, "settings")

    people, households = [], []  # rows, with links expressed as list indexes
    memberships, guardianships = [], []  # (household index, person index), (child, adult, rel)

    def person(kind, last, first=None, age_range=(30, 50), sex=None, archived=False, **extra):
        sex = sex or rng.choice("MF")
        first = first or (fake.first_name_male() if sex == "M" else fake.first_name_female())
        age_days = rng.randint(age_range[0] * 365, age_range[1] * 365)
        row = dict(kind=kind, last_name=last, first_name=first,
                   search_name=search_name(last, first),
                   birth_date=today - timedelta(days=age_days), can_login=False,
                   archived_at=now if archived else None, created_at=now,
                   email=None, phone=None, mobile_phone=None, profession=None)
        if kind == "adult":
            row.update(email=f"{search_name(first, '').strip().lower().replace(' ', '-')}."
                             f"{search_name(last, '').strip().lower().replace(' ', '-')}"
                             f"{len(people)}@example.fr",
                       mobile_phone=fake.numerify("06 ## ## ## ##"),
                       profession=fake.job()[:120], can_login=rng.random() < 0.7)
        row.update(extra)
        people.append(row)
        return len(people) - 1

    def household(name):
        households.append(dict(name=name, address_line=fake.street_address(),
                               created_at=now, **TOWN))
        return len(households) - 1

    def kids(last, guardians_with_relation, homes, count):
        made = []
        for _ in range(count):
            child = person("child", last, age_range=(2, 11), archived=rng.random() < 0.01)
            for adult, relation in guardians_with_relation:
                guardianships.append((child, adult, relation))
            for home in homes:
                memberships.append((home, child))
            made.append(child)
        return made

    shapes, weights = zip(*SHAPES)
    created_children = 0
    while created_children < children:
        shape = rng.choices(shapes, weights)[0]
        last = fake.last_name()
        count = min(rng.choice((1, 1, 2, 2, 2, 3)), children - created_children)
        if shape in ("couple", "with_grandparent"):
            home = household(f"Foyer {last.upper()}")
            father = person("adult", last, sex="M")
            mother = person("adult", last, sex="F")
            memberships += [(home, father), (home, mother)]
            kids(last, [(father, "father"), (mother, "mother")], [home], count)
            if shape == "with_grandparent":
                # Lives with the family, may fetch the children, but is no legal guardian.
                memberships.append((home, person("adult", last, age_range=(62, 80))))
        elif shape == "single":
            home = household(f"Foyer {last.upper()}")
            sex = rng.choice("MMFFFF")
            parent = person("adult", last, sex=sex, archived=rng.random() < 0.02)
            memberships.append((home, parent))
            kids(last, [(parent, "mother" if sex == "F" else "father")], [home], count)
        elif shape == "separated":
            other_last = fake.last_name()
            home_a = household(f"Foyer {last.upper()}")
            home_b = household(f"Foyer {other_last.upper()}")
            father = person("adult", last, sex="M")
            mother = person("adult", other_last, sex="F")
            memberships += [(home_a, father), (home_b, mother)]
            kids(last, [(father, "father"), (mother, "mother")], [home_a, home_b], count)
        else:  # a child in the care of a legal guardian (aunt, foster family...)
            home = household(f"Foyer {last.upper()}")
            guardian = person("adult", last)
            memberships.append((home, guardian))
            kids(fake.last_name(), [(guardian, "guardian")], [home], count)
        created_children += count
        # An adult-only household now and then: a teacher or helper who eats at the canteen.
        if rng.random() < 0.01:
            teacher_last = fake.last_name()
            home = household(f"Foyer {teacher_last.upper()}")
            memberships.append((home, person("adult", teacher_last, profession="Enseignant")))
    progress(30, "generated")

    household_ids = _insert_returning_ids(Household, households)
    progress(45, "households")
    person_ids = _insert_returning_ids(Person, people)
    progress(75, "people")
    _insert(HouseholdMember, [dict(household_id=household_ids[h], person_id=person_ids[p])
                              for h, p in memberships])
    progress(88, "memberships")
    _insert(Guardianship, [dict(child_id=person_ids[c], adult_id=person_ids[a], relation=r)
                           for c, a, r in guardianships])
    db.session.flush()
    progress(98, "guardianships")
    return {
        "households": len(households),
        "adults": sum(1 for p in people if p["kind"] == "adult"),
        "children": sum(1 for p in people if p["kind"] == "child"),
    }
