"""The staff side of the parents' portal: texts, group documents, consents and who accepted
them, the « Diagnostic portail » of an adult; who may open what."""
import html
import io
from datetime import date

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Consent, GroupDocument
from app.services import consents, portal_texts
from tests import factories

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def family(app):
    with app.test_request_context():
        _, (mother,), (child,) = factories.household("Portail")
        db.session.commit()
        return {"mother": mother.id, "child": child.id}


def page(response):
    return html.unescape(response.get_data(as_text=True))


def test_the_texts_are_saved_together(session, login):
    client = login("agent")
    form = page(client.get("/portal_config/"))
    assert "Page de connexion" in form and "Page des réservations" in form
    response = client.post("/portal_config/", data={
        "login": "Bienvenue\r\n<b>sur</b> le portail", "home": "Accueil", "contact": "",
        "booking": "Réservez avant jeudi"})
    assert response.status_code == 302
    assert portal_texts.text_of("login") == "Bienvenue\n<b>sur</b> le portail"
    assert portal_texts.text_of("contact") == ""
    assert str(portal_texts.as_html(portal_texts.text_of("login"))) == \
        "Bienvenue<br>\n&lt;b&gt;sur&lt;/b&gt; le portail"


def test_a_text_too_long_is_refused_on_the_page(session, login):
    client = login("agent")
    response = client.post("/portal_config/", data={"login": "x" * 5001, "home": "Accueil"})
    assert response.status_code == 200
    assert "5001 caractères : 5000 au maximum." in page(response)
    assert portal_texts.text_of("home") == ""


def add_document(client, **fields):
    data = {"file": (io.BytesIO(PDF), "menu.pdf"), "name": "Menus de décembre",
            "description": "", "audience": "everyone", **fields}
    return client.post("/group_documents/add", data=data, content_type="multipart/form-data")


def test_a_document_is_published_and_downloaded_as_attachment(session, login):
    client = login("agent")
    assert add_document(client, portal_from="2026-12-01", portal_until="2026-12-31")\
        .status_code == 302
    document = db.session.scalars(sa.select(GroupDocument)).one()
    listing = page(client.get("/group_documents/"))
    assert "Menus de décembre" in listing and "01/12/2026 → 31/12/2026" in listing
    assert "tout le logiciel" in listing
    download = client.get(f"/group_documents/download/{document.id}")
    assert download.data == PDF
    assert download.headers["Content-Disposition"] == "attachment; filename=menu.pdf"


def test_a_document_for_some_groups(session, login):
    setup = factories.school_setup(db.session)
    db.session.commit()
    client = login("agent")
    form = page(client.get("/group_documents/add"))
    assert "École Jules-Ferry — CE1 A" in form
    response = add_document(client, audience="groups",
                            classes=[str(setup["classes"]["CE1 A"].id)])
    assert response.status_code == 302
    document = db.session.scalars(sa.select(GroupDocument)).one()
    assert [c.name for c in document.classes] == ["CE1 A"]
    assert "École Jules-Ferry — CE1 A" in page(client.get("/group_documents/"))
    # Groups chosen but nothing ticked would publish to everyone: refused on the page.
    refused = add_document(client, audience="groups")
    assert refused.status_code == 200
    assert "Cochez au moins un établissement" in page(refused)


def test_bad_files_and_dates_are_refused_on_the_page(session, login):
    client = login("agent")
    script = client.post("/group_documents/add", data={
        "file": (io.BytesIO(b"#!/bin/sh\nrm -rf /\n"), "menu.pdf"), "name": "Menu",
        "audience": "everyone"}, content_type="multipart/form-data")
    assert script.status_code == 200
    assert "envoyez un fichier PDF, JPEG ou PNG" in page(script)
    dates = add_document(client, portal_from="2026-12-31", portal_until="2026-12-01")
    assert dates.status_code == 200
    assert db.session.scalar(sa.select(sa.func.count(GroupDocument.id))) == 0


