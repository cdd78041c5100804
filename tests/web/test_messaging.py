"""Messages to families: variables checked before anything is written, one family or a whole
filtered list, each recipient's state, failures sent again, the copy on the portal."""
import io
import re

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Message, MessageRecipient, OutgoingEmail, Person
from tests import factories
from tests.support import page_text, portal_client

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def families(app):
    """Two households named Courrier: the Dupuis mother has an e-mail and an invoice to pay,
    the second household's father has no e-mail address."""
    with app.test_request_context():
        regie = factories.regie(db.session, code="MSG")
        _, (mother,), (child,) = factories.household("Courrier")
        mother.email = "mere.courrier@exemple.fr"
        factories.validated_invoice(db.session, mother, regie, total="42.50")
        _, (father,), (other_child,) = factories.household("Courrier")
        father.email = None
        db.session.commit()
        return dict(mother=mother.id, father=father.id, child=child.id,
                    child_name=child.first_name, mother_name=mother.first_name)


def test_an_unknown_variable_is_refused_before_anything_is_written(app, login, families):
    agent = login("agent")
    response = agent.post(f"/messages/new?source=adult&ids={families['mother']}", data={
        "subject": "Bonjour {prenom}", "body": "Votre enfant {prenom_enfant} est inscrit."})
    assert response.status_code == 422
    text = page_text(response)
    assert "Variable inconnue : {prenom_enfant}. Les variables sont {prenom}, {nom}" in text
    for trick in ("{prenom.__class__}", "{0}", "{prenom!r}", "{prenom:>999999999}"):
        refused = agent.post(f"/messages/new?source=adult&ids={families['mother']}", data={
            "subject": "Objet", "body": f"Bonjour {trick}"})
        assert refused.status_code == 422 and "Variable inconnue" in page_text(refused), trick
    broken = agent.post(f"/messages/new?source=adult&ids={families['mother']}", data={
        "subject": "Objet", "body": "Une accolade { ouverte"})
    assert "Une accolade n'est pas fermée" in page_text(broken)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Message.id))) == 0


def test_the_preview_shows_one_recipients_values(login, families):
    response = login("agent").post(f"/messages/new?source=adult&ids={families['mother']}", data={
        "subject": "Pour {prenom}", "preview": "1",
        "body": "Enfants : {enfants}. Reste à payer : {reste_a_payer}."})
    text = page_text(response).replace("\xa0", " ").replace("\u202f", " ")
    assert f"Pour {families['mother_name']}" in text
    assert f"Enfants : {families['child_name']}. Reste à payer : 42,50 €." in text


