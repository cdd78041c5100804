"""The régisseur records payments from an invoice's page, credits an adult's account, puts
credit on an invoice, lists payments with their total and makes deposits; an agent reads the
account but handles no money."""
import re
from decimal import Decimal

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Deposit, Invoice, Payment
from app.services import payments
from tests import factories
from tests.web.test_billing_web import text


def words(response):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", text(response))).strip()


@pytest.fixture
def debts(app):
    """An adult with two validated invoices (51,00 € and 20,00 €) at one régie."""
    with app.test_request_context():
        payer, regie, (first, second) = factories.payer_with_invoices(
            db.session, "51.00", "20.00")
        db.session.commit()
        return {"payer": payer.id, "regie": regie.id, "first": first.id,
                "second": second.id, "numbers": (first.number, second.number)}


def pay(client, invoice_id, **form):
    data = {"method": "cash", "date": "2026-11-20", **form}
    return client.post(f"/paymentview/pay/{invoice_id}", data=data, follow_redirects=True)


def test_a_cheque_typed_the_french_way_leaves_the_invoice_partially_paid(login, debts):
    regisseur = login("regisseur")
    page = regisseur.get(f"/invoiceview/show/{debts['first']}")
    assert "Ajouter un paiement" in words(page) and "Reste à payer 51,00 €" in words(page)
    form = regisseur.get(f"/paymentview/pay/{debts['first']}")
    assert 'value="51,00"' in text(form) and 'value="2026-11-20"' in text(form)
    assert "Numéro de chèque" in words(form) and "chèque" in words(form)
    done = pay(regisseur, debts["first"], method="cheque", amount="12,50",
               cheque_number="7654321", bank="Crédit Mutuel")
    shown = words(done)
    assert "Paiement de 12,50 € enregistré." in shown
    assert "partiellement payée" in shown and "Reste à payer 38,50 €" in shown
    assert "20/11/2026 — 12,50 €" in shown and "chèque n° 7654321" in shown
    assert "à déposer" in shown


@pytest.mark.parametrize("amount, cheque, message", [
    ("12,505", "1", "au plus deux décimales"), ("-3", "1", "Le montant doit être positif"),
    ("douze", "1", "pas un montant"), ("12,50", "", "Indiquez le numéro du chèque")])
def test_bad_input_is_refused_next_to_its_field_and_kept(app, login, debts, amount, cheque,
                                                         message):
    refused = pay(login("regisseur"), debts["first"], method="cheque", amount=amount,
                  cheque_number=cheque, bank="Banque typée")
    assert message in text(refused)
    assert f'value="{amount}"' in text(refused) and 'value="Banque typée"' in text(refused)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Payment.id))) == 0


def test_an_over_payment_goes_to_the_account_and_comes_back_on_request(app, login, debts):
    regisseur = login("regisseur")
    done = pay(regisseur, debts["first"], amount="60")
    assert "9,00 € crédités sur le compte de" in words(done)
    adult = words(regisseur.get(f"/adultview/show/{debts['payer']}"))
    assert "solde 9,00 €" in adult and "Trop-perçu du paiement du 20/11/2026 (espèces)" in adult
    second = words(regisseur.get(f"/invoiceview/show/{debts['second']}"))
    assert "Imputer l’avoir / le crédit sur cette facture (9,00 €)" in second
    put = regisseur.post(f"/paymentview/allocate/{debts['second']}", follow_redirects=True)
    shown = words(put)
    assert "9,00 € de crédit imputés sur la facture" in shown
    assert "Reste à payer 11,00 €" in shown and "Imputer l’avoir" not in shown
    assert "espèces — par imputation du crédit du compte à déposer 9,00 €" in shown
    assert "solde 0,00 €" in words(regisseur.get(f"/adultview/show/{debts['payer']}"))


def test_credit_the_account_from_the_adults_record(login, debts):
    regisseur = login("regisseur")
    record = words(regisseur.get(f"/adultview/show/{debts['payer']}"))
    assert "Créditer le compte" in record and "Aucun paiement" in record
    done = regisseur.post(f"/paymentview/credit/{debts['payer']}", data={
        "method": "card", "regie": debts["regie"], "product": "0", "date": "2026-11-19",
        "amount": "25,00"}, follow_redirects=True)
    shown = words(done)
    assert "25,00 € crédités sur le compte" in shown and "solde 25,00 €" in shown
    assert "Paiement du 19/11/2026 (carte bancaire)" in shown


def test_the_list_total_the_deposit_action_and_a_second_deposit_refused(app, login, debts):
    regisseur = login("regisseur")
    pay(regisseur, debts["first"], method="cheque", amount="12,50", cheque_number="1", bank="B")
    pay(regisseur, debts["first"], method="cheque", amount="7,25", cheque_number="2", bank="B")
    pay(regisseur, debts["second"], amount="3")
    listed = words(regisseur.get("/paymentview/list/"))
    assert "3 paiements dans cette liste — total 22,75 €" in listed
    cheques = words(regisseur.get("/paymentview/list/?_flt_0_method=cheque"))
    assert "2 paiements dans cette liste — total 19,75 €" in cheques
    with app.app_context():
        ids = list(db.session.scalars(sa.select(Payment.id).where(Payment.method == "cheque")))
    made = regisseur.post("/paymentview/action_post", data={
        "action": "create_deposit", "rowid": ids}, follow_redirects=True)
    shown = words(made)
    assert re.search(r"Dépôt P\d+-D-2026-000001 créé : 2 paiements, 19,75 €\.", shown)
    assert "Bordereau de remise (PDF)" in shown and "Sans produit 2 19,75 €" in shown
    to_deposit = words(regisseur.get("/paymentview/list/?_flt_0_deposit=1"))
    assert "1 paiement dans cette liste — total 3,00 €" in to_deposit
    again = regisseur.post("/paymentview/action_post", data={
        "action": "create_deposit", "rowid": ids[:1]}, follow_redirects=True)
    assert "Rien n’a été déposé : 1 paiement est déjà dans un dépôt" in words(again)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Deposit.id))) == 1