def test_editing_and_deleting_a_document(app, session, login):
    client = login("agent")
    add_document(client)
    document = db.session.scalars(sa.select(GroupDocument)).one()
    response = client.post(f"/group_documents/edit/{document.id}", data={
        "name": "Menus de janvier", "audience": "everyone", "portal_until": "2027-01-31"},
        content_type="multipart/form-data")
    assert response.status_code == 302
    db.session.refresh(document)
    assert document.name == "Menus de janvier" and document.portal_until == date(2027, 1, 31)
    assert client.post(f"/group_documents/delete/{document.id}").status_code == 302
    assert db.session.get(GroupDocument, document.id) is None


def test_consents_list_count_and_acceptances(session, login, family):
    client = login("agent")
    response = client.post("/consents/add", data={
        "label": "Règlement intérieur 2026-2027", "valid_from": "2026-09-01",
        "audience": "everyone", "document": "0"})
    assert response.status_code == 302
    consent = db.session.scalars(sa.select(Consent)).one()
    consents.accept(family["mother"], consent.id, date(2026, 11, 20))
    db.session.commit()
    listing = page(client.get("/consents/"))
    assert "Règlement intérieur 2026-2027" in listing
    assert f'/consents/acceptances/{consent.id}"><i class="fa fa-users"></i> 1</a>' in listing
    accepted = page(client.get(f"/consents/acceptances/{consent.id}"))
    assert "PORTAIL" in accepted and "20/11/2026 à 10:00" in accepted
    # Accepted: ended, not deleted.
    client.post(f"/consents/delete/{consent.id}")
    assert db.session.get(Consent, consent.id) is not None


def test_a_consent_ending_before_it_starts_is_refused(session, login):
    client = login("agent")
    response = client.post("/consents/add", data={
        "label": "Charte", "valid_from": "2026-12-01", "valid_until": "2026-11-01",
        "audience": "everyone", "document": "0"})
    assert response.status_code == 200
    assert "La fin de validité ne peut pas précéder son début." in page(response)
    assert db.session.scalar(sa.select(sa.func.count(Consent.id))) == 0


def test_the_diagnostic_from_the_adults_record(session, login, family):
    client = login("agent")
    record = page(client.get(f"/adultview/show/{family['mother']}"))
    assert f"/portal_diagnostic/{family['mother']}" in record
    diagnostic = page(client.get(f"/portal_diagnostic/{family['mother']}"))
    assert "Pas d'accès au portail" in diagnostic
    assert "list-group-item-danger" in diagnostic
    assert "aucune classe, ni en cours ni à venir" in diagnostic
    # A child's id is not an adult's diagnostic.
    assert client.get(f"/portal_diagnostic/{family['child']}").status_code == 404


PAGES = ["/portal_config/", "/group_documents/", "/group_documents/add", "/consents/",
         "/consents/add"]


@pytest.mark.parametrize("role, allowed", [("admin", True), ("agent", True),
                                           ("regisseur", False), ("animateur", False),
                                           ("parent", False)])
def test_who_manages_the_portal(login, role, allowed):
    client = login(role)
    for url in PAGES:
        assert (client.get(url).status_code == 200) is allowed, url


@pytest.mark.parametrize("role, allowed", [("admin", True), ("agent", True),
                                           ("regisseur", True), ("animateur", False),
                                           ("parent", False)])
def test_who_reads_the_diagnostic(login, family, role, allowed):
    response = login(role).get(f"/portal_diagnostic/{family['mother']}")
    assert (response.status_code == 200) is allowed


def test_an_activity_leader_cannot_change_anything(session, login):
    client = login("animateur")
    assert client.post("/portal_config/", data={"home": "Piraté"}).status_code != 200
    assert add_document(client).status_code != 302 or \
        db.session.scalar(sa.select(sa.func.count(GroupDocument.id))) == 0
    assert portal_texts.text_of("home") == ""
