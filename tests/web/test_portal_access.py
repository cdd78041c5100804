"""« Accès au portail » on an adult's record: staff open, reset, lock and delete a parent's
login; the login follows the record's e-mail."""
import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import LoginLink, OutgoingEmail, PortalAccount, Person
from tests import factories
from tests.support import PASSWORD, page_text, portal_client


@pytest.fixture
def mother(app):
    with app.test_request_context():
        _, (adult,), _ = factories.household("Accès")
        db.session.commit()
        return adult.id


def test_staff_open_the_login_and_an_invitation_leaves(app, login, mother):
    agent = login("agent")
    assert "Pas d'accès" in page_text(agent.get(f"/portal_access/{mother}"))
    response = agent.post(f"/portal_access/{mother}/open", data={"email": "Claire@Exemple.fr"})
    assert response.status_code == 302
    text = page_text(agent.get(response.location))
    assert "Invité" in text and "claire@exemple.fr" in text
    with app.app_context():
        email = db.session.scalar(sa.select(OutgoingEmail).where(
            OutgoingEmail.person_id == mother))
        assert email.recipient == "claire@exemple.fr" and email.kind == "invitation"
        assert email.state == "sent"
        # Sent, the stored copy keeps no working link (a database dump opens no account).
        assert "/portal/password/" not in email.body_text + email.body_html
        assert "[lien retiré après l'envoi]" in email.body_text
        assert db.session.get(Person, mother).can_login is True


def test_a_bad_or_taken_address_is_refused_on_the_page(app, login, mother):
    agent = login("agent")
    response = agent.post(f"/portal_access/{mother}/open", data={"email": "pas-une-adresse"})
    assert response.status_code == 422
    assert "n'est pas valide" in page_text(response)
    with app.test_request_context():
        _, (other,), _ = factories.household("Autre")
        taken = factories.parent_login(db.session, other)
        db.session.commit()
    response = agent.post(f"/portal_access/{mother}/open", data={"email": taken.upper()})
    assert "est déjà l'identifiant d'un autre compte" in page_text(response)
    with app.app_context():
        assert db.session.scalar(sa.select(PortalAccount).where(
            PortalAccount.person_id == mother)) is None


def test_a_produced_link_works_once_and_replaces_the_earlier_one(app, login, mother):
    agent = login("agent")
    agent.post(f"/portal_access/{mother}/open", data={"email": "lien@exemple.fr"})
    text = page_text(agent.post(f"/portal_access/{mother}/link"))
    link = text.split("/portal/password/")[1].split()[0].split("<")[0]
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(LoginLink).where(
            LoginLink.used_at.is_(None))) == 1
    client = app.test_client()
    response = client.post(f"/portal/password/{link}",
                           data={"password": "un-mot-de-passe", "confirm": "un-mot-de-passe"})
    assert response.status_code == 302
    assert "Actif" in page_text(agent.get(f"/portal_access/{mother}"))
    portal_client(app, "lien@exemple.fr", "un-mot-de-passe")
    again = client.get(f"/portal/password/{link}")
    assert again.status_code == 410 and "déjà servi" in page_text(again)


def test_locking_ends_the_parents_session_and_unlocking_restores_the_login(app, login):
    with app.test_request_context():
        _, _, (mother,), _, email = factories.portal_family(db.session, "Bloqué")
        db.session.commit()
        mother_id = mother.id
    parent = portal_client(app, email)
    agent = login("agent")
    agent.post(f"/portal_access/{mother_id}/lock")
    assert "Bloqué" in page_text(agent.get(f"/portal_access/{mother_id}"))
    response = parent.get("/portal/")
    assert response.status_code == 302 and "/portal/login" in response.location
    locked = app.test_client().post("/portal/login", data={"email": email, "password": PASSWORD})
    assert locked.status_code == 403
    assert "Votre accès au portail est suspendu : contactez le service enfance." in page_text(
        locked)
    # A wrong password learns nothing of it.
    assert app.test_client().post("/portal/login", data={
        "email": email, "password": "autre-chose"}).status_code == 401
    agent.post(f"/portal_access/{mother_id}/unlock")
    portal_client(app, email)


def test_the_login_follows_the_records_email(app, login):
    with app.test_request_context():
        _, _, (mother,), _, email = factories.portal_family(db.session, "Suivi")
        db.session.commit()
        mother_id, first = mother.id, mother.first_name
    agent = login("agent")
    response = agent.post(f"/adultview/edit/{mother_id}", data={
        "last_name": "Suivi", "first_name": first, "email": "nouvelle@exemple.fr"})
    assert response.status_code == 302
    portal_client(app, "nouvelle@exemple.fr")
    # Another login's address is refused on the form, nothing saved.
    with app.test_request_context():
        _, (other,), _ = factories.household("Autre")
        taken = factories.parent_login(db.session, other)
        db.session.commit()
    response = agent.post(f"/adultview/edit/{mother_id}", data={
        "last_name": "Suivi", "first_name": first, "email": taken})
    assert "est déjà l'identifiant d'un autre compte" in page_text(response)
    with app.app_context():
        assert db.session.get(Person, mother_id).email == "nouvelle@exemple.fr"


def test_deleting_the_access_keeps_the_record(app, login):
    with app.test_request_context():
        _, _, (mother,), _, email = factories.portal_family(db.session, "Supprimé")
        db.session.commit()
        mother_id = mother.id
    agent = login("agent")
    agent.post(f"/portal_access/{mother_id}/close")
    assert "Pas d'accès" in page_text(agent.get(f"/portal_access/{mother_id}"))
    assert app.test_client().post("/portal/login", data={
        "email": email, "password": PASSWORD}).status_code == 401
    with app.app_context():
        assert db.session.get(Person, mother_id) is not None


def test_the_animateur_cannot_manage_logins_and_the_regisseur_only_reads(login, mother):
    assert login("animateur").get(f"/portal_access/{mother}").status_code in (302, 403)
    regisseur = login("regisseur")
    assert regisseur.get(f"/portal_access/{mother}").status_code == 200
    assert regisseur.post(f"/portal_access/{mother}/open",
                          data={"email": "x@exemple.fr"}).status_code in (302, 403)
