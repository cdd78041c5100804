"""The parents' portal: a parent sees and changes only their own family, within the rules."""
import io
import re
from datetime import date, datetime

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Booking
from tests import factories
from tests.support import PASSWORD, page_text, portal_client


@pytest.fixture
def family(app):
    with app.test_request_context():
        regie, meal, (mother,), child, email = factories.portal_family(db.session)
        db.session.commit()
        return dict(regie_id=regie.id, meal_id=meal.id, mother_id=mother.id, child_id=child.id,
                    child_name=child.first_name, email=email)


@pytest.fixture
def parent(app, family):
    return portal_client(app, family["email"])


def booked_days(app, child_id):
    with app.app_context():
        return sorted(db.session.scalars(sa.select(Booking.date).where(
            Booking.person_id == child_id)))


# -- logging in and out -----------------------------------------------------------------------

def test_a_parent_logs_in_and_sees_their_child(parent, family):
    text = page_text(parent.get("/portal/"))
    assert "Bonjour" in text and family["child_name"] in text


def test_a_wrong_password_is_refused_in_french(app, family):
    response = app.test_client().post("/portal/login", data={"email": family["email"],
                                                             "password": "nope"})
    assert response.status_code == 401
    assert "Adresse e-mail ou mot de passe incorrect." in page_text(response)


def test_logout_ends_the_session_even_for_a_copied_cookie(app, parent):
    cookie = parent.get_cookie("session").value
    response = parent.post("/portal/logout")
    assert response.status_code == 302
    thief = app.test_client()
    thief.set_cookie("session", cookie)
    response = thief.get("/portal/")
    assert response.status_code == 302 and "/portal/login" in response.location


def test_a_parent_session_opens_no_back_office_page_or_staff_api(parent):
    for url in ("/householdview/list/", "/adultview/list/", "/invoiceview/list/"):
        response = parent.get(url)
        assert response.status_code == 302 and "/login/" in response.location, url
        assert "/portal/" not in response.location
    assert parent.get("/api/v1/person/").status_code == 401


def test_a_parent_account_cannot_log_in_to_the_back_office_or_the_api(app, family):
    client = app.test_client()
    response = client.post("/login/", data={"username": family["email"],
                                            "password": PASSWORD})
    assert client.get("/householdview/list/").status_code == 302
    response = client.post("/api/v1/security/login", json={
        "username": family["email"], "password": PASSWORD, "provider": "db"})
    assert response.status_code == 401


def test_a_staff_session_is_not_a_parent_one(login, app):
    agent = login("agent")
    response = agent.get("/portal/")
    assert response.status_code == 302 and "/portal/login" in response.location
    # And staff credentials do not open the portal.
    response = app.test_client().post("/portal/login", data={"email": "agent",
                                                             "password": PASSWORD})
    assert response.status_code == 401


def test_next_never_leads_off_the_portal(app, family):
    client = app.test_client()
    response = client.post("/portal/login?next=https://evil.example/x",
                           data={"email": family["email"], "password": PASSWORD})
    assert response.location.endswith("/portal/")


# -- bookings ---------------------------------------------------------------------------------

def test_the_week_grid_says_why_each_closed_day_is_closed(parent, family):
    # Friday 20/11 10:00: Monday 23/11 closed Thursday 10:00, Tuesday 24/11 closes right now.
    text = page_text(parent.get(f"/portal/bookings?child={family['child_id']}&week=2026-11-23"))
    assert "Semaine du 23/11/2026" in text
    assert "Réservation close depuis le jeu. 19 nov. à 10:00." in text
    assert "Réservation close depuis le ven. 20 nov. à 10:00." in text
    assert "2 jours ouvrés avant, à 10:00." in text


