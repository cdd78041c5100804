"""Through the API and the screens: a validated invoice never changes, its attendance days
stay as billed, and a credit note releases days."""
import re
from decimal import Decimal

import sqlalchemy as sa

from app.extensions import db
from app.models import Adjustment, Attendance, Invoice
from tests.web.test_billing_web import GENERATE, billed_family  # noqa: F401 (fixture)


def _generate(client, family):
    """Drafts for November: the mother's (even weeks) and the father's (odd weeks)."""
    client.post("/api/v1/billing_rule/", json={
        "payer_id": family["father"], "start_date": "2026-09-01", "criterion": "odd_weeks",
        "subscription_ids": [family["subscription"]]})
    started = client.post("/api/v1/invoice/generate", json={
        "regie_id": family["regie"], "service_ids": [family["meal"]], **GENERATE})
    job = client.get(f"/api/v1/job/{started.get_json()['job_id']}").get_json()
    return job["result"]["invoice_ids"]


def test_an_adjustment_cannot_be_moved_off_or_onto_a_validated_invoice(app, api, billed_family):
    regisseur = api("regisseur")
    validated_id, draft_id = _generate(regisseur, billed_family)
    discount = regisseur.post("/api/v1/adjustment/", json={
        "invoice_id": validated_id, "label": "Fratrie", "kind": "discount", "amount": "2.00"})
    assert discount.status_code == 201, discount.get_json()
    adjustment_id = discount.get_json()["id"]
    assert regisseur.post("/api/v1/invoice/validate", json={"ids": [validated_id]}).status_code \
        == 200
    with app.app_context():
        total = db.session.get(Invoice, validated_id).total
    moved = regisseur.put(f"/api/v1/adjustment/{adjustment_id}", json={"invoice_id": draft_id})
    assert moved.status_code == 409 and "est validée" in moved.get_json()["message"], moved.get_json()
    assert regisseur.delete(f"/api/v1/adjustment/{adjustment_id}").status_code == 409
    with app.app_context():
        assert db.session.get(Invoice, validated_id).total == total
        assert db.session.get(Adjustment, adjustment_id).invoice_id == validated_id
    # And from a draft onto the validated one.
    onto = regisseur.post("/api/v1/adjustment/", json={
        "invoice_id": draft_id, "label": "Erreur", "kind": "surcharge", "amount": "1.00"})
    assert onto.status_code == 201
    sneaked = regisseur.put(f"/api/v1/adjustment/{onto.get_json()['id']}",
                            json={"invoice_id": validated_id})
    assert sneaked.status_code == 409
    with app.app_context():
        assert db.session.get(Invoice, validated_id).total == total
    # Between two drafts both totals follow, in the same commit.
    with app.app_context():
        before = db.session.get(Invoice, draft_id).total
    third = regisseur.post("/api/v1/adjustment/", json={
        "invoice_id": draft_id, "label": "Fratrie", "kind": "discount", "amount": "0.50"})
    with app.app_context():
        assert db.session.get(Invoice, draft_id).total == before - Decimal("0.50")
    assert regisseur.delete(f"/api/v1/adjustment/{third.get_json()['id']}").status_code == 200
    with app.app_context():
        assert db.session.get(Invoice, draft_id).total == before


def test_amounts_with_a_third_decimal_are_refused_by_the_api(api, billed_family):
    regisseur = api("regisseur")
    draft_id = _generate(regisseur, billed_family)[0]
    refused = regisseur.post("/api/v1/adjustment/", json={
        "invoice_id": draft_id, "label": "x", "kind": "discount", "amount": "0.001"})
    assert refused.status_code == 422
    assert "deux décimales" in refused.get_json()["message"]["amount"][0]
    regisseur.post("/api/v1/invoice/validate", json={"ids": [draft_id]})
    for amount in ("0.001", "0", 0):
        note = regisseur.post(f"/api/v1/invoice/{draft_id}/credit_note",
                              json={"amount": amount})
        assert note.status_code == 422, (amount, note.get_json())
    assert regisseur.post(f"/api/v1/invoice/{draft_id}/credit_note",
                          json={"amount": "1.50"}).status_code == 201


