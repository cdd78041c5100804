"""The register's back-office screens, as a town's agent uses them."""
import html
import io
import re

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import AuditLog, Document, Household, Person
from tests import factories

WIZARD = {
    "adult_mode": "new", "adult_last_name": "Dupont", "adult_first_name": "Claire",
    "adult_birth_date": "1986-04-12", "email": "claire.dupont@example.fr", "phone": "02 40 00 00 00",
    "child_mode": "new", "child_last_name": "Dupont", "child_first_name": "Léo",
    "child_birth_date": "2019-09-03", "relation": "mother", "household_name": "Foyer DUPONT",
    "address_line": "1 place de la Mairie", "postal_code": "44190", "city": "Saint-Aubin",
}


def page_text(response):
    return html.unescape(re.sub(r"\s+", " ", response.get_data(as_text=True)))


def count(app, model):
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count(model.id)))


def test_guided_flow_creates_the_household_and_shows_it(app, login):
    agent = login("agent")
    response = agent.post("/households/new", data=WIZARD)
    assert response.status_code == 302
    shown = agent.get(response.headers["Location"])
    text = page_text(shown)
    assert "Foyer « Foyer DUPONT » créé." in text
    assert "DUPONT Claire" in text and "DUPONT Léo" in text
    listing = page_text(agent.get("/householdview/list/"))
    assert "Foyer DUPONT" in listing and "Saint-Aubin" in listing


def test_guided_flow_bad_input_keeps_what_was_typed_and_explains(app, login):
    agent = login("agent")
    before = count(app, Person)
    response = agent.post("/households/new", data={**WIZARD, "household_name": "",
                                                   "email": "claire@"})
    assert response.status_code == 200
    text = page_text(response)
    assert "Le nom du foyer est obligatoire." in text
    assert "Adresse e-mail invalide." in text
    assert 'value="Claire"' in text  # nothing typed is lost
    assert count(app, Person) == before


def test_guided_flow_with_existing_adult_not_chosen(app, login):
    response = login("agent").post("/households/new", data={
        **WIZARD, "adult_mode": "existing", "adult_id": "", "child_mode": "none"})
    assert "Choisissez le responsable parmi ceux trouvés." in page_text(response)


def test_duplicate_person_is_flagged(app, login):
    agent = login("agent")
    agent.post("/households/new", data=WIZARD)
    response = agent.post("/households/new", data={**WIZARD, "household_name": "Foyer DUPONT 2"},
                          follow_redirects=True)
    assert "Doublon possible : DUPONT Claire" in page_text(response)


def test_adult_record_shows_households_children_and_moves(app, login):
    with app.test_request_context():
        _, (father,), (child,) = factories.household("Moreau", adults=("father",))
        target = factories.registry.new_household(factories.HouseholdData(name="Foyer NOUVEAU"))
        db.session.commit()
        father_id, target_id, child_name = father.id, target.id, child.full_name
    agent = login("agent")
    record = page_text(agent.get(f"/adultview/show/{father_id}"))
    assert "Foyer MOREAU" in record and child_name in record
    response = agent.post(f"/adultview/move/{father_id}",
                          data={"target": "existing", "household_id": str(target_id)},
                          follow_redirects=True)
    text = page_text(response)
    assert "a rejoint le foyer « Foyer NOUVEAU »" in text
    assert f"Enfants qui ont suivi : {child_name}." in text


def test_archive_then_find_and_unarchive(app, login):
    with app.test_request_context():
        _, (mother,), _ = factories.household("Girard")
        db.session.commit()
        mother_id, name, first = mother.id, mother.full_name, mother.first_name
    agent = login("agent")
    done = agent.post("/adultview/action_post", data={"action": "archive", "rowid": [mother_id]},
                      follow_redirects=True)
    assert f"{name} archivé(e)." in page_text(done)
    assert first not in page_text(agent.get("/adultview/list/"))
    assert agent.get(f"/adultview/edit/{mother_id}").status_code == 404
    archived = page_text(agent.get("/archivedadultview/list/?_flt_1_archived_at=2000-01-01"))
    assert first in archived
    assert first not in page_text(agent.get("/archivedadultview/list/?_flt_1_archived_at=2999-01-01"))
    record = page_text(agent.get(f"/archivedadultview/show/{mother_id}"))
    assert "cette fiche est en lecture seule" in record
    agent.post("/archivedadultview/action_post", data={"action": "unarchive", "rowid": [mother_id]})
    assert first in page_text(agent.get("/adultview/list/"))
    with app.app_context():
        actions = db.session.scalars(sa.select(AuditLog.action).where(
            AuditLog.entity_id == mother_id)).all()
    assert actions == ["archive", "unarchive"]


PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def _person(app):
    with app.test_request_context():
        _, (mother,), _ = factories.household("Roussel")
        db.session.commit()
        return mother.id


def test_upload_document_and_download_as_attachment(app, login):
    person_id = _person(app)
    agent = login("agent")
    response = agent.post(f"/documentview/upload/{person_id}", data={
        "file": (io.BytesIO(PDF), "attestation CAF.pdf"), "name": "Attestation CAF",
        "description": "QF 2026", "portal_from": "2026-09-01", "portal_until": "2027-08-31",
    }, content_type="multipart/form-data", follow_redirects=True)
    assert "Document « Attestation CAF » ajouté." in page_text(response)
    with app.app_context():
        document = db.session.scalars(sa.select(Document).where(
            Document.person_id == person_id)).one()
        assert document.content_type == "application/pdf" and document.size == len(PDF)
        assert "CAF" not in document.storage_name  # stored under a random name
    download = agent.get(f"/documentview/download/{document.id}")
    assert download.status_code == 200 and download.data == PDF
    assert download.headers["Content-Disposition"].startswith("attachment;")


def test_disguised_or_oversized_upload_is_refused(app, login):
    person_id = _person(app)
    agent = login("agent")
    disguised = agent.post(f"/documentview/upload/{person_id}", data={
        "file": (io.BytesIO(b"<script>alert(1)</script>"), "facture.pdf"), "name": "Facture"},
        content_type="multipart/form-data")
    assert "Ce type de fichier n'est pas accepté : envoyez un fichier PDF, JPEG ou PNG." in page_text(disguised)
    big = PDF + b"0" * (app.config["MAX_UPLOAD_BYTES"] + 10)
    oversized = agent.post(f"/documentview/upload/{person_id}", data={
        "file": (io.BytesIO(big), "gros.pdf"), "name": "Gros"}, content_type="multipart/form-data")
    assert "Le fichier est trop volumineux" in page_text(oversized)
    dates = agent.post(f"/documentview/upload/{person_id}", data={
        "file": (io.BytesIO(PDF), "a.pdf"), "name": "Dates", "portal_from": "2026-09-01",
        "portal_until": "2026-01-01"}, content_type="multipart/form-data")
    assert "La fin de disponibilité sur le portail ne peut pas précéder son début." in page_text(dates)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Document.id)).where(
            Document.person_id == person_id)) == 0


def test_rename_household_from_its_edit_page(app, login):
    with app.test_request_context():
        home, _, _ = factories.household("Lambert")
        db.session.commit()
        home_id = home.id
    agent = login("agent")
    agent.post(f"/householdview/edit/{home_id}", data={"name": "Foyer LAMBERT-ROY",
                                                        "postal_code": "44190"})
    with app.app_context():
        assert db.session.get(Household, home_id).name == "Foyer LAMBERT-ROY"
    refused = agent.post(f"/householdview/edit/{home_id}", data={"name": "Foyer X",
                                                                  "postal_code": "123"})
    assert refused.status_code == 200  # the form again, with what was typed
    assert "Un code postal comporte cinq chiffres." in page_text(refused)
    assert 'value="Foyer X"' in page_text(refused)


def test_english_is_available(app, login):
    agent = login("agent")
    agent.get("/lang/en")
    assert "Create the household" in page_text(agent.get("/households/new"))
    agent.get("/lang/fr")
    assert "Créer le foyer" in page_text(agent.get("/households/new"))


def test_person_list_query_count_does_not_grow_with_rows(app, login, count_queries):
    agent = login("agent")
    with app.test_request_context():
        factories.household("Alpha", adults=("mother", "father"))
        db.session.commit()
    with count_queries() as few:
        agent.get("/adultview/list/")
    with app.test_request_context():
        for i in range(10):
            factories.household(f"Beta{i}", adults=("mother", "father"))
        db.session.commit()
    with count_queries() as many:
        agent.get("/adultview/list/")
    assert len(many) == len(few)


def test_add_a_child_with_its_responsable(app, login):
    with app.test_request_context():
        home, (father,), _ = factories.household("Vidal", adults=("father",), children=0)
        db.session.commit()
        father_id, home_id = father.id, home.id
    agent = login("agent")
    response = agent.post("/childview/add", data={
        "last_name": "Vidal", "first_name": "Jade", "birth_date": "2021-03-08",
        "guardian_id": str(father_id), "guardian_search": "VIDAL", "relation": "father"},
        follow_redirects=True)
    text = page_text(response)
    assert "VIDAL Jade ajouté(e)." in text and "(père)" in text
    with app.app_context():
        home = db.session.get(Household, home_id)
        assert sorted(p.first_name for p in home.active_members) == sorted([
            "Jade", db.session.get(Person, father_id).first_name])
    missing = agent.post("/childview/add", data={
        "last_name": "Vidal", "first_name": "Lina", "birth_date": "2021-03-08",
        "relation": "father"})
    assert "Choisissez le responsable parmi ceux trouvés." in page_text(missing)
    no_birth = agent.post("/childview/add", data={
        "last_name": "Vidal", "first_name": "Lina", "guardian_id": str(father_id),
        "relation": "father"})
    assert "La date de naissance de l'enfant est obligatoire." in page_text(no_birth)


