"""Staff scopes: an animateur attached to one service sees only that service's children and
sheets — by the screens, by URL and by the API — through one row filter."""
from datetime import date

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Attendance
from app.security import scopes
from app.services import bookings, schooling
from tests import factories
from tests.support import page_text


@pytest.fixture
def town(app):
    """The canteen and the evening care of one school; Léa eats at the canteen, Hugo only
    goes to the evening care; the test animateur is attached to the canteen."""
    with app.test_request_context():
        setup = factories.school_setup(db.session, name="École des Scopes")
        cp = setup["classes"]["CP A"]
        canteen = factories.service(db.session, name="Cantine Scopes", classes=[cp])
        care = factories.service(db.session, name="Garderie Scopes", classes=[cp])
        _, _, (lea,) = factories.household("Scope")
        _, _, (hugo,) = factories.household("Horsscope")
        for child, service in ((lea, canteen), (hugo, care)):
            schooling.enroll(child, cp, date(2026, 9, 1))
            bookings.subscribe(child, service, date(2026, 9, 1))
        db.session.add(Attendance(person_id=hugo.id, service_id=care.id,
                                  date=date(2026, 11, 19), status="present"))
        animateur = app.appbuilder.sm.find_user(username="animateur")
        scopes.set_scope(animateur.id, [], [canteen.id])
        db.session.commit()
        hugo_attendance = db.session.scalar(sa.select(Attendance.id).where(
            Attendance.person_id == hugo.id))
        return dict(lea=lea.id, hugo=hugo.id, lea_name=lea.first_name,
                    hugo_name=hugo.first_name, canteen=canteen.id, care=care.id,
                    hugo_attendance=hugo_attendance)


def test_the_scoped_animateur_sees_only_their_services_children(login, town):
    animateur = login("animateur")
    listed = page_text(animateur.get("/childview/list/?_flt_0_search_name=scope"))
    assert town["lea_name"] in listed and town["hugo_name"] not in listed
    assert animateur.get(f"/childview/show/{town['lea']}").status_code == 200
    assert animateur.get(f"/childview/show/{town['hugo']}").status_code == 404
    sheet = page_text(animateur.get("/attendance/"))
    assert "Cantine Scopes" in sheet and "Garderie Scopes" not in sheet


def test_schools_only_then_services_only_then_both_each_filter_right(app, login, town):
    """One scope after another in the same process: the filter's SQL is cached by SQLAlchemy,
    and must follow each scope's own schools and services."""
    with app.app_context():
        from app.models import School

        animateur_id = app.appbuilder.sm.find_user(username="animateur").id
        school_id = db.session.scalar(sa.select(School.id).where(
            School.name == "École des Scopes"))
    cases = [([school_id], [], {"lea", "hugo"}), ([], [town["care"]], {"hugo"}),
             ([school_id], [town["canteen"]], {"lea"}), ([], [town["canteen"]], {"lea"}),
             ([school_id], [town["care"]], {"hugo"})]
    for schools, services, seen in cases:
        with app.app_context():
            scopes.set_scope(animateur_id, schools, services)
            db.session.commit()
        animateur = login("animateur")
        for child in ("lea", "hugo"):
            status = animateur.get(f"/childview/show/{town[child]}").status_code
            assert status == (200 if child in seen else 404), (schools, services, child)


def test_the_scope_holds_through_the_api(api, town):
    animateur = api("animateur")
    assert animateur.get(f"/api/v1/attendance/{town['hugo_attendance']}").status_code == 404
    listed = animateur.get("/api/v1/attendance/").get_json()
    assert town["hugo_attendance"] not in listed["ids"]
    refused = animateur.post("/api/v1/attendance/", json={
        "person_id": town["hugo"], "service_id": town["care"], "date": "2026-11-19",
        "status": "present"})
    assert refused.status_code in (400, 404, 422)


