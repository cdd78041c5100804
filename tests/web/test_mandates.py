"""SEPA mandates: what the bank would refuse is refused when the mandate is typed, on screen
and through the API."""
import html
import re

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import JournalEntry, Mandate
from app.services import RuleViolation, sepa
from tests import factories
from tests.web.test_billing_web import billed_family  # noqa: F401 (fixture)

GOOD_IBAN = "FR76 3000 4000 0100 0000 0012 358"
# Right IBAN check digits, wrong French RIB key (59 instead of 58): only the key tells.
BAD_RIB_KEY = "FR4930004000010000000012359"


def page_text(response):
    return html.unescape(re.sub(r"\s+", " ", response.get_data(as_text=True)))


@pytest.fixture
def family(app):
    with app.test_request_context():
        regie = factories.regie(db.session, code="ENF")
        _, (mother, father), _ = factories.household("Sepa", adults=("mother", "father"))
        db.session.commit()
        return {"regie": regie.id, "mother": mother.id, "father": father.id,
                "mother_name": mother.full_name}


def test_a_mandate_typed_on_screen_is_checked_and_gets_a_rum(app, login, family):
    regisseur = login("regisseur")
    form = {"adult": family["mother"], "regie": family["regie"], "rum": "",
            "signed_on": "2026-10-01", "iban": BAD_RIB_KEY, "bic": ""}
    refused = page_text(regisseur.post("/mandateview/add", data=form))
    assert "Cet IBAN n'est pas valide : vérifiez ses chiffres." in refused
    assert f'value="{BAD_RIB_KEY}"' in refused  # what was typed stays
    saved = regisseur.post("/mandateview/add", data={**form, "iban": GOOD_IBAN},
                           follow_redirects=True)
    assert saved.status_code == 200
    with app.app_context():
        mandate = db.session.scalar(sa.select(Mandate))
        assert (mandate.rum, mandate.iban, mandate.sequence) == (
            f"ENF-{family['mother']:06d}-1", "FR7630004000010000000012358", "FRST")
        journalled = db.session.execute(sa.select(JournalEntry).where(
            JournalEntry.entity == "Mandate")).scalar_one()
        # Who did it, by name; the journal keeps no full IBAN (it can never be purged).
        assert (journalled.action, journalled.after["iban"]) == ("mandate_create", "FR76…2358")
        assert journalled.user_name.endswith("(regisseur)")
    record = page_text(regisseur.get(f"/adultview/show/{family['mother']}"))
    assert "Mandats SEPA" in record and f"ENF-{family['mother']:06d}-1" in record
    assert "FR76 3000 4000 0100 0000 0012 358" in record


@pytest.mark.parametrize("rum, accepted", [
    ("ENF-2026/0001", True), ("A" * 35, True), ("A" * 36, False), ("ENF 0001", False),
    ("ENF-É01", False), ("/ENF01", False), ("ENF//01", False), ("ENF01/", False),
    ("ENF_01", False), ("ENF+(01).?:,'", True),
])
def test_the_rum_keeps_to_the_sepa_characters(app, family, rum, accepted):
    with app.test_request_context():
        mandate = Mandate(adult_id=family["mother"], regie_id=family["regie"], rum=rum,
                          signed_on=factories.date(2026, 10, 1), iban=GOOD_IBAN)
        if accepted:
            sepa.save_mandate(mandate)
            assert mandate.rum == rum
        else:
            with pytest.raises(RuleViolation) as refused:
                sepa.save_mandate(mandate)
            assert refused.value.field == "rum"
        db.session.rollback()


