"""Booking rules: subscriptions, closures, classes, mass booking by typical week."""
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from app.models import Booking, Period
from app.services import RuleViolation, bookings, registry
from tests import factories

NOVEMBER = (date(2026, 11, 2), date(2026, 11, 30))


def canteen_pupil(session, classes_allowed=("CP A",), weekdays="0,1,3,4"):
    setup = factories.school_setup(session)
    meal = factories.service(session, classes=[setup["classes"][c] for c in classes_allowed],
                             weekdays=weekdays)
    child = factories.pupil(session, setup["classes"]["CP A"], service_row=meal)
    return setup, meal, child


def booked_days(session, child, meal):
    return sorted(session.scalars(sa.select(Booking.date).where(
        Booking.person_id == child.id, Booking.service_id == meal.id)))


def test_a_booking_needs_a_subscription(session):
    setup = factories.school_setup(session)
    meal = factories.service(session)
    child = factories.pupil(session, setup["classes"]["CP A"])
    with pytest.raises(RuleViolation, match="05/11/2026 ne peut pas être réservé : Pas d'inscription ce jour-là."):
        bookings.book(child, meal, date(2026, 11, 5))
    bookings.subscribe(child, meal, date(2026, 11, 1))
    assert bookings.book(child, meal, date(2026, 11, 5)).date == date(2026, 11, 5)
    assert bookings.book(child, meal, date(2026, 11, 5)).id  # booking twice books once
    assert booked_days(session, child, meal) == [date(2026, 11, 5)]


def test_no_booking_on_a_closure_a_wednesday_or_for_an_archived_child(session):
    setup, meal, child = canteen_pupil(session)
    session.add(Period(label="Pont du 11 novembre", start_date=date(2026, 11, 11),
                       end_date=date(2026, 11, 13), services=[meal]))
    session.flush()
    with pytest.raises(RuleViolation, match="Fermé : Pont du 11 novembre."):
        bookings.book(child, meal, date(2026, 11, 12))
    with pytest.raises(RuleViolation, match="ne fonctionne pas le mercredi"):
        bookings.book(child, meal, date(2026, 11, 18))
    registry.archive_person(child)
    with pytest.raises(RuleViolation, match="est archivé"):
        bookings.book(child, meal, date(2026, 11, 16))


def test_class_scoped_closure_only_closes_that_class(session):
    setup, meal, child = canteen_pupil(session, classes_allowed=("CP A", "CE1 A"))
    other = factories.pupil(session, setup["classes"]["CE1 A"], service_row=meal)
    session.add(Period(label="Classe découverte CP", start_date=date(2026, 11, 16),
                       end_date=date(2026, 11, 20), services=[meal],
                       classes=[setup["classes"]["CP A"]]))
    session.flush()
    with pytest.raises(RuleViolation, match="Classe découverte CP"):
        bookings.book(child, meal, date(2026, 11, 16))
    assert bookings.book(other, meal, date(2026, 11, 16))


def test_subscription_needs_a_class_that_has_the_service(session):
    setup = factories.school_setup(session)
    meal = factories.service(session, classes=[setup["classes"]["CP A"]])
    child = factories.pupil(session, setup["classes"]["CM2 A"])
    with pytest.raises(RuleViolation, match="n'est pas dans une classe qui a Restauration scolaire"):
        bookings.subscribe(child, meal, date(2026, 9, 1))
    kid = factories.pupil(session, setup["classes"]["CP A"], service_row=meal)
    with pytest.raises(RuleViolation, match="est déjà inscrit"):
        bookings.subscribe(kid, meal, date(2026, 10, 1))


def test_mass_booking_by_typical_week_reports_what_it_skipped(session):
    setup, meal, child = canteen_pupil(session)
    session.add(Period(label="Pont de l'Armistice", start_date=date(2026, 11, 12),
                       end_date=date(2026, 11, 13), services=[meal]))
    session.flush()
    result = bookings.bulk_book(child, meal, *NOVEMBER, weekdays=[0, 2, 3], mode="add")
    # Mondays (5) and Thursdays (4, one closed) of November; Wednesdays are not canteen days.
    assert result["created"] == 8 and result["removed"] == 0
    reasons = {row["date"]: row["reason"] for row in result["skipped"]}
    assert reasons[date(2026, 11, 12)] == "Fermé : Pont de l'Armistice."
    assert reasons[date(2026, 11, 4)].startswith("Restauration scolaire ne fonctionne pas le mercredi")
    again = bookings.bulk_book(child, meal, *NOVEMBER, weekdays=[0, 3], mode="add")
    assert again["created"] == 0


