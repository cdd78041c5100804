"""The régisseur's billing screens read like a tool: the generation's summary, a whole group
validated at once, states and totals in the list, only what is allowed on a validated invoice,
credit notes shown as such."""
import re
from datetime import date

import sqlalchemy as sa

from app.extensions import db
from app.models import BillingRule, Invoice, Person, Regie, Subscription
from app.services import billing_rules
from tests.web.test_billing_web import billed_family, text  # noqa: F401 (fixture)


def words(response):
    """What a person reads: the page's text without its tags."""
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", text(response))).strip()

# The town's clock says 20 November: November is billed in advance, which the form asks.
NOVEMBER = {"period_start": "2026-11-01", "period_end": "2026-11-30", "due_date": "2026-12-15",
            "bill_ahead": "y"}


def generate(client, family):
    return client.post("/invoices/generate", data={
        "regie": family["regie"], "services": [family["meal"]], **NOVEMBER},
        follow_redirects=True)


def both_parents_pay(app, family):
    """The father pays the odd weeks: every booked day has a payer, two drafts per month."""
    with app.test_request_context():
        billing_rules.add_rule(db.session.get(Person, family["father"]), date(2026, 9, 1),
                               [db.session.get(Subscription, family["subscription"])],
                               "odd_weeks")
        db.session.commit()


def invoice_ids(app):
    with app.app_context():
        return list(db.session.scalars(sa.select(Invoice.id).where(Invoice.kind == "invoice")
                                       .order_by(Invoice.id)))


def test_the_generation_page_is_a_summary_with_the_days_left_out(app, login, billed_family):
    page = generate(login("regisseur"), billed_family)
    assert "<h2>Créer un groupe de factures</h2>" in text(page)
    shown = words(page)
    assert "generate_invoices" not in shown
    assert '"unbilled"' not in shown and "invoice_ids" not in shown
    # The mother pays the even weeks (8 meals at 3,20 €); the odd weeks have no rule.
    assert "1 brouillon créé — total 25,60 € — 1 payeur" in shown
    assert "9 jours non facturés" in shown
    assert re.search(r"PAYEUR Enfant\d+ Restauration scolaire 02/11/2026 aucune règle de "
                     r"facturation ne couvre ce jour", shown)
    assert f'href="/childview/show/{billed_family["child"]}"' in text(page)
    assert "Voir les brouillons" in shown and "Valider le groupe" in shown
    assert "Imprimer (un seul PDF)" in shown


def test_the_demo_job_page_speaks_words_not_json(login):
    admin = login("admin")
    job = admin.post("/demo/", data={"children": "3"}, follow_redirects=True)
    assert "<h2>Familles de démonstration</h2>" in text(job)
    shown = words(job)
    assert "demo_load" not in shown
    assert re.search(r"Enfants 3", shown) and '"children"' not in shown


def test_a_whole_group_is_validated_in_one_action_after_a_confirmation(app, login,
                                                                     billed_family):
    both_parents_pay(app, billed_family)
    regisseur = login("regisseur")
    generate(regisseur, billed_family)
    with app.app_context():
        batch = db.session.scalar(sa.select(Invoice.batch_id))
    url = f"/invoiceview/validate_all?_flt_0_batch_id={batch}"
    question = text(regisseur.get(url))
    # 17 booked meals of November at 3,20 €, split between the two parents.
    assert "Valider 2 brouillons, total 54,40 € ?" in question
    done = text(regisseur.post(url, data={"count": "2"}, follow_redirects=True))
    assert "2 factures validées" in done
    with app.app_context():
        assert set(db.session.scalars(sa.select(Invoice.status))) == {"validated"}
    nothing_left = text(regisseur.get(url, follow_redirects=True))
    assert "Il n'y a aucun brouillon à valider dans cette liste." in nothing_left


