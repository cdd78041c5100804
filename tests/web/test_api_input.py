"""The API tells the truth on optional relations and on bad input: clear 4xx answers in
French, never a 500, never the database's own words."""
import html
from datetime import date

import pytest
import sqlalchemy as sa

from app.api.base import MarelleModelApi
from app.extensions import db
from app.models import BillingRule, Household
from app.services import bookings
from tests import factories


@pytest.fixture
def world(app):
    """A CP pupil billed for a week of November 2026 (one draft invoice, a rule without
    co-payer) and the school's “Adultes” group, a class without level."""
    with app.test_request_context():
        setup = factories.school_setup(db.session)
        meal = factories.service(db.session, classes=[setup["classes"]["CP A"]])
        child = factories.pupil(db.session, setup["classes"]["CP A"], service_row=meal)
        bookings.bulk_book(child, meal, date(2026, 11, 2), date(2026, 11, 6), [0, 1, 3, 4])
        drafts = factories.invoice_days(db.session, child, meal, date(2026, 11, 1),
                                        date(2026, 11, 30))
        rule = db.session.scalars(sa.select(BillingRule)).one()
        (subscription,) = rule.subscriptions
        db.session.commit()
        return {"child": child.id, "meal": meal.id, "regie": meal.regie_id,
                "payer": rule.payer_id, "rule": rule.id, "subscription": subscription.id,
                "invoice": drafts["invoice_ids"][0],
                "group": setup["classes"]["Adultes"].id, "school": setup["school"].id}


def _adjustment_without_person_or_service(client, world):
    created = client.post("/api/v1/adjustment/", json={
        "invoice_id": world["invoice"], "label": "Geste commercial", "kind": "discount",
        "amount": "1.00", "service_id": None, "person_id": None})
    assert created.status_code == 201, created.get_json()
    return created.get_json()["id"]


# Each resource with an optional relation: the record to edit (stored with the relation
# empty) and an edit that leaves the relation out, so that FAB's merge sends the stored null.
OPTIONAL_RELATIONS = {
    "school_class": (lambda c, w: w["group"], {"name": "Adultes du soir"}),
    "billing_rule": (lambda c, w: w["rule"], {"end_date": "2026-12-31"}),
    "invoice": (lambda c, w: w["invoice"], {"comment": "Vu avec la famille"}),
    "adjustment": (_adjustment_without_person_or_service, {"label": "Geste"}),
}


def optional_relations(app):
    """{resource: its editable foreign keys that may be empty}, for every Marelle resource."""
    found = {}
    for api in app.appbuilder.baseviews:
        if isinstance(api, MarelleModelApi):
            columns = api.datamodel.list_columns
            keys = [name for name in api.edit_columns if name in columns
                    and columns[name].foreign_keys and columns[name].nullable]
            if keys:
                found[api.resource_name] = keys
    return found


def test_every_resource_with_an_optional_relation_is_covered(app):
    assert set(optional_relations(app)) == set(OPTIONAL_RELATIONS)


@pytest.mark.parametrize("resource", sorted(OPTIONAL_RELATIONS))
def test_optional_relations_stay_empty_through_an_edit(app, api, world, resource):
    admin = api("admin")
    record, edit = OPTIONAL_RELATIONS[resource]
    pk = record(admin, world)
    kept = admin.put(f"/api/v1/{resource}/{pk}", json=edit)
    assert kept.status_code == 200, kept.get_json()
    optional = optional_relations(app)[resource]
    assert all(kept.get_json()["result"][name] is None for name in optional)
    emptied = admin.put(f"/api/v1/{resource}/{pk}", json={name: None for name in optional})
    assert emptied.status_code == 200, emptied.get_json()
    assert all(emptied.get_json()["result"][name] is None for name in optional)


def test_a_rule_without_co_payer_is_created_and_stopped(api, world):
    agent = api("agent")
    stopped = agent.put(f"/api/v1/billing_rule/{world['rule']}", json={"end_date": "2026-11-30"})
    assert stopped.status_code == 200, stopped.get_json()
    assert stopped.get_json()["result"]["end_date"] == "2026-11-30"
    assert stopped.get_json()["result"]["co_payer_id"] is None
    created = agent.post("/api/v1/billing_rule/", json={
        "payer_id": world["payer"], "co_payer_id": None, "start_date": "2026-12-01",
        "criterion": "all_weeks", "subscription_ids": [world["subscription"]]})
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["result"]["co_payer_id"] is None


def test_an_id_must_be_a_number(api, world):
    refused = api("agent").post("/api/v1/billing_rule/", json={
        "payer_id": "le père", "start_date": "2026-12-01", "criterion": "all_weeks"})
    assert refused.status_code == 422
    assert refused.get_json()["message"] == {"payer_id": ["Nombre entier invalide."]}