def test_a_legal_guardian_is_chosen_by_search_not_from_the_whole_town(app, login):
    with app.test_request_context():
        _, _, (child,) = factories.household("Tutelle")
        _, (aunt,), _ = factories.household("Tante", children=0)
        db.session.commit()
        child_id, aunt_id = child.id, aunt.id
    agent = login("agent")
    url = f"/guardianshipview/add?_flt_0_child={child_id}"
    form = agent.get(url).get_data(as_text=True)
    assert "data-picker-url" in form and "/adultview/search_json" in form
    assert "<option" not in form.split('name="adult"')[1].split("</div>")[0]
    found = agent.get("/adultview/search_json?q=tante").get_json()
    assert [row["id"] for row in found] == [aunt_id]

    unknown = page_text(agent.post(url, data={"adult": "999999", "relation": "other"}))
    assert "Cherchez et choisissez dans la liste." in unknown
    not_an_adult = page_text(agent.post(url, data={"adult": str(child_id), "relation": "other"},
                                        follow_redirects=True))
    assert "Un responsable légal doit être un adulte." in not_an_adult
    agent.post(url, data={"adult": str(aunt_id), "relation": "other"})
    with app.app_context():
        assert {g.adult_id for g in db.session.get(Person, child_id).guardians} >= {aunt_id}


@pytest.mark.parametrize("url", [
    "/documentview/list/", "/subscriptionview/list/", "/enrollmentview/list/",
    "/billingruleview/list/", "/familyquotientview/list/", "/adjustmentview/list/",
    "/invoiceview/list/"])
def test_list_filters_never_offer_every_person_or_household(app, login, url):
    """A town has tens of thousands of people: a search form listing them all weighed
    megabytes and took seconds per page."""
    with app.test_request_context():
        factories.household("Optionnelle")
        db.session.commit()
    page = html.unescape(login("admin").get(url).get_data(as_text=True))
    assert "OPTIONNELLE" not in page


def test_a_record_s_related_lists_and_add_forms_stay_on_that_person(app, login):
    """A record's page links its lists and add forms with the person's id: they show that
    person's rows only, and the add form fixes the person instead of listing the town."""
    from datetime import date

    with app.test_request_context():
        setup = factories.school_setup(db.session)
        meal = factories.service(db.session, classes=[setup["classes"]["CP A"]])
        mine = factories.pupil(db.session, setup["classes"]["CP A"], last="Mienne")
        other = factories.pupil(db.session, setup["classes"]["CP A"], last="Optionnelle",
                                service_row=meal)
        db.session.commit()
        mine_id, other_id, meal_id = mine.id, other.id, meal.id
    agent = login("agent")
    listed = page_text(agent.get(f"/subscriptionview/list/?_flt_0_person={other_id}"))
    assert "01/09/2026" in listed  # the other child's subscription
    assert "01/09/2026" not in page_text(
        agent.get(f"/subscriptionview/list/?_flt_0_person={mine_id}"))
    url = f"/subscriptionview/add?_flt_0_person={mine_id}"
    assert "OPTIONNELLE" not in page_text(agent.get(url))
    agent.post(url, data={"service": meal_id, "start_date": "2026-09-01"})
    with app.app_context():
        from app.models import Subscription

        assert db.session.scalars(sa.select(Subscription.start_date).where(
            Subscription.person_id == mine_id)).all() == [date(2026, 9, 1)]


def test_a_record_offers_only_the_buttons_its_reader_may_use(app, login):
    """Review: a régisseur was offered « Réserver par semaine type » and « Ouvrir des
    prestations », which answered « Accès refusé »."""
    with app.test_request_context():
        _, _, (child,) = factories.household("Boutons")
        db.session.commit()
        child_id = child.id
    regisseur = page_text(login("regisseur").get(f"/childview/show/{child_id}"))
    assert "Réservations" in regisseur
    assert "Réserver par semaine type" not in regisseur
    assert "Ouvrir des prestations" not in regisseur
    agent = page_text(login("agent").get(f"/childview/show/{child_id}"))
    assert "Réserver par semaine type" in agent and "Ouvrir des prestations" in agent
