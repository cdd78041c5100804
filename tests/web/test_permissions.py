"""Who may open which screen and call which API: each role allowed and refused where it should."""
import re

import pytest

from app.extensions import db
from tests import factories
from tests.support import PASSWORD, page_text

ROLES = ["admin", "agent", "regisseur", "animateur", "parent"]

# page -> roles that may open it; every other role is turned away.
PAGES = {
    "/householdview/list/": {"admin", "agent", "regisseur"},
    "/households/new": {"admin", "agent"},
    "/adultview/list/": {"admin", "agent", "regisseur"},
    "/childview/list/": {"admin", "agent", "regisseur", "animateur"},
    "/childview/add": {"admin", "agent"},
    "/archivedadultview/list/": {"admin", "agent", "regisseur"},
    "/documentview/list/": {"admin", "agent", "regisseur"},
    "/criterionview/list/": {"admin"},
    "/insuranceview/list/": {"admin"},
    "/demo/": {"admin"},
    "/users/list/": {"admin"},
    "/roles/list/": {"admin"},
}


@pytest.mark.parametrize("page", PAGES)
@pytest.mark.parametrize("role", ROLES)
def test_back_office_pages(login, role, page):
    response = login(role).get(page)
    if role in PAGES[page]:
        assert response.status_code == 200
    else:
        assert response.status_code in (302, 403)
        assert "/login" in response.headers.get("Location", "/login") or response.status_code == 403