def test_a_parent_books_and_cancels_before_the_deadline(app, parent, family):
    child, meal = family["child_id"], family["meal_id"]
    response = parent.post("/portal/bookings", data={
        "child": child, "week": "2026-11-30",
        "day": [f"{meal}:2026-11-30", f"{meal}:2026-12-01"]})
    assert response.status_code == 302
    assert "Enregistré : 2 jours réservés." in page_text(parent.get(response.location))
    assert booked_days(app, child) == [date(2026, 11, 30), date(2026, 12, 1)]
    response = parent.post("/portal/bookings", data={
        "child": child, "week": "2026-11-30", "day": [f"{meal}:2026-12-01"]})
    assert "1 jour annulé" in page_text(parent.get(response.location))
    assert booked_days(app, child) == [date(2026, 12, 1)]


def test_a_day_past_its_deadline_is_not_changed_and_says_why(app, parent, family):
    child, meal = family["child_id"], family["meal_id"]
    response = parent.post("/portal/bookings", data={
        "child": child, "week": "2026-11-23",
        "day": [f"{meal}:2026-11-23", f"{meal}:2026-11-26"]})
    text = page_text(parent.get(response.location))
    assert "Enregistré : 1 jour réservé." in text
    assert ("lun. 23/11, Cantine" in text and " : pas de changement. Réservation close depuis "
            "le jeu. 19 nov. à 10:00." in text)
    assert booked_days(app, child) == [date(2026, 11, 26)]


def test_the_deadline_skips_the_weekend_and_a_public_holiday(app, parent, family, town_clock):
    # Monday 28/12: two working days before, skipping Sunday, Saturday and Christmas, is
    # Wednesday 23/12 at 10:00.
    child, meal = family["child_id"], family["meal_id"]
    town_clock(datetime(2026, 12, 23, 9, 59))
    parent.post("/portal/bookings", data={"child": child, "week": "2026-12-28",
                                          "day": [f"{meal}:2026-12-28"]})
    assert booked_days(app, child) == [date(2026, 12, 28)]
    town_clock(datetime(2026, 12, 23, 10, 0))
    response = parent.post("/portal/bookings", data={"child": child, "week": "2026-12-28"})
    assert "Réservation close depuis le mer. 23 déc. à 10:00." in page_text(
        parent.get(response.location))
    assert booked_days(app, child) == [date(2026, 12, 28)]


# -- another family's records -----------------------------------------------------------------

@pytest.fixture
def other_family(app):
    with app.test_request_context():
        regie, meal, (father,), child, email = factories.portal_family(db.session, "Autre")
        invoice = factories.validated_invoice(db.session, father, regie)
        db.session.commit()
        from app.services import payments

        payments.record_payment(father.id, regie.id, "10,00", "cash")
        db.session.commit()
        return dict(child_id=child.id, meal_id=meal.id, invoice_id=invoice.id,
                    regie_id=regie.id)


def test_another_familys_ids_give_404(app, parent, other_family):
    child = other_family["child_id"]
    assert parent.get(f"/portal/bookings?child={child}").status_code == 404
    response = parent.post("/portal/bookings", data={
        "child": child, "week": "2026-11-30", "day": [f"{other_family['meal_id']}:2026-11-30"]})
    assert response.status_code == 404
    assert booked_days(app, child) == []
    assert parent.get(f"/portal/invoices/{other_family['invoice_id']}.pdf").status_code == 404
    assert parent.get("/portal/bookings?child=abc").status_code == 404
    # Another payer's account statement, and a month that is no month.
    assert parent.get(f"/portal/account/{other_family['regie_id']}/2026-11.pdf").status_code \
        == 404
    assert parent.get("/portal/account/1/nope.pdf").status_code == 404


