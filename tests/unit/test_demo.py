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
    load_demo_town(children=30, seed=11, history_payers=0)
    first = session.scalars(sa.select(Person.search_name).order_by(Person.id)).all()
    session.execute(sa.delete(BillingRule))
    session.execute(sa.delete(Person))
    load_demo_town(children=30, seed=11, history_payers=0)
    assert session.scalars(sa.select(Person.search_name).order_by(Person.id)).all() == first


def test_demo_town_has_a_paid_billing_history(session):
    """Since January of last year, month by month: validated invoices numbered in their year,
    mostly paid; last year's tax certificates have amounts; the money journal holds."""
    from datetime import date

    from app.models import Invoice, Payment
    from app.services import certificates, journal

    counts = load_demo_town(children=200, seed=5, history_payers=10)
    assert counts["history_invoices"] > 50
    assert 0.8 * counts["history_invoices"] < counts["history_payments"] \
        <= counts["history_invoices"]
    numbers = session.scalars(sa.select(Invoice.number).order_by(Invoice.id)).all()
    assert numbers[0] == "ENF-F-2025-000001" and numbers[-1].startswith("ENF-F-2026-")
    # Each invoice was issued on the 1st of the month after the one it bills, and paid after.
    first = session.scalar(sa.select(Invoice).order_by(Invoice.id).limit(1))
    assert (first.period_start, first.issue_date) == (date(2025, 1, 1), date(2025, 2, 1))
    assert session.scalar(sa.select(sa.func.min(Payment.date))) >= date(2025, 2, 1)
    assert session.scalar(sa.select(sa.func.max(Payment.date))) < date(2026, 11, 20)
    found = certificates.certificates([s.id for s in certificates.deductible_services()],
                                      date(2025, 1, 1), date(2025, 12, 31), "payer")
    assert found and all(c.total > 0 for c in found)
    assert journal.verify().ok
