"""Consents: which children each concerns (everyone, a school, a class, a service), when it is
in force, and an acceptance that counts once."""
from datetime import date, datetime

import pytest

from app.models import Consent
from app.services import RuleViolation, bookings, consents, schooling
from tests import factories
from tests.support import TOWN_TODAY


@pytest.fixture
def town(session):
    setup = factories.school_setup(session)
    other = factories.school_setup(session, name="École Pasteur")
    canteen = factories.service(session, "Cantine")
    centre = factories.service(session, "Centre du mercredi", weekdays="2")
    # Two children of one mother: Léa in CE1 A at Jules-Ferry with the canteen, Tom in CP A at
    # Pasteur with the Wednesday centre from next month.
    _, (mother, father), (lea, tom) = factories.household(
        "Consent", adults=("mother", "father"), children=2)
    schooling.enroll(lea, setup["classes"]["CE1 A"], date(2026, 9, 1))
    bookings.subscribe(lea, canteen, date(2026, 9, 1))
    schooling.enroll(tom, other["classes"]["CP A"], date(2026, 9, 1))
    bookings.subscribe(tom, centre, date(2026, 12, 1))
    return dict(setup=setup, other=other, canteen=canteen, centre=centre, mother=mother, father=father,
                lea=lea, tom=tom)


def consent(label="Règlement intérieur", start=date(2026, 9, 1), end=None, **scope):
    return consents.save(None, label, "", start, end, everyone=not scope, **scope)


def concerned(item, town):
    return {c.id for c in consents.concerned_children(item, [town["lea"].id, town["tom"].id],
                                                       TOWN_TODAY)}


def test_scope_decides_the_children_concerned(session, town):
    assert concerned(consent(), town) == {town["lea"].id, town["tom"].id}
    assert concerned(consent(schools=[town["setup"]["school"]]), town) == {town["lea"].id}
    assert concerned(consent(classes=[town["other"]["classes"]["CP A"]]), town) == {
        town["tom"].id}
    assert concerned(consent(classes=[town["setup"]["classes"]["CM2 A"]]), town) == set()
    assert concerned(consent(services=[town["canteen"]]), town) == {town["lea"].id}
    # Tom's centre opens next month: asked now, before his parents book ahead.
    assert concerned(consent(services=[town["centre"]]), town) == {town["tom"].id}


def test_missing_only_while_in_force(session, town):
    mother, lea = town["mother"], town["lea"]
    current = consent("Charte", services=[town["canteen"]])
    consent("Ancienne charte", end=date(2026, 10, 31))
    consent("Charte 2027", start=date(2027, 1, 1))
    assert consents.missing_for_child(mother.id, lea.id, TOWN_TODAY) == [current]
    assert consents.missing_for_child(mother.id, town["tom"].id, TOWN_TODAY) == []
    # The last day of validity is still a day of validity.
    ending = consent("Sortie", end=TOWN_TODAY)
    assert ending in consents.missing_for_child(mother.id, lea.id, TOWN_TODAY)


def test_pending_lists_each_consent_with_its_children(session, town):
    everyone = consent("Règlement")
    canteen = consent("Allergies", services=[town["canteen"]])
    assert consents.pending_for(town["mother"].id, TOWN_TODAY) == [
        (everyone, sorted([town["lea"], town["tom"]], key=lambda c: c.first_name)),
        (canteen, [town["lea"]])]


def test_accepting_is_idempotent_and_keeps_the_first_date(session, town, town_clock):
    mother, lea = town["mother"], town["lea"]
    item = consent()
    first = consents.accept(mother.id, item.id, TOWN_TODAY)
    assert consents.missing_for_child(mother.id, lea.id, TOWN_TODAY) == []
    assert consents.pending_for(mother.id, TOWN_TODAY) == []
    town_clock(datetime(2026, 11, 21, 9, 30))
    again = consents.accept(mother.id, item.id, date(2026, 11, 21))
    assert again.id == first.id and again.accepted_at == first.accepted_at
    assert [a.adult for a in consents.acceptances(item.id)] == [mother]


def test_the_other_parent_accepts_for_themselves(session, town):
    father = town["father"]
    item = consent()
    consents.accept(town["mother"].id, item.id, TOWN_TODAY)
    assert consents.missing_for_child(father.id, town["lea"].id, TOWN_TODAY) == [item]


def test_accepting_is_refused_out_of_validity_or_scope(session, town):
    mother = town["mother"]
    later = consent("Charte 2027", start=date(2027, 1, 1))
    with pytest.raises(RuleViolation, match="ne peut pas être accepté aujourd'hui"):
        consents.accept(mother.id, later.id, TOWN_TODAY)
    elsewhere = consent("CM2", classes=[town["setup"]["classes"]["CM2 A"]])
    with pytest.raises(RuleViolation, match="ne concerne pas vos enfants"):
        consents.accept(mother.id, elsewhere.id, TOWN_TODAY)
    with pytest.raises(RuleViolation):
        consents.accept(mother.id, 999999, TOWN_TODAY)


def test_acceptances_are_listed_by_name(session, town):
    item = consent()
    _, (zoe,), (child,) = factories.household("Abel")
    consents.accept(mother_id := town["mother"].id, item.id, TOWN_TODAY)
    consents.accept(zoe.id, item.id, TOWN_TODAY)
    assert [a.adult_id for a in consents.acceptances(item.id)] == [zoe.id, mother_id]


def test_bad_consents_are_refused(session, town):
    with pytest.raises(RuleViolation, match="La fin de validité ne peut pas précéder son début"):
        consent(start=date(2026, 12, 1), end=date(2026, 11, 1))
    with pytest.raises(RuleViolation, match="Cochez au moins un"):
        consents.save(None, "Charte", "", date(2026, 9, 1), None, everyone=False)
    with pytest.raises(RuleViolation, match="libellé"):
        consents.save(None, "  ", "", date(2026, 9, 1), None, everyone=True)


def test_an_accepted_consent_is_ended_not_deleted(session, town):
    accepted, fresh = consent("Accepté"), consent("Nouveau")
    consents.accept(town["mother"].id, accepted.id, TOWN_TODAY)
    with pytest.raises(RuleViolation, match="1 famille a déjà accepté ce consentement"):
        consents.delete(accepted)
    consents.delete(fresh)
    assert session.get(Consent, fresh.id) is None