def test_an_invoice_shows_from_its_display_date(app, parent, family):
    from app.models import Invoice

    with app.test_request_context():
        invoice = factories.validated_invoice(db.session, db.session.get(
            __import__("app.models", fromlist=["Person"]).Person, family["mother_id"]),
            db.session.get(__import__("app.models", fromlist=["Regie"]).Regie,
                           family["regie_id"]), total="24.50")
        invoice.display_at = datetime(2026, 11, 25, 8, 0)
        number, invoice_id = invoice.number, invoice.id
        db.session.commit()
    assert number not in page_text(parent.get("/portal/invoices"))
    assert parent.get(f"/portal/invoices/{invoice_id}.pdf").status_code == 404
    with app.app_context():
        db.session.execute(sa.update(Invoice).where(Invoice.id == invoice_id)
                           .values(display_at=None))
        db.session.commit()
    text = page_text(parent.get("/portal/invoices"))
    assert f"Facture {number}" in text and "24,50 €" in text and "À payer" in text
    response = parent.get(f"/portal/invoices/{invoice_id}.pdf")
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
    assert "attachment" in response.headers["Content-Disposition"]


# -- consents ---------------------------------------------------------------------------------

def test_a_consent_must_be_accepted_before_booking_then_staff_see_who_accepted(
        app, parent, family, login):
    from app.services import consents

    with app.test_request_context():
        consent = consents.save(None, "Règlement intérieur 2026-2027", "À lire avant tout.",
                                date(2026, 9, 1), None, everyone=True)
        db.session.commit()
        consent_id = consent.id
    child, meal = family["child_id"], family["meal_id"]
    text = page_text(parent.get(f"/portal/bookings?child={child}&week=2026-11-30"))
    assert "Avant de réserver pour" in text and "Règlement intérieur 2026-2027" in text
    response = parent.post("/portal/bookings", data={
        "child": child, "week": "2026-11-30", "day": [f"{meal}:2026-11-30"]})
    assert ": pas de changement. Consentement à accepter d'abord." in page_text(
        parent.get(response.location))
    assert booked_days(app, child) == []
    assert "Consentements à accepter" in page_text(parent.get("/portal/"))
    response = parent.post(f"/portal/consents/{consent_id}")
    assert "Merci : votre consentement est enregistré." in page_text(
        parent.get(response.location))
    parent.post("/portal/bookings", data={"child": child, "week": "2026-11-30",
                                          "day": [f"{meal}:2026-11-30"]})
    assert booked_days(app, child) == [date(2026, 11, 30)]
    accepted = page_text(login("agent").get(f"/consents/acceptances/{consent_id}"))
    assert "20/11/2026 à 10:00" in accepted


def test_a_consent_of_another_school_asks_nothing(app, parent, family):
    from app.models import School
    from app.services import consents

    with app.test_request_context():
        other = School(name="École du Port")
        db.session.add(other)
        consents.save(None, "Sortie à la mer", None, date(2026, 9, 1), None, everyone=False,
                      schools=[other])
        db.session.commit()
    assert "Sortie à la mer" not in page_text(parent.get("/portal/consents"))


# -- documents --------------------------------------------------------------------------------

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_documents_own_and_shared_each_family_its_own(app, parent, family, other_family):
    from werkzeug.datastructures import FileStorage

    from app.models import Person
    from app.services import documents, group_documents

    with app.test_request_context():
        mother = db.session.get(Person, family["mother_id"])
        mine = documents.attach(mother, FileStorage(io.BytesIO(PDF), "attestation.pdf"),
                                "Attestation CAF", portal_from=date(2026, 11, 1))
        staff_only = documents.attach(mother, FileStorage(io.BytesIO(PDF), "note.pdf"),
                                      "Note interne")
        theirs = documents.attach(db.session.get(Person, other_family["child_id"]),
                                  FileStorage(io.BytesIO(PDF), "autre.pdf"), "Leur document",
                                  portal_from=date(2026, 11, 1))
        menu = group_documents.publish(FileStorage(io.BytesIO(PDF), "menus.pdf"),
                                       "Menus de décembre", None, date(2026, 11, 15), None,
                                       everyone=True)
        later = group_documents.publish(FileStorage(io.BytesIO(PDF), "noel.pdf"),
                                        "Fête de Noël", None, date(2026, 12, 1), None,
                                        everyone=True)
        db.session.commit()
        ids = dict(mine=mine.id, staff_only=staff_only.id, theirs=theirs.id, menu=menu.id,
                   later=later.id)
    text = page_text(parent.get("/portal/documents"))
    assert "Attestation CAF" in text and "Menus de décembre" in text
    assert "Note interne" not in text and "Leur document" not in text
    assert "Fête de Noël" not in text
    response = parent.get(f"/portal/documents/{ids['mine']}")
    assert response.status_code == 200 and response.data == PDF
    assert "attachment" in response.headers["Content-Disposition"]
    assert parent.get(f"/portal/shared-documents/{ids['menu']}").data == PDF
    for url in (f"/portal/documents/{ids['staff_only']}", f"/portal/documents/{ids['theirs']}",
                f"/portal/shared-documents/{ids['later']}"):
        assert parent.get(url).status_code == 404, url


