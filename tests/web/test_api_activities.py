"""Schooling, services, periods, bookings and attendance through the REST API."""
from datetime import timedelta

import pytest

from app.extensions import db
from tests import factories
from tests.support import TOWN_TODAY


@pytest.fixture
def town(app):
    """A school, a canteen for CP A, and a CP pupil subscribed from 1 September 2026."""
    with app.test_request_context():
        setup = factories.school_setup(db.session)
        meal = factories.service(db.session, classes=[setup["classes"]["CP A"]])
        child = factories.pupil(db.session, setup["classes"]["CP A"], service_row=meal)
        other = factories.pupil(db.session, setup["classes"]["CE1 A"])
        db.session.commit()
        return {"meal": meal.id, "child": child.id, "other": other.id,
                "cp": setup["classes"]["CP A"].id, "ce1": setup["classes"]["CE1 A"].id,
                "regie": meal.regie_id}


def post(client, resource, body, status):
    response = client.post(f"/api/v1/{resource}/", json=body)
    assert response.status_code == status, response.get_json()
    return response.get_json()


def test_booking_create_and_refusals(api, town):
    agent = api("agent")
    created = post(agent, "booking", {"person_id": town["child"], "service_id": town["meal"],
                                      "date": "2026-11-05"}, 201)
    assert created["result"]["date"] == "2026-11-05" and created["result"]["invoiced"] is False
    no_subscription = post(agent, "booking", {"person_id": town["other"],
                                              "service_id": town["meal"],
                                              "date": "2026-11-05"}, 409)
    assert no_subscription["message"] == (
        "Le 05/11/2026 ne peut pas être réservé : Pas d'inscription ce jour-là.")
    post(api("admin"), "period", {"label": "Grève", "start_date": "2026-11-09",
                           "end_date": "2026-11-09", "service_ids": [town["meal"]]}, 201)
    closed = post(agent, "booking", {
        "person_id": town["child"], "service_id": town["meal"], "date": "2026-11-09"}, 409)
    assert closed["message"].endswith("Fermé : Grève.")
    assert agent.delete(f"/api/v1/booking/{created['id']}").status_code == 200


def test_archived_person_cannot_be_booked(api, town):
    admin = api("admin")
    admin.post(f"/api/v1/person/{town['child']}/archive")
    refused = post(admin, "booking", {"person_id": town["child"], "service_id": town["meal"],
                                      "date": "2026-11-05"}, 409)
    assert "est archivé(e)" in refused["message"]


def test_bulk_booking_endpoint(api, town):
    response = api("agent").post("/api/v1/booking/bulk", json={
        "person_id": town["child"], "service_id": town["meal"], "start_date": "2026-11-02",
        "end_date": "2026-11-08", "weekdays": [0, 1, 2], "mode": "add"})
    assert response.status_code == 200
    body = response.get_json()
    assert body["created"] == 2 and body["removed"] == 0
    assert body["skipped"] == [{"date": "2026-11-04", "reason":
                                "Restauration scolaire ne fonctionne pas le mercredi."}]
    reversed_dates = api("agent").post("/api/v1/booking/bulk", json={
        "person_id": town["child"], "service_id": town["meal"], "start_date": "2026-11-08",
        "end_date": "2026-11-02", "weekdays": [0], "mode": "add"})
    assert reversed_dates.status_code == 422
    assert reversed_dates.get_json()["message"] == {
        "end_date": ["Le dernier jour (02/11/2026) est avant le premier (08/11/2026)."]}


def test_attendance_not_in_the_future(api, town):
    agent = api("agent")
    future = (TOWN_TODAY + timedelta(days=3)).isoformat()
    refused = post(agent, "attendance", {"person_id": town["child"], "service_id": town["meal"],
                                         "date": future, "status": "present"}, 422)
    assert "n'a pas encore commencé" in refused["message"]["date"][0]
    done = post(api("animateur"), "attendance", {
        "person_id": town["child"], "service_id": town["meal"], "date": "2026-11-05",
        "status": "excused_absence"}, 201)
    assert done["result"]["status"] == "excused_absence"
    bad = post(agent, "attendance", {"person_id": town["child"], "service_id": town["meal"],
                                     "date": "2026-11-06", "status": "late"}, 422)
    assert "status" in bad["message"]