def test_one_active_mandate_per_adult_and_regie_and_a_rum_used_once(api, family):
    client = api("regisseur")
    body = {"adult_id": family["mother"], "regie_id": family["regie"], "rum": "ENF-1",
            "signed_on": "2026-10-01", "iban": GOOD_IBAN}
    first = client.post("/api/v1/mandate/", json=body)
    assert first.status_code == 201, first.get_json()
    assert first.get_json()["result"]["sequence"] == "FRST"
    assert first.get_json()["result"]["status"] == "active"
    second = client.post("/api/v1/mandate/", json={**body, "rum": "ENF-2"})
    assert second.status_code in (409, 422)
    assert "a déjà un mandat actif pour cette régie (RUM ENF-1)" in str(second.get_json())
    same_rum = client.post("/api/v1/mandate/", json={**body, "adult_id": family["father"]})
    assert "Cette RUM est déjà utilisée par un autre mandat de la régie." in str(
        same_rum.get_json())
    revoked = client.put(f"/api/v1/mandate/{first.get_json()['id']}", json={"status": "revoked"})
    assert revoked.status_code == 200 and revoked.get_json()["result"]["status"] == "revoked"
    revived = client.put(f"/api/v1/mandate/{first.get_json()['id']}", json={"status": "active"})
    assert revived.status_code in (409, 422)
    assert "Un mandat révoqué ne sert plus jamais" in str(revived.get_json())
    again = client.post("/api/v1/mandate/", json={**body, "rum": "ENF-2"})
    assert again.status_code == 201


def test_bad_mandates_are_refused_through_the_api_in_french(api, family):
    client = api("regisseur")
    body = {"adult_id": family["mother"], "regie_id": family["regie"], "rum": "ENF-1",
            "signed_on": "2026-10-01", "iban": GOOD_IBAN}
    for change, message in (
            ({"iban": BAD_RIB_KEY}, "Cet IBAN n'est pas valide"),
            ({"bic": "NOTABIC"}, "Ce BIC n'est pas valide."),
            ({"signed_on": "2026-12-01"}, "Un mandat ne peut pas être signé dans le futur."),
            ({"rum": "ENF 1"}, "La RUM compte de 1 à 35 caractères"),
            # A valid IBAN of a country the file cannot reach (attack review).
            ({"iban": "GB33BUKB20201555555555"}, "Espace économique européen")):
        answer = client.post("/api/v1/mandate/", json={**body, **change})
        assert answer.status_code in (409, 422), (change, answer.get_json())
        assert message in str(answer.get_json()), (change, answer.get_json())


def test_an_iban_changed_after_a_collection_is_an_amendment(app, family):
    with app.test_request_context():
        mandate = sepa.save_mandate(Mandate(
            adult_id=family["mother"], regie_id=family["regie"], rum="ENF-9",
            signed_on=factories.date(2026, 9, 1), iban=GOOD_IBAN))
        db.session.commit()
        mandate.iban = "FR1420041010050500013M02606"
        sepa.save_mandate(mandate, sepa.committed_state(mandate))
        assert mandate.amended_from_iban is None  # never used: nothing to tell the bank
        db.session.commit()
        mandate.first_collected_on = factories.date(2026, 10, 5)
        db.session.commit()
        mandate.iban = GOOD_IBAN
        sepa.save_mandate(mandate, sepa.committed_state(mandate))
        assert mandate.amended_from_iban == "FR1420041010050500013M02606"
        assert mandate.sequence == "RCUR"
        db.session.rollback()


def test_agents_read_mandates_but_only_the_regisseur_changes_them(login, family):
    agent = login("agent")
    assert agent.get("/mandateview/list/").status_code == 200
    denied = agent.post("/mandateview/add", data={"adult": family["mother"]})
    assert denied.status_code in (302, 403)
    assert login("animateur").get("/mandateview/list/").status_code in (302, 403)


def test_a_mandate_is_revoked_not_deleted(app, login, family):
    with app.test_request_context():
        mandate = sepa.save_mandate(Mandate(
            adult_id=family["mother"], regie_id=family["regie"], rum="ENF-5",
            signed_on=factories.date(2026, 9, 1), iban=GOOD_IBAN))
        db.session.commit()
        mandate_id = mandate.id
    regisseur = login("regisseur")
    done = page_text(regisseur.post("/mandateview/action_post", data={
        "action": "revoke", "rowid": [mandate_id]}, follow_redirects=True))
    assert "Mandat ENF-5 révoqué." in done
    with app.app_context():
        mandate = db.session.get(Mandate, mandate_id)
        assert (mandate.status, str(mandate.revoked_on)) == ("revoked", "2026-11-20")