# -- forms and limits -------------------------------------------------------------------------

@pytest.fixture
def csrf_on(app, monkeypatch):
    return lambda: monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)


def test_every_portal_form_needs_its_csrf_token(app, parent, family, csrf_on):
    csrf_on()
    for url, data in (("/portal/bookings", {"child": family["child_id"], "week": "2026-11-30"}),
                      ("/portal/consents/1", {}), ("/portal/logout", {}),
                      ("/portal/login", {"email": family["email"], "password": PASSWORD}),
                      ("/portal/forgot", {"email": family["email"]})):
        assert parent.post(url, data=data).status_code == 400, url
    page = parent.get(f"/portal/bookings?child={family['child_id']}").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = parent.post("/portal/bookings", data={
        "child": family["child_id"], "week": "2026-11-30", "csrf_token": token})
    assert response.status_code == 302


def test_logins_are_rate_limited_per_account(app, family, monkeypatch):
    monkeypatch.setitem(app.config, "AUTH_RATE_LIMITED", True)
    monkeypatch.setitem(app.config, "AUTH_RATE_LIMIT", "3 per 1 minute")
    monkeypatch.setitem(app.config, "RATELIMIT_STORAGE_URI", "memory://")
    app.extensions.pop("marelle_login_throttle", None)
    try:
        client = app.test_client()
        for _ in range(3):
            client.post("/portal/login", data={"email": family["email"], "password": "x"})
        response = client.post("/portal/login", data={"email": family["email"],
                                                      "password": PASSWORD})
        assert response.status_code == 429
        assert "Trop d'échecs de connexion" in page_text(response)
    finally:
        app.extensions.pop("marelle_login_throttle", None)


# -- e-mailed links ---------------------------------------------------------------------------

def test_an_invited_parent_chooses_a_password_from_the_email(app, login, smtp_server):
    with app.test_request_context():
        _, (mother,), _ = factories.household("Invitée")
        db.session.commit()
        mother_id = mother.id
    login("agent").post(f"/portal_access/{mother_id}/open", data={"email": "ines@exemple.fr"})
    received = smtp_server.last_to("ines@exemple.fr")
    assert received.subject == "Votre accès au portail parents"
    link = next(url for url in received.links() if "/portal/password/" in url)
    path = link.split("://", 1)[1].split("/", 1)[1]
    client = app.test_client()
    assert "Choisissez votre mot de passe" in page_text(client.get("/" + path))
    short = client.post("/" + path, data={"password": "court", "confirm": "court"})
    assert "Le mot de passe doit comporter au moins 10 caractères." in page_text(short)
    differ = client.post("/" + path, data={"password": "un-long-mot-1", "confirm": "autre"})
    assert "Les deux mots de passe" in page_text(differ)
    client.post("/" + path, data={"password": "un-long-mot-1", "confirm": "un-long-mot-1"})
    portal_client(app, "ines@exemple.fr", "un-long-mot-1")
    assert client.get("/" + path).status_code == 410