def test_an_unscoped_agent_sees_everyone(login, town):
    agent = login("agent")
    assert agent.get(f"/childview/show/{town['hugo']}").status_code == 200


def test_the_admin_sets_a_scope_on_its_page(app, login, town):
    admin = login("admin")
    with app.app_context():
        agent_id = app.appbuilder.sm.find_user(username="agent").id
    page = page_text(admin.get(f"/staff_scope/{agent_id}"))
    assert "Cantine Scopes" in page and "Rien de coché : aucune limite." in page
    admin.post(f"/staff_scope/{agent_id}", data={"services": [str(town["care"])]})
    assert login("agent").get(f"/childview/show/{town['lea']}").status_code == 404
    assert login("animateur").get(f"/staff_scope/{agent_id}").status_code in (302, 403)


def test_a_job_runs_under_its_authors_scope(app, login, town):
    """Information sheets asked by a scoped agent for an in-scope and an out-of-scope child:
    only the first is printed."""
    with app.test_request_context():
        agent = app.appbuilder.sm.find_user(username="agent")
        scopes.set_scope(agent.id, [], [town["canteen"]])
        db.session.commit()
        from app import jobs
        from app.models import BackgroundJob

        row = jobs.submit("information_sheets", {
            "kind": "child", "person_ids": [town["lea"], town["hugo"]],
            "sections": ["identity"], "save_to_records": False,
            "created_by_id": agent.id}, created_by_id=agent.id)
        db.session.commit()
        jobs.execute(row.id)
        result = db.session.get(BackgroundJob, row.id)
        assert result.status == "finished", result.error
        assert result.result["sheets"] == 1


def test_an_animateur_cannot_mark_an_adult_nor_learn_their_name(app, login, api, town):
    from app.models import Person

    with app.app_context():
        adult = db.session.scalar(sa.select(Person).where(Person.kind == "adult"))
        adult_id, name = adult.id, adult.last_name
    answer = api("animateur").post("/api/v1/attendance/", json={
        "person_id": adult_id, "service_id": town["canteen"], "date": "2026-11-19",
        "status": "present"})
    assert answer.status_code == 422
    assert name.upper() not in answer.get_data(as_text=True).upper()


def test_a_scoped_agent_cannot_write_to_an_out_of_scope_childs_parents(app, login, town):
    with app.test_request_context():
        agent = app.appbuilder.sm.find_user(username="agent")
        scopes.set_scope(agent.id, [], [town["canteen"]])
        db.session.commit()
    page = page_text(login("agent").get(f"/messages/new?source=child&ids={town['hugo']}"))
    assert "0 destinataire" in page
    page = page_text(login("agent").get(f"/messages/new?source=child&ids={town['lea']}"))
    assert "1 destinataire" in page


def test_the_scopes_page_lists_staff_and_leads_to_each(login, town):
    page = page_text(login("admin").get("/staff_scope/"))
    assert "Cantine Scopes" in page and "Périmètres du personnel" in page
    roles = login("admin").get("/role_capabilities/").get_data(as_text=True)
    assert "Enfants : lire" in page_text(login("admin").get("/role_capabilities/"))
    assert "<strong>Parent</strong>" not in roles and "<strong>Animateur</strong>" in roles


def test_a_service_in_someones_scope_cannot_be_deleted(app, login, api, town):
    """Were its scope rows to go with it, the animateur's scope would be empty: no limit."""
    page = login("admin").post(f"/serviceview/delete/{town['canteen']}", follow_redirects=True)
    refusal = next(line for line in page_text(page).split("×") if "supprimée" in line)
    assert "périmètres du personnel" in refusal and "ne peut pas être supprimée" in refusal
    answer = api("admin").delete(f"/api/v1/service/{town['canteen']}")
    assert answer.status_code == 409 and "périmètres du personnel" in answer.get_json()["message"]
    with app.app_context():
        animateur = app.appbuilder.sm.find_user(username="animateur")
        assert scopes.scope_of(animateur.id).service_ids == (town["canteen"],)
    assert login("animateur").get(f"/childview/show/{town['hugo']}").status_code == 404


