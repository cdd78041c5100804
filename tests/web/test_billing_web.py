"""Billing through the API contract and the régisseur's screens."""
import html
import re
from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import BillingRule, Invoice, Tariff
from app.services import billing_rules, bookings, registry
from tests import factories


def text(response):
    return html.unescape(re.sub(r"\s+", " ", response.get_data(as_text=True)))


@pytest.fixture
def billed_family(app):
    """Separated parents; the child's canteen is billed on even weeks to the mother and odd
    weeks to the father; every canteen day of November is booked."""
    with app.test_request_context():
        setup = factories.school_setup(db.session)
        meal = factories.service(db.session, classes=[setup["classes"]["CP A"]])
        db.session.add(Tariff(service=meal, start_date=date(2026, 9, 1),
                              unit_price=Decimal("3.20")))
        _, (mother,), (child,) = factories.household("Payeur")
        father = registry.new_person("adult", factories.adult_data("Payeur", "Papa"))
        registry.create_household_from_wizard(factories.HouseholdData(name="Foyer PAPA"),
                                              adult_id=father.id, child_id=child.id,
                                              relation="father")
        from app.services import schooling

        schooling.enroll(child, setup["classes"]["CP A"], date(2026, 9, 1))
        subscription = bookings.subscribe(child, meal, date(2026, 9, 1))
        bookings.bulk_book(child, meal, date(2026, 11, 1), date(2026, 11, 30), [0, 1, 3, 4])
        billing_rules.add_rule(mother, date(2026, 9, 1), [subscription], "even_weeks")
        db.session.commit()
        return {"meal": meal.id, "regie": meal.regie_id, "mother": mother.id,
                "father": father.id, "child": child.id, "subscription": subscription.id}


GENERATE = {"period_start": "2026-11-01", "period_end": "2026-11-30", "due_date": "2026-12-15",
            "display_at": "2026-12-01T08:00:00+01:00"}