def test_forgot_password_on_the_portal_sends_a_link_to_parents_only(app, family, smtp_server):
    client = app.test_client()
    response = client.post("/portal/forgot", data={"email": family["email"].upper()})
    assert response.status_code == 302
    received = smtp_server.last_to(family["email"])
    link = next(url for url in received.links() if "/portal/password/" in url)
    path = "/" + link.split("://", 1)[1].split("/", 1)[1]
    client.post(path, data={"password": "encore-un-mot-2", "confirm": "encore-un-mot-2"})
    portal_client(app, family["email"], "encore-un-mot-2")
    # A staff login typed on the portal's page gets nothing: it is not even an e-mail.
    smtp_server.clear()
    answer = client.post("/portal/forgot", data={"email": "agent"})
    assert answer.status_code == 422 and "n'est pas valide" in page_text(answer)
    assert smtp_server.messages == []


def test_an_expired_link_says_so(app, family, smtp_server, town_clock):
    client = app.test_client()
    client.post("/portal/forgot", data={"email": family["email"]})
    link = next(url for url in smtp_server.last_to(family["email"]).links()
                if "/portal/password/" in url)
    town_clock(datetime(2026, 11, 20, 12, 1))
    page = client.get("/" + link.split("://", 1)[1].split("/", 1)[1])
    assert page.status_code == 410 and "Ce lien a expiré." in page_text(page)


PUBLIC_ENDPOINTS = {"static", "appbuilder.static", "AuthDBView.login", "MarelleAuthDBView.login",
                    "MarelleAuthDBView.logout", "PasswordRecoveryView.forgot",
                    "PasswordRecoveryView.reset", "SecurityApi.login", "SecurityApi.refresh",
                    "LocaleView.index", "UtilView.back"}


def test_a_parent_session_opens_no_back_office_or_api_url_at_all(app, parent):
    """Every URL of the application outside the portal, ids filled in, answers a parent's
    session with a login redirect, 401, 403 or 404 — never the page."""
    opened, tried = [], 0
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith(("/portal", "/static")) or rule.endpoint in PUBLIC_ENDPOINTS \
                or "GET" not in rule.methods or rule.endpoint.endswith("static"):
            continue
        values = {arg: ("1" if arg not in ("filename", "token") else "x") for arg in rule.arguments}
        try:
            url = rule.build(values, append_unknown=False)[1]
        except Exception:  # noqa: BLE001  (a converter that refuses "1": nothing to open)
            continue
        tried += 1
        if parent.get(url).status_code == 200:
            opened.append(url)
    assert tried > 150 and opened == []


def test_a_parent_changes_their_password_and_stays_logged_in(app, parent, family):
    wrong = parent.post("/portal/my-password", data={
        "current": "pas-le-bon", "password": "nouveau-mot-42", "confirm": "nouveau-mot-42"})
    assert "Ce n'est pas votre mot de passe actuel." in page_text(wrong)
    short = parent.post("/portal/my-password", data={
        "current": PASSWORD, "password": "court", "confirm": "court"})
    assert "au moins 10 caractères" in page_text(short)
    other_browser = portal_client(app, family["email"])
    response = parent.post("/portal/my-password", data={
        "current": PASSWORD, "password": "nouveau-mot-42", "confirm": "nouveau-mot-42"})
    assert response.status_code == 302
    assert "Votre nouveau mot de passe est enregistré." in page_text(parent.get(response.location))
    assert other_browser.get("/portal/").status_code == 302  # its other sessions ended
    portal_client(app, family["email"], "nouveau-mot-42")


def test_invoices_say_their_reminders_and_how_to_pay(app, parent, family):
    from app.models import InvoiceReminder, Person, Regie

    with app.test_request_context():
        regie = db.session.get(Regie, family["regie_id"])
        regie.payment_instructions = "Chèque à l'ordre du Trésor public, en mairie."
        invoice = factories.validated_invoice(db.session, db.session.get(
            Person, family["mother_id"]), regie, total="12.00", due_date=date(2026, 11, 10))
        db.session.add(InvoiceReminder(invoice_id=invoice.id, sent_on=date(2026, 11, 18),
                                       amount_due=invoice.total))
        db.session.commit()
    text = page_text(parent.get("/portal/invoices"))
    assert "En retard" in text and "Relance envoyée le 18/11/2026" in text
    assert "Chèque à l'ordre du Trésor public, en mairie." in text