def test_the_whole_filtered_list_is_validated_and_a_stale_confirmation_asks_again(
        app, login, billed_family):
    both_parents_pay(app, billed_family)
    regisseur = login("regisseur")
    generate(regisseur, billed_family)
    url = "/invoiceview/validate_all?_flt_0_status=draft"
    stale = text(regisseur.post(url, data={"count": "3"}, follow_redirects=True))
    assert "La liste a changé depuis la confirmation" in stale
    with app.app_context():
        assert set(db.session.scalars(sa.select(Invoice.status))) == {"draft"}
    assert "2 factures validées" in text(regisseur.post(url, data={"count": "2"},
                                                        follow_redirects=True))
    assert login("agent").get(url).status_code in (302, 403)


def test_validating_from_the_invoice_page_comes_back_to_it(app, login, billed_family):
    regisseur = login("regisseur")
    generate(regisseur, billed_family)
    (invoice_id,) = invoice_ids(app)
    done = regisseur.post(f"/invoiceview/action/validate/{invoice_id}")
    assert done.headers["Location"].endswith(f"/invoiceview/show/{invoice_id}")
    assert "1 facture validée" in text(regisseur.get(done.headers["Location"]))


def test_the_list_marks_drafts_shows_states_and_totals_every_page(app, login, api,
                                                                 billed_family):
    both_parents_pay(app, billed_family)
    regisseur = login("regisseur")
    generate(regisseur, billed_family)
    first, second = invoice_ids(app)
    api("regisseur").post("/api/v1/invoice/validate", json={"ids": [first]})
    page = regisseur.get("/invoiceview/list/?psize_InvoiceView=1")
    shown = words(page)
    # Whatever the page, the total is the whole list's.
    assert "2 factures dans cette liste — total 54,40 €" in shown
    with app.app_context():
        from app.services import payments

        validated = db.session.get(Invoice, first)
        payments.record_payment(validated.payer_id, validated.regie_id, "5,00", "cash",
                                invoice_ids=[first])
        db.session.commit()
        left = validated.total - 5
    # What is still to pay counts validated invoices only, after their payments.
    assert f"reste à payer {left:.2f} €".replace(".", ",") in words(
        regisseur.get("/invoiceview/list/"))
    listing = words(regisseur.get("/invoiceview/list/"))
    assert "brouillon" in listing and "partiellement payée" in listing
    assert "validée" not in listing
    assert '<tr class="warning invoice-draft">' in regisseur.get(
        "/invoiceview/list/").get_data(as_text=True)
    # The draft offers edit and delete; the validated invoice does not.
    full = regisseur.get("/invoiceview/list/").get_data(as_text=True)
    assert f"/invoiceview/edit/{second}" in full and f"/invoiceview/edit/{first}" not in full
    assert f"/invoiceview/delete/{first}" not in full


def test_a_validated_invoice_offers_only_what_is_allowed(app, login, api, billed_family):
    regisseur = login("regisseur")
    generate(regisseur, billed_family)
    (invoice_id,) = invoice_ids(app)
    draft_page = regisseur.get(f"/invoiceview/show/{invoice_id}").get_data(as_text=True)
    assert "action-validate" in draft_page and "/adjustmentview/add" in draft_page
    api("regisseur").post("/api/v1/invoice/validate", json={"ids": [invoice_id]})
    page = regisseur.get(f"/invoiceview/show/{invoice_id}").get_data(as_text=True)
    assert "action-validate" not in page and "/adjustmentview/add" not in page
    assert f"/invoiceview/edit/{invoice_id}" not in page
    edit = regisseur.get(f"/invoiceview/edit/{invoice_id}", follow_redirects=True)
    assert "est validée : elle ne peut plus changer" in text(edit)
    assert f"/invoiceview/show/{invoice_id}" in edit.request.path
    add = regisseur.get(f"/adjustmentview/add?_flt_0_invoice={invoice_id}",
                        follow_redirects=True)
    assert "est validée : elle ne peut plus changer" in text(add)
    assert f"/invoiceview/show/{invoice_id}" in add.request.path


