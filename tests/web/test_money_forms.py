"""Every money field of the screens takes the French decimal comma, and says why it refuses."""
from decimal import Decimal

import sqlalchemy as sa

from app.extensions import db
from app.models import FamilyQuotient, Tariff
from tests import factories


def test_a_tariff_typed_4_comma_50_is_4_euros_50(app, login):
    with app.test_request_context():
        meal = factories.service(db.session)
        db.session.commit()
        meal_id = meal.id
    regisseur = login("regisseur")
    saved = regisseur.post("/tariffview/add", data={
        "service": meal_id, "start_date": "2026-09-01", "unit_price": "4,50"},
        follow_redirects=True)
    assert saved.status_code == 200
    with app.app_context():
        assert db.session.scalar(sa.select(Tariff.unit_price).where(
            Tariff.service_id == meal_id)) == Decimal("4.50")
    refused = regisseur.post("/tariffview/add", data={
        "service": meal_id, "start_date": "2027-09-01", "unit_price": "4,505"})
    page = refused.get_data(as_text=True)
    assert "deux décimales" in page and 'value="4,505"' in page
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Tariff.id)).where(
            Tariff.service_id == meal_id)) == 1


def test_a_quotient_typed_with_a_thousands_space(app, login):
    with app.test_request_context():
        home, _, _ = factories.household("Quotient")
        db.session.commit()
        home_id = home.id
    saved = login("regisseur").post("/familyquotientview/add", data={
        "household": home_id, "value": "1 250,50", "start_date": "2026-01-01"},
        follow_redirects=True)
    assert saved.status_code == 200
    with app.app_context():
        assert db.session.scalar(sa.select(FamilyQuotient.value).where(
            FamilyQuotient.household_id == home_id)) == Decimal("1250.50")


def test_amount_boxes_are_text_so_browsers_keep_the_comma(app, login):
    """<input type=number> drops the comma in a French browser: "1,50" was sent as 150."""
    page = login("regisseur").get("/adjustmentview/add").get_data(as_text=True)
    amount = page[page.index('id="amount"') - 200:page.index('id="amount"') + 200]
    assert 'type="text"' in amount and 'inputmode="decimal"' in amount
    assert 'type="number"' not in amount