def _pdf_words(pdf):
    import io

    from pypdf import PdfReader

    return " ".join(" ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)
                    .split())


def _validated_with_debit_date(regisseur, billed_family) -> int:
    """The family's November invoice, validated, to be debited on 10/12/2026."""
    from tests.web.test_billing_web import GENERATE

    started = regisseur.post("/api/v1/invoice/generate", json={
        "regie_id": billed_family["regie"], "service_ids": [billed_family["meal"]],
        **GENERATE, "debit_date": "2026-12-10"})
    (invoice_id,) = regisseur.get(f"/api/v1/job/{started.get_json()['job_id']}").get_json()[
        "result"]["invoice_ids"]
    regisseur.post("/api/v1/invoice/validate", json={"ids": [invoice_id]})
    return invoice_id


@pytest.mark.parametrize("with_mandate", [True, False])
def test_the_invoice_promises_a_debit_only_to_a_payer_with_an_active_mandate(
        app, api, billed_family, with_mandate):
    from app.models import Regie

    with app.test_request_context():
        regie = db.session.get(Regie, billed_family["regie"])
        regie.payment_instructions = "Chèque à l'ordre du Trésor public.\nVirement : FR76 …"
        if with_mandate:
            sepa.save_mandate(Mandate(adult_id=billed_family["mother"], regie_id=regie.id,
                                      signed_on=factories.date(2026, 9, 1), iban=GOOD_IBAN))
        db.session.commit()
    regisseur = api("regisseur")
    invoice_id = _validated_with_debit_date(regisseur, billed_family)
    words = _pdf_words(regisseur.get(f"/api/v1/invoice/{invoice_id}/pdf").data)
    promise = "Ce montant sera prélevé le 10/12/2026 sur le compte FR76…2358."
    if with_mandate:
        assert promise in words and "Trésor public" not in words
    else:
        assert "prélevé" not in words
        assert "Chèque à l'ordre du Trésor public. Virement : FR76 …" in words


def test_a_paid_invoice_promises_no_debit_and_says_what_was_paid(app, api, billed_family):
    """Review: « Reste à payer 0,00 € » then « Ce montant sera prélevé le … »."""
    from app.models import Regie
    from app.services import payments

    with app.test_request_context():
        regie = db.session.get(Regie, billed_family["regie"])
        sepa.save_mandate(Mandate(adult_id=billed_family["mother"], regie_id=regie.id,
                                  signed_on=factories.date(2026, 9, 1), iban=GOOD_IBAN))
        db.session.commit()
    regisseur = api("regisseur")
    invoice_id = _validated_with_debit_date(regisseur, billed_family)
    with app.test_request_context():
        from app.models import Invoice

        invoice = db.session.get(Invoice, invoice_id)
        payments.record_payment(invoice.payer_id, invoice.regie_id, invoice.total, "cash",
                                invoice_ids=[invoice.id])
        db.session.commit()
    words = _pdf_words(regisseur.get(f"/api/v1/invoice/{invoice_id}/pdf").data)
    assert "Déjà payé" in words and "Il ne reste rien à payer sur cette facture." in words
    assert "prélevé" not in words


def test_a_revoked_mandate_has_no_next_collection(app, login, family):
    with app.test_request_context():
        mandate = sepa.save_mandate(Mandate(
            adult_id=family["mother"], regie_id=family["regie"], rum="ENF-7",
            signed_on=factories.date(2026, 9, 1), iban=GOOD_IBAN))
        sepa.revoke(mandate)
        db.session.commit()
    listing = page_text(login("regisseur").get("/mandateview/list/"))
    assert "ENF-7" in listing and "récurrent" not in listing and "premier prélèvement" not in listing