def test_a_credit_note_is_shown_as_an_avoir_and_its_invoice_lists_it(app, login, api,
                                                                     billed_family):
    regisseur = login("regisseur")
    generate(regisseur, billed_family)
    (invoice_id,) = invoice_ids(app)
    api("regisseur").post("/api/v1/invoice/validate", json={"ids": [invoice_id]})
    with app.app_context():
        regie = db.session.get(Regie, billed_family["regie"])
        frozen, regie.name = regie.name, "Régie renommée"
        db.session.commit()
        line_id = db.session.get(Invoice, invoice_id).lines[0].id
    note = regisseur.post(f"/invoiceview/credit_note/{invoice_id}", data={
        "day_%d" % line_id: ["2026-11-09"], "reason": "Absence signalée"},
        follow_redirects=True)
    shown = words(note)
    assert f'href="/invoiceview/show/{invoice_id}"' in text(note)
    assert "Avoir" in shown and "avoir émis" in shown and "payée" not in shown
    assert "Absence signalée" in shown and "-3,20 €" in shown and "09/11" in shown
    invoice_page = words(regisseur.get(f"/invoiceview/show/{invoice_id}"))
    assert re.search(r"Avoirs : R\S+-AV-2026-000001 \(-3,20 €, Absence signalée\)",
                     invoice_page)
    assert frozen in invoice_page and "Régie renommée" not in invoice_page.split("Total")[0]


def test_the_discount_form_names_the_invoice_and_family(app, login, billed_family):
    regisseur = login("regisseur")
    generate(regisseur, billed_family)
    (invoice_id,) = invoice_ids(app)
    form = words(regisseur.get(f"/adjustmentview/add?_flt_0_invoice={invoice_id}"))
    assert re.search(r"Réduction ou majoration sur la facture brouillon — PAYEUR \S+ — du "
                     r"01/11/2026 au 30/11/2026", form)
    regisseur.post(f"/adjustmentview/add?_flt_0_invoice={invoice_id}", data={
        "invoice": invoice_id, "kind": "discount", "label": "Fratrie", "amount": "1,00"})
    with app.app_context():
        adjustment_id = db.session.get(Invoice, invoice_id).adjustments[0].id
    edit = text(regisseur.get(f"/adjustmentview/edit/{adjustment_id}"))
    assert f">*{invoice_id}<" not in edit and re.search(r"brouillon — PAYEUR \S+ — du", edit)


def test_the_generation_form_proposes_last_month_and_the_regies_services(login,
                                                                        billed_family):
    form = login("regisseur").get(f"/invoices/generate?regie={billed_family['regie']}")
    page = text(form)
    # The town's clock says 20 November 2026: October, due at the end of December.
    assert 'value="2026-10-01"' in page and 'value="2026-10-31"' in page
    assert 'value="2026-12-31"' in page
    assert re.search(r'<input[^>]*checked[^>]*value="%d"|<input[^>]*value="%d"[^>]*checked'
                     % (billed_family["meal"], billed_family["meal"]), page)


def test_the_due_date_proposed_follows_the_regie_s_payment_term(app, login, billed_family):
    regisseur = login("regisseur")
    with app.app_context():
        regie = db.session.get(Regie, billed_family["regie"])
        fields = {"code": regie.code, "name": regie.name, "mode": regie.mode}
    refused = text(login("admin").post(f"/regieview/edit/{billed_family['regie']}", data={
        **fields, "payment_term_days": "400"}))
    assert "Le délai de paiement doit être compris entre 0 et 365 jours." in refused
    assert 'value="400"' in refused
    login("admin").post(f"/regieview/edit/{billed_family['regie']}", data={
        **fields, "payment_term_days": "15"})
    page = text(regisseur.get(f"/invoices/generate?regie={billed_family['regie']}"))
    # 20 November 2026 + 15 days.
    assert 'value="2026-12-05"' in page and 'value="2026-12-31"' not in page


