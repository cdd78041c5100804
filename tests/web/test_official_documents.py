"""« Attestations fiscales » and « Fiches de renseignements » from the register's lists: who
may, the form, the job, the PDF read back, the documents saved for the portal."""
import html
import io
import re
from datetime import date

import pytest
import sqlalchemy as sa
from pypdf import PdfReader

from app.extensions import db
from app.models import Document, OutgoingEmail
from app.services import payments
from tests import factories


def words(response):
    shown = html.unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))
    return re.sub(r"\s+", " ", shown.replace("\xa0", " ").replace("\u202f", " "))


def pdf_text(data):
    return [" ".join(page.extract_text().replace("\u202f", " ").replace("\xa0", " ").split())
            for page in PdfReader(io.BytesIO(data)).pages]


@pytest.fixture
def family(app):
    with app.test_request_context():
        found = factories.care_family(db.session)
        found["mother"].email = "maman.durand@exemple.fr"
        payments.record_payment(found["mother"].id, found["regie"].id, "75,00", "cash",
                                invoice_ids=[found["invoice"].id])
        db.session.commit()
        return {key: getattr(value, "id", value) for key, value in found.items()}


def _run(client, url, data):
    done = client.post(url, data=data, follow_redirects=True)
    assert done.status_code == 200
    link = re.search(r'href="(/official_documents/download/[^"]+)"',
                     done.get_data(as_text=True))
    return words(done), (client.get(html.unescape(link.group(1))).data if link else None)


def test_the_regisseur_makes_the_certificates_of_the_filtered_children(app, login, family):
    with app.app_context():
        from app.services import portal_texts

        portal_texts.save_texts({"contact": "Service enfance — 02 40 00 00 00"})
        db.session.commit()
    regisseur = login("regisseur")
    listing = regisseur.get("/childview/list/?_flt_0_search_name=durand")
    assert 'id="tax-certificates-list"' in listing.get_data(as_text=True)
    url = "/official_documents/tax_certificates/children?_flt_0_search_name=durand"
    form = words(regisseur.get(url))
    assert "Pour les 2 enfants de la liste" in form
    assert "Garderie du soir" in form and "Restauration scolaire" not in form
    page = regisseur.get(url).get_data(as_text=True)
    assert 'value="2025-01-01"' in page and 'value="2025-12-31"' in page  # last year
    summary, pdf = _run(regisseur, url, {
        "services": str(family["care"]), "start": "2026-01-01", "end": "2026-12-31",
        "per": "payer", "save_to_records": "y", "notify": "y"})
    assert "1 attestation, pour 1 payeur et 1 enfant — 20,00 € payés en tout." in summary
    assert "Enregistrée dans les documents de 1 payeur." in summary
    assert "1 payeur prévenu par e-mail." in summary
    (page,) = pdf_text(pdf)
    assert "Attestation de frais de garde" in page
    assert "DURAND Léa" in page and "01/03/2020" in page and "Hugo" not in page
    assert "20,00 €" in page and "Restauration" not in page
    # The régie's name and the town's contact lines head it.
    assert "200 quater B" in page and page.startswith("Régie ENF Service enfance — 02 40 00")
    assert "du 01/01/2026 au 31/12/2026" in page
    with app.app_context():
        saved = db.session.scalars(sa.select(Document).where(
            Document.person_id == family["mother"])).one()
        assert saved.name == "Attestation de frais de garde 2026"
        assert saved.portal_from == date(2026, 11, 20)
        told = db.session.scalars(sa.select(OutgoingEmail).where(
            OutgoingEmail.kind == "certificate")).one()
        assert told.recipient == "maman.durand@exemple.fr"
        assert "2026" in told.subject


def test_meals_are_refused_and_the_form_says_why(login, family):
    regisseur = login("regisseur")
    answer = words(regisseur.post("/official_documents/tax_certificates/adults", data={
        "ids": str(family["mother"]), "services": [str(family["care"]), str(family["meals"])],
        "start": "2026-01-01", "end": "2026-12-31", "per": "payer"}))
    assert "Restauration scolaire" in answer
    two_years = words(regisseur.post("/official_documents/tax_certificates/adults", data={
        "ids": str(family["mother"]), "services": str(family["care"]),
        "start": "2025-06-01", "end": "2026-05-31", "per": "payer"}))
    assert "une année civile" in two_years


def test_per_child_from_the_households_list(login, family):
    regisseur = login("regisseur")
    summary, pdf = _run(regisseur, "/official_documents/tax_certificates/households"
                        "?_flt_2_name=durand", {
                            "services": str(family["care"]), "start": "2026-01-01",
                            "end": "2026-12-31", "per": "child"})
    assert "1 attestation, pour 1 payeur et 1 enfant" in summary
    assert len(pdf_text(pdf)) == 1


