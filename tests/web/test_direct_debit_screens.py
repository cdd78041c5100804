"""« Prélèvements », the run's summary, rejects on the deposit page, « Importer un fichier de
rejets », and their API (API.md)."""
import html
import io
import re

import pytest

from app.extensions import db
from tests import factories
from tests.unit.test_direct_debits import reject_file, transactions


def page_text(response):
    return html.unescape(re.sub(r"\s+", " ", response.get_data(as_text=True)))


@pytest.fixture
def town(app):
    with app.test_request_context():
        regie = factories.sepa_regie(db.session)
        alice, (a1, a2) = factories.debit_payer(db.session, regie, "42.50", "10.05",
                                                last="Alice")
        nobody, (orphan,) = factories.debit_payer(db.session, regie, "20.00", last="Sansmandat",
                                                  with_mandate=False)
        other, _, (cash_invoice,) = factories.payer_with_invoices(db.session, "5.00")
        db.session.commit()
        return {"regie": regie.id, "alice": alice.id, "a1": a1.id, "a2": a2.id,
                "a1_number": a1.number, "orphan": orphan.id, "orphan_number": orphan.number,
                "nobody_name": nobody.full_name, "alice_name": alice.full_name,
                "other": other.id, "other_regie": cash_invoice.regie_id}


def run_by_api(client, town, **extra):
    started = client.post("/api/v1/direct_debit/run", json={
        "regie_id": town["regie"], "collection_date": "2026-11-25", **extra})
    assert started.status_code == 202, started.get_json()
    job = client.get(f"/api/v1/job/{started.get_json()['job_id']}").get_json()
    assert job["status"] == "finished", job
    return job["result"]


def test_the_run_api_answers_a_job_whose_result_lists_refusals(api, town):
    regisseur = api("regisseur")
    result = run_by_api(regisseur, town)
    assert (result["count"], result["total"]) == (2, "52.55")
    assert [(r["invoice_id"], r["reason"]) for r in result["refused"]] == [
        (town["orphan"], "Le payeur n'a pas de mandat SEPA pour cette régie.")]
    sepa = regisseur.get(f"/api/v1/deposit/{result['deposit_id']}/sepa")
    assert sepa.status_code == 200 and sepa.mimetype == "application/xml"
    assert sorted(amount for _seq, amount in transactions(sepa.data).values()) == [
        "10.05", "42.50"]
    deposit = regisseur.get(f"/api/v1/deposit/{result['deposit_id']}").get_json()["result"]
    assert deposit["method"] == "direct_debit" and deposit["total"] == "52.55"
    invoice = regisseur.get(f"/api/v1/invoice/{town['a1']}").get_json()["result"]
    assert (invoice["state"], invoice["amount_due"]) == ("paid", "0.00")


def test_the_run_api_refuses_a_date_too_early_and_bad_input(api, town):
    regisseur = api("regisseur")
    early = regisseur.post("/api/v1/direct_debit/run", json={
        "regie_id": town["regie"], "collection_date": "2026-11-21"})
    assert early.status_code == 422
    assert "24/11/2026" in early.get_json()["message"]["collection_date"][0]
    missing = regisseur.post("/api/v1/direct_debit/run", json={"regie_id": town["regie"]})
    assert missing.status_code == 422 and "collection_date" in missing.get_json()["message"]
    no_ics = regisseur.post("/api/v1/direct_debit/run", json={
        "regie_id": town["other_regie"], "collection_date": "2026-11-25"})
    assert no_ics.status_code == 422 and "creditor_id" in no_ics.get_json()["message"]
    assert api("agent").post("/api/v1/direct_debit/run", json={
        "regie_id": town["regie"], "collection_date": "2026-11-25"}).status_code == 403


def test_only_the_invoices_named_are_debited(api, town):
    result = run_by_api(api("regisseur"), town, invoice_ids=[town["a2"]])
    assert (result["count"], result["total"], result["refused"]) == (1, "10.05", [])


def test_a_deposit_without_a_sepa_file_answers_404(api, town):
    regisseur = api("regisseur")
    payment = regisseur.post("/api/v1/payment/", json={
        "payer_id": town["other"], "regie_id": town["other_regie"], "method": "cash",
        "amount": "5.00"}).get_json()
    made = regisseur.post("/api/v1/deposit/create", json={"payment_ids": [payment["id"]]})
    assert regisseur.get(f"/api/v1/deposit/{made.get_json()['id']}/sepa").status_code == 404
    assert regisseur.get("/api/v1/deposit/999999/sepa").status_code == 404
    refused = regisseur.post(f"/api/v1/payment/{payment['id']}/reject",
                             json={"reason_code": "AM04"})
    assert refused.status_code == 409
    assert "prélèvement remis à la banque" in refused.get_json()["message"]