# --- bad input: 4xx with a French reason, never a 500 --------------------------------------

NOT_AN_OBJECT = "Le corps de la requête doit être un objet JSON ({...})."
INTERNALS = ("SELECT", "sqlite", "psycopg", "FOREIGN KEY", "constraint", "Traceback",
             "Fatal error")


def no_internals(response):
    text = response.get_data(as_text=True)
    assert not any(word.lower() in text.lower() for word in INTERNALS), text
    return response.get_json()


@pytest.mark.parametrize("method,url", [
    ("post", "/api/v1/household/"),
    ("put", "/api/v1/household/{household}"),
    ("post", "/api/v1/booking/bulk"),
    ("post", "/api/v1/invoice/validate"),
    ("post", "/api/v1/invoice/{invoice}/credit_note"),
])
def test_a_body_that_is_not_an_object_is_400(app, api, world, method, url):
    with app.app_context():
        household = db.session.scalar(sa.select(sa.func.min(Household.id)))
    address = url.format(household=household, invoice=world["invoice"])
    answer = getattr(api("agent"), method)(address, json=[1, 2])
    assert answer.status_code == 400
    assert no_internals(answer) == {"message": NOT_AN_OBJECT}


def test_a_body_that_is_not_json_is_400(api):
    answer = api("agent").post("/api/v1/household/", data="{\"name\": ",
                               content_type="application/json")
    assert answer.status_code == 400
    assert answer.get_json() == {"message": "Le corps de la requête n'est pas un JSON valide."}


@pytest.mark.parametrize("query,message", [
    ("(((((", "Le paramètre q n'est pas un rison valide."),
    ("(a:", "Le paramètre q n'est pas un rison valide."),
    ("(page:abc)", "Le paramètre q n'a pas la forme attendue (filtres, tri, page)."),
    ("(filters:!((col:notes,opr:eq,value:1)))", "Ce filtre n'est pas permis sur cette ressource."),
    ("(order_column:notes,order_direction:asc)", "Ce tri n'est pas permis sur cette ressource."),
])
def test_an_unreadable_query_is_400(api, query, message):
    answer = api("agent").get(f"/api/v1/household/?q={query}")
    assert answer.status_code == 400
    assert no_internals(answer) == {"message": message}


def test_an_id_beyond_64_bits_names_nothing(api, login, world):
    huge = "99999999999999999999"
    agent = api("agent")
    for address in (f"/api/v1/household/{huge}", f"/api/v1/person/{huge}/archive",
                    f"/api/v1/invoice/{huge}/pdf"):
        method = agent.post if address.endswith("archive") else agent.get
        answer = method(address)
        assert answer.status_code == 404, address
        assert answer.get_json() == {"message": "Rien n'a été trouvé à cette adresse."}
    screens = login("admin")
    for address in (f"/householdview/show/{huge}", f"/childview/show/{huge}",
                    f"/regieview/edit/{huge}"):
        assert screens.get(address).status_code == 404, address


def test_a_number_too_large_in_a_body_is_400(api, world):
    answer = api("agent").post("/api/v1/household_member/", json={
        "household_id": 99999999999999999999, "person_id": world["child"]})
    assert answer.status_code in (400, 422)
    assert no_internals(answer)["message"]


def test_a_batch_download_outside_its_folder_is_404(login):
    regisseur = login("regisseur")
    for name in ("..", ".", "%2e%2e"):
        assert regisseur.get(f"/invoiceview/download/{name}").status_code == 404


# --- unknown addresses and unexpected errors under /api/v1 ---------------------------------

def test_unknown_api_addresses_answer_json_in_french(api):
    agent = api("agent")
    missing = agent.get("/api/v1/nothing_here")
    assert missing.status_code == 404 and missing.is_json
    assert missing.get_json() == {"message": "Rien n'a été trouvé à cette adresse."}
    wrong_method = agent.delete("/api/v1/household/")
    assert wrong_method.status_code == 405 and wrong_method.is_json
    assert wrong_method.get_json() == {
        "message": "Cette méthode n'est pas autorisée à cette adresse."}
    assert agent.get("/api/v1/household/12345678").get_json() == {
        "message": "Rien n'a été trouvé à cette adresse."}


def test_an_unexpected_error_under_the_api_is_json_without_internals(app, monkeypatch):
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    crash = RuntimeError("SELECT secret FROM ab_user -- psycopg")
    with app.test_request_context("/api/v1/household/"):
        answer = app.handle_exception(crash)
    assert answer.status_code == 500 and answer.is_json
    assert no_internals(answer) == {"message": (
        "Une erreur inattendue s'est produite. Elle a été enregistrée ; réessayez ou prévenez "
        "votre administrateur.")}
    with app.test_request_context("/householdview/list/"):
        page = app.handle_exception(crash)
    assert page.status_code == 500 and not page.is_json
    assert "secret" not in page.get_data(as_text=True)


