"""« Mot de passe oublié » on the staff login page, end to end: the link is read from the
e-mail a real SMTP server received."""
import html
import re
from datetime import timedelta

import pytest

from app.extensions import db
from tests.support import PASSWORD, TOWN_NOW

NEW_PASSWORD = "Un-nouveau-mot-2026"
ANSWER = "Si un compte correspond, un e-mail contenant un lien"


@pytest.fixture
def staff(app):
    """An agent whose e-mail can receive mail (the test users' .invalid addresses cannot)."""
    from app.cli import ensure_user

    with app.test_request_context():
        ensure_user("cdupont", PASSWORD, "Agent", "Claire", "Dupont", "Claire.Dupont@example.fr")
        ensure_user("pmartin", PASSWORD, "Parent", "Paul", "Martin", "paul.martin@example.fr")
        db.session.commit()
    return "claire.dupont@example.fr"


def _ask(client, typed):
    return client.post("/forgot-password", data={"login": typed})


def _link(smtp_server, address):
    links = smtp_server.last_to(address).links()
    assert len(links) == 1
    return links[0].removeprefix("http://localhost")


def _can_log_in(app, username, password) -> bool:
    response = app.test_client().post("/login/", data={"username": username,
                                                       "password": password})
    return response.status_code == 302 and "/login" not in response.location


def test_the_login_page_offers_a_forgotten_password_link(client):
    page = client.get("/login/").get_data(as_text=True)
    assert 'href="/forgot-password"' in page and "Mot de passe oublié ?" in page
    form = client.get("/forgot-password")
    assert form.status_code == 200  # public: no login asked
    assert "Votre adresse e-mail ou votre identifiant" in form.get_data(as_text=True)


def test_a_staff_member_sets_a_new_password_from_the_emailed_link(app, client, staff,
                                                                  smtp_server):
    elsewhere = app.test_client()
    elsewhere.post("/login/", data={"username": "cdupont", "password": PASSWORD})
    assert elsewhere.get("/emails/list/").status_code == 200
    answer = _ask(client, "CLAIRE.DUPONT@example.fr")
    assert answer.status_code == 200 and ANSWER in answer.get_data(as_text=True)
    received = smtp_server.last_to(staff)
    assert received.subject == "Choisir un nouveau mot de passe"
    assert "identifiant : cdupont" in received.text  # « j'ai perdu mon login » too
    assert "ne sert qu'une fois, jusqu'au vendredi 20 novembre à 12:00" in received.text
    assert "Choisir mon nouveau mot de passe" in received.html
    link = _link(smtp_server, staff)
    assert re.fullmatch(r"/reset-password/[\w-]{40,}", link)

    form = client.get(link).get_data(as_text=True)
    assert "Nouveau mot de passe" in form and "Au moins 10 caractères." in form
    weak = client.post(link, data={"password": "court", "confirm": "court"})
    assert "au moins 10 caractères" in weak.get_data(as_text=True)
    differ = client.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD + "x"})
    assert "Les deux mots de passe sont différents." in differ.get_data(as_text=True)

    saved = client.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert saved.status_code == 302 and saved.location.endswith("/login/")
    login_page = client.get(saved.location).get_data(as_text=True)
    assert "Votre mot de passe est enregistré : connectez-vous." in login_page
    assert not _can_log_in(app, "cdupont", PASSWORD)
    assert _can_log_in(app, "cdupont", NEW_PASSWORD)
    # A session opened with the old password has ended.
    assert elsewhere.get("/emails/list/").status_code == 302

    again = client.get(link).get_data(as_text=True)
    assert "Ce lien a déjà servi" in again and 'href="/forgot-password"' in again
    reused = client.post(link, data={"password": "Encore-un-autre-1", "confirm":
                                     "Encore-un-autre-1"})
    assert "Ce lien a déjà servi" in reused.get_data(as_text=True)
    assert _can_log_in(app, "cdupont", NEW_PASSWORD)


def test_the_login_works_as_well_as_the_email(client, staff, smtp_server):
    _ask(client, " CDupont ")
    assert smtp_server.last_to(staff).subject == "Choisir un nouveau mot de passe"