# -- what the attack review found -------------------------------------------------------------

def test_emailed_links_never_take_the_requests_host(app, family, smtp_server, monkeypatch,
                                                    login):
    client = app.test_client()
    client.post("/portal/forgot", data={"email": family["email"]},
                headers={"Host": "evil.example"})
    assert smtp_server.messages == []  # no public address configured: nothing leaves
    monkeypatch.setitem(app.config, "PUBLIC_URL", "https://enfance.saint-aubin.fr/")
    client.post("/portal/forgot", data={"email": family["email"]},
                headers={"Host": "evil.example"})
    links = smtp_server.last_to(family["email"]).links()
    assert any(url.startswith("https://enfance.saint-aubin.fr/portal/password/")
               for url in links)
    assert not any("evil.example" in url for url in links)


def test_staff_are_told_when_no_link_can_be_mailed(app):
    from app.services import RuleViolation
    from app.views.portal_access import portal_link_for

    with app.test_request_context(base_url="http://marelle.saint-aubin.fr/"):
        with pytest.raises(RuleViolation) as refused:
            portal_link_for("jeton")
    assert refused.value.message.startswith(
        "L'adresse publique du site (PUBLIC_URL) n'est pas configurée")
    with app.test_request_context(base_url="http://127.0.0.1:5000/"):
        assert portal_link_for("jeton") == "http://127.0.0.1:5000/portal/password/jeton"


def test_a_staff_link_does_not_work_on_the_portal_nor_a_parents_on_the_staff_page(
        app, family, smtp_server):
    from app.services import login_links
    from app.models import PortalAccount

    with app.test_request_context():
        staff = app.appbuilder.sm.find_user(username="agent")
        staff_token = login_links.issue(staff.id, "password_reset")
        parent_user = db.session.scalar(sa.select(PortalAccount.user_id).where(
            PortalAccount.person_id == family["mother_id"]))
        parent_token = login_links.issue(parent_user, "password_reset")
        db.session.commit()
    client = app.test_client()
    new = {"password": "un-mot-de-passe-9", "confirm": "un-mot-de-passe-9"}
    refused = client.post(f"/portal/password/{staff_token}", data=new)
    assert refused.status_code == 410 and "Ce lien n'est pas valide." in page_text(refused)
    refused = client.get(f"/reset-password/{parent_token}")
    assert "Ce lien n'est pas valide." in page_text(refused)
    # The staff password did not change.
    assert "/login/" in app.test_client().post("/login/", data={
        "username": "agent", "password": "un-mot-de-passe-9"}).location


def test_a_deleted_login_s_cookie_does_not_open_the_next_account_with_its_id(app, login):
    with app.test_request_context():
        _, _, (first,), _, first_email = factories.portal_family(db.session, "Premier")
        _, (second,), _ = factories.household("Second")
        db.session.commit()
        first_id, second_id = first.id, second.id
    old = portal_client(app, first_email)
    agent = login("agent")
    agent.post(f"/portal_access/{first_id}/close")
    with app.test_request_context():
        from app.models import Person

        email = factories.parent_login(db.session, db.session.get(Person, second_id))
        db.session.commit()
    portal_client(app, email)
    response = old.get("/portal/family")
    assert response.status_code == 302 and "/portal/login" in response.location


