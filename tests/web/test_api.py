"""The register's REST resources, as API.md promises them to integrators."""
import sqlalchemy as sa

from app.extensions import db
from app.models import Person
from tests import factories


def create(client, resource, body, status=201):
    response = client.post(f"/api/v1/{resource}/", json=body)
    assert response.status_code == status, response.get_json()
    return response.get_json()


def test_build_a_family_through_the_api(api):
    agent = api("agent")
    home = create(agent, "household", {"name": "Foyer MARTIN", "address_line": "2 rue Haute",
                                       "postal_code": "44190", "city": "Saint-Aubin"})
    mother = create(agent, "person", {"kind": "adult", "last_name": "Martin",
                                      "first_name": "Inès", "email": "ines@example.fr",
                                      "can_login": True})
    child = create(agent, "person", {"kind": "child", "last_name": "Martin", "first_name": "Noé",
                                     "birth_date": "2020-02-29"})
    create(agent, "household_member", {"household_id": home["id"], "person_id": mother["id"]})
    create(agent, "household_member", {"household_id": home["id"], "person_id": child["id"]})
    link = create(agent, "guardianship", {"child_id": child["id"], "adult_id": mother["id"],
                                          "relation": "mother"})
    assert link["result"] == {"id": link["id"], "child_id": child["id"],
                              "adult_id": mother["id"], "relation": "mother"}

    shown = agent.get(f"/api/v1/person/{child['id']}").get_json()
    assert shown["result"]["birth_date"] == "2020-02-29"
    assert shown["result"]["archived"] is False
    listed = agent.get("/api/v1/household_member/?q=(filters:!((col:household_id,opr:eq,"
                       f"value:{home['id']})))").get_json()
    assert listed["count"] == 2
    household = agent.get(f"/api/v1/household/{home['id']}").get_json()["result"]
    assert household["name"] == "Foyer MARTIN" and household["archived"] is False


def test_validation_errors_are_422_with_the_field_in_french(api):
    agent = api("agent")
    bad_email = create(agent, "person", {"kind": "adult", "last_name": "Roux",
                                         "first_name": "Anne", "email": "anne@@x"}, status=422)
    assert bad_email["message"] == {"email": ["L'adresse e-mail « anne@@x » n'est pas valide."]}
    no_birth = create(agent, "person", {"kind": "child", "last_name": "Roux",
                                        "first_name": "Lou"}, status=422)
    assert no_birth["message"] == {"birth_date": ["La date de naissance de l'enfant est obligatoire."]}
    missing = create(agent, "person", {"kind": "adult", "first_name": "Anne"}, status=422)
    assert missing["message"] == {"last_name": ["Champ obligatoire manquant."]}
    bad_kind = create(agent, "person", {"kind": "robot", "last_name": "R", "first_name": "A"},
                      status=422)
    assert bad_kind["message"] == {"kind": ["Valeur attendue parmi : child, adult."]}
    bad_date = create(agent, "person", {"kind": "child", "last_name": "R", "first_name": "A",
                                        "birth_date": "31/02/2020"}, status=422)
    assert bad_date["message"] == {"birth_date": ["Date invalide (format AAAA-MM-JJ attendu)."]}
    postal = create(agent, "household", {"name": "Foyer R", "postal_code": "ABCDE"}, status=422)
    assert postal["message"] == {"postal_code": ["Un code postal comporte cinq chiffres."]}


def test_rules_refused_are_409(app, api):
    with app.test_request_context():
        home, (mother,), (child,) = factories.household("Petit")
        factories.registry.archive_person(child)
        db.session.commit()
        ids = dict(home=home.id, mother=mother.id, child=child.id)
    agent = api("agent")
    edit = agent.put(f"/api/v1/person/{ids['child']}", json={"first_name": "Autre"})
    assert edit.status_code == 409
    assert "désarchivez la fiche avant de la modifier" in edit.get_json()["message"]
    delete = agent.delete(f"/api/v1/person/{ids['mother']}")
    assert delete.status_code == 409
    assert delete.get_json()["message"] == (
        "Les personnes s'archivent, elles ne se suppriment pas : utilisez « Archiver ».")
    again = create(agent, "household_member", {"household_id": ids["home"],
                                               "person_id": ids["mother"]}, status=409)
    assert "fait déjà partie de ce foyer" in again["message"]
    wrong_way = create(agent, "guardianship", {"child_id": ids["mother"], "adult_id": ids["mother"],
                                               "relation": "mother"}, status=422)
    assert wrong_way["message"] == {"child_id": ["Seul un enfant peut avoir un responsable légal."]}
    with_members = agent.delete(f"/api/v1/household/{ids['home']}")
    assert with_members.status_code == 409
    with app.app_context():
        assert db.session.get(Person, ids["child"]).first_name != "Autre"


def test_archive_and_unarchive_through_the_api(app, api):
    with app.test_request_context():
        _, (mother,), _ = factories.household("Robin")
        db.session.commit()
        mother_id = mother.id
    agent = api("agent")
    archived = agent.post(f"/api/v1/person/{mother_id}/archive")
    assert archived.status_code == 200 and archived.get_json()["archived"] is True
    assert agent.post(f"/api/v1/person/{mother_id}/archive").status_code == 409
    assert agent.post(f"/api/v1/person/{mother_id}/unarchive").get_json()["archived"] is False
    with app.app_context():
        from app.models import AuditLog

        who = {row.action: row.user_id for row in db.session.scalars(
            sa.select(AuditLog).where(AuditLog.entity_id == mother_id))}
        agent_id = app.appbuilder.sm.find_user(username="agent").id
    assert who == {"archive": agent_id, "unarchive": agent_id}


def test_unknown_ids_are_404(api):
    agent = api("agent")
    assert agent.get("/api/v1/person/999999").status_code == 404
    assert agent.post("/api/v1/person/999999/archive").status_code == 404
    assert agent.get("/api/v1/job/does-not-exist").status_code == 404


def test_openapi_spec_lists_the_register(api):
    spec = api("admin").get("/api/v1/_openapi").get_json()
    paths = spec["paths"]
    for resource in ("household", "person", "household_member", "guardianship"):
        assert f"/api/v1/{resource}/" in paths


def test_session_cookie_without_csrf_token_cannot_write(app, login):
    """The API accepts the back-office session, but then a write needs the CSRF token."""
    agent = login("agent")
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        refused = agent.post("/api/v1/household/", json={"name": "Foyer CSRF"})
        assert refused.status_code == 400
        form = agent.post("/households/new", data={"household_name": "Foyer CSRF"})
        assert form.status_code == 400
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    with app.app_context():
        from app.models import Household

        assert db.session.scalar(sa.select(Household.id).where(Household.name == "Foyer CSRF")) is None