def test_a_message_to_a_filtered_list_with_states_retry_and_the_portal(app, login, families,
                                                                       smtp_server):
    smtp_server.refuse("mere.courrier@exemple.fr")
    agent = login("agent")
    # The children list filtered on the name: their guardians are the recipients.
    page = agent.get("/messages/new?source=child&_flt_0_search_name=courrier")
    assert "2 destinataires — 1 avec une adresse e-mail." in page_text(page)
    done = agent.post("/messages/new?source=child&_flt_0_search_name=courrier", data={
        "subject": "Sortie du mercredi", "body": "Bonjour {prenom},\nSortie mercredi.",
        "attachments": (io.BytesIO(PDF), "programme.pdf")},
        content_type="multipart/form-data", follow_redirects=True)
    summary = page_text(done)
    assert "2 destinataires : 0 e-mail envoyé, 1 en échec, 1 sans adresse e-mail." in summary
    with app.app_context():
        message = db.session.scalar(sa.select(Message))
        message_id = message.id
    states = page_text(agent.get(f"/messages/{message_id}"))
    assert "Pas d'adresse e-mail" in states and "Destinataire refusé par le serveur : 550" \
        in states
    # What needs doing comes first: the failed one, then the one without an address.
    assert states.index("Destinataire refusé") < states.index("Pas d'adresse e-mail")
    # The server takes it now: « Renvoyer » sends the failed one.
    smtp_server.refused.clear()
    agent.post(f"/messages/{message_id}/retry")
    received = smtp_server.last_to("mere.courrier@exemple.fr")
    assert received.subject == "Sortie du mercredi"
    assert received.text.startswith(f"Bonjour {families['mother_name']},")
    attachment = next(part for part in received.message.iter_attachments())
    assert attachment.get_filename() == "programme.pdf" and attachment.get_content() == PDF

    with app.app_context():
        copies = db.session.execute(
            sa.select(MessageRecipient.person_id, OutgoingEmail.state)
            .outerjoin(OutgoingEmail, OutgoingEmail.id == MessageRecipient.email_id)).all()
        assert sorted(copies) == sorted([(families["mother"], "sent"),
                                         (families["father"], None)])
        email = factories.parent_login(db.session, db.session.get(Person, families["mother"]),
                                       "mere.portail@exemple.fr")
        db.session.commit()
    portal = portal_client(app, email)
    assert "Sortie du mercredi" in page_text(portal.get("/portal/"))
    page = portal.get("/portal/messages").get_data(as_text=True)
    assert "Sortie mercredi." in page_text(portal.get("/portal/messages"))
    # The attachment, on the portal as in the e-mail; for this family alone.
    link = re.search(r'href="(/portal/messages/attachments/\d+)"', page).group(1)
    file = portal.get(link)
    assert file.status_code == 200 and file.data == PDF
    assert "programme.pdf" in file.headers["Content-Disposition"]
    with app.app_context():
        _, (stranger,), _ = factories.household("Ailleurs")
        other = factories.parent_login(db.session, stranger, "ailleurs.portail@exemple.fr")
        db.session.commit()
    assert portal_client(app, other).get(link).status_code == 404
    staff_link = link.replace("/portal/messages/", "/messages/")
    assert agent.get(staff_link).data == PDF
    assert f'href="{staff_link}"' in agent.get(f"/messages/{message_id}").get_data(as_text=True)


def test_a_message_to_the_list_filtered_by_service_reaches_its_childrens_guardians_only(
        app, login, families, smtp_server):
    """« Prestation » on the children list: the Dupuis child eats at the canteen, the other
    Courrier child does not; the message goes to the first one's mother alone."""
    from datetime import date

    from app.services import bookings

    with app.test_request_context():
        canteen = factories.service(db.session, name="Cantine Courrier")
        bookings.subscribe(db.session.get(Person, families["child"]), canteen, date(2026, 9, 1))
        db.session.commit()
        canteen_id = canteen.id
    agent = login("agent")
    listed = page_text(agent.get(f"/childview/list/?_flt_0_service={canteen_id}"))
    assert families["child_name"] in listed
    url = f"/messages/new?source=child&_flt_0_search_name=courrier&_flt_0_service={canteen_id}"
    assert "1 destinataire — 1 avec une adresse e-mail." in page_text(agent.get(url))
    agent.post(url, data={"subject": "Menu de la cantine", "body": "Bonjour {prenom}."},
               follow_redirects=True)
    with app.app_context():
        message = db.session.scalar(sa.select(Message).where(
            Message.subject == "Menu de la cantine"))
        assert set(db.session.scalars(sa.select(MessageRecipient.person_id).where(
            MessageRecipient.message_id == message.id))) == {families["mother"]}
    assert smtp_server.last_to("mere.courrier@exemple.fr").subject == "Menu de la cantine"


def test_only_staff_who_write_to_families_may(login, families):
    assert login("animateur").get("/messages/new?source=adult").status_code in (302, 403)
    assert login("regisseur").get("/messages/").status_code in (302, 403)
    assert login("agent").get("/messages/").status_code == 200


