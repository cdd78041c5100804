"""« Santé et autorisations »: the front desk records a child's allergies, PAI and who may fetch
them; an activity leader reads them on the record and sees a marker on the attendance sheet;
the régie does not; a scoped leader never reaches another service's child's health."""
import html
from datetime import date

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import AuditLog, ChildCare
from app.security import scopes
from app.services import bookings, child_care, schooling
from tests import factories
from tests.support import page_text

ALLERGY = "Arachide : stylo d'adrénaline dans le sac"


@pytest.fixture
def town(app):
    """École des Soins: Léa eats at the canteen and has a peanut allergy and a PAI; Hugo
    only goes to the evening care; the animateur is attached to the canteen."""
    with app.test_request_context():
        setup = factories.school_setup(db.session, name="École des Soins")
        cp = setup["classes"]["CP A"]
        canteen = factories.service(db.session, name="Cantine Soins", classes=[cp],
                                    weekdays="0,1,2,3,4")
        care = factories.service(db.session, name="Garderie Soins", classes=[cp],
                                 weekdays="0,1,2,3,4")
        _, (mother,), (lea,) = factories.household("Soin")
        _, _, (hugo,) = factories.household("Horssoin")
        for child, service in ((lea, canteen), (hugo, care)):
            schooling.enroll(child, cp, date(2026, 9, 1))
            bookings.subscribe(child, service, date(2026, 9, 1))
        child_care.save(lea, child_care.CareData(
            allergies=ALLERGY, has_pai=True, pai_detail="Trousse à la cantine",
            pickup_people="Mamie Josette, grand-mère, 06 11 22 33 44"))
        child_care.save(hugo, child_care.CareData(allergies="Kiwi", diet="no_pork"))
        db.session.commit()
        return dict(lea=lea.id, hugo=hugo.id, lea_name=lea.first_name, canteen=canteen.id,
                    care=care.id, mother=mother.id)


def test_the_agent_records_health_and_permissions_from_the_childs_record(app, login, town):
    agent = login("agent")
    record = page_text(agent.get(f"/childview/show/{town['hugo']}"))
    assert "Santé et autorisations" in record and "Kiwi" in record and "sans porc" in record
    form = agent.get(f"/child_care/{town['hugo']}")
    assert form.status_code == 200 and "Kiwi" in page_text(form)
    saved = agent.post(f"/child_care/{town['hugo']}", data={
        "allergies": "Kiwi\n  Lait de vache ", "diet": "vegetarian", "has_pai": "y",
        "pai_detail": "Antihistaminique dans le bureau", "doctor_name": "Dr Morel",
        "doctor_phone": "02 40 00 11 22",
        "pickup_people": "Paul Horssoin, oncle, 06 98 76 54 32\n\nNadia, voisine, 07 00 00 00 01",
        "photo_consent": "no", "may_leave_alone": "y"}, follow_redirects=True)
    shown = page_text(saved)
    assert "Santé et autorisations de" in shown and "enregistrées" in shown
    assert "⚠ allergies / PAI" in shown and "Dr Morel — 02 40 00 11 22" in shown
    assert "végétarien" in shown and "refusé" in shown
    with app.app_context():
        care = db.session.scalar(sa.select(ChildCare).where(ChildCare.person_id == town["hugo"]))
        assert care.allergies == "Kiwi\nLait de vache"
        assert care.pickup_people == ("Paul Horssoin, oncle, 06 98 76 54 32\n"
                                      "Nadia, voisine, 07 00 00 00 01")
        assert (care.diet, care.has_pai, care.photo_consent, care.may_leave_alone) == (
            "vegetarian", True, "no", True)
        trail = db.session.scalars(sa.select(AuditLog).where(
            AuditLog.action == "child_care", AuditLog.entity_id == town["hugo"])
            .order_by(AuditLog.id)).all()[-1]
        assert trail.after["may_leave_alone"] is True and "Kiwi" not in str(trail.after)


def test_refusals_are_shown_next_to_their_fields_and_nothing_is_saved(app, login, town):
    agent = login("agent")
    refused = agent.post(f"/child_care/{town['hugo']}", data={
        "allergies": "", "diet": "other", "diet_detail": "", "pai_detail": "Sans PAI coché",
        "doctor_phone": "docteur", "photo_consent": "yes", "doctor_name": "x" * 151})
    assert refused.status_code == 200
    html = refused.get_data(as_text=True)
    shown = page_text(refused)
    assert "Précisez quel régime" in shown
    assert "Cochez « PAI » ou effacez son détail" in shown
    assert "n'est pas un numéro de téléphone" in shown
    assert "150" in shown
    assert html.count("has-error") >= 4
    assert "Sans PAI coché" in shown  # what was typed is kept
    forged = agent.post(f"/child_care/{town['hugo']}", data={"diet": "caviar",
                                                             "photo_consent": "maybe"})
    assert forged.status_code == 200 and "has-error" in forged.get_data(as_text=True)
    with app.app_context():
        care = db.session.scalar(sa.select(ChildCare).where(ChildCare.person_id == town["hugo"]))
        assert (care.allergies, care.diet) == ("Kiwi", "no_pork")


