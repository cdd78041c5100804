"""The home page gives each member of staff the day's work, with counters leading to lists."""
import re
from datetime import date

from app.extensions import db
from app.services import billing, billing_rules, bookings
from tests import factories


def _town(app):
    """A canteen on Mondays, Tuesdays, Thursdays and Fridays, a Wednesday centre, and a child
    billed for November (one draft in a group, not validated)."""
    with app.test_request_context():
        setup = factories.school_setup(db.session)
        meal = factories.service(db.session, name="Cantine du midi",
                                 classes=[setup["classes"]["CP A"]])
        factories.service(db.session, name="Centre du mercredi", weekdays="2")
        from app.models import Tariff

        db.session.add(Tariff(service=meal, start_date=date(2026, 9, 1), unit_price=3))
        _, (mother,), (child,) = factories.household("Accueil")
        from app.services import schooling

        schooling.enroll(child, setup["classes"]["CP A"], date(2026, 9, 1))
        subscription = bookings.subscribe(child, meal, date(2026, 9, 1))
        bookings.bulk_book(child, meal, date(2026, 11, 2), date(2026, 11, 6), [0, 1, 3, 4])
        billing_rules.add_rule(mother, date(2026, 9, 1), [subscription])
        result = billing.generate_drafts(meal.regie_id, [meal.id], date(2026, 11, 1),
                                         date(2026, 11, 30), due_date=date(2026, 12, 15))
        db.session.commit()
        return result


def test_each_role_finds_its_day_on_the_home_page(app, login):
    _town(app)
    # The town's clock says Friday 20/11/2026: the canteen runs, the Wednesday centre does not.
    animateur = login("animateur").get("/").get_data(as_text=True)
    assert "Les feuilles de pointage du jour" in animateur and "Cantine du midi" in animateur
    assert "Centre du mercredi" not in animateur
    assert "date=2026-11-20" in animateur
    assert "brouillons à valider" not in animateur and 'id="count-households"' not in animateur

    regisseur = login("regisseur").get("/").get_data(as_text=True)
    assert "1 groupe de brouillons à valider" in regisseur
    assert "1 brouillon — 12,00" in regisseur.replace("\u202f", " ").replace("\xa0", " ")
    assert "0 facture à relancer" in regisseur and "_flt_0_batch_id=" in regisseur

    agent = login("agent").get("/").get_data(as_text=True)
    assert 'href="/householdview/list/"' in agent and 'id="count-children"' in agent
    assert "Créer un foyer" in agent and "brouillons à valider" not in agent


def test_each_home_counter_is_one_card_holding_its_title_and_number(app, login):
    _town(app)
    for role in ("agent", "regisseur", "admin"):
        page = login(role).get("/").get_data(as_text=True)
        for list_view, title, counter in (("householdview", "Foyers", "count-households"),
                                          ("adultview", "Responsables", "count-adults"),
                                          ("childview", "Enfants", "count-children")):
            assert re.search(r'<a class="person-card home-counter" href="/%s/list/"><h4>%s</h4>'
                             r'<p class="lead" id="%s">\d+</p></a>' % (list_view, title, counter),
                             page), (role, title)
    css = app.test_client().get("/static/marelle/marelle.css").get_data(as_text=True)
    # An inline <a> around a heading draws its border as fragments: the card is a block.
    assert re.search(r"a\.home-counter \{ display: block;", css)