def test_families_email_does_not_reach_are_listed_and_their_letters_printed(app, login,
                                                                            families,
                                                                            smtp_server,
                                                                            monkeypatch):
    from pypdf import PdfReader

    monkeypatch.setitem(app.config, "TOWN_NAME", "Saint-Aubin")
    smtp_server.refuse("mere.courrier@exemple.fr")
    agent = login("agent")
    agent.post(f"/messages/new?source=adult&ids={families['mother']},{families['father']}",
               data={"subject": "Kermesse", "body": "Bonjour {prenom}, kermesse samedi."})
    with app.app_context():
        message_id = db.session.scalar(sa.select(Message.id))
    listed = page_text(agent.get("/messages/unreachable"))
    assert "Dernier e-mail en échec : Destinataire refusé par le serveur : 550" in listed
    assert "Pas d'adresse e-mail" in listed
    pdf = agent.get(f"/messages/{message_id}/letters.pdf")
    assert pdf.headers["Content-Type"] == "application/pdf"
    pages = [" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(pdf.data)).pages]
    assert len(pages) == 2 and all("Kermesse" in page for page in pages)
    assert any(f"Bonjour {families['mother_name']}, kermesse samedi." in p for p in pages)
    assert "3 rue des Écoles" in pages[0]
    # On the town's letterhead, dated as a letter is.
    assert all(page.startswith("Saint-Aubin") for page in pages)
    assert "Saint-Aubin, le 20 novembre 2026" in pages[0]
    # The list itself, on paper with the postal addresses, to post the letters.
    assert "Imprimer cette liste avec les adresses" in listed
    listing = agent.get("/messages/unreachable.pdf")
    assert listing.headers["Content-Type"] == "application/pdf"
    text = " ".join(" ".join(p.extract_text().split())
                    for p in PdfReader(io.BytesIO(listing.data)).pages)
    assert "Familles que les e-mails n'atteignent pas" in text
    assert "3 rue des Écoles" in text and "Pas d'adresse e-mail" in text
    assert "Destinataire refusé par le serveur : 550" in text


def test_the_form_names_the_recipients_and_previews_any_of_them(app, login, families):
    agent = login("agent")
    ids = f"{families['mother']},{families['father']}"
    with app.app_context():
        mother, father = (db.session.get(Person, families[k]) for k in ("mother", "father"))
        mother_name, father_name = mother.full_name, father.full_name
    page = agent.get(f"/messages/new?source=adult&ids={ids}")
    text = page_text(page)
    assert "Qui le reçoit" in text and mother_name in text and father_name in text
    shown = agent.post(f"/messages/new?source=adult&ids={ids}", data={
        "subject": "Pour {prenom}", "body": "Bonjour {prenom}", "preview": "1",
        "preview_for": str(families["father"])})
    with app.app_context():
        father_first = db.session.get(Person, families["father"]).first_name
        father_display = db.session.get(Person, families["father"]).display_name
    assert f"Tel que {father_display} le lira" in page_text(shown)
    assert f"Pour {father_first}" in page_text(shown)
    # Someone who is not a recipient cannot be previewed: the first one is shown instead.
    with app.app_context():
        _, (stranger,), _ = factories.household("Étranger")
        db.session.commit()
        stranger_id = stranger.id
    other = agent.post(f"/messages/new?source=adult&ids={ids}", data={
        "subject": "Lettre", "body": "Pour {prenom} {nom}", "preview": "1",
        "preview_for": str(stranger_id)})
    assert "étranger" not in page_text(other).lower()
    assert "Pour " in page_text(other) and "Tel que" in page_text(other)


def test_the_job_and_the_message_say_what_and_who_and_the_record_keeps_it(app, login,
                                                                          families):
    agent = login("agent")
    sent = agent.post(f"/messages/new?source=adult&ids={families['mother']}", data={
        "subject": "Fête de l'école", "body": "Bonjour {prenom}"}, follow_redirects=True)
    assert "Envoi du message « Fête de l'école »" in page_text(sent)
    with app.app_context():
        message_id = db.session.scalar(sa.select(Message.id))
        user = app.appbuilder.sm.find_user(username="agent")
        sender = f"{user.first_name} {user.last_name}"
    assert f"Envoyé par {sender} le 20/11/2026" in page_text(agent.get(f"/messages/{message_id}"))
    record = page_text(agent.get(f"/adultview/show/{families['mother']}"))
    assert "Messagerie" in record and "Fête de l'école" in record
    father = page_text(agent.get(f"/adultview/show/{families['father']}"))
    assert "Aucun message envoyé à cette personne pour l'instant." in father


def test_the_adults_record_says_what_is_still_due_and_the_last_payments(app, login, families):
    record = re.sub(r"<[^>]+>|[\xa0\u202f]", " ", page_text(
        login("agent").get(f"/adultview/show/{families['mother']}")))
    assert "Reste à payer sur les factures validées : 42,50 €" in " ".join(record.split())
    assert "Aucun paiement" in record
    with app.test_request_context():
        from app.models import Invoice
        from app.services import payments

        invoice = db.session.scalar(sa.select(Invoice).where(
            Invoice.payer_id == families["mother"]))
        payments.record_payment(families["mother"], invoice.regie_id, "40,00", "card",
                                invoice_ids=[invoice.id])
        db.session.commit()
    record = " ".join(re.sub(r"<[^>]+>|[\xa0\u202f]", " ", page_text(
        login("agent").get(f"/adultview/show/{families['mother']}"))).split())
    assert "Reste à payer sur les factures validées : 2,50 €" in record
    assert "Derniers paiements : 20/11/2026 carte bancaire 40,00 €" in record


def test_a_staff_member_uses_only_the_messaging_their_account_opens(app, login, families):
    from app.services import staff

    with app.app_context():
        agent_id = app.appbuilder.sm.find_user(username="agent").id
        staff.set_channels(agent_id, ["letter"])
        db.session.commit()
    agent = login("agent")
    record = page_text(agent.get(f"/adultview/show/{families['mother']}"))
    assert "Écrire un message" not in record
    assert "Écrire aux familles de cette liste" not in page_text(agent.get("/adultview/list/"))
    refused = agent.get(f"/messages/new?source=adult&ids={families['mother']}",
                        headers={"Referer": f"http://localhost/adultview/show/{families['mother']}"},
                        follow_redirects=True)
    assert "Votre compte ne donne pas accès à « Messages aux familles (e-mail et portail) »" \
        in page_text(refused)
    assert refused.request.path == f"/adultview/show/{families['mother']}"
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Message.id))) == 0
        staff.set_channels(agent_id, ["email"])
        db.session.commit()
    assert agent.get("/messages/unreachable.pdf").status_code == 302
    with app.app_context():
        from app.services import RuleViolation

        with pytest.raises(RuleViolation):
            staff.set_channels(agent_id, ["pigeon"])