def test_generate_validate_credit_and_pdf_through_the_api(api, billed_family):
    regisseur = api("regisseur")
    rule = regisseur.post("/api/v1/billing_rule/", json={
        "payer_id": billed_family["father"], "start_date": "2026-09-01",
        "criterion": "odd_weeks", "subscription_ids": [billed_family["subscription"]]})
    assert rule.status_code == 201, rule.get_json()
    started = regisseur.post("/api/v1/invoice/generate", json={
        "regie_id": billed_family["regie"], "service_ids": [billed_family["meal"]], **GENERATE})
    assert started.status_code == 202
    job = regisseur.get(f"/api/v1/job/{started.get_json()['job_id']}").get_json()
    assert job["status"] == "finished" and job["progress"] == 100
    ids = job["result"]["invoice_ids"]
    assert len(ids) == 2 and job["result"]["unbilled"] == []

    edited = regisseur.put(f"/api/v1/invoice/{ids[0]}", json={"comment": "Merci !",
                                                               "due_date": "2026-12-20"})
    assert edited.status_code == 200, edited.get_json()
    assert edited.get_json()["result"]["comment"] == "Merci !"
    draft = regisseur.get(f"/api/v1/invoice/{ids[0]}").get_json()["result"]
    assert draft["state"] == "draft" and draft["number"] is None
    assert sum(line["quantity"] for line in draft["lines"]) in (8, 9)
    assert draft["lines"][0]["unit_price"] == "3.20"
    adjustment = regisseur.post("/api/v1/adjustment/", json={
        "invoice_id": ids[0], "label": "Réduction", "kind": "discount", "amount": "2.00"})
    assert adjustment.status_code == 201

    validated = regisseur.post("/api/v1/invoice/validate", json={"ids": ids})
    numbers = validated.get_json()["numbers"]
    assert validated.status_code == 200 and len(set(numbers.values())) == 2
    again = regisseur.post("/api/v1/invoice/validate", json={"ids": ids})
    assert again.status_code == 409 and "ne sont pas des brouillons" in again.get_json()["message"]
    assert regisseur.put(f"/api/v1/invoice/{ids[0]}", json={"comment": "x"}).status_code == 409
    assert regisseur.delete(f"/api/v1/invoice/{ids[0]}").status_code == 409
    late = regisseur.post("/api/v1/adjustment/", json={
        "invoice_id": ids[0], "label": "Trop tard", "kind": "discount", "amount": "1.00"})
    assert late.status_code == 409 and "est validée" in late.get_json()["message"]

    shown = regisseur.get(f"/api/v1/invoice/{ids[0]}").get_json()["result"]
    assert shown["state"] == "unpaid" and shown["amount_due"] == shown["total"]
    note = regisseur.post(f"/api/v1/invoice/{ids[0]}/credit_note",
                          json={"amount": "3.20", "reason": "Repas non servi"})
    assert note.status_code == 201 and "-AV-" in note.get_json()["number"]
    after = regisseur.get(f"/api/v1/invoice/{ids[0]}").get_json()["result"]
    assert after["state"] == "unpaid"  # a credit note is not a payment
    assert Decimal(after["amount_due"]) == Decimal(after["total"]) - Decimal("3.20")

    pdf = regisseur.get(f"/api/v1/invoice/{ids[0]}/pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    assert pdf.data.startswith(b"%PDF")
    assert regisseur.get(f"/api/v1/invoice/{ids[0]}/pdf").data == pdf.data  # kept, not redrawn


def test_unbilled_days_are_reported_by_the_job(api, billed_family):
    started = api("regisseur").post("/api/v1/invoice/generate", json={
        "regie_id": billed_family["regie"], "service_ids": [billed_family["meal"]], **GENERATE})
    job = api("regisseur").get(f"/api/v1/job/{started.get_json()['job_id']}").get_json()
    unbilled = job["result"]["unbilled"]
    assert {date.fromisoformat(u["date"]).isocalendar()[1] % 2 for u in unbilled} == {1}
    assert all(u["person_id"] == billed_family["child"] for u in unbilled)


def test_billing_rule_overlap_is_422(api, billed_family):
    overlap = api("agent").post("/api/v1/billing_rule/", json={
        "payer_id": billed_family["father"], "start_date": "2026-10-01",
        "criterion": "week_list", "weeks": [46, 48],
        "subscription_ids": [billed_family["subscription"]]})
    assert overlap.status_code == 422
    assert "est déjà facturé à" in overlap.get_json()["message"]["subscription_ids"][0]


def test_generate_bad_input(app, api, billed_family):
    reversed_dates = api("regisseur").post("/api/v1/invoice/generate", json={
        "regie_id": billed_family["regie"], "service_ids": [billed_family["meal"]],
        "period_start": "2026-11-30", "period_end": "2026-11-01"})
    assert reversed_dates.status_code == 422
    missing = api("regisseur").post("/api/v1/invoice/generate", json={"regie_id": 1})
    assert missing.status_code == 422 and "service_ids" in missing.get_json()["message"]
    assert api("agent").post("/api/v1/invoice/generate", json={}).status_code == 403
    # A request the generation would refuse never becomes a queued job.
    other_regie = api("regisseur").post("/api/v1/invoice/generate", json={
        "regie_id": billed_family["regie"] + 999, "service_ids": [billed_family["meal"]],
        "period_start": "2026-11-01", "period_end": "2026-11-30"})
    assert other_regie.status_code == 422 and "Régie inconnue" in str(
        other_regie.get_json()["message"])
    with app.app_context():
        from app.models import BackgroundJob

        assert db.session.scalar(sa.select(sa.func.count(BackgroundJob.id))) == 0


def test_the_regisseur_screens(app, login, billed_family):
    regisseur = login("regisseur")
    form = regisseur.get("/invoices/generate")
    assert "Créer un groupe de factures" in text(form)
    done = regisseur.post("/invoices/generate", data={
        "regie": billed_family["regie"], "services": [billed_family["meal"]],
        "period_start": "2026-11-01", "period_end": "2026-11-30", "due_date": "2026-12-15",
        "display_at": "2026-12-01T08:00", "bill_ahead": "y"}, follow_redirects=True)
    page = text(done)
    assert "terminé" in page and "Voir les brouillons" in page
    with app.app_context():
        (invoice,) = db.session.scalars(sa.select(Invoice)).all()
        invoice_id, generated_total = invoice.id, invoice.total
    listing = text(regisseur.get("/invoiceview/list/?_flt_0_status=draft"))
    assert "brouillon" in listing
    shown = text(regisseur.get(f"/invoiceview/show/{invoice_id}"))
    assert "PAYEUR" in shown and "3,20" in shown
    added = regisseur.post(f"/adjustmentview/add?_flt_0_invoice={invoice_id}", data={
        "invoice": invoice_id, "kind": "discount", "label": "Fratrie", "amount": "1,50"},
        follow_redirects=True)
    assert added.status_code == 200
    with app.app_context():
        total = db.session.get(Invoice, invoice_id).total
    # Typed the French way, 1,50 € off: never 150 €, never refused.
    assert total == generated_total - Decimal("1.50")
    assert f"{total:.2f}".replace(".", ",") in text(regisseur.get(f"/invoiceview/show/{invoice_id}"))
    validated = regisseur.post("/invoiceview/action_post", data={
        "action": "validate", "rowid": [invoice_id]}, follow_redirects=True)
    assert "1 facture validée" in text(validated)
    with app.app_context():
        invoice = db.session.get(Invoice, invoice_id)
        assert invoice.status == "validated" and invoice.total == total
        assert invoice.address and invoice.payer_name.startswith("PAYEUR")
    pdf = regisseur.get(f"/invoiceview/pdf/{invoice_id}")
    assert pdf.mimetype == "application/pdf" and pdf.data.startswith(b"%PDF")
    refused = regisseur.post(f"/invoiceview/edit/{invoice_id}", data={"comment": "x"})
    assert "est validée : elle ne peut plus changer" in text(refused)
    # One click never cancels an invoice: nothing ticked nor typed, and no reason, is refused
    # and the form comes back as it was typed.
    careless = text(regisseur.post(f"/invoiceview/credit_note/{invoice_id}", data={
        "amount": "", "reason": ""}, follow_redirects=True))
    assert "Donnez le motif de l'avoir : il y est imprimé." in careless
    assert "Imprimer (un seul PDF)" not in careless  # one invoice has its « PDF » button
    assert ("Cochez les jours que l'avoir annule, donnez un montant, ou cochez « Toute la "
            "facture ».") in careless
    mixed = text(regisseur.post(f"/invoiceview/credit_note/{invoice_id}", data={
        "amount": "1,00", "whole": "1", "reason": "Erreur"}, follow_redirects=True))
    assert "« Toute la facture » va seule" in mixed
    assert 'value="Erreur"' in mixed and 'value="1,00"' in mixed
    with app.app_context():
        assert not db.session.scalar(sa.select(Invoice.id).where(
            Invoice.credits_invoice_id == invoice_id))
    credit = regisseur.post(f"/invoiceview/credit_note/{invoice_id}",
                            data={"whole": "1", "reason": "Erreur"}, follow_redirects=True)
    assert "Avoir" in text(credit) and "créé" in text(credit)
    with app.app_context():  # every day cancelled, released to be corrected
        note = db.session.scalar(sa.select(Invoice).where(
            Invoice.credits_invoice_id == invoice_id))
        assert note.total == -invoice.total and note.lines
    assert 'id="credit-note-form"' not in text(regisseur.get(f"/invoiceview/show/{invoice_id}"))
    # Credited in full: cancelled, not paid.
    cancelled = text(regisseur.get("/invoiceview/list/?_flt_0_status=cancelled"))
    assert invoice.number in cancelled
    assert invoice.number not in text(regisseur.get("/invoiceview/list/?_flt_0_status=paid"))


def test_billing_rule_screens_on_the_adult_record(app, login, billed_family):
    agent = login("agent")
    record = text(agent.get(f"/adultview/show/{billed_family['mother']}"))
    assert "Règles de facturation" in record and "semaines paires" in record
    empty = text(agent.post(f"/billingruleview/new/{billed_family['father']}", data={
        "criterion": "week_list", "weeks": "12, 60"}))
    for message in ("La date de début est obligatoire.",
                    "Cochez les prestations couvertes par cette règle.",
                    "Les numéros de semaine ISO vont de 1 à 53."):
        assert message in empty, message  # every mistake at once
    added = agent.post(f"/billingruleview/new/{billed_family['father']}", data={
        "start_date": "2026-09-01", "criterion": "even_weeks",
        "subscriptions": [billed_family["subscription"]]})
    assert "est déjà facturé à" in text(added)
    ok = agent.post(f"/billingruleview/new/{billed_family['father']}", data={
        "start_date": "2026-09-01", "criterion": "odd_weeks",
        "subscriptions": [billed_family["subscription"]]}, follow_redirects=True)
    assert "Règle de facturation ajoutée." in text(ok)
    with app.app_context():
        rule_id = db.session.scalar(sa.select(BillingRule.id).where(
            BillingRule.payer_id == billed_family["father"]))
    stopped = agent.post(f"/billingruleview/manage/{rule_id}", data={
        "action": "stop", "end_date": "2026-12-31"}, follow_redirects=True)
    assert "Règle de facturation mise à jour." in text(stopped)
    moved = agent.post(f"/billingruleview/manage/{rule_id}", data={
        "action": "transfer", "co_payer_id": str(billed_family["mother"])}, follow_redirects=True)
    assert "Règle de facturation mise à jour." in text(moved)
    with app.app_context():
        rule = db.session.get(BillingRule, rule_id)
        assert (rule.end_date, rule.co_payer_id) == (date(2026, 12, 31), billed_family["mother"])


def test_archiving_a_payer_with_unpaid_invoices_is_refused_on_screen(app, login, api,
                                                                    billed_family):
    regisseur = api("regisseur")
    started = regisseur.post("/api/v1/invoice/generate", json={
        "regie_id": billed_family["regie"], "service_ids": [billed_family["meal"]], **GENERATE})
    ids = regisseur.get(f"/api/v1/job/{started.get_json()['job_id']}").get_json()["result"][
        "invoice_ids"]
    regisseur.post("/api/v1/invoice/validate", json={"ids": ids})
    refused = login("agent").post("/adultview/action_post", data={
        "action": "archive", "rowid": [billed_family["mother"]]}, follow_redirects=True)
    assert "facture impayée" in text(refused)


def _validated_invoices(api, billed_family, co_payer=False):
    regisseur = api("regisseur")
    if co_payer:
        rule = regisseur.get(f"/api/v1/billing_rule/?q=(filters:!((col:payer_id,opr:eq,"
                             f"value:{billed_family['mother']})))").get_json()["ids"][0]
        assert regisseur.put(f"/api/v1/billing_rule/{rule}", json={
            "co_payer_id": billed_family["father"]}).status_code == 200
    started = regisseur.post("/api/v1/invoice/generate", json={
        "regie_id": billed_family["regie"], "service_ids": [billed_family["meal"]], **GENERATE})
    ids = regisseur.get(f"/api/v1/job/{started.get_json()['job_id']}").get_json()["result"][
        "invoice_ids"]
    regisseur.post("/api/v1/invoice/validate", json={"ids": ids})
    return ids


def test_pdf_prints_the_co_payer_and_what_the_invoice_stored(app, api, billed_family):
    import io

    from pypdf import PdfReader

    (invoice_id,) = _validated_invoices(api, billed_family, co_payer=True)
    pdf = api("regisseur").get(f"/api/v1/invoice/{invoice_id}/pdf").data
    words = " ".join(PdfReader(io.BytesIO(pdf)).pages[0].extract_text().split())
    assert "Tiers solidaire : PAYEUR Papa" in words
    assert "Restauration scolaire" in words and "3,20" in words
    assert "Échéance : 15/12/2026" in words and "Reste à payer" in words
    with app.app_context():  # the family's name changes: the invoice stays as it was sent
        from app.models import Person

        db.session.get(Person, billed_family["child"]).last_name = "Autrenom"
        db.session.commit()
    again = api("regisseur").get(f"/api/v1/invoice/{invoice_id}/pdf").data
    assert again == pdf


def test_folders_display_dates_and_batch_printing(app, login, api, billed_family):
    from app.models import InvoiceFolder

    with app.app_context():
        root = InvoiceFolder(name="2026")
        db.session.add(InvoiceFolder(name="Novembre", parent=root))
        db.session.commit()
        folder_id = db.session.scalar(sa.select(InvoiceFolder.id).where(
            InvoiceFolder.name == "Novembre"))
    ids = _validated_invoices(api, billed_family)
    regisseur = login("regisseur")
    moved = regisseur.post("/invoiceview/folder", data={
        "ids": ",".join(map(str, ids)), "folder_id": folder_id}, follow_redirects=True)
    assert "1 facture rangée dans « 2026 / Novembre »." in text(moved)
    regisseur.post("/invoiceview/display", data={"ids": ",".join(map(str, ids)),
                                                 "mode": "shift", "days": "2"})
    with app.app_context():
        invoice = db.session.get(Invoice, ids[0])
        assert invoice.folder_id == folder_id
        assert invoice.display_at.astimezone().date() == date(2026, 12, 3)
    printed = regisseur.post("/invoiceview/action_post", data={
        "action": "print_list", "rowid": ids})
    job_page = regisseur.get(printed.headers["Location"])
    assert "Télécharger le PDF" in text(job_page)
    link = re.search(r'href="(/invoiceview/download/[^"]+)"', job_page.get_data(as_text=True))
    merged = regisseur.get(link.group(1))
    assert merged.mimetype == "application/pdf" and merged.data.startswith(b"%PDF")


def test_adjustment_form_offers_only_the_invoice_lines_and_refuses_too_big_a_discount(
        app, login, api, billed_family):
    with app.test_request_context():
        from app.services import billing

        stranger = factories.household("Inconnu")[2][0]
        result = billing.generate_drafts(billed_family["regie"], [billed_family["meal"]],
                                         date(2026, 11, 1), date(2026, 11, 30))
        db.session.commit()
        (invoice_id,) = result["invoice_ids"]
        total = db.session.get(Invoice, invoice_id).total
        stranger_id = stranger.id
    regisseur = login("regisseur")
    url = f"/adjustmentview/add?_flt_0_invoice={invoice_id}"
    form = regisseur.get(url).get_data(as_text=True)
    assert f'value="{billed_family["child"]}"' in form and "PAYEUR" in form
    assert f'value="{stranger_id}"' not in form and "INCONNU" not in text(regisseur.get(url))

    too_big = regisseur.post(url, data={"kind": "discount", "label": "Geste",
                                        "amount": str(total + 1)}, follow_redirects=True)
    page = text(too_big)
    assert f"ne peut pas dépasser {total:.2f}".replace(".", ",") in page
    assert 'value="Geste"' in page  # the input is shown again, not lost
    elsewhere = api("regisseur").post("/api/v1/adjustment/", json={
        "invoice_id": invoice_id, "label": "Autre enfant", "kind": "discount", "amount": "1.00",
        "person_id": stranger_id})
    assert elsewhere.status_code == 422
    assert "aucune ligne pour cet enfant" in str(elsewhere.get_json()["message"])
    with app.app_context():
        assert db.session.get(Invoice, invoice_id).total == total


def test_invoices_are_searched_by_payer_name(app, login, billed_family):
    with app.test_request_context():
        from app.services import billing

        billing.generate_drafts(billed_family["regie"], [billed_family["meal"]],
                                date(2026, 11, 1), date(2026, 11, 30))
        db.session.commit()
    regisseur = login("regisseur")
    page = regisseur.get("/invoiceview/list/").get_data(as_text=True)
    # The payer filter is a text box: no list of every person of the town on the page.
    assert f'<option value="{billed_family["mother"]}"' not in page
    assert 'name="payer"' in page
    found = text(regisseur.get("/invoiceview/list/?_flt_0_payer=payéur"))
    assert "PAYEUR" in found
    none = text(regisseur.get("/invoiceview/list/?_flt_0_payer=inconnu"))
    assert "PAYEUR" not in none


def test_a_batch_printed_over_several_processes_keeps_every_invoice_in_order(
        app, login, billed_family, monkeypatch):
    """Month's end: the PDFs are made by worker processes side by side; the merged document
    is the same invoices in the same order, and each validated invoice keeps its PDF."""
    import io

    from pypdf import PdfReader

    from app.services import billing

    from app.models import Person, Subscription

    with app.test_request_context():
        billing_rules.add_rule(db.session.get(Person, billed_family["father"]), date(2026, 9, 1),
                               [db.session.get(Subscription, billed_family["subscription"])],
                               "odd_weeks")
        result = billing.generate_drafts(billed_family["regie"], [billed_family["meal"]],
                                         date(2026, 11, 1), date(2026, 11, 30))
        numbers = billing.validate(result["invoice_ids"])
        db.session.commit()
        ids = sorted(numbers, key=numbers.get, reverse=True)
        wanted = [numbers[i] for i in ids]
    assert len(ids) == 2
    monkeypatch.setitem(app.config, "PDF_PARALLEL_FROM", 2)
    monkeypatch.setitem(app.config, "PDF_PROCESSES", 2)
    regisseur = login("regisseur")
    printed = regisseur.post("/invoiceview/action_post", data={"action": "print_list",
                                                               "rowid": ids})
    job_page = regisseur.get(printed.headers["Location"]).get_data(as_text=True)
    merged = regisseur.get(re.search(r'href="(/invoiceview/download/[^"]+)"', job_page).group(1))
    pages = [page.extract_text() for page in PdfReader(io.BytesIO(merged.data)).pages]
    assert [next(n for n in wanted if n in page) for page in pages] == wanted
    with app.app_context():
        assert all(db.session.get(Invoice, i).pdf_storage_name for i in ids)