@pytest.mark.parametrize("role, status", [("admin", 200), ("regisseur", 200), ("agent", 403),
                                          ("animateur", 403)])
def test_who_may_make_certificates(login, family, role, status):
    client = login(role)
    response = client.get("/official_documents/tax_certificates/children")
    assert response.status_code == status
    listing = client.get("/childview/list/").get_data(as_text=True)
    assert ('id="tax-certificates-list"' in listing) == (status == 200)


def test_the_agent_prints_information_sheets_with_the_sections_ticked(app, login, family):
    agent = login("agent")
    listing = agent.get("/childview/list/?_flt_0_search_name=durand").get_data(as_text=True)
    assert 'id="information-sheets-list"' in listing
    url = "/official_documents/information_sheets/children?_flt_0_search_name=durand"
    assert "Santé et autorisations" in words(agent.get(url))
    summary, pdf = _run(agent, url, {"sections": ["identity", "guardians"],
                                     "save_to_records": "y"})
    assert "2 fiches de renseignements." in summary
    pages = pdf_text(pdf)
    assert len(pages) == 2
    hugo = next(page for page in pages if "Hugo" in page)
    assert "Fiche de renseignements" in hugo and "01/01/2020" in hugo
    assert "Responsables" in hugo and "mère" in hugo and "Assurances" not in hugo
    nothing = words(agent.post(url, data={"sections": []}))
    assert "Cochez au moins une rubrique" in nothing
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Document.id)).where(
            Document.person_id.in_([family["lea"], family["hugo"]]))) == 2


def test_the_animateur_prints_no_sheet(login, family):
    assert login("animateur").get(
        "/official_documents/information_sheets/children").status_code == 403


def test_the_rows_ticked_go_to_the_form(login, family):
    regisseur = login("regisseur")
    ticked = regisseur.post("/childview/action_post", data={
        "action": "tax_certificates", "rowid": [str(family["lea"])]})
    assert ticked.status_code == 302
    assert f"ids={family['lea']}" in ticked.headers["Location"]
    assert "Pour 1 enfant de la liste" in words(regisseur.get(ticked.headers["Location"]))


def test_the_health_section_prints_allergies_only_when_ticked(app, login, family):
    from app.models import Person
    from app.services import child_care

    with app.test_request_context():
        child_care.save(db.session.get(Person, family["lea"]), child_care.CareData(
            allergies="Arachide\nLait de vache", has_pai=True, pai_detail="Trousse au bureau",
            pickup_people="Mamie Josette, grand-mère, 06 11 22 33 44", photo_consent="no"))
        db.session.commit()
    agent = login("agent")
    url = "/official_documents/information_sheets/children?_flt_0_search_name=durand"
    _summary, pdf = _run(agent, url, {"sections": ["identity", "health"]})
    pages = pdf_text(pdf)
    lea = next(page for page in pages if "Léa" in page)
    hugo = next(page for page in pages if "Hugo" in page)
    assert "Santé et autorisations" in lea and "Arachide" in lea and "Lait de vache" in lea
    assert "PAI oui — Trousse au bureau" in lea and "Mamie Josette, grand-mère" in lea
    assert "Droit à l'image refusé" in lea and "Autorisé à partir seul non" in lea
    # Nothing recorded for Hugo: every line says so, nothing is made up.
    assert "Allergies non renseigné" in hugo and "PAI non renseigné" in hugo
    _summary, pdf = _run(agent, url, {"sections": ["identity", "guardians"]})
    assert not any("Arachide" in page or "Santé" in page for page in pdf_text(pdf))


def test_the_regisseur_is_not_offered_childrens_health(login, family):
    regisseur = login("regisseur")
    url = "/official_documents/information_sheets/children?_flt_0_search_name=durand"
    form = words(regisseur.get(url))
    assert "Assurances" in form and "Santé et autorisations" not in form
    forged = regisseur.post(url, data={"sections": ["identity", "health"]})
    assert forged.status_code == 200 and "/official_documents/download/" not in \
        forged.get_data(as_text=True)


def test_a_sheet_with_health_is_printed_not_saved_into_the_records(app, login, family):
    """A saved sheet is a document of the record, read by the régie and on the portal: health
    stays on paper."""
    from app.models import BackgroundJob, Document

    agent = login("agent")
    url = "/official_documents/information_sheets/children?_flt_0_search_name=durand"
    refused = agent.post(url, data={"sections": ["identity", "health"], "save_to_records": "y"})
    assert refused.status_code in (200, 422)
    assert "Une fiche avec « Santé et autorisations » s'imprime, elle ne s'enregistre pas " \
           "dans les fiches" in words(refused)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(BackgroundJob.id)).where(
            BackgroundJob.name == "information_sheets")) == 0
        assert db.session.scalar(sa.select(sa.func.count(Document.id))) == 0
