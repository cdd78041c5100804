"""What a town agent trips on in the register: whose record a page shows, « Archiver » kept
apart from the main actions, adding people from a household's page, the child's class and
services on its page, every mistake of a form shown at once, and the presences without booking
checked before validating a group of invoices."""
import html
import json
import re
from datetime import date

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Household, Person
from app.services import bookings, schooling
from tests import factories


def page_text(response):
    return html.unescape(re.sub(r"\s+", " ", response.get_data(as_text=True)))


def words(response):
    """What a person reads: the page's text without its tags."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", page_text(response))).strip()


@pytest.fixture
def martins(app):
    """Claire MARTIN and her son Léo (born 01/06/2019), household « Foyer MARTIN »."""
    with app.test_request_context():
        home, (claire,), (leo,) = factories.household("Martin")
        claire.first_name, leo.first_name = "Claire", "Léo"
        db.session.commit()
        return {"household": home.id, "claire": claire.id, "leo": leo.id}


# ---------------------------------------------------------------------------------------------
# 1-2. Whose record, and which action is the main one


def test_record_pages_say_whose_record_it_is(login, martins):
    agent = login("agent")
    adult = page_text(agent.get(f"/adultview/show/{martins['claire']}"))
    child = page_text(agent.get(f"/childview/show/{martins['leo']}"))
    home = page_text(agent.get(f"/householdview/show/{martins['household']}"))
    assert '<h4 class="panel-title">Responsable : Claire MARTIN</h4>' in adult
    assert '<h4 class="panel-title">Enfant : Léo MARTIN (né(e) le 01/06/2019)</h4>' in child
    assert '<h4 class="panel-title">Foyer MARTIN</h4>' in home
    for shown in (adult, child, home):
        assert "Afficher" not in shown


def test_archive_is_a_secondary_button_behind_a_confirmation(login, martins):
    shown = page_text(login("agent").get(f"/adultview/show/{martins['claire']}"))
    archive = re.search(r'<a id="btn-action-archive" href="#" class="([^"]+)">', shown)
    assert archive is not None
    assert "btn-default" in archive.group(1) and "btn-primary" not in archive.group(1)
    assert re.search(r'class="btn btn-primary btn-sm" href="/adultview/edit/\d+"><i class="fa '
                     r'fa-edit"></i> Modifier', shown)
    path, question = re.search(r"execute_single\((\"[^\"]*\"), (\"[^\"]*\")\)", shown).groups()
    assert json.loads(path) == f"/adultview/action/archive/{martins['claire']}"
    assert json.loads(question) == ("Archiver Claire MARTIN ? La fiche passera en lecture seule "
                                    "et sortira des listes ; elle pourra être désarchivée plus "
                                    "tard.")


def test_unarchive_stays_the_main_action_of_an_archived_record(app, login, martins):
    agent = login("agent")
    agent.post("/adultview/action_post", data={"action": "archive", "rowid": [martins["claire"]]})
    shown = page_text(agent.get(f"/archivedadultview/show/{martins['claire']}"))
    assert re.search(r'id="btn-action-unarchive" href="#" class="btn btn-sm btn-primary"', shown)


# ---------------------------------------------------------------------------------------------
# 3. Adding people from the household's page


def test_household_page_offers_to_add_a_responsable_and_a_child(login, martins):
    shown = page_text(login("agent").get(f"/householdview/show/{martins['household']}"))
    assert f'href="/households/new?household_id={martins["household"]}"' in shown
    assert f'href="/childview/add?household_id={martins["household"]}"' in shown
    assert "Ajouter un responsable" in shown and "Ajouter un enfant" in shown
    regisseur = page_text(login("regisseur").get(f"/householdview/show/{martins['household']}"))
    assert "Ajouter un responsable" not in regisseur  # reads the register only


def test_a_responsable_added_from_the_household_joins_it_and_says_so(app, login, martins):
    agent = login("agent")
    url = f"/households/new?household_id={martins['household']}"
    form = words(agent.get(url))
    assert "Ajouter un responsable au foyer MARTIN" in form
    assert "Foyer MARTIN — 3 rue des Écoles 44190 Saint-Aubin-la-Marelle" in form
    response = agent.post(url, data={
        "adult_mode": "new", "adult_last_name": "Martin", "adult_first_name": "Paul",
        "email": "paul.martin@example.fr", "child_mode": "none"})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/householdview/show/{martins['household']}")
    shown = page_text(agent.get(response.headers["Location"]))
    assert "Paul MARTIN ajouté(e) au foyer MARTIN." in shown
    assert "créé" not in shown
    assert "MARTIN Paul" in shown
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Household.id)).where(
            Household.name.like("%MARTIN%"))) == 1


def test_a_child_added_from_the_household_joins_it_with_its_responsable(app, login, martins):
    agent = login("agent")
    url = f"/childview/add?household_id={martins['household']}"
    form = page_text(agent.get(url))
    assert "Ajouter un enfant au foyer MARTIN" in form
    assert (f'<input type="radio" name="guardian_id" value="{martins["claire"]}" checked> '
            "Claire MARTIN") in form
    response = agent.post(url, data={"last_name": "Martin", "first_name": "Jade",
                                     "birth_date": "2021-02-03", "relation": "mother",
                                     "guardian_id": str(martins["claire"])})
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/householdview/show/{martins['household']}")
    shown = page_text(agent.get(response.headers["Location"]))
    assert "Jade MARTIN ajouté(e) au foyer MARTIN." in shown and "MARTIN Jade" in shown
    with app.app_context():
        jade = db.session.scalars(sa.select(Person).where(Person.first_name == "Jade")).one()
        assert [(g.adult_id, g.relation) for g in jade.guardians] == [(martins["claire"],
                                                                       "mother")]


def test_a_child_added_from_the_household_without_a_responsable_is_refused_there(login, martins):
    response = login("agent").post(f"/childview/add?household_id={martins['household']}",
                                   data={"last_name": "Martin", "first_name": "Jade",
                                         "birth_date": "2021-02-03", "relation": "mother"})
    assert response.status_code == 200
    shown = page_text(response)
    assert "Choisissez le responsable parmi ceux trouvés." in shown
    assert 'value="Jade"' in shown


def test_creating_a_household_still_says_it_was_created(login):
    response = login("agent").post("/households/new", data={
        "adult_mode": "new", "adult_last_name": "Roy", "adult_first_name": "Ana",
        "child_mode": "none", "household_mode": "new", "household_name": "Foyer ROY"},
        follow_redirects=True)
    shown = page_text(response)
    assert "Foyer « Foyer ROY » créé." in shown and "ajouté(e)" not in shown


# ---------------------------------------------------------------------------------------------
# 4. The child's class and services


def _schooled_child(session, services=1):
    setup = factories.school_setup(session, name=f"École {factories._n()}")
    regie = factories.regie(session, code=f"C{factories._n()}")
    n = factories._n()
    rows = [factories.service(session, name=f"Prestation {k} n°{n}", regie_row=regie,
                              classes=[setup["classes"]["CE1 B"]]) for k in range(services)]
    child = factories.pupil(session, setup["classes"]["CE1 B"], start=date(2026, 9, 1),
                            last="Classe")
    for k, row in enumerate(rows):
        bookings.subscribe(child, row, date(2026, 9, 1),
                           end_date=date(2027, 7, 3) if k else None)
    session.commit()
    return child.id, setup, rows


def test_child_page_shows_current_class_and_services_with_links(app, login):
    with app.test_request_context():
        child_id, setup, rows = _schooled_child(db.session, services=2)
        school_id, class_id = setup["school"].id, setup["classes"]["CE1 B"].id
        subscription_ids = [s.id for s in bookings.current_subscriptions(child_id,
                                                                         date(2026, 11, 20))]
        school_name, names = setup["school"].name, [row.name for row in rows]
    shown = page_text(login("agent").get(f"/childview/show/{child_id}"))
    card = re.search(r'id="current-class">(.*?)</div>', shown).group(1)
    assert f'<a href="/schoolview/show/{school_id}">{school_name}</a>' in card
    assert f'<a href="/schoolclassview/show/{class_id}">CE1 B</a>' in card
    assert "niveau CE1" in card and "depuis le 01/09/2026" in card
    services = re.sub(r"<[^>]+>", "", re.search(r'id="current-subscriptions">(.*?)</ul>',
                                                 shown).group(1))
    assert f"{names[0]} — à partir du 01/09/2026" in services
    assert f"{names[1]} — à partir du 01/09/2026 jusqu'au 03/07/2027" in services
    assert len(subscription_ids) == 2
    for subscription_id in subscription_ids:
        assert f'href="/subscriptionview/show/{subscription_id}"' in shown


def test_a_child_without_class_nor_service_says_so(login, martins):
    shown = words(login("agent").get(f"/childview/show/{martins['leo']}"))
    assert "Inscrit(e) dans aucune classe aujourd'hui." in shown
    assert "Aucune prestation ouverte" in shown


def test_an_ended_class_and_subscription_are_not_current(app, login):
    with app.test_request_context():
        child_id, setup, (row,) = _schooled_child(db.session, services=1)
        enrollment = schooling.current_class(child_id, date(2026, 11, 20))
        enrollment.end_date = date(2026, 10, 31)
        subscription = bookings.current_subscriptions(child_id, date(2026, 11, 20))[0]
        subscription.end_date = date(2026, 10, 31)
        db.session.commit()
    shown = words(login("agent").get(f"/childview/show/{child_id}"))
    assert "Inscrit(e) dans aucune classe aujourd'hui." in shown
    assert "Aucune prestation ouverte" in shown


def test_child_page_statements_do_not_grow_with_its_services(app, login, count_queries):
    with app.test_request_context():
        few, _, _ = _schooled_child(db.session, services=1)
        many, _, _ = _schooled_child(db.session, services=4)
    agent = login("agent")
    agent.get(f"/childview/show/{few}")  # the session's user and permissions are loaded once
    counts = []
    for child_id in (few, many):
        with count_queries() as statements:
            assert agent.get(f"/childview/show/{child_id}").status_code == 200
        counts.append(len(statements))
    assert counts[0] == counts[1], counts
    assert counts[1] <= 26, counts  # 24 today on SQLite


# ---------------------------------------------------------------------------------------------
# 6. Every mistake at once, next to its field, nothing typed lost

TOMORROW = (date(2026, 11, 21)).isoformat()


def errors_by_field(response):
    """{field name: [messages]} as the page shows them under each field."""
    found = {}
    shown = page_text(response)
    for match in re.finditer(r'<div class="form-group[^"]*has-error[^"]*">(.*?)</div>', shown):
        block = match.group(1)
        name = re.search(r'name="([^"]+)"', block)
        messages = re.findall(r'<span class="help-block">([^<]*)</span>', block)
        if name and messages:
            found[name.group(1)] = messages
    return found


def fab_errors(response):
    """{field name: [messages]} as FAB's edit form shows them in each field's cell."""
    found = {}
    for cell in re.findall(r"<td>(.*?)</td>", page_text(response)):
        name = re.search(r'name="([^"]+)"', cell)
        messages = re.findall(r'<div class="alert alert-danger"> (.*?) </div>', cell)
        if name and messages:
            found[name.group(1)] = messages
    return found


def test_adult_edit_shows_every_mistake_next_to_its_field(login, martins):
    response = login("agent").post(f"/adultview/edit/{martins['claire']}", data={
        "last_name": "", "first_name": "Claire", "birth_date": TOMORROW,
        "email": "claire@", "phone": "02 40 11 22 33"})
    assert response.status_code == 200
    assert fab_errors(response) == {
        "last_name": ["Ce champ est requis."],  # the form's own, not twice
        "birth_date": ["La date de naissance ne peut pas être dans le futur."],
        "email": ["L'adresse e-mail « claire@ » n'est pas valide."]}
    shown = page_text(response)
    assert 'value="claire@"' in shown and 'value="02 40 11 22 33"' in shown
    record = page_text(login("agent").get(f"/adultview/show/{martins['claire']}"))
    assert "02 40 11 22 33" not in record


def test_child_edit_shows_every_mistake_at_once(login, martins):
    response = login("agent").post(f"/childview/edit/{martins['leo']}", data={
        "last_name": "Martin", "first_name": "", "birth_date": TOMORROW, "notes": "allergie"})
    assert response.status_code == 200
    assert fab_errors(response) == {
        "first_name": ["Ce champ est requis."],
        "birth_date": ["La date de naissance ne peut pas être dans le futur."]}
    assert "allergie" in page_text(response)


def test_household_edit_shows_every_mistake_at_once(login, martins):
    response = login("agent").post(f"/householdview/edit/{martins['household']}", data={
        "name": "", "address_line": "8 rue Haute", "postal_code": "441", "city": "Nantes"})
    assert response.status_code == 200
    assert fab_errors(response) == {"name": ["Ce champ est requis."],
                                     "postal_code": ["Un code postal comporte cinq chiffres."]}
    shown = page_text(response)
    assert 'value="8 rue Haute"' in shown and 'value="441"' in shown


def test_wizard_shows_every_mistake_of_adult_child_and_household_at_once(app, login):
    before = None
    with app.app_context():
        before = db.session.scalar(sa.select(sa.func.count(Person.id)))
    response = login("agent").post("/households/new", data={
        "adult_mode": "new", "adult_last_name": "", "adult_first_name": "Claire",
        "adult_birth_date": TOMORROW, "email": "claire@",
        "child_mode": "new", "child_last_name": "Dupont", "child_first_name": "",
        "child_birth_date": "", "relation": "mother",
        "household_mode": "new", "household_name": "Foyer DUPONT", "postal_code": "12"})
    assert response.status_code == 200
    errors = errors_by_field(response)
    assert errors["adult_last_name"] == ["Le nom est obligatoire."]
    assert errors["adult_birth_date"] == ["La date de naissance ne peut pas être dans le futur."]
    assert errors["email"] == ["Adresse e-mail invalide."]  # the form's, not twice
    assert errors["child_first_name"] == ["Le prénom est obligatoire."]
    assert errors["child_birth_date"] == ["La date de naissance de l'enfant est obligatoire."]
    assert errors["postal_code"] == ["Un code postal comporte cinq chiffres."]
    assert "adult_first_name" not in errors and "child_last_name" not in errors
    shown = page_text(response)
    assert 'value="Claire"' in shown and 'value="Foyer DUPONT"' in shown
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Person.id))) == before


def test_child_form_shows_every_mistake_at_once(login):
    response = login("agent").post("/childview/add", data={
        "last_name": "", "first_name": "Zoé", "birth_date": TOMORROW, "relation": "mother"})
    errors = errors_by_field(response)
    assert errors["last_name"] == ["Le nom est obligatoire."]
    assert errors["birth_date"] == ["La date de naissance ne peut pas être dans le futur."]
    # The picker: its hidden id, then the box where the adult is searched.
    assert errors["guardian_id"] == ["Choisissez le responsable parmi ceux trouvés."]
    assert 'value="Zoé"' in page_text(response)


def test_api_answers_422_with_every_field_refused(api, martins):
    agent = api("agent")
    created = agent.post("/api/v1/person/", json={
        "kind": "adult", "last_name": "", "first_name": "Claire", "birth_date": TOMORROW,
        "email": "claire@"})
    assert created.status_code == 422
    assert created.get_json()["message"] == {
        "last_name": ["Le nom est obligatoire."],
        "birth_date": ["La date de naissance ne peut pas être dans le futur."],
        "email": ["L'adresse e-mail « claire@ » n'est pas valide."]}
    edited = agent.put(f"/api/v1/person/{martins['leo']}", json={
        "first_name": " ", "birth_date": None})
    assert edited.status_code == 422
    assert edited.get_json()["message"] == {
        "first_name": ["Le prénom est obligatoire."],
        "birth_date": ["La date de naissance de l'enfant est obligatoire."]}
    household = agent.post("/api/v1/household/", json={"name": "", "postal_code": "4"})
    assert household.status_code == 422
    assert set(household.get_json()["message"]) == {"name", "postal_code"}


def test_one_mistake_is_still_one_field(api):
    answer = api("agent").post("/api/v1/person/", json={
        "kind": "adult", "last_name": "Roux", "first_name": "Anne", "email": "anne@@x"})
    assert answer.status_code == 422
    assert answer.get_json()["message"] == {
        "email": ["L'adresse e-mail « anne@@x » n'est pas valide."]}


# ---------------------------------------------------------------------------------------------
# 5. Presences without booking, checked before validating a group of invoices


@pytest.fixture
def unbooked_presences(app):
    """A canteen (billed on bookings) and a Wednesday centre (billed on attendance), both
    subscribed, billed to the mother: Nina is present at the canteen on Wednesday 4 November
    (never booked) and at the centre on 12 November (not booked either); her booked canteen
    Monday is no such presence."""
    from decimal import Decimal

    from app.models import Tariff
    from app.services import attendance, billing_rules

    with app.test_request_context():
        regie = factories.regie(db.session, code=f"P{factories._n()}")
        n = factories._n()
        meal = factories.service(db.session, name=f"Cantine {n}", regie_row=regie)
        centre = factories.service(db.session, name=f"Centre {n}", regie_row=regie,
                                   weekdays="2", start="08:00", billing_basis="attendance")
        _, (mother,), (nina,) = factories.household("Présente")
        nina.first_name = "Nina"
        subscriptions = [bookings.subscribe(nina, row, date(2026, 9, 1)) for row in (meal, centre)]
        for row in (meal, centre):
            db.session.add(Tariff(service=row, start_date=date(2026, 9, 1),
                                  unit_price=Decimal("4.10")))
        billing_rules.add_rule(mother, date(2026, 9, 1), subscriptions)
        bookings.book(nina, meal, date(2026, 11, 2))
        for row, day in ((meal, date(2026, 11, 2)), (meal, date(2026, 11, 4)),
                         (centre, date(2026, 11, 12))):
            attendance.mark(nina, row, day, "present")
        db.session.commit()
        return {"regie": regie.id, "services": [meal.id, centre.id], "nina": nina.id,
                "names": (meal.name, centre.name)}


def _generate(client, setup):
    return client.post("/invoices/generate", data={
        "regie": setup["regie"], "services": setup["services"], "period_start": "2026-11-01",
        "period_end": "2026-11-30", "due_date": "2026-12-15", "bill_ahead": "y"},
        follow_redirects=True)


def test_generation_summary_lists_presences_without_booking(login, unbooked_presences):
    page = _generate(login("regisseur"), unbooked_presences)
    meal, centre = unbooked_presences["names"]
    shown = words(page)
    assert "2 présences sans réservation" in shown
    table = words_of(re.search(r'<table[^>]*id="presences-without-booking">(.*?)</table>',
                               page_text(page)).group(1))
    assert re.search(rf"PRÉSENTE Nina {meal} 04/11/2026 non : cette prestation facture les "
                     rf"réservations", table)
    assert re.search(rf"PRÉSENTE Nina {centre} 12/11/2026 oui, facturée à la présence", table)
    assert "02/11/2026" not in table  # booked: not listed
    assert f'href="/childview/show/{unbooked_presences["nina"]}"' in page_text(page)


def words_of(fragment):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", fragment)).strip()


def test_the_job_api_gives_the_same_presences(api, unbooked_presences):
    regisseur = api("regisseur")
    started = regisseur.post("/api/v1/invoice/generate", json={
        "regie_id": unbooked_presences["regie"], "service_ids": unbooked_presences["services"],
        "period_start": "2026-11-01", "period_end": "2026-11-30", "due_date": "2026-12-15"})
    assert started.status_code == 202, started.get_json()
    job = regisseur.get(f"/api/v1/job/{started.get_json()['job_id']}").get_json()
    meal, centre = unbooked_presences["services"]
    nina = unbooked_presences["nina"]
    assert job["result"]["presences_without_booking"] == [
        {"person_id": nina, "service_id": meal, "date": "2026-11-04", "billed": False},
        {"person_id": nina, "service_id": centre, "date": "2026-11-12", "billed": True}]


def test_no_presence_without_booking_is_said(login, unbooked_presences):
    page = login("regisseur").post("/invoices/generate", data={
        "regie": unbooked_presences["regie"], "services": unbooked_presences["services"],
        "period_start": "2026-10-01", "period_end": "2026-10-31", "due_date": "2026-11-30"},
        follow_redirects=True)
    assert "Aucune présence sans réservation sur la période." in words(page)


def test_a_refused_responsable_stays_on_the_households_form(login, martins):
    url = f"/households/new?household_id={martins['household']}"
    response = login("agent").post(url, data={
        "adult_mode": "new", "adult_last_name": "", "adult_first_name": "Paul",
        "adult_birth_date": TOMORROW, "child_mode": "none"})
    assert response.status_code == 200
    assert errors_by_field(response) == {
        "adult_last_name": ["Le nom est obligatoire."],
        "adult_birth_date": ["La date de naissance ne peut pas être dans le futur."]}
    shown = words(response)
    assert "Ajouter un responsable au foyer MARTIN" in shown and "Créer le foyer" not in shown
    assert 'value="Paul"' in page_text(response)


def test_an_unknown_household_is_not_found(login):
    agent = login("agent")
    assert agent.get("/households/new?household_id=999999").status_code == 404
    assert agent.get("/childview/add?household_id=999999").status_code == 404


def test_dates_are_the_browsers_date_inputs_and_an_impossible_day_is_refused(app, login):
    with app.test_request_context():
        _, _, (child,) = factories.household("Datée")
        db.session.commit()
        child_id, birth = child.id, child.birth_date
    agent = login("agent")
    form = agent.get(f"/childview/edit/{child_id}").get_data(as_text=True)
    assert re.search(r'<input[^>]*id="birth_date"[^>]*type="date"|<input[^>]*type="date"[^>]*'
                     r'id="birth_date"', form)
    assert f'value="{birth.isoformat()}"' in form
    refused = agent.post(f"/childview/edit/{child_id}", data={
        "last_name": "Datée", "first_name": "Léa", "birth_date": "2019-02-31"})
    shown = html.unescape(refused.get_data(as_text=True))
    assert "Date invalide" in shown or "date valide" in shown
    with app.app_context():
        from app.models import Person

        assert db.session.get(Person, child_id).birth_date == birth