def test_guessing_the_current_password_is_limited_like_a_login(app, parent, family,
                                                               monkeypatch):
    monkeypatch.setitem(app.config, "AUTH_RATE_LIMITED", True)
    monkeypatch.setitem(app.config, "AUTH_RATE_LIMIT", "3 per 1 minute")
    monkeypatch.setitem(app.config, "RATELIMIT_STORAGE_URI", "memory://")
    app.extensions.pop("marelle_login_throttle", None)
    try:
        for n in range(3):
            assert parent.post("/portal/my-password", data={
                "current": f"essai-{n}", "password": "x" * 12,
                "confirm": "x" * 12}).status_code == 422
        locked = parent.post("/portal/my-password", data={
            "current": PASSWORD, "password": "x" * 12, "confirm": "x" * 12})
        assert locked.status_code == 429
        # The login of that account is locked too: the same counter.
        assert app.test_client().post("/portal/login", data={
            "email": family["email"], "password": PASSWORD}).status_code == 429
    finally:
        app.extensions.pop("marelle_login_throttle", None)


def test_a_next_with_a_line_break_is_ignored(app, family):
    response = app.test_client().post("/portal/login?next=/portal/%0D%0AX-Injected:%201",
                                      data={"email": family["email"], "password": PASSWORD})
    assert response.status_code == 302 and response.location.endswith("/portal/")


# -- what the parent's review asked for -------------------------------------------------------

def test_the_grid_lands_on_the_first_week_with_open_days_and_shows_the_price(app, parent,
                                                                            family, town_clock):
    town_clock(datetime(2026, 11, 26, 11, 0))  # Thursday: this week is closed
    text = page_text(parent.get(f"/portal/bookings?child={family['child_id']}"))
    assert "Semaine du 30/11/2026" in text and "3,20 €" in text


def test_a_week_nobody_can_change_says_why_once(app, family):
    from app.models import BillingRule, Person

    with app.test_request_context():
        mother = db.session.get(Person, family["mother_id"])
        db.session.scalar(sa.select(BillingRule).where(
            BillingRule.payer_id == mother.id)).criterion = "even_weeks"
        db.session.commit()
    parent = portal_client(app, family["email"])
    page = page_text(parent.get(f"/portal/bookings?child={family['child_id']}&week=2026-11-30"))
    sentence = ("Aucune règle de facturation à votre nom ne couvre ce jour : contactez le "
                "service enfance.")
    assert page.count(sentence) == 1 and "Enregistrer mes réservations" not in page


def test_a_public_holiday_is_not_offered(parent, family):
    page = page_text(parent.get(f"/portal/bookings?child={family['child_id']}&week=2026-12-21"))
    assert "Jour férié." in page  # Friday 25 December


def test_an_unknown_portal_page_stays_in_the_portal(parent):
    response = parent.get("/portal/invoices/999999.pdf")
    text = page_text(response)
    assert response.status_code == 404 and "Retour au portail" in text
    assert 'href="/portal/"' in response.get_data(as_text=True)


def test_a_prepaid_balance_reads_in_the_parents_words(app):
    from app.services import payments

    with app.test_request_context():
        regie, _meal, (mother,), _child, email = factories.portal_family(
            db.session, "Solde", mode="prepaid")
        payments.record_payment(mother.id, regie.id, "14,00", "cash")
        db.session.commit()
    text = page_text(portal_client(app, email).get("/portal/account"))
    assert "14,00 € en votre faveur" in text.replace("\u202f", " ").replace("\xa0", " ")


def test_a_login_change_is_told_to_both_addresses_and_an_email_cannot_be_emptied(
        app, login, smtp_server):
    with app.test_request_context():
        _, _, (mother,), _, email = factories.portal_family(db.session, "Change")
        db.session.commit()
        mother_id, first = mother.id, mother.first_name
    agent = login("agent")
    agent.post(f"/portal_access/{mother_id}/email", data={"email": "nouvelle.adresse@exemple.fr"})
    for address in (email, "nouvelle.adresse@exemple.fr"):
        received = smtp_server.last_to(address)
        assert received.subject == "Votre identifiant du portail a changé"
        assert "nouvelle.adresse@exemple.fr" in received.text
    emptied = agent.post(f"/adultview/edit/{mother_id}", data={
        "last_name": "Change", "first_name": first, "email": ""})
    assert "supprimez l'accès au portail avant de l'effacer" in page_text(emptied)