def test_tariff_with_brackets_and_gaps(api, town):
    regisseur = api("regisseur")
    good = post(regisseur, "tariff", {"service_id": town["meal"], "start_date": "2026-09-01",
                                      "brackets": [
                                          {"qf_min": "0", "qf_max": "600", "unit_price": "1.20"},
                                          {"qf_min": "601", "qf_max": None,
                                           "unit_price": "3.90"}]}, 201)
    assert good["result"]["brackets"][1] == {"qf_min": "601.00", "qf_max": None,
                                             "unit_price": "3.90"}
    gap = post(regisseur, "tariff", {"service_id": town["meal"], "start_date": "2030-09-01",
                                     "brackets": [
                                         {"qf_min": "0", "qf_max": "600", "unit_price": "1"},
                                         {"qf_min": "700", "qf_max": None, "unit_price": "2"}]},
               422)
    assert "sans trou ni chevauchement" in gap["message"]["brackets"][0]
    overlap = post(regisseur, "tariff", {"service_id": town["meal"], "start_date": "2027-01-01",
                                         "unit_price": "2.00"}, 422)
    assert "chevauche celui du 01/09/2026" in overlap["message"]["start_date"][0]


def test_service_with_flat_price_shortcut_and_regie_checks(api, town):
    admin = api("admin")
    created = post(admin, "service", {"name": "Étude surveillée", "regie_id": town["regie"],
                                      "billing_basis": "attendance", "tax_deductible": True,
                                      "start_time": "16:45:00", "weekdays": "0,1,3,4",
                                      "deadline_days": 1, "unit_price": "2.40",
                                      "tariff_start": "2026-09-01",
                                      "class_ids": [town["cp"]]}, 201)
    assert created["result"]["unit_price"] == "2.40"
    assert created["result"]["class_ids"] == [town["cp"]]
    bad_iban = post(admin, "regie", {"code": "PERI", "name": "Périscolaire", "mode": "postpaid",
                                     "iban": "FR76 3000 4000 0100 0000 0012 359"}, 422)
    assert bad_iban["message"] == {"iban": ["Cet IBAN n'est pas valide : vérifiez ses chiffres."]}


def test_enrollment_closes_previous_class(api, town):
    agent = api("agent")
    post(agent, "enrollment", {"person_id": town["child"], "school_class_id": town["ce1"],
                               "start_date": "2027-01-04"}, 201)
    history = agent.get(f"/api/v1/enrollment/?q=(filters:!((col:person_id,opr:eq,"
                        f"value:{town['child']})),order_column:start_date,"
                        f"order_direction:asc)").get_json()["result"]
    assert [(h["school_class_id"], h["end_date"]) for h in history] == [
        (town["cp"], "2027-01-03"), (town["ce1"], None)]


def test_period_with_services_and_classes(api, town):
    admin = api("admin")
    period = post(admin, "period", {"label": "Classe verte", "start_date": "2027-05-10",
                                    "end_date": "2027-05-14", "service_ids": [town["meal"]],
                                    "class_ids": [town["cp"]]}, 201)
    assert period["result"]["service_ids"] == [town["meal"]]
    assert period["result"]["class_ids"] == [town["cp"]]
    unknown = post(admin, "period", {"label": "X", "start_date": "2027-05-10",
                                     "end_date": "2027-05-14", "service_ids": [999999]}, 422)
    assert "service_ids" in unknown["message"]
    reversed_dates = post(admin, "period", {"label": "Y", "start_date": "2027-05-14",
                                            "end_date": "2027-05-10"}, 422)
    assert reversed_dates["message"] == {
        "end_date": ["La date de fin ne peut pas précéder la date de début."]}


def test_roles_on_the_activity_api(api, town):
    body = {"person_id": town["child"], "service_id": town["meal"], "date": "2026-11-05"}
    assert api("regisseur").post("/api/v1/booking/", json=body).status_code == 403
    assert api("animateur").get("/api/v1/booking/").status_code == 403
    assert api("agent").post("/api/v1/tariff/", json={"service_id": town["meal"],
                                                       "start_date": "2031-01-01",
                                                       "unit_price": "1"}).status_code == 403
