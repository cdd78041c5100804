"""The demo town: every family shape the register must handle, in believable proportions."""
import sqlalchemy as sa

from app.models import BillingRule, Guardianship, HouseholdMember, Person
from app.services.demo import load_demo_town


def test_demo_town_has_every_family_shape(session):
    counts = load_demo_town(children=400, seed=7)
    assert counts["children"] == 400
    assert session.scalar(sa.select(sa.func.count()).where(Person.kind == "child")) == 400
    assert counts["adults"] > 400 and counts["households"] > 200

    homes_per_child = session.execute(
        sa.select(HouseholdMember.person_id, sa.func.count())
        .join(Person).where(Person.kind == "child").group_by(HouseholdMember.person_id)
    ).all()
    assert any(n == 2 for _, n in homes_per_child), "separated parents: a child in two households"
    assert all(n >= 1 for _, n in homes_per_child)

    adults_without_ward = session.scalar(
        sa.select(sa.func.count(Person.id)).where(
            Person.kind == "adult",
            ~sa.exists().where(Guardianship.adult_id == Person.id)))
    assert adults_without_ward > 0, "grandparents and teachers who are nobody's guardian"
    relations = set(session.scalars(sa.select(Guardianship.relation).distinct()))
    assert relations == {"father", "mother", "guardian"}
    assert session.scalar(sa.select(sa.func.count()).where(Person.archived_at.isnot(None))) > 0


def test_demo_children_have_health_and_permissions_to_show(session):
    from app.models import ChildCare

    counts = load_demo_town(children=200, seed=7)
    rows = session.scalars(sa.select(ChildCare)).all()
    assert counts["health_records"] == len(rows) > 5
    assert any(r.allergies for r in rows) and any(r.has_pai for r in rows)
    assert any(r.pickup_people and "\n" in r.pickup_people for r in rows)
    assert all(r.pai_detail for r in rows if r.has_pai)
    assert all(r.person.kind == "child" and not r.person.archived for r in rows)


def test_demo_town_is_reproducible(session):
    load_demo_town(children=30, seed=11)
    first = session.scalars(sa.select(Person.search_name).order_by(Person.id)).all()
    session.execute(sa.delete(BillingRule))
    session.execute(sa.delete(Person))
    load_demo_town(children=30, seed=11)
    assert session.scalars(sa.select(Person.search_name).order_by(Person.id)).all() == first
