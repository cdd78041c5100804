"""The payment API of API.md: payment, deposit, deposit/create, deposit slip, person account."""
from decimal import Decimal

import pytest

from app.extensions import db
from tests import factories


@pytest.fixture
def debts(app):
    with app.test_request_context():
        payer, regie, (first, second) = factories.payer_with_invoices(
            db.session, "51.00", "20.00")
        other, _, (not_theirs,) = factories.payer_with_invoices(db.session, "10.00")
        db.session.commit()
        return {"payer": payer.id, "regie": regie.id, "first": first.id, "second": second.id,
                "other": other.id, "not_theirs": not_theirs.id}


def body(debts, **extra):
    return {"payer_id": debts["payer"], "regie_id": debts["regie"], "method": "cash",
            "amount": "12.50", **extra}


def test_a_payment_allocated_in_order_with_the_rest_to_the_account(api, debts):
    regisseur = api("regisseur")
    made = regisseur.post("/api/v1/payment/", json=body(
        debts, amount="80.00", invoice_ids=[debts["second"], debts["first"]]))
    assert made.status_code == 201, made.get_json()
    result = made.get_json()["result"]
    assert result["amount"] == "80.00" and result["status"] == "ok"
    assert result["deposit_id"] is None and result["reject_reason"] is None
    assert result["invoice_ids"] == [debts["second"], debts["first"]]
    assert result["allocations"] == [{"invoice_id": debts["second"], "amount": "20.00"},
                                     {"invoice_id": debts["first"], "amount": "51.00"}]
    first = regisseur.get(f"/api/v1/invoice/{debts['first']}").get_json()["result"]
    assert (first["state"], first["amount_due"]) == ("paid", "0.00")
    account = regisseur.get(f"/api/v1/person/{debts['payer']}/account?regie_id={debts['regie']}")
    assert account.status_code == 200
    assert account.get_json()["balance"] == "9.00"
    assert [(e["date"], e["amount"]) for e in account.get_json()["entries"]] == [
        ("2026-11-20", "9.00")]
    listed = regisseur.get("/api/v1/payment/").get_json()
    assert listed["count"] == 1 and listed["result"][0]["amount"] == "80.00"


def test_a_partial_payment_shows_in_the_invoice_state(api, debts):
    regisseur = api("regisseur")
    regisseur.post("/api/v1/payment/", json=body(debts, invoice_ids=[debts["first"]]))
    first = regisseur.get(f"/api/v1/invoice/{debts['first']}").get_json()["result"]
    assert (first["state"], first["amount_due"]) == ("partially_paid", "38.50")


@pytest.mark.parametrize("change, field, message", [
    ({"amount": "-5"}, "amount", "positif"),
    ({"amount": "12.505"}, "amount", "deux décimales"),
    ({"amount": None}, "amount", "vide"),
    ({"method": "bitcoin"}, "method", "mode de paiement"),
    ({"invoice_ids": [999999]}, "invoice_ids", "Facture inconnue"),
    ({"date": "2026-12-01"}, "date", "futur"),
])
def test_bad_input_is_refused_in_french(api, debts, change, field, message):
    refused = api("regisseur").post("/api/v1/payment/", json=body(debts, **change))
    assert refused.status_code == 422, refused.get_json()
    assert message in " ".join(refused.get_json()["message"][field])


def test_invoices_of_another_payer_or_a_draft_are_refused(app, api, debts):
    from app.models import Invoice

    regisseur = api("regisseur")
    refused = regisseur.post("/api/v1/payment/", json=body(
        debts, invoice_ids=[debts["not_theirs"]]))
    assert refused.status_code == 422
    assert "n’est pas adressée à" in refused.get_json()["message"]["invoice_ids"][0]
    with app.test_request_context():
        invoice = db.session.get(Invoice, debts["first"])
        draft = Invoice(kind="invoice", regie_id=invoice.regie_id, payer_id=invoice.payer_id,
                        status="draft", period_start=invoice.period_start,
                        period_end=invoice.period_end, total=Decimal(5))
        db.session.add(draft)
        db.session.commit()
        draft_id = draft.id
    refused = regisseur.post("/api/v1/payment/", json=body(debts, invoice_ids=[draft_id]))
    assert "pas une facture validée" in refused.get_json()["message"]["invoice_ids"][0]


def test_deposit_create_twice_slip_delete_round_trip(api, debts):
    regisseur = api("regisseur")
    ids = [regisseur.post("/api/v1/payment/", json=body(
        debts, method="cheque", cheque_number=str(n), bank="La Poste",
        invoice_ids=[debts["first"]])).get_json()["id"] for n in (1, 2)]
    made = regisseur.post("/api/v1/deposit/create", json={"payment_ids": ids})
    assert made.status_code == 201, made.get_json()
    deposit = made.get_json()
    assert deposit["total"] == "25.00" and deposit["number"].endswith("-D-2026-000001")
    again = regisseur.post("/api/v1/deposit/create", json={"payment_ids": ids[:1]})
    assert again.status_code == 409
    assert "déjà dans un dépôt" in again.get_json()["message"]
    listed = regisseur.get("/api/v1/deposit/").get_json()
    assert listed["count"] == 1 and listed["result"][0]["total"] == "25.00"
    shown = regisseur.get(f"/api/v1/deposit/{deposit['id']}").get_json()["result"]
    assert shown["total"] == "25.00" and sorted(shown["payment_ids"]) == sorted(ids)
    payment = regisseur.get(f"/api/v1/payment/{ids[0]}").get_json()["result"]
    assert payment["deposit_id"] == deposit["id"]
    assert regisseur.delete(f"/api/v1/payment/{ids[0]}").status_code == 409
    slip = regisseur.get(f"/api/v1/deposit/{deposit['id']}/slip")
    assert slip.status_code == 200 and slip.mimetype == "application/pdf"
    assert slip.data.startswith(b"%PDF")
    assert regisseur.delete(f"/api/v1/deposit/{deposit['id']}").status_code == 200
    assert regisseur.get(f"/api/v1/payment/{ids[0]}").get_json()["result"]["deposit_id"] is None
    assert regisseur.delete(f"/api/v1/payment/{ids[0]}").status_code == 200
    first = regisseur.get(f"/api/v1/invoice/{debts['first']}").get_json()["result"]
    assert first["amount_due"] == "38.50"


def test_a_payment_is_never_edited(api, debts):
    regisseur = api("regisseur")
    made = regisseur.post("/api/v1/payment/", json=body(debts)).get_json()
    edited = regisseur.put(f"/api/v1/payment/{made['id']}", json={"amount": "1.00"})
    assert edited.status_code in (404, 405)


def test_roles_agents_read_the_account_only(api, debts):
    agent = api("agent")
    account = agent.get(f"/api/v1/person/{debts['payer']}/account?regie_id={debts['regie']}")
    assert account.status_code == 200 and account.get_json() == {"balance": "0.00",
                                                                "entries": []}
    assert agent.post("/api/v1/payment/", json=body(debts)).status_code == 403
    assert agent.get("/api/v1/deposit/").status_code == 403
    assert agent.post("/api/v1/deposit/create", json={"payment_ids": [1]}).status_code == 403
    missing = agent.get(f"/api/v1/person/{debts['payer']}/account")
    assert missing.status_code == 422
    assert api("animateur").get(
        f"/api/v1/person/{debts['payer']}/account?regie_id={debts['regie']}").status_code == 403