# --- deleting what is still used ------------------------------------------------------------

def test_a_regie_with_invoices_is_not_deleted(api, login, world):
    answer = api("admin").delete(f"/api/v1/regie/{world['regie']}")
    assert answer.status_code == 409
    assert no_internals(answer) == {"message": (
        "Cette fiche est encore utilisée (factures, prestations) : elle ne peut pas être "
        "supprimée.")}
    page = login("admin").post(f"/regieview/delete/{world['regie']}", follow_redirects=True)
    assert page.status_code == 200
    assert ("Cette fiche est encore utilisée (factures, prestations) : elle ne peut pas être "
            "supprimée.") in html.unescape(page.get_data(as_text=True))
    assert api("admin").get(f"/api/v1/regie/{world['regie']}").status_code == 200


def test_a_school_with_classes_is_not_deleted(api, world):
    answer = api("admin").delete(f"/api/v1/school/{world['school']}")
    assert answer.status_code == 409
    assert "(classes)" in no_internals(answer)["message"]


# --- the OpenAPI spec ------------------------------------------------------------------------

def test_the_openapi_spec_is_built_once(api, monkeypatch):
    from flask_appbuilder.api.manager import OpenApi

    builds = []
    build = OpenApi._create_api_spec

    def counted(version):
        builds.append(version)
        return build(version)

    monkeypatch.setattr(OpenApi, "_create_api_spec", staticmethod(counted))
    admin = api("admin")
    first, second = admin.get("/api/v1/_openapi"), admin.get("/api/v1/_openapi")
    assert first.status_code == second.status_code == 200
    assert first.get_json() == second.get_json()
    assert "/api/v1/billing_rule/" in second.get_json()["paths"]
    assert len(builds) <= 1
    assert api("animateur").get("/api/v1/_openapi").status_code in (401, 403)


# --- dates out of any sensible span ----------------------------------------------------------

DATE_SPAN = "Indiquez une date entre le 01/01/1900 et le 31/12/2100."


def test_dates_beyond_2100_or_before_1900_are_422_on_the_field(api, world):
    agent = api("agent")
    rule = agent.post("/api/v1/billing_rule/", json={
        "payer_id": world["payer"], "start_date": "2026-12-01", "end_date": "9999-12-30",
        "criterion": "all_weeks", "subscription_ids": [world["subscription"]]})
    assert rule.status_code == 422
    assert rule.get_json() == {"message": {"end_date": [DATE_SPAN]}}
    stopped = agent.put(f"/api/v1/billing_rule/{world['rule']}", json={"end_date": "9999-12-30"})
    assert stopped.status_code == 422
    assert stopped.get_json() == {"message": {"end_date": [DATE_SPAN]}}
    born_in_year_one = agent.post("/api/v1/person/", json={
        "kind": "adult", "last_name": "Ancien", "first_name": "Jules", "birth_date": "0001-01-01"})
    assert born_in_year_one.get_json() == {"message": {"birth_date": [DATE_SPAN]}}
    bulk = agent.post("/api/v1/booking/bulk", json={
        "person_id": world["child"], "service_id": world["meal"], "start_date": "2026-11-02",
        "end_date": "9999-12-31", "weekdays": [0], "mode": "add"})
    assert bulk.status_code == 422
    assert bulk.get_json() == {"message": {"end_date": [DATE_SPAN]}}
    generate = api("regisseur").post("/api/v1/invoice/generate", json={
        "regie_id": world["regie"], "service_ids": [world["meal"]],
        "period_start": "2026-11-01", "period_end": "9999-12-30"})
    assert generate.status_code == 422
    assert generate.get_json() == {"message": {"period_end": [DATE_SPAN]}}
    fine = agent.put(f"/api/v1/billing_rule/{world['rule']}", json={"end_date": "2100-12-31"})
    assert fine.status_code == 200, fine.get_json()


def test_dates_out_of_span_are_refused_on_screen_forms(login):
    admin = login("admin")
    page = admin.post("/schoolyearview/add", data={
        "label": "2999-3000", "start_date": "2999-09-01", "end_date": "3000-07-01"})
    assert page.status_code == 200  # the form again, with the reason under each date
    assert html.unescape(page.get_data(as_text=True)).count(DATE_SPAN) == 2
    wizard = admin.post("/households/new", data={
        "adult_mode": "new", "adult_last_name": "Ancien", "adult_first_name": "Jules",
        "adult_birth_date": "0001-01-01", "child_mode": "none", "household_mode": "new",
        "household_name": "Foyer ANCIEN"})
    assert wizard.status_code == 200
    assert DATE_SPAN in html.unescape(wizard.get_data(as_text=True))
    listed = admin.get("/schoolyearview/list/").get_data(as_text=True)
    assert "2999-3000" not in listed
