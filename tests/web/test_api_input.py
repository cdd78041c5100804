"""The API tells the truth on optional relations and on bad input: clear 4xx answers in
French, never a 500, never the database's own words."""
from datetime import date

import pytest
import sqlalchemy as sa

from app.api.base import MarelleModelApi
from app.extensions import db
from app.models import BillingRule
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
                "payer": rule.payer_id, "rule": rule.id, "subscription": subscription.id, "invoice": drafts["invoice_ids"][0],
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