def test_replace_removes_other_days_but_never_invoiced_ones(session):
    setup, meal, child = canteen_pupil(session)
    bookings.bulk_book(child, meal, *NOVEMBER, weekdays=[0, 1, 3, 4], mode="add")
    factories.invoice_days(session, child, meal, date(2026, 11, 3), date(2026, 11, 3))
    result = bookings.bulk_book(child, meal, *NOVEMBER, weekdays=[0], mode="replace")
    assert result["created"] == 0
    mondays = [date(2026, 11, d) for d in (2, 9, 16, 23, 30)]
    assert booked_days(session, child, meal) == sorted(mondays + [date(2026, 11, 3)])
    assert {"date": date(2026, 11, 3), "reason": "Déjà facturé : conservé."} in result["skipped"]
    assert result["removed"] == 17 - 5 - 1  # 17 canteen days, 5 Mondays kept, 1 invoiced kept
    with pytest.raises(RuleViolation, match="déjà facturé"):
        bookings.cancel(child, meal, date(2026, 11, 3))


def test_every_other_week_and_week_lists(session):
    setup, meal, child = canteen_pupil(session)
    even = bookings.bulk_book(child, meal, *NOVEMBER, weekdays=[0], mode="add", week_parity="even")
    assert [d.isocalendar()[1] % 2 for d in booked_days(session, child, meal)] == [0, 0]
    assert even["created"] == 2  # ISO weeks 46 and 48
    listed = bookings.bulk_book(child, meal, *NOVEMBER, weekdays=[3], mode="add", weeks=[45, 47])
    assert listed["created"] == 2
    assert date(2026, 11, 5) in booked_days(session, child, meal)


@pytest.mark.parametrize("args, message", [
    (dict(start=date(2026, 11, 30), end=date(2026, 11, 2), weekdays=[0]),
     "Le dernier jour (02/11/2026) est avant le premier (30/11/2026)."),
    (dict(start=date(2026, 11, 2), end=date(2026, 11, 30), weekdays=[]),
     "Choisissez au moins un jour de la semaine."),
    (dict(start=date(2026, 11, 2), end=date(2026, 11, 30), weekdays=[7]),
     "Les jours de la semaine vont de 0 (lundi) à 6 (dimanche)."),
    (dict(start=date(2026, 11, 2), end=date(2026, 11, 30), weekdays=[0], mode="merge"),
     "Le mode est « add » (ajouter) ou « replace » (remplacer)."),
    (dict(start=date(2026, 1, 1), end=date(2029, 1, 1), weekdays=[0]),
     "La période est trop longue : 800 jours au maximum."),
])
def test_mass_booking_bad_input(session, args, message):
    setup, meal, child = canteen_pupil(session)
    with pytest.raises(RuleViolation) as refused:
        bookings.bulk_book(child, meal, args.pop("start"), args.pop("end"), **args)
    assert refused.value.message == message


def test_closure_over_existing_bookings_removes_them_after_counting(session):
    setup, meal, child = canteen_pupil(session)
    bookings.bulk_book(child, meal, *NOVEMBER, weekdays=[0, 1, 3, 4], mode="add")
    strike = Period(label="Grève", start_date=date(2026, 11, 16), end_date=date(2026, 11, 17),
                    services=[meal])
    session.add(strike)
    session.flush()
    assert bookings.closure_impact(strike) == {"bookings": 2, "invoiced": 0}
    assert bookings.apply_closure(strike) == 2
    assert date(2026, 11, 16) not in booked_days(session, child, meal)


def test_grid_context_costs_the_same_queries_for_a_week_or_a_year(session, count_queries):
    setup, meal, child = canteen_pupil(session)
    bookings.bulk_book(child, meal, date(2026, 9, 1), date(2027, 7, 3), [0, 1, 3, 4])
    session.expire_all()
    with count_queries() as week:
        bookings.load_context(child, date(2026, 11, 2), date(2026, 11, 8))
    session.expire_all()
    with count_queries() as year:
        context = bookings.load_context(child, date(2026, 9, 1), date(2027, 7, 3))
        refusals = [context.refusal(meal.id, date(2026, 9, 1) + timedelta(days=i))
                    for i in range(300)]
    assert len(year) == len(week) <= 8
    assert refusals.count(None) > 150


def test_an_adult_books_a_meal_through_the_adultes_group(session):
    """FAQ “Comment inscrire un adulte à un repas”: group, service, then bookings."""
    from app.services import schooling

    setup = factories.school_setup(session)
    adult_meal = factories.service(session, name="Repas adulte",
                                   classes=[setup["classes"]["Adultes"]])
    _, (teacher,), _ = factories.household("Maître", children=0)
    with pytest.raises(RuleViolation, match="n'est pas dans une classe qui a Repas adulte"):
        bookings.subscribe(teacher, adult_meal, date(2026, 9, 1))
    schooling.enroll(teacher, setup["classes"]["Adultes"], date(2026, 9, 1))
    bookings.subscribe(teacher, adult_meal, date(2026, 9, 1))
    assert bookings.book(teacher, adult_meal, date(2026, 11, 5)).person_id == teacher.id