def test_anonymous_is_sent_to_login(client):
    response = client.get("/householdview/list/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert client.get("/api/v1/person/").status_code == 401


@pytest.fixture
def family(app):
    with app.test_request_context():
        home, (mother,), (child,) = factories.household("Matrice")
        db.session.commit()
        return {"home": home.id, "mother": mother.id, "child": child.id}


@pytest.mark.parametrize("role, read, write", [
    ("admin", 200, 201),
    ("agent", 200, 201),
    ("regisseur", 200, 403),
    ("animateur", 403, 403),  # children only, through the screens (test_animateur.py)
])
def test_person_api(api, family, role, read, write):
    client = api(role)
    assert client.get(f"/api/v1/person/{family['child']}").status_code == read
    created = client.post("/api/v1/person/", json={"kind": "adult", "last_name": "Nouveau",
                                                   "first_name": "Test"})
    assert created.status_code == write


@pytest.mark.parametrize("role, status", [("admin", 200), ("agent", 200), ("regisseur", 403),
                                          ("animateur", 403)])
def test_household_api_write(api, family, role, status):
    response = api(role).put(f"/api/v1/household/{family['home']}", json={"city": "Nantes"})
    assert response.status_code == status


@pytest.mark.parametrize("role, status", [("admin", 200), ("agent", 200), ("regisseur", 403),
                                          ("animateur", 403)])
def test_archive_api(api, family, role, status):
    assert api(role).post(f"/api/v1/person/{family['mother']}/archive").status_code == status


def test_a_parent_account_gets_no_api_token(client):
    # Parents use the portal: the staff API does not even log them in (test_portal.py).
    response = client.post("/api/v1/security/login", json={
        "username": "parent", "password": PASSWORD, "provider": "db"})
    assert response.status_code == 401


def test_household_api_hidden_from_animateur(api, family):
    assert api("animateur").get(f"/api/v1/household/{family['home']}").status_code == 403


def test_roles_sync_is_idempotent_and_keeps_custom_roles(app):
    from app.security.roles import sync_roles

    with app.test_request_context():
        sm = app.appbuilder.sm
        custom = sm.add_role("Secrétariat")
        first = sync_roles(app.appbuilder)
        second = sync_roles(app.appbuilder)
        assert first == second
        assert first["Parent"] == 0
        assert min(first["Agent"], first["Régisseur"]) > first["Animateur"] > 0
        assert sm.find_role("Secrétariat") is custom


def test_an_upgrade_never_overwrites_a_role_the_town_edited(app):
    """The town gives its agents the régie's payments list: the next `marelle init` (an
    upgrade) keeps it, while an untouched role still follows the code."""
    from app.security.roles import sync_roles

    with app.test_request_context():
        sm = app.appbuilder.sm
        sync_roles(app.appbuilder)
        agent = sm.find_role("Agent")
        extra = sm.find_permission_view_menu("can_list", "PaymentView")
        assert extra not in agent.permissions
        agent.permissions = agent.permissions + [extra]
        sm.session.commit()
        kept = []
        report = sync_roles(app.appbuilder, kept)
        assert kept == ["Agent"]
        assert extra in sm.find_role("Agent").permissions
        assert report["Agent"] == len(sm.find_role("Agent").permissions)
        assert "Régisseur" not in kept


def test_the_admin_edits_a_role_in_business_words_and_an_upgrade_keeps_it(app, login):
    from app.security.roles import sync_roles

    admin = login("admin")
    page = page_text(admin.get("/role_capabilities/"))
    assert "Messages aux familles" in page and "Familles : lire" in page
    with app.app_context():
        role_id = app.appbuilder.sm.find_role("Animateur").id
    assert login("animateur").get("/messages/").status_code in (302, 403)
    admin.post(f"/role_capabilities/{role_id}",
               data={"capabilities": ["attendance", "messages", "families_read"]})
    assert login("animateur").get("/messages/").status_code == 200
    with app.test_request_context():
        kept = []
        sync_roles(app.appbuilder, kept)
        assert "Animateur" in kept
    assert login("animateur").get("/messages/").status_code == 200
    assert login("agent").get("/role_capabilities/").status_code in (302, 403)


def test_a_new_staff_member_is_invited_to_choose_their_password(app, login, smtp_server):
    """The FAQ's user form: login = e-mail, name, role, messaging, schools then services;
    nobody types the new person's password: an e-mail invites them to choose it."""
    from app.models import School

    admin = login("admin")
    with app.app_context():
        role_id = app.appbuilder.sm.find_role("Animateur").id
        school = School(name="École des Invités")
        db.session.add(school)
        db.session.commit()
        school_id = school.id
    form_page = admin.get("/users/add").get_data(as_text=True)
    assert "Mot de passe" not in page_text(admin.get("/users/add"))
    assert "Établissements" in form_page and "Messagerie" in form_page
    assert "Courriers imprimés" in form_page
    form = {"first_name": "Inès", "last_name": "Animatrice", "email": "Ines.Anim@Exemple.fr",
            "roles": [str(role_id)], "scope_schools": [str(school_id)],
            "messaging_channels": ["letter"]}
    created = admin.post("/users/add", data=form, follow_redirects=True)
    assert "Une invitation à choisir un mot de passe a été envoyée à ines.anim@exemple.fr." \
        in page_text(created)
    with app.app_context():
        from app.security import scopes
        from app.services import staff

        user = app.appbuilder.sm.find_user(username="ines.anim@exemple.fr")
        assert user is not None and user.email == "ines.anim@exemple.fr" and user.active
        assert scopes.scope_of(user.id).school_ids == (school_id,)
        assert staff.channels_of(user.id) == {"letter"}
        user_id = user.id
    received = smtp_server.last_to("ines.anim@exemple.fr")
    assert received.subject == "Votre compte Marelle"
    assert "Votre identifiant est votre adresse e-mail : ines.anim@exemple.fr" in received.text
    link = received.links()[0].removeprefix("http://localhost")
    client = app.test_client()
    assert client.post("/login/", data={"username": "ines.anim@exemple.fr",
                                        "password": ""}).status_code in (200, 302)
    saved = client.post(link, data={"password": "un-mot-de-passe-9",
                                    "confirm": "un-mot-de-passe-9"})
    assert saved.status_code == 302 and saved.location.endswith("/login/")
    response = client.post("/login/", data={"username": "ines.anim@exemple.fr",
                                            "password": "un-mot-de-passe-9"})
    assert response.location == "/", response.location
    assert client.get("/attendance/").status_code == 200
    # The person's page says what the form set, and offers a new link.
    shown = page_text(admin.get(f"/users/show/{user_id}"))
    assert "École des Invités" in shown and "Courriers imprimés" in shown
    assert "Envoyer un lien pour choisir le mot de passe" in shown
    # The edit form shows what was chosen, and keeps it when saved again.
    edit = admin.get(f"/users/edit/{user_id}").get_data(as_text=True)
    assert re.search(rf'<option selected value="{school_id}">', edit)
    assert '<option selected value="letter">' in edit
    # Deactivated, never deleted: no delete button nor route.
    assert admin.post(f"/users/delete/{user_id}").status_code in (302, 403, 404, 405)
    with app.app_context():
        assert app.appbuilder.sm.get_user_by_id(user_id) is not None
    again = admin.post("/users/add", data={**form, "first_name": "Autre"},
                       follow_redirects=True)
    assert "L'adresse ines.anim@exemple.fr est déjà l'identifiant d'un autre compte." in \
        page_text(again)
    # An account made before keeps its login when its e-mail changes.
    with app.app_context():
        agent = app.appbuilder.sm.find_user(username="agent")
        agent_id, agent_role = agent.id, agent.roles[0].id
    admin.post(f"/users/edit/{agent_id}", data={
        "first_name": "Agent", "last_name": "Test", "email": "accueil@exemple.fr",
        "active": "y", "roles": [str(agent_role)]})
    with app.app_context():
        agent = app.appbuilder.sm.get_user_by_id(agent_id)
        assert (agent.username, agent.email) == ("agent", "accueil@exemple.fr")


def test_the_users_list_is_the_staff_and_offers_staff_roles_only(app, login):
    with app.test_request_context():
        from app.extensions import db
        from tests import factories

        _, (mother,), _ = factories.household("Portaillist")
        email = factories.parent_login(db.session, mother)
        db.session.commit()
        parent_id = app.appbuilder.sm.find_user(username=email).id
    admin = login("admin")
    listing = page_text(admin.get("/users/list/?psize_UserDBModelView=100"))
    assert "agent" in listing and email not in listing
    assert admin.get(f"/users/show/{parent_id}").status_code in (302, 404)
    form = admin.get("/users/add").get_data(as_text=True)
    roles = re.findall(r'<option value="\d+">([^<]+)</option>', form)
    assert "Agent" in roles and "Parent" not in roles and "Public" not in roles


def test_a_deactivated_account_stays_logged_out_when_reactivated(app, login, smtp_server):
    from app.cli import ensure_user
    from app.services import staff

    with app.test_request_context():
        user, _created = ensure_user("partant", PASSWORD, "Agent", "Paul", "Partant",
                                     "paul.partant@exemple.fr")
        staff.send_invitation(user)
        db.session.commit()
        user_id, role_id = user.id, user.roles[0].id
    link = smtp_server.last_to("paul.partant@exemple.fr").links()[0] \
        .removeprefix("http://localhost")
    leaving = login("partant")
    assert leaving.get("/childview/list/").status_code == 200
    admin = login("admin")
    form = {"first_name": "Paul", "last_name": "Partant", "email": "paul.partant@exemple.fr",
            "roles": [str(role_id)]}
    admin.post(f"/users/edit/{user_id}", data=form)  # « Actif » unticked
    assert leaving.get("/childview/list/").status_code in (302, 401)
    admin.post(f"/users/edit/{user_id}", data={**form, "active": "y"})
    assert leaving.get("/childview/list/").status_code in (302, 401)
    # The invitation sent before no longer works either.
    assert "/login" in (app.test_client().post(link, data={
        "password": "un-mot-de-passe-9", "confirm": "un-mot-de-passe-9"}).location or "/login")
    with app.app_context():
        assert app.appbuilder.sm.auth_user_db("partant", "un-mot-de-passe-9") is None


def test_user_actions_posted_from_the_list_answer_without_a_server_error(app, login):
    with app.app_context():
        agent_id = app.appbuilder.sm.find_user(username="agent").id
    admin = login("admin")
    for name in ("invite", "scope"):
        answer = admin.post("/users/action_post", data={"action": name, "rowid": [str(agent_id)]})
        assert answer.status_code in (302, 400), name


def test_the_users_form_refuses_a_broken_address_and_keeps_what_was_typed(app, login):
    with app.app_context():
        role_id = app.appbuilder.sm.find_role("Agent").id
    refused = login("admin").post("/users/add", data={
        "first_name": "Claire", "last_name": "Dupuis", "email": "claire.dupuis@",
        "roles": [str(role_id)]})
    text = page_text(refused)
    assert refused.status_code == 200 and "L'adresse e-mail « claire.dupuis@ » n'est pas " \
        "valide." in text.replace("“", "« ").replace("”", " »")
    assert 'value="Dupuis"' in refused.get_data(as_text=True)
    with app.app_context():
        assert app.appbuilder.sm.find_user(email="claire.dupuis@") is None


def test_a_staff_account_is_deactivated_not_deleted_and_a_refusal_names_the_role(app, login):
    with app.app_context():
        agent_id = app.appbuilder.sm.find_user(username="agent").id
    admin = login("admin")
    # No delete button to confirm; an old link or bookmark explains instead.
    assert f"/users/delete/{agent_id}" not in admin.get("/users/list/").get_data(as_text=True)
    assert "/users/delete/" not in admin.get(f"/users/show/{agent_id}").get_data(as_text=True)
    answer = admin.post(f"/users/delete/{agent_id}", follow_redirects=True)
    assert answer.request.path == f"/users/edit/{agent_id}"
    assert "Un compte du personnel ne se supprime pas : décochez « Actif ? »" in \
        page_text(answer)
    with app.app_context():
        assert app.appbuilder.sm.get_user_by_id(agent_id) is not None
    refused = login("animateur").get("/users/list/")
    assert refused.status_code == 403
    assert "Votre rôle (Animateur) ne permet pas cette action." in page_text(refused)


def test_an_address_on_file_never_blocks_another_change(app, login):
    """The demo's staff have « …@marelle.invalid » addresses, which today's check refuses:
    changing their messaging must still save."""
    from app.services import staff

    with app.app_context():
        user = app.appbuilder.sm.find_user(username="animateur")
        user_id, role_id, email = user.id, user.roles[0].id, user.email
    assert email.endswith(".invalid")
    admin = login("admin")
    admin.post(f"/users/edit/{user_id}", data={
        "first_name": "Animateur", "last_name": "Test", "email": email, "active": "y",
        "roles": [str(role_id)], "messaging_channels": ["letter"]})
    with app.app_context():
        assert staff.channels_of(user_id) == {"letter"}
    # A new address is checked.
    refused = admin.post(f"/users/edit/{user_id}", data={
        "first_name": "Animateur", "last_name": "Test", "email": "autre@exemple.invalid",
        "active": "y", "roles": [str(role_id)]})
    assert "n'est pas valide" in page_text(refused)
    shown = page_text(admin.get(f"/users/show/{user_id}"))
    assert "Compte" in shown and "Mes informations" not in shown