def test_generation_defaults_cross_the_year(app):
    from app.services import billing

    assert billing.generation_defaults(date(2027, 1, 15)) == {
        "period_start": date(2026, 12, 1), "period_end": date(2026, 12, 31),
        "due_date": date(2027, 2, 28)}


def test_a_billing_rule_is_transferred_by_name_and_its_co_payer_removed(app, login,
                                                                        billed_family):
    agent = login("agent")
    with app.app_context():
        rule_id = db.session.scalar(sa.select(BillingRule.id).where(
            BillingRule.payer_id == billed_family["mother"]))
    form = text(agent.get(f"/billingruleview/manage/{rule_id}"))
    assert 'data-picker-url="/adultview/search_json' in form
    assert "numéro" not in form.lower()
    agent.post(f"/billingruleview/manage/{rule_id}", data={
        "action": "transfer", "co_payer_id": str(billed_family["father"])})
    with app.app_context():
        assert db.session.get(BillingRule, rule_id).co_payer_id == billed_family["father"]
    removed = agent.post(f"/billingruleview/manage/{rule_id}", data={
        "action": "transfer", "remove_co_payer": "y"}, follow_redirects=True)
    assert "Règle de facturation mise à jour." in text(removed)
    with app.app_context():
        assert db.session.get(BillingRule, rule_id).co_payer_id is None
    unknown = agent.post(f"/billingruleview/manage/{rule_id}", data={
        "action": "transfer", "payer_id": "999999"})
    assert "Cherchez et choisissez dans la liste." in words(unknown) or \
        "choisissez dans la liste" in words(unknown)


def test_the_generation_form_shows_every_mistake_next_to_its_field(login, billed_family):
    page = text(login("regisseur").post("/invoices/generate", data={
        "regie": billed_family["regie"], "period_start": "2026-10-31",
        "period_end": "2026-10-01", "due_date": "2026-09-01"}))
    for message in ("Le dernier jour (01/10/2026) est avant le premier (31/10/2026).",
                    "Choisissez au moins une prestation.",
                    "La date d'échéance ne peut pas précéder la période."):
        assert message in page, message
    assert 'value="2026-10-31"' in page  # what was typed stays


def test_a_period_not_yet_over_is_billed_only_when_asked(app, login, billed_family):
    regisseur = login("regisseur")
    asked = {"regie": billed_family["regie"], "services": [billed_family["meal"]], **NOVEMBER}
    refused = text(regisseur.post("/invoices/generate", data={
        key: value for key, value in asked.items() if key != "bill_ahead"}))
    assert ("La période finit le 30/11/2026, pas encore passée : ses jours à venir seraient "
            "facturés avant d'être servis.") in refused
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Invoice.id))) == 0
    assert "terminé" in text(generate(regisseur, billed_family))


def test_a_period_with_nothing_to_bill_says_so(login, billed_family):
    done = text(login("regisseur").post("/invoices/generate", data={
        "regie": billed_family["regie"], "services": [billed_family["meal"]],
        "period_start": "2026-10-01", "period_end": "2026-10-31"}, follow_redirects=True))
    assert "0 brouillon créé" in done
    assert "Rien à facturer du 01/10/2026 au 31/10/2026" in done
    assert "Tous les jours réservés de la période sont facturés." not in done


def test_saving_a_new_record_shows_it(app, login):
    """Review: « Enregistrer » on a new régie landed on another régie's page, on a new
    mandate or service on the home page."""
    admin = login("admin")
    admin.get("/regieview/list/")
    saved = admin.post("/regieview/add", data={"code": "NEUF", "name": "Régie neuve",
                                               "mode": "postpaid"})
    with app.app_context():
        regie_id = db.session.scalar(sa.select(Regie.id).where(Regie.code == "NEUF"))
    assert saved.headers["Location"].endswith(f"/regieview/show/{regie_id}")