def test_a_scope_naming_what_does_not_exist_is_refused_not_emptied(app, login, town):
    with app.app_context():
        animateur = app.appbuilder.sm.find_user(username="animateur")
        user_id, role_id = animateur.id, animateur.roles[0].id
    admin = login("admin")
    form = {"first_name": "Animateur", "last_name": "Test", "email": "animateur@exemple.fr",
            "active": "y", "roles": [str(role_id)], "scope_services": ["999999"]}
    refused = admin.post(f"/users/edit/{user_id}", data=form)
    assert refused.status_code == 200
    assert "Une valeur choisie n'existe plus : rechargez la page et choisissez de nouveau." \
        in page_text(refused)
    no_role = admin.post(f"/users/edit/{user_id}", data={**form, "roles": [],
                                                          "scope_services": []})
    assert no_role.status_code == 200 and "Choisissez au moins un rôle." in page_text(no_role)
    with app.app_context():
        assert scopes.scope_of(user_id).service_ids == (town["canteen"],)


def test_scoped_staff_never_reach_an_out_of_scope_childs_documents(app, login, town):
    from io import BytesIO

    from werkzeug.datastructures import FileStorage

    from app.models import Document, Person
    from app.services import documents

    with app.test_request_context():
        hugo = db.session.get(Person, town["hugo"])
        document = documents.attach(hugo, FileStorage(BytesIO(b"%PDF-1.4\n%%EOF\n"),
                                                      "pai.pdf"), "PAI de Hugo")
        db.session.commit()
        document_id = document.id
        agent = app.appbuilder.sm.find_user(username="agent")
        scopes.set_scope(agent.id, [], [town["canteen"]])
        db.session.commit()
        scopes.activate_for(agent.id)
        try:
            assert db.session.get(Document, document_id, populate_existing=True) is None
        finally:
            from flask import g

            g.pop(scopes.SCOPE_KEY, None)
    agent = login("agent")
    assert agent.get(f"/documentview/download/{document_id}").status_code == 404
    assert agent.get(f"/documentview/show/{document_id}").status_code == 404
    assert "PAI de Hugo" not in page_text(agent.get("/documentview/list/"))
    assert login("admin").get(f"/documentview/download/{document_id}").status_code == 200


def test_a_scoped_agent_reads_a_household_and_an_adult_whose_child_is_out_of_scope(app, login,
                                                                                    town):
    from app.models import Guardianship, HouseholdMember

    with app.test_request_context():
        agent = app.appbuilder.sm.find_user(username="agent")
        scopes.set_scope(agent.id, [], [town["canteen"]])
        db.session.commit()
        adult_id = db.session.scalar(sa.select(Guardianship.adult_id).where(
            Guardianship.child_id == town["hugo"]))
        household_id = db.session.scalar(sa.select(HouseholdMember.household_id).where(
            HouseholdMember.person_id == town["hugo"]))
    agent = login("agent")
    household = agent.get(f"/householdview/show/{household_id}")
    adult = agent.get(f"/adultview/show/{adult_id}")
    assert household.status_code == 200 and adult.status_code == 200
    assert town["hugo_name"] not in page_text(household) + page_text(adult)


def test_children_filters_refuse_odd_values_without_a_server_error(login, town):
    agent = login("agent")
    odd = agent.get("/childview/list/?_flt_0_service=%C2%B2")
    assert odd.status_code == 200 and town["lea_name"] not in page_text(odd)
    assert agent.get("/childview/list/?_flt_9_last_name=x").status_code == 400
    assert agent.get("/messages/new?source=child&_flt_0_service=%E2%91%A0").status_code == 200