def test_the_reject_api_makes_the_invoice_due_again_once(api, town):
    regisseur = api("regisseur")
    result = run_by_api(regisseur, town)
    payment_id = regisseur.get(f"/api/v1/deposit/{result['deposit_id']}").get_json()[
        "result"]["payment_ids"][0]
    unknown = regisseur.post(f"/api/v1/payment/{payment_id}/reject", json={"reason_code": "ZZ"})
    assert unknown.status_code == 422 and "ZZ" in unknown.get_json()["message"]["reason_code"][0]
    done = regisseur.post(f"/api/v1/payment/{payment_id}/reject", json={"reason_code": "AM04"})
    assert done.status_code == 200 and done.get_json()["status"] == "rejected"
    again = regisseur.post(f"/api/v1/payment/{payment_id}/reject", json={"reason_code": "AM04"})
    assert again.status_code == 200 and again.get_json()["already"] is True
    payment = regisseur.get(f"/api/v1/payment/{payment_id}").get_json()["result"]
    assert (payment["status"], payment["reject_reason"]) == ("rejected", "AM04")
    invoice = regisseur.get(f"/api/v1/invoice/{town['a1']}").get_json()["result"]
    assert invoice["amount_due"] == "42.50"


def test_the_reject_file_api_counts_and_lists_what_matches_nothing(api, town):
    regisseur = api("regisseur")
    result = run_by_api(regisseur, town)
    e2e = [p["end_to_end_id"] for p in regisseur.get(
        f"/api/v1/payment/?q=(filters:!((col:deposit_id,opr:eq,value:{result['deposit_id']})))"
    ).get_json()["result"]]
    data = reject_file([(e2e[0], "AC04"), ("P1-NOWHERE", "AM04")])
    first = regisseur.post("/api/v1/sepa/rejects", data=data, content_type="application/xml")
    assert first.status_code == 200, first.get_json()
    assert {k: first.get_json()[k] for k in ("rejected", "already", "unmatched")} == {
        "rejected": 1, "already": 0,
        "unmatched": [{"end_to_end_id": "P1-NOWHERE", "reason_code": "AM04"}]}
    second = regisseur.post("/api/v1/sepa/rejects", data=data, content_type="application/xml")
    assert (second.get_json()["rejected"], second.get_json()["already"]) == (0, 1)
    empty = regisseur.post("/api/v1/sepa/rejects", data=b"", content_type="application/xml")
    assert empty.status_code == 400
    bad = regisseur.post("/api/v1/sepa/rejects", data=b"<html/>", content_type="application/xml")
    assert bad.status_code == 422 and "pain.002 ou camt.054" in str(bad.get_json()["message"])


def test_the_run_page_proposes_the_earliest_date_and_explains_a_refusal(login, town):
    regisseur = login("regisseur")
    page = page_text(regisseur.get("/direct_debits/"))
    assert "Prélèvements" in page and 'value="2026-11-24"' in page
    assert "le 24/11/2026 au plus tôt" in page
    refused = page_text(regisseur.post("/direct_debits/", data={
        "regie": town["regie"], "collection_date": "2026-11-23"}))
    assert "la date de prélèvement ne peut pas être avant le 24/11/2026" in refused
    assert 'value="2026-11-23"' in refused  # what was typed stays
    assert login("agent").get("/direct_debits/").status_code in (302, 403)


def test_the_run_summary_lists_the_refused_invoices_with_payers(login, town):
    regisseur = login("regisseur")
    started = regisseur.post("/direct_debits/", data={
        "regie": town["regie"], "collection_date": "2026-11-25"})
    assert started.status_code == 302
    summary = page_text(regisseur.get(started.headers["Location"]))
    assert "2 prélèvements" in summary and "52,55 €" in summary
    assert "1 facture non prélevée" in summary
    assert town["orphan_number"] in summary and town["nobody_name"] in summary
    assert "Le payeur n'a pas de mandat SEPA pour cette régie." in summary
    assert "Télécharger le fichier SEPA (XML)" in summary and "Ouvrir le dépôt" in summary
    assert '{"deposit_id"' not in summary


def test_the_filtered_invoice_list_can_be_debited_alone(login, town):
    regisseur = login("regisseur")
    filters = {"_flt_0_number": town["a1_number"]}
    listed = page_text(regisseur.get("/invoiceview/list/", query_string=filters))
    assert "Prélever cette liste" in listed
    page = page_text(regisseur.get("/direct_debits/", query_string=filters))
    assert "Seulement la facture de la liste filtrée (1)" in page
    started = regisseur.post("/direct_debits/", query_string=filters, data={
        "regie": town["regie"], "collection_date": "2026-11-25", "only_list": "y"})
    summary = page_text(regisseur.get(started.headers["Location"]))
    assert "1 prélèvement " in summary and "42,50 €" in summary


