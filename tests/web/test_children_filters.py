"""The children list filtered by school, class and service (« Établissement », « Classe »,
« Prestation »): what staff pick before writing to « all the canteen's children of école Jules
Ferry », and what the message and the official documents then receive."""
from datetime import date

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Message, MessageRecipient
from app.services import bookings, schooling
from tests import factories
from tests.support import page_text


@pytest.fixture
def town(app):
    """Jules-Ferry: Léa (CP A, canteen), Hugo (CE1 A, evening care), Tom (CP A, canteen until
    31 October: ended); Pasteur: Zoé (CP A, canteen); Max left Jules-Ferry in July for Pasteur
    and still eats at the canteen."""
    with app.test_request_context():
        ferry = factories.school_setup(db.session, name="École Filtre-Ferry")
        pasteur = factories.school_setup(db.session, name="École Filtre-Pasteur")
        cp, ce1 = ferry["classes"]["CP A"], ferry["classes"]["CE1 A"]
        cp_pasteur = pasteur["classes"]["CP A"]
        every = [cp, ce1, cp_pasteur, ferry["classes"]["CM2 A"]]
        canteen = factories.service(db.session, name="Cantine Filtre", classes=every)
        care = factories.service(db.session, name="Garderie Filtre", classes=every)
        people = {}
        for name, school_class, service, end in (
                ("Filtrelea", cp, canteen, None), ("Filtrehugo", ce1, care, None),
                ("Filtretom", cp, canteen, date(2026, 10, 31)),
                ("Filtrezoe", cp_pasteur, canteen, None)):
            _, (parent,), (child,) = factories.household(name)
            parent.email = f"{name.lower()}@exemple.fr"
            schooling.enroll(child, school_class, date(2026, 9, 1))
            bookings.subscribe(child, service, date(2026, 9, 1), end)
            people[name] = (child.id, parent.id)
        _, (parent,), (max_,) = factories.household("Filtremax")
        schooling.enroll(max_, ferry["classes"]["CM2 A"], date(2025, 9, 1), end_date=date(2026, 7, 4))
        schooling.enroll(max_, cp_pasteur, date(2026, 9, 1))
        bookings.subscribe(max_, canteen, date(2026, 9, 1))
        people["Filtremax"] = (max_.id, parent.id)
        db.session.commit()
        return dict(people=people, ferry=ferry["school"].id, pasteur=pasteur["school"].id,
                    cp=cp.id, ce1=ce1.id, canteen=canteen.id, care=care.id)


def listed(client, query):
    shown = page_text(client.get(f"/childview/list/?{query}")).upper()
    return {name for name in ("FILTRELEA", "FILTREHUGO", "FILTRETOM", "FILTREZOE", "FILTREMAX")
            if name in shown}


def test_the_list_offers_school_class_and_service_filters(login, town):
    html = login("agent").get("/childview/list/").get_data(as_text=True)
    # FAB's filter menu is a script's JSON (non-ASCII letters written \\u00c9).
    menu = html.split("new AdminFilters(")[1].split(");")[0].encode().decode("unicode_escape")
    assert '"school": "Établissement"' in menu and '"school_class": "Classe"' in menu
    assert '"service": "Prestation"' in menu and "Inscrit dans" in menu
    assert "Cantine Filtre" in menu and "Garderie Filtre" in menu
    assert "École Filtre-Ferry" in menu and "École Filtre-Ferry — CE1 A" in menu


def test_each_filter_keeps_the_children_enrolled_or_subscribed_now(login, town):
    agent = login("agent")
    assert listed(agent, f"_flt_0_service={town['canteen']}") == {
        "FILTRELEA", "FILTREZOE", "FILTREMAX"}
    assert listed(agent, f"_flt_0_school={town['ferry']}") == {
        "FILTRELEA", "FILTREHUGO", "FILTRETOM"}
    assert listed(agent, f"_flt_0_school_class={town['ce1']}") == {"FILTREHUGO"}
    # Together: the canteen's children of école Filtre-Ferry.
    assert listed(agent, f"_flt_0_school={town['ferry']}&_flt_0_service={town['canteen']}") \
        == {"FILTRELEA"}
    # A value that names nothing lists nobody: never the whole town.
    assert listed(agent, "_flt_0_service=cantine") == set()
    assert listed(agent, "_flt_0_school=999999") == set()


def test_a_message_from_the_list_filtered_by_service_goes_to_those_children_only(
        app, login, town, smtp_server):
    agent = login("agent")
    query = f"source=child&_flt_0_service={town['care']}"
    assert "1 destinataire — 1 avec une adresse e-mail." in page_text(
        agent.get(f"/messages/new?{query}"))
    agent.post(f"/messages/new?{query}", data={
        "subject": "Garderie fermée vendredi", "body": "Bonjour {prenom}."},
        follow_redirects=True)
    with app.app_context():
        message = db.session.scalar(sa.select(Message).where(
            Message.subject == "Garderie fermée vendredi"))
        recipients = set(db.session.scalars(sa.select(MessageRecipient.person_id).where(
            MessageRecipient.message_id == message.id)))
    assert recipients == {town["people"]["Filtrehugo"][1]}
    assert smtp_server.last_to("filtrehugo@exemple.fr").subject == "Garderie fermée vendredi"
    # School and service together: Léa's parent alone.
    page = page_text(agent.get(f"/messages/new?source=child&_flt_0_school={town['ferry']}"
                               f"&_flt_0_service={town['canteen']}"))
    assert "1 destinataire — 1 avec une adresse e-mail." in page


def test_the_official_documents_receive_the_filtered_list(login, town):
    agent = login("agent")
    form = page_text(agent.get("/official_documents/information_sheets/children"
                               f"?_flt_0_service={town['canteen']}"))
    assert "Les 3 enfants de la liste." in form
    listing = agent.get(f"/childview/list/?_flt_0_school_class={town['cp']}")
    assert f"_flt_0_school_class={town['cp']}" in listing.get_data(as_text=True)