def test_attendance_of_an_invoiced_day_is_frozen_through_the_api(app, api, billed_family,
                                                                 town_clock):
    from datetime import datetime

    regisseur, agent = api("regisseur"), api("agent")
    town_clock(datetime(2026, 12, 10, 12, 0))
    mark = agent.post("/api/v1/attendance/", json={
        "person_id": billed_family["child"], "service_id": billed_family["meal"],
        "date": "2026-11-02", "status": "present"})
    assert mark.status_code == 201, mark.get_json()
    mark_id = mark.get_json()["id"]
    ids = _generate(regisseur, billed_family)
    regisseur.post("/api/v1/invoice/validate", json={"ids": ids})
    changed = agent.put(f"/api/v1/attendance/{mark_id}", json={"status": "excused_absence"})
    assert changed.status_code == 422 and "déjà facturé" in str(changed.get_json())
    assert agent.delete(f"/api/v1/attendance/{mark_id}").status_code in (409, 422)
    with app.app_context():
        assert db.session.get(Attendance, mark_id).status == "present"


def test_the_credit_note_screen_releases_the_ticked_days(app, login, api, billed_family):
    regisseur = api("regisseur")
    ids = _generate(regisseur, billed_family)
    regisseur.post("/api/v1/invoice/validate", json={"ids": ids})
    with app.app_context():
        invoice = db.session.get(Invoice, ids[0])
        line = invoice.lines[0]
        line_id, day, price = line.id, line.date_list[0], line.unit_price
    page = login("regisseur")
    shown = page.get(f"/invoiceview/show/{ids[0]}").get_data(as_text=True)
    assert f'name="day_{line_id}" value="{day}"' in shown
    done = page.post(f"/invoiceview/credit_note/{ids[0]}", data={
        f"day_{line_id}": [day], "reason": "Sortie annulée"}, follow_redirects=True)
    assert "Avoir" in done.get_data(as_text=True)
    with app.app_context():
        note = db.session.scalar(sa.select(Invoice).where(Invoice.credits_invoice_id == ids[0]))
        assert note.total == -price and note.lines[0].dates == day
    again = page.get(f"/invoiceview/show/{ids[0]}").get_data(as_text=True)
    assert f'name="day_{line_id}" value="{day}"' not in again


def test_the_booking_grid_shows_each_days_payer_and_the_price_billing_will_charge(
        app, login, billed_family):
    """Separated parents with different quotients: the mother (QF 400) pays even weeks, the
    father (QF 1500) odd weeks. Each day of the grid shows who pays and what billing will
    charge them; then billing charges exactly that."""
    from datetime import date

    from app.models import FamilyQuotient, HouseholdMember, Tariff, TariffBracket
    from app.services import billing, billing_rules
    from app.models import Person, Subscription

    with app.test_request_context():
        tariff = db.session.scalar(sa.select(Tariff).where(
            Tariff.service_id == billed_family["meal"]))
        tariff.unit_price = None
        tariff.brackets = [
            TariffBracket(qf_min=Decimal("0"), qf_max=Decimal("600"), unit_price=Decimal("1.10")),
            TariffBracket(qf_min=Decimal("600.01"), qf_max=None, unit_price=Decimal("4.40"))]
        for person_id, value in ((billed_family["mother"], "400"),
                                 (billed_family["father"], "1500")):
            home = db.session.scalar(sa.select(HouseholdMember.household_id).where(
                HouseholdMember.person_id == person_id))
            db.session.add(FamilyQuotient(household_id=home, value=Decimal(value),
                                          start_date=date(2026, 1, 1)))
        billing_rules.add_rule(db.session.get(Person, billed_family["father"]),
                               date(2026, 9, 1),
                               [db.session.get(Subscription, billed_family["subscription"])],
                               "odd_weeks")
        db.session.commit()
    page = login("agent").get(f"/bookings/person/{billed_family['child']}?start=2026-11-02")
    html = page.get_data(as_text=True)
    cells = re.findall(r'data-payer="(\d+)">([^<]*)</div>', html)
    # 2 November 2026 is in ISO week 45 (odd): the father; the week after, the mother.
    assert cells[0][0] == str(billed_family["father"]) and "4,40" in cells[0][1]
    mother_cells = [text for payer, text in cells if payer == str(billed_family["mother"])]
    assert mother_cells and all("1,10" in text for text in mother_cells)
    assert "payé par PAYEUR Papa" in html
    with app.test_request_context():
        result = billing.generate_drafts(billed_family["regie"], [billed_family["meal"]],
                                         date(2026, 11, 1), date(2026, 11, 30))
        prices = {db.session.get(Invoice, i).payer_id: {line.unit_price for line in
                                                        db.session.get(Invoice, i).lines}
                  for i in result["invoice_ids"]}
        db.session.rollback()
    assert prices == {billed_family["father"]: {Decimal("4.40")},
                      billed_family["mother"]: {Decimal("1.10")}}