def test_an_unknown_address_gets_the_same_answer_and_no_email(client, staff, smtp_server):
    known = _ask(client, staff).get_data(as_text=True)
    smtp_server.clear()
    unknown = _ask(client, "personne@example.fr")
    assert unknown.status_code == 200
    assert unknown.get_data(as_text=True).count(ANSWER) == known.count(ANSWER) == 1
    assert smtp_server.messages == []


def test_a_parent_account_gets_no_staff_link(client, staff, smtp_server):
    answer = _ask(client, "paul.martin@example.fr")
    assert ANSWER in answer.get_data(as_text=True)
    assert smtp_server.messages == []


def test_a_disabled_account_gets_no_link(app, client, staff, smtp_server):
    with app.test_request_context():
        user = app.appbuilder.sm.find_user(username="cdupont")
        user.active = False
        db.session.commit()
    _ask(client, staff)
    assert smtp_server.messages == []


def test_an_expired_link_is_refused_with_a_way_to_ask_again(app, client, staff, smtp_server,
                                                           town_clock):
    _ask(client, staff)
    link = _link(smtp_server, staff)
    town_clock(TOWN_NOW + timedelta(hours=2, minutes=1))
    page = client.get(link).get_data(as_text=True)
    assert "Ce lien a expiré. Demandez-en un nouveau." in page and "Demander un nouveau lien" in page
    refused = client.post(link, data={"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert "Ce lien a expiré" in refused.get_data(as_text=True)
    assert _can_log_in(app, "cdupont", PASSWORD)


def test_a_newer_link_ends_the_older_one(client, staff, smtp_server):
    _ask(client, staff)
    first = _link(smtp_server, staff)
    _ask(client, staff)
    second = _link(smtp_server, staff)
    assert first != second
    assert "Ce lien a déjà servi, ou un lien plus récent" in client.get(first).get_data(
        as_text=True)
    assert "Nouveau mot de passe" in client.get(second).get_data(as_text=True)


def test_a_made_up_link_is_refused(client):
    page = html.unescape(client.get("/reset-password/" + "x" * 43).get_data(as_text=True))
    assert "Ce lien n'est pas valide. Demandez-en un nouveau." in page


def test_asking_too_often_answers_429_in_french(app, client, staff, smtp_server, monkeypatch):
    monkeypatch.setitem(app.config, "PASSWORD_RESET_RATE_LIMITED", True)
    monkeypatch.setitem(app.config, "PASSWORD_RESET_RATE_LIMIT", "3 per 15 minutes")
    monkeypatch.setitem(app.config, "PASSWORD_RESET_RATE_LIMIT_PER_ADDRESS", "6 per 15 minutes")
    app.extensions.pop("marelle_recovery_throttle", None)  # fresh counters
    try:
        for _ in range(3):
            assert _ask(client, staff).status_code == 200
        hammered = _ask(client, staff.upper())
        assert hammered.status_code == 429 and int(hammered.headers["Retry-After"]) > 0
        assert "Trop de demandes : réessayez dans 15 min." in hammered.get_data(as_text=True)
        assert len(smtp_server.to(staff)) == 3
        # Another account from the same address, until the address's own limit.
        for number in range(2):
            assert _ask(client, f"inconnu{number}@example.fr").status_code == 200
        assert _ask(client, "inconnu9@example.fr").status_code == 429
    finally:
        app.extensions.pop("marelle_recovery_throttle", None)


def test_both_pages_check_the_csrf_token(client, staff, smtp_server, app, monkeypatch):
    _ask(client, staff)
    link = _link(smtp_server, staff)
    smtp_server.clear()
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)
    assert _ask(client, staff).status_code == 400
    assert client.post(link, data={"password": NEW_PASSWORD,
                                   "confirm": NEW_PASSWORD}).status_code == 400
    assert smtp_server.messages == []
    form = client.get("/forgot-password").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    answer = client.post("/forgot-password", data={"login": staff, "csrf_token": token})
    assert answer.status_code == 200 and len(smtp_server.messages) == 1