def test_an_archived_child_or_an_adult_has_no_health_form(app, login, town):
    from app.models import Person
    from app.services import RuleViolation, registry

    agent = login("agent")
    assert agent.get(f"/child_care/{town['mother']}").status_code == 404
    with app.test_request_context():
        hugo = db.session.get(Person, town["hugo"])
        registry.archive_person(hugo)
        db.session.commit()
        with pytest.raises(RuleViolation, match="archivé"):
            child_care.save(hugo, child_care.CareData(allergies="Œuf"))
        db.session.rollback()
    answer = agent.post(f"/child_care/{town['hugo']}", data={"allergies": "Œuf",
                                                             "diet": "none",
                                                             "photo_consent": "yes"},
                        follow_redirects=True)
    assert "archivé" in page_text(answer)
    with app.app_context():
        assert db.session.scalar(sa.select(ChildCare.allergies).where(
            ChildCare.person_id == town["hugo"])) == "Kiwi"


def test_the_animateur_reads_health_and_sees_the_marker_on_the_sheet(login, town):
    animateur = login("animateur")
    record = page_text(animateur.get(f"/childview/show/{town['lea']}"))
    assert ALLERGY in record and "Trousse à la cantine" in record
    assert "Mamie Josette, grand-mère, 06 11 22 33 44" in record
    assert "Modifier la santé et les autorisations" not in record
    assert animateur.get(f"/child_care/{town['lea']}").status_code in (302, 403)
    sheet = animateur.get(f"/attendance/?date=2026-11-20&service_id={town['canteen']}")
    row = next(line for line in sheet.get_data(as_text=True).split("<tr")
               if f'data-person="{town["lea"]}"' in line)
    # The allergy itself, cut short, and the PAI: who serves the meal reads it there.
    assert "⚠ Arachide : stylo d'adrénaline dans le s… · PAI" in html.unescape(row)
    assert f"/childview/show/{town['lea']}#care" in row
    care_sheet = page_text(animateur.get(
        f"/attendance/?date=2026-11-20&service_id={town['care']}"))
    assert "HORSSOIN" in care_sheet and "⚠ Kiwi · sans porc" in care_sheet


def test_a_child_with_a_diet_only_has_a_note_but_no_warning(app, login, town):
    with app.test_request_context():
        from app.models import Person

        hugo = db.session.get(Person, town["hugo"])
        child_care.save(hugo, child_care.CareData(diet="no_pork"))
        db.session.commit()
    sheet = page_text(login("animateur").get(
        f"/attendance/?date=2026-11-20&service_id={town['care']}"))
    assert "HORSSOIN" in sheet and "⚠" not in sheet and "sans porc" in sheet


def test_the_regisseur_does_not_read_childrens_health(login, town):
    regisseur = login("regisseur")
    record = page_text(regisseur.get(f"/childview/show/{town['lea']}"))
    assert regisseur.get(f"/childview/show/{town['lea']}").status_code == 200
    assert "Santé et autorisations" not in record and "Arachide" not in record


def test_a_scoped_animateur_never_reaches_another_services_childs_health(app, login, town):
    with app.test_request_context():
        animateur = app.appbuilder.sm.find_user(username="animateur")
        agent = app.appbuilder.sm.find_user(username="agent")
        scopes.set_scope(animateur.id, [], [town["canteen"]])
        scopes.set_scope(agent.id, [], [town["canteen"]])
        db.session.commit()
    animateur = login("animateur")
    assert "Arachide" in page_text(animateur.get(f"/childview/show/{town['lea']}"))
    out = animateur.get(f"/childview/show/{town['hugo']}")
    assert out.status_code == 404 and "Kiwi" not in page_text(out)
    # A scoped agent may edit health, but not an out-of-scope child's, even by its address.
    agent = login("agent")
    assert agent.get(f"/child_care/{town['hugo']}").status_code == 404
    assert agent.post(f"/child_care/{town['hugo']}", data={
        "allergies": "rien", "diet": "none", "photo_consent": "yes"}).status_code == 404
    assert agent.get(f"/child_care/{town['lea']}").status_code == 200
    # The row itself, queried directly under the scope, is not found.
    with app.test_request_context():
        scopes.activate_for(animateur_id := app.appbuilder.sm.find_user(
            username="animateur").id)
        seen = set(db.session.scalars(sa.select(ChildCare.person_id)))
        assert town["lea"] in seen and town["hugo"] not in seen, animateur_id
