"""An activity leader (Animateur) sees children, never adults' contact details."""
import html
import re

import pytest

from app.extensions import db
from app.services import registry
from tests import factories

PHONE, MOBILE, EMAIL = "02 40 11 22 33", "06 12 34 56 78", "maman.secret@example.fr"
ADDRESS = "7 impasse des Tilleuls"


def text(response):
    return html.unescape(re.sub(r"\s+", " ", response.get_data(as_text=True)))


@pytest.fixture
def family(app):
    with app.test_request_context():
        home, (mother,), (child,) = factories.household(
            "Tilleul", address_line=ADDRESS)
        registry.update_person(mother, factories.adult_data(
            "Tilleul", mother.first_name, email=EMAIL, phone=PHONE, mobile_phone=MOBILE))
        db.session.commit()
        return {"home": home.id, "mother": mother.id, "child": child.id,
                "child_name": child.first_name, "mother_name": mother.first_name}


def test_the_person_api_is_closed_to_the_animateur(api, family):
    animateur = api("animateur")
    for address in ("/api/v1/person/", f"/api/v1/person/{family['mother']}",
                    f"/api/v1/person/{family['child']}", "/api/v1/household_member/",
                    "/api/v1/guardianship/"):
        answer = animateur.get(address)
        assert answer.status_code == 403, address
        assert EMAIL not in answer.get_data(as_text=True)


def test_the_animateur_sees_the_child_but_no_adult_contact(login, family):
    animateur = login("animateur")
    page = animateur.get(f"/childview/show/{family['child']}")
    assert page.status_code == 200
    shown = text(page)
    assert family["child_name"] in shown
    for secret in (PHONE, MOBILE, EMAIL, ADDRESS, family["mother_name"]):
        assert secret not in shown, secret
    listed = text(animateur.get("/childview/list/"))
    assert family["child_name"] in listed and EMAIL not in listed and PHONE not in listed
    for screen in ("/householdmemberview/list/", "/guardianshipview/list/",
                   f"/adultview/show/{family['mother']}", "/adultview/list/"):
        assert animateur.get(screen).status_code in (302, 403), screen


def test_the_agent_still_sees_adults_and_guardians(api, login, family):
    agent = api("agent")
    mother = agent.get(f"/api/v1/person/{family['mother']}")
    assert mother.status_code == 200
    assert mother.get_json()["result"]["phone"] == PHONE
    assert mother.get_json()["result"]["email"] == EMAIL
    shown = text(login("agent").get(f"/childview/show/{family['child']}"))
    assert family["mother_name"] in shown and ADDRESS in shown
