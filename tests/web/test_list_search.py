"""Lists are searched by name as agents type names: without accents, in any case, in any
order of the words — like the pickers."""
import html
import re

import pytest

from app.extensions import db
from app.services.text import search_name
from tests import factories


def page_text(response):
    return html.unescape(re.sub(r"\s+", " ", response.get_data(as_text=True)))


@pytest.fixture
def lefevre(app):
    with app.test_request_context():
        home, (mother,), (child,) = factories.household("Lefèvre")
        factories.household("Lefort")
        for person, first_name in ((mother, "Hélène"), (child, "Léo")):
            person.first_name = first_name
            person.search_name = search_name(person.last_name, first_name)
        db.session.commit()
        # Lists show the name as it was typed: « Lefèvre » « Hélène ».
        return {"mother": "Hélène", "child": "Léo", "household": home.name}


@pytest.mark.parametrize("typed", ["lefevre", "LEFÈVRE", "Lefèvre", "  lefevre  helene",
                                   "HELENE lef"])
def test_the_adults_list_finds_a_name_however_it_is_typed(login, lefevre, typed):
    listing = page_text(login("agent").get("/adultview/list/", query_string={
        "_flt_0_search_name": typed}))
    assert lefevre["mother"] in listing
    assert "Lefort" not in listing
    kept = re.sub(r"\s+", " ", typed)
    assert 'id="name-search"' in listing and f'value="{kept}"' in listing


def test_the_name_box_is_on_the_people_and_household_lists(login, lefevre):
    agent = login("agent")
    children = page_text(agent.get("/childview/list/?_flt_0_search_name=leo lefevre"))
    assert lefevre["child"] in children and "Lefort" not in children
    assert "Rechercher par nom" in children and "Afficher tout le monde" in children
    households = page_text(agent.get("/householdview/list/?_flt_2_name=lefevre"))
    assert lefevre["household"] in households and "LEFORT" not in households
    nobody = page_text(agent.get("/adultview/list/?_flt_0_search_name=lefevrex"))
    assert lefevre["mother"] not in nobody


def test_every_text_filter_ignores_accents_and_case(app, login):
    from app.models import School

    with app.test_request_context():
        db.session.add(School(name="École Émile-Zola"))
        db.session.commit()
    admin = login("admin")
    # FAB's filters: 0 starts with, 1 ends with, 2 contains, 3 equals, 6 does not contain.
    assert "École Émile-Zola" in page_text(admin.get("/schoolview/list/?_flt_2_name=emile-zola"))
    assert "École Émile-Zola" in page_text(admin.get("/schoolview/list/?_flt_0_name=ECOLE EM"))
    assert "École Émile-Zola" in page_text(admin.get("/schoolview/list/?_flt_1_name=ZOLA"))
    assert "École Émile-Zola" in page_text(
        admin.get("/schoolview/list/?_flt_3_name=ecole emile-zola"))
    assert "École Émile-Zola" not in page_text(admin.get("/schoolview/list/?_flt_6_name=ZOLA"))
    # A « % » or « _ » typed is a character, not a wildcard.
    assert "École Émile-Zola" not in page_text(admin.get("/schoolview/list/?_flt_2_name=%25"))


def test_the_api_searches_names_the_same_way(api, lefevre):
    client = api("agent")
    found = client.get("/api/v1/household/", query_string={
        "q": "(filters:!((col:name,opr:ct,value:LEFEVRE)))"}).get_json()
    assert [row["name"] for row in found["result"]] == [lefevre["household"]]


def test_the_household_picker_ignores_accents(login, lefevre):
    picked = login("agent").get("/householdview/search_json?q=LEFEVRE").get_json()
    assert [row["label"].split(" — ")[0] for row in picked] == [lefevre["household"]]


@pytest.mark.parametrize("stored, typed", [
    ("Dvořák", "dvorak"), ("Šimić", "SIMIC"), ("Nguyễn", "nguyen"), ("Straße", "strasse"),
    ("Ăn Lê", "an le"), ("Jean  Paul", "jean paul"), ("Dvořák", "Dvořák"), ("Œuvre", "œuvre"),
])
def test_the_database_folds_names_as_the_pickers_do(app, stored, typed):
    """The same fold in SQL (PostgreSQL) as in Python, or « Equals » misses a name typed
    exactly as stored."""
    import sqlalchemy as sa

    from app.models.sql import folded
    from app.services.text import fold

    with app.app_context():
        assert db.session.scalar(sa.select(folded(sa.literal(stored)))) == fold(stored)
        assert fold(typed) in db.session.scalar(sa.select(folded(sa.literal(stored))))


def test_a_search_typed_far_too_long_is_cut_not_a_crash(login, api, lefevre):
    long = "x" * 60000
    assert login("agent").get(f"/adultview/list/?_flt_0_search_name={long}").status_code == 200
    assert login("agent").get(f"/householdview/list/?_flt_2_name={long}").status_code == 200
    found = api("agent").get("/api/v1/household/", query_string={
        "q": f"(filters:!((col:name,opr:ct,value:{'x' * 100000})))"})
    assert found.status_code == 200 and found.get_json()["count"] == 0
