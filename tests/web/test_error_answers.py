"""Odd requests found by a live probe: each gets a clear French answer, never a 500."""
import pytest


@pytest.mark.parametrize("body", ['"x"', "[1]", "12"])
def test_an_api_login_whose_body_is_not_an_object_is_a_400(client, body):
    response = client.post("/api/v1/security/login", data=body,
                           content_type="application/json")
    assert response.status_code == 400 and response.get_json()["message"]


def test_a_list_sorted_by_an_unknown_column_is_a_french_400_page(login):
    response = login("admin").get("/householdview/list/?_oc_HouseholdView=nope"
                                  "&_od_HouseholdView=asc")
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "Requête refusée" in page
    assert "Retour à l'accueil" in page and "Traceback" not in page


def test_screens_answer_404_in_french_inside_the_layout(login):
    agent = login("agent")
    for url in ("/invoiceview/download/" + "a" * 3000, "/invoiceview/download/..",
                "/householdview/show/18446744073709551616", "/nowhere"):
        response = agent.get(url)
        page = response.get_data(as_text=True)
        assert response.status_code == 404, url
        assert "Page introuvable" in page and "Not Found" not in page, url


def test_a_form_without_its_csrf_token_says_why_in_french(app, login):
    agent = login("agent")
    app.config["WTF_CSRF_ENABLED"] = True
    try:
        response = agent.post("/householdview/add", data={"name": "Sans jeton"})
    finally:
        app.config["WTF_CSRF_ENABLED"] = False
    assert response.status_code == 400
    assert "rechargez la page" in response.get_data(as_text=True)


def test_the_info_of_a_resource_has_no_catalogue_header(api):
    info = api("agent").get("/api/v1/household/_info").get_json()
    descriptions = [field.get("description", "") for field in info["add_columns"]]
    assert not any("Project-Id-Version" in d for d in descriptions)


def test_a_token_of_a_vanished_user_is_a_french_401(app, api):
    from flask_jwt_extended import create_access_token

    with app.test_request_context():
        token = create_access_token(identity="999999", fresh=True)
    response = api("agent").get("/api/v1/household/",
                                headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401
    assert "reconnectez-vous" in response.get_json()["message"]


def test_a_database_busy_beyond_its_wait_is_a_french_503(app, api, login):
    """SQLite's lock held longer than the busy timeout: « réessayez », never a 500."""
    import sqlalchemy as sa

    from app.extensions import db
    from app.models import Household

    def locked(*args, **kwargs):
        raise sa.exc.OperationalError("INSERT ...", {}, Exception("database is locked"))

    sa.event.listen(db.session.__class__, "before_flush", locked)
    try:
        answer = api("agent").post("/api/v1/household/", json={"name": "Occupé"})
        page = login("regisseur").post("/regieview/add", data={
            "code": "OCC", "name": "Occupée", "mode": "postpaid"})
    finally:
        sa.event.remove(db.session.__class__, "before_flush", locked)
    assert answer.status_code == 503 and "Réessayez" in answer.get_json()["message"]
    assert answer.headers["Retry-After"] == "2"
    assert page.status_code == 503 and "Réessayez" in page.get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Household.id))
                                 .where(Household.name == "Occupé")) == 0