def test_an_attachment_is_named_after_what_it_is(app, login, families, smtp_server):
    login("agent").post(f"/messages/new?source=adult&ids={families['mother']}", data={
        "subject": "Programme", "body": "Ci-joint.",
        "attachments": (io.BytesIO(PDF + b"<script>alert(1)</script>"), "evil.html")},
        content_type="multipart/form-data")
    attachment = next(smtp_server.last_to("mere.courrier@exemple.fr").message
                      .iter_attachments())
    assert attachment.get_filename() == "evil.pdf"


def test_attachments_chosen_before_a_preview_are_sent(app, login, families, smtp_server):
    import re

    agent = login("agent")
    url = f"/messages/new?source=adult&ids={families['mother']}"
    previewed = agent.post(url, data={
        "subject": "Menus", "body": "Bonjour {prenom}", "preview": "1",
        "attachments": (io.BytesIO(PDF), "menus.pdf")}, content_type="multipart/form-data")
    assert "Déjà jointes : menus.pdf" in re.sub(r"<[^>]+>", "", page_text(previewed))
    token = re.search(r'name="kept" value="([^"]+)"', previewed.get_data(as_text=True)).group(1)
    agent.post(url, data={"subject": "Menus", "body": "Bonjour {prenom}", "kept": token})
    attachment = next(smtp_server.last_to("mere.courrier@exemple.fr").message
                      .iter_attachments())
    assert attachment.get_filename() == "menus.pdf" and attachment.get_content() == PDF
    # A forged list (naming another private file) is ignored.
    smtp_server.clear()
    agent.post(url, data={"subject": "Menus", "body": "Bonjour", "kept": token[:-3] + "abc"})
    assert list(smtp_server.last_to("mere.courrier@exemple.fr").message.iter_attachments()) \
        == []
