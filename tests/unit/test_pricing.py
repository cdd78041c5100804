"""Tariffs, quotient brackets and the price of a day — and why."""
from datetime import date
from decimal import Decimal

import pytest

from app.models import FamilyQuotient, Tariff, TariffBracket
from app.services import RuleViolation, offer, pricing
from tests import factories


def grid(service, start=date(2026, 9, 1), end=None, brackets=((0, 500, "1.10"),
                                                             (500.01, 1000, "2.50"),
                                                             (1000.01, None, "4.20"))):
    tariff = Tariff(service=service, start_date=start, end_date=end, brackets=[
        TariffBracket(qf_min=Decimal(str(low)), qf_max=None if high is None else Decimal(str(high)),
                      unit_price=Decimal(price)) for low, high, price in brackets])
    return tariff


def test_price_by_quotient_bracket_and_why(session):
    meal = factories.service(session)
    pricing.check_tariff(grid(meal))
    session.add(grid(meal))
    home, _, (child,) = factories.household("Quotient")
    session.add(FamilyQuotient(household=home, value=Decimal("500.00"), start_date=date(2026, 9, 1)))
    session.flush()
    quote = pricing.price_for(meal, child, date(2026, 10, 5))
    assert quote.amount == Decimal("1.10")
    assert quote.explanation.replace("\xa0", " ") == (
        "Quotient familial 500 dans la tranche 0–500 : 1,10 € (tarif du 01/09/2026).")


def test_just_above_a_bracket_and_no_quotient(session):
    meal = factories.service(session)
    session.add(grid(meal))
    home, _, (child,) = factories.household("Tranche")
    session.add(FamilyQuotient(household=home, value=Decimal("500.01"), start_date=date(2026, 9, 1),
                               end_date=date(2026, 12, 31)))
    session.flush()
    assert pricing.price_for(meal, child, date(2026, 10, 5)).amount == Decimal("2.50")
    unknown = pricing.price_for(meal, child, date(2027, 1, 5))
    assert unknown.amount == Decimal("4.20")
    assert unknown.explanation.startswith("Quotient familial inconnu : tranche la plus haute")


def test_flat_price_and_tariff_change_over_time(session):
    care = factories.service(session, name="Garderie du matin")
    session.add(Tariff(service=care, start_date=date(2026, 9, 1), end_date=date(2026, 12, 31),
                       unit_price=Decimal("1.80")))
    session.add(Tariff(service=care, start_date=date(2027, 1, 1), unit_price=Decimal("1.95")))
    _, _, (child,) = factories.household("Forfait")
    assert pricing.price_for(care, child, date(2026, 12, 31)).amount == Decimal("1.80")
    assert pricing.price_for(care, child, date(2027, 1, 4)).amount == Decimal("1.95")
    none = pricing.price_for(care, child, date(2026, 8, 31))
    assert none.amount is None and none.explanation == (
        "Aucun tarif pour Garderie du matin le 31/08/2026.")


@pytest.mark.parametrize("brackets, message", [
    (((0, 500, "1"), (600, None, "2")), "sans trou ni chevauchement"),
    (((0, 500, "1"), (400, None, "2")), "sans trou ni chevauchement"),
    (((100, 500, "1"), (500.01, None, "2")), "La première tranche commence au quotient 0."),
    (((0, 500, "1"), (500.01, 900, "2")), "La tranche la plus haute n'a pas de limite supérieure."),
    (((0, None, "1"), (500.01, None, "2")), "Seule la tranche la plus haute"),
    (((0, 500, "-1"), (500.01, None, "2")), "Un prix ne peut pas être négatif."),
])
def test_bracket_grids_with_gaps_or_overlaps_are_refused(session, brackets, message):
    meal = factories.service(session)
    with pytest.raises(RuleViolation, match=message):
        pricing.check_tariff(grid(meal, brackets=brackets))


def test_integer_brackets_are_contiguous_too(session):
    meal = factories.service(session)
    pricing.check_tariff(grid(meal, brackets=((0, 500, "1"), (501, None, "2"))))


def test_overlapping_tariffs_are_refused(session):
    meal = factories.service(session)
    session.add(Tariff(service=meal, start_date=date(2026, 9, 1), unit_price=Decimal("3")))
    session.flush()
    with pytest.raises(RuleViolation, match="chevauche celui du 01/09/2026"):
        pricing.check_tariff(Tariff(service=meal, service_id=meal.id, start_date=date(2027, 1, 1),
                                    unit_price=Decimal("3.10")))
    with pytest.raises(RuleViolation, match="soit un prix unique, soit une grille"):
        pricing.check_tariff(Tariff(service=meal, start_date=date(2030, 1, 1), unit_price=Decimal(1),
                                    brackets=[TariffBracket(qf_min=0, unit_price=1)]))


def test_regie_bank_details_are_checked(session):
    from app.models import Regie

    good = offer.check_regie(Regie(code="enf", name="Enfance", mode="postpaid",
                                   iban="FR76 3000 4000 0100 0000 0012 358", bic="BNPAFRPP",
                                   creditor_id="FR72ZZZ123456"))
    assert (good.code, good.iban) == ("ENF", "FR7630004000010000000012358")
    with pytest.raises(RuleViolation, match="Cet IBAN n'est pas valide"):
        offer.check_regie(Regie(code="A", name="A", mode="postpaid",
                                iban="FR76 3000 4000 0100 0000 0012 359"))
    with pytest.raises(RuleViolation, match="identifiant créancier SEPA"):
        offer.check_regie(Regie(code="A", name="A", mode="postpaid", creditor_id="FR73ZZZ123456"))
    with pytest.raises(RuleViolation, match="Ce BIC n'est pas valide."):
        offer.check_regie(Regie(code="A", name="A", mode="postpaid", bic="XX"))