def test_reject_from_the_deposit_page_and_see_why_on_the_payment(login, api, town):
    result = run_by_api(api("regisseur"), town)
    regisseur = login("regisseur")
    deposit_page = page_text(regisseur.get(f"/depositview/show/{result['deposit_id']}"))
    assert "AM04 — Provision insuffisante" in deposit_page and "Rejeter" in deposit_page
    assert "Fichier SEPA (XML)" in deposit_page
    payment_id = int(re.search(r'id="debit-(\d+)"', deposit_page).group(1))
    done = regisseur.post(f"/depositview/reject/{result['deposit_id']}/{payment_id}",
                          data={"reason_code": "MD01"}, follow_redirects=True)
    text = page_text(done)
    assert f"Prélèvement de {town['alice_name']} rejeté (MD01" in text
    assert "révoqué : la famille doit payer autrement" in text
    assert "REFUSÉ" in text and "MD01 — " in text
    # The review: the deposit's total says what was rejected; the bank answering means the
    # file went to the bank, so the deposit is locked.
    assert re.search(r"dont rejetés 42,50\s€, net 10,05\s€", text)
    assert "remis à la banque le" in text
    assert 'data-confirm="Rejeter le prélèvement de' in done.get_data(as_text=True)
    listing = page_text(regisseur.get("/paymentview/list/"))
    assert re.search(r"1 paiement rejeté non compté : 42,50\s€", listing)
    assert "à prélever" in listing and "encaissé" not in listing
    payment = page_text(regisseur.get(f"/paymentview/show/{payment_id}"))
    assert "REFUSÉ" in payment and "MD01 — " in payment
    assert "autre moyen de paiement" in payment or "un autre moyen" in payment
    download = regisseur.get(f"/depositview/sepa/{result['deposit_id']}")
    assert download.mimetype == "application/xml" and "attachment" in download.headers[
        "Content-Disposition"]


def test_the_reject_file_page_imports_and_reports(login, api, town):
    result = run_by_api(api("regisseur"), town)
    regisseur = login("regisseur")
    e2e = api("regisseur").get(f"/api/v1/deposit/{result['deposit_id']}").get_json()
    payment = api("regisseur").get(f"/api/v1/payment/{e2e['result']['payment_ids'][0]}")
    data = reject_file([(payment.get_json()["result"]["end_to_end_id"], "AM04"),
                        ("P2-AILLEURS", "MS03")], "camt.054")
    page = page_text(regisseur.post("/direct_debits/rejects", data={
        "file": (io.BytesIO(data), "rejets.xml")}, content_type="multipart/form-data"))
    assert "1 prélèvement rejeté." in page
    assert "1 ligne ne correspond à aucun prélèvement" in page and "P2-AILLEURS" in page
    again = page_text(regisseur.post("/direct_debits/rejects", data={
        "file": (io.BytesIO(data), "rejets.xml")}, content_type="multipart/form-data"))
    assert "0 prélèvement rejeté." in again and "1 l'était déjà." in again
    bad = page_text(regisseur.post("/direct_debits/rejects", data={
        "file": (io.BytesIO(b"pas du xml"), "rejets.xml")}, content_type="multipart/form-data"))
    assert "pain.002 ou camt.054" in bad
    none = page_text(regisseur.post("/direct_debits/rejects", data={},
                                    content_type="multipart/form-data"))
    assert "Choisissez le fichier de la banque." in none


def test_a_reject_file_too_large_is_refused_in_french(login, api, town):
    big = b"<Document>" + b" " * (500 * 1024) + b"</Document>"
    page = login("regisseur").post("/direct_debits/rejects", data={
        "file": (io.BytesIO(big), "rejets.xml")}, content_type="multipart/form-data")
    assert page.status_code == 413 and "trop volumineuse" in page_text(page)
    answer = api("regisseur").post("/api/v1/sepa/rejects", data=big,
                                   content_type="application/xml")
    assert answer.status_code == 413 and "trop" in str(answer.get_json()["message"])


def test_the_rejected_payments_are_found_from_the_import_page(login, api, town):
    result = run_by_api(api("regisseur"), town)
    client = api("regisseur")
    payment_id = client.get(f"/api/v1/deposit/{result['deposit_id']}").get_json()[
        "result"]["payment_ids"][0]
    client.post(f"/api/v1/payment/{payment_id}/reject", json={"reason_code": "MS03"})
    listed = page_text(login("regisseur").get("/paymentview/list/",
                                              query_string={"_flt_0_status": "rejected"}))
    assert "1 paiement dans cette liste" in listed and "REFUSÉ" in listed