def test_a_scoped_agent_cannot_touch_an_out_of_scope_childs_links(app, api, town):
    """Guardianship, membership, enrollment, subscription, booking, attendance: the rows of a
    child out of scope are not found either — to read, change or delete."""
    from app.models import Enrollment, Guardianship, HouseholdMember, Subscription

    with app.test_request_context():
        agent = app.appbuilder.sm.find_user(username="agent")
        scopes.set_scope(agent.id, [], [town["canteen"]])
        db.session.commit()
        ids = {name: db.session.scalar(sa.select(model.id).where(column == town["hugo"]))
               for name, model, column in (
                   ("guardianship", Guardianship, Guardianship.child_id),
                   ("household_member", HouseholdMember, HouseholdMember.person_id),
                   ("enrollment", Enrollment, Enrollment.person_id),
                   ("subscription", Subscription, Subscription.person_id))}
    client = api("agent")
    for name, row_id in ids.items():
        assert client.get(f"/api/v1/{name}/{row_id}").status_code == 404, name
        assert client.delete(f"/api/v1/{name}/{row_id}").status_code == 404, name
        assert row_id not in client.get(f"/api/v1/{name}/?q=(page_size:100)").get_json()["ids"]
    assert client.delete(f"/api/v1/attendance/{town['hugo_attendance']}").status_code == 404
    with app.app_context():
        assert db.session.get(Guardianship, ids["guardianship"]) is not None
        assert db.session.get(Subscription, ids["subscription"]) is not None


def test_odd_list_addresses_are_refused_without_a_server_error(app, login):
    admin = login("admin")
    for url in ("/childview/list/?psize_ChildView=x", "/childview/list/?page_ChildView=%C2%B2",
                "/invoiceview/list/?_flt_0_total=x", "/paymentview/list/?_flt_0_amount=nan",
                "/adultview/list/?_flt_0_id=%C2%B2"):
        assert admin.get(url).status_code in (200, 400), url
    assert admin.post("/schoolview/action_post", data={"action": "nothing",
                                                       "rowid": ["1"]}).status_code == 400
    assert admin.post("/users/action_post", data={"action": "invite",
                                                  "rowid": ["x"]}).status_code == 400
    assert admin.post("/users/action_post", data={"action": "invite",
                                                  "rowid": ["99999"]}).status_code == 404


def test_a_parents_login_gets_no_staff_invitation_from_the_users_list(app, login, smtp_server):
    with app.test_request_context():
        _, (mother,), _ = factories.household("Invitparent")
        email = factories.parent_login(db.session, mother, "parent.invit@exemple.fr")
        db.session.commit()
        parent_id = app.appbuilder.sm.find_user(username=email).id
    answer = login("admin").post("/users/action_post", data={"action": "invite",
                                                            "rowid": [str(parent_id)]})
    assert answer.status_code == 404
    assert not smtp_server.to("parent.invit@exemple.fr")


def test_who_reads_no_invoice_sees_no_familys_account(app, login, town):
    """« Compte » (what is due, the last payments) is for who reads invoices or accounts."""
    from app.models import Person
    from app.security import roles

    with app.test_request_context():
        sm = app.appbuilder.sm
        adult_id = db.session.scalar(sa.select(Person.id).where(Person.kind == "adult"))
        role = sm.add_role("Lecture familles")
        roles.set_capabilities(role, ["families_read"],
                               sm.session.query(sm.permissionview_model).all())
        from app.cli import ensure_user
        from tests.support import PASSWORD

        ensure_user("lecteur", PASSWORD, "Lecture familles", "Léo", "Lecteur",
                    "lecteur@exemple.fr")
        db.session.commit()
    reader = login("lecteur").get(f"/adultview/show/{adult_id}")
    assert reader.status_code == 200
    assert "Reste à payer" not in page_text(reader) and 'id="account"' not in \
        reader.get_data(as_text=True)
    assert 'id="account"' in login("agent").get(f"/adultview/show/{adult_id}").get_data(
        as_text=True)