def test_deposit_the_whole_list_open_the_slip_delete_then_lock(app, login, debts):
    regisseur = login("regisseur")
    pay(regisseur, debts["first"], method="cheque", amount="12,50", cheque_number="1", bank="B")
    question = regisseur.get("/paymentview/deposit_all?_flt_0_deposit=1")
    assert "Mettre 1 paiement dans un dépôt, total 12,50 € ?" in words(question)
    made = regisseur.post("/paymentview/deposit_all?_flt_0_deposit=1", data={"count": "1"},
                          follow_redirects=True)
    with app.app_context():
        deposit = db.session.scalars(sa.select(Deposit)).one()
        deposit_id, number = deposit.id, deposit.number
    assert f"Dépôt {number} créé" in words(made)
    slip = regisseur.get(f"/depositview/slip/{deposit_id}")
    assert slip.mimetype == "application/pdf" and slip.data.startswith(b"%PDF")
    refused = regisseur.get("/paymentview/list/")
    assert "12,50 €" in words(refused)
    deleted = regisseur.post(f"/depositview/delete/{deposit_id}", follow_redirects=True)
    assert "Dépôt supprimé : 1 paiement est de nouveau à déposer." in words(deleted)
    assert "1 paiement dans cette liste" in words(
        regisseur.get("/paymentview/list/?_flt_0_deposit=1"))
    regisseur.post("/paymentview/deposit_all?_flt_0_deposit=1", data={"count": "1"})
    with app.app_context():
        deposit_id = db.session.scalars(sa.select(Deposit.id)).one()
    # The whole list (not only « à déposer »): the deposited payment is left out, not a
    # reason to refuse everything (review).
    pay(regisseur, debts["first"], method="cash", amount="2,00")
    whole = words(regisseur.get("/paymentview/deposit_all"))
    assert "Mettre 1 paiement dans un dépôt, total 2,00 € ?" in whole
    assert "1 paiement de la liste est laissé de côté" in whole
    assert "en dépôt" in words(regisseur.get("/paymentview/list/"))
    sent = regisseur.post(f"/depositview/send/{deposit_id}", follow_redirects=True)
    assert "marqué comme remis à la banque" in words(sent)
    locked = regisseur.post(f"/depositview/delete/{deposit_id}", follow_redirects=True)
    assert "a été remis à la banque : il ne peut plus changer" in words(locked)
    with app.app_context():
        assert db.session.get(Deposit, deposit_id) is not None


def test_a_deposited_payment_is_not_deleted_an_undeposited_one_is(app, login, debts):
    regisseur = login("regisseur")
    pay(regisseur, debts["first"], amount="10")
    pay(regisseur, debts["first"], amount="5")
    with app.app_context():
        first, second = db.session.scalars(sa.select(Payment.id).order_by(Payment.id)).all()
    regisseur.post("/paymentview/action_post", data={"action": "create_deposit",
                                                     "rowid": [first]})
    refused = regisseur.post(f"/paymentview/delete/{first}", follow_redirects=True)
    assert "Ce paiement est dans le dépôt" in words(refused)
    deleted = regisseur.post(f"/paymentview/delete/{second}", follow_redirects=True)
    assert "Paiement supprimé : ce qu’il réglait est de nouveau dû." in words(deleted)
    with app.app_context():
        invoice = db.session.get(Invoice, debts["first"])
        assert payments.amount_due(invoice) == Decimal("41.00")


def test_an_agent_reads_the_account_but_handles_no_money(login, debts):
    regisseur = login("regisseur")
    pay(regisseur, debts["first"], amount="60")
    agent = login("agent")
    record = words(agent.get(f"/adultview/show/{debts['payer']}"))
    assert "solde 9,00 €" in record and "Créditer le compte" not in record
    invoice = words(agent.get(f"/invoiceview/show/{debts['first']}"))
    assert "Ajouter un paiement" not in invoice
    for url in ("/paymentview/list/", f"/paymentview/pay/{debts['second']}",
                "/depositview/list/"):
        response = agent.get(url)
        assert response.status_code in (302, 403), url
    refused = agent.post(f"/paymentview/pay/{debts['second']}", data={
        "method": "cash", "date": "2026-11-20", "amount": "5"})
    assert refused.status_code in (302, 403)


def test_the_list_of_payments_runs_the_same_queries_for_2_or_8_payments(app, login, debts,
                                                                          count_queries):
    regisseur = login("regisseur")

    def recorded(count):
        with app.test_request_context():
            for _ in range(count):
                payer, regie, _ = factories.payer_with_invoices(db.session)
                payments.record_payment(payer.id, regie.id, "1", "cash")
            db.session.commit()

    recorded(2)
    regisseur.get("/paymentview/list/")
    with count_queries() as few:
        regisseur.get("/paymentview/list/")
    recorded(6)
    with count_queries() as more:
        page = regisseur.get("/paymentview/list/")
    assert "8 paiements dans cette liste — total 8,00 €" in words(page)
    assert len(more) == len(few)
