"""Screens of schooling, bookings, periods and attendance, as staff use them."""
import html
import re
from datetime import date

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import (
    Attendance,
    Booking,
    Enrollment,
    Period,
    Person,
    SchoolClass,
    Service,
    Subscription,
)
from app.models.billing import billing_rule_subscription
from app.services import billing_rules, registry
from tests import factories


def text(response):
    return html.unescape(re.sub(r"\s+", " ", response.get_data(as_text=True)))


@pytest.fixture
def town(app):
    with app.test_request_context():
        setup = factories.school_setup(db.session)
        meal = factories.service(db.session, classes=[setup["classes"]["CP A"],
                                                      setup["classes"]["CE1 A"]])
        child = factories.pupil(db.session, setup["classes"]["CP A"], last="Grille",
                                service_row=meal)
        db.session.commit()
        return {"meal": meal.id, "child": child.id, "name": child.full_name,
                "cp": setup["classes"]["CP A"].id, "ce1": setup["classes"]["CE1 A"].id,
                "years": {k: v.id for k, v in setup["years"].items()}}


def bookings_of(app, person_id):
    with app.app_context():
        return sorted(db.session.scalars(sa.select(Booking.date).where(
            Booking.person_id == person_id)))


def test_week_grid_books_and_cancels(app, login, town):
    agent = login("agent")
    page = text(agent.get(f"/bookings/person/{town['child']}?start=2026-11-02"))
    assert "Réservations de " + town["name"] in page and "Restauration scolaire" in page
    meal = town["meal"]
    response = agent.post(f"/bookings/person/{town['child']}", data={
        "start": "2026-11-02", "booked": [f"{meal}_2026-11-02", f"{meal}_2026-11-03",
                                          f"{meal}_2026-11-04"]}, follow_redirects=True)
    page = text(response)
    assert "2 jours réservés, 0 annulé." in page
    assert "04/11/2026 : Restauration scolaire ne fonctionne pas le mercredi." in page
    assert bookings_of(app, town["child"]) == [date(2026, 11, 2), date(2026, 11, 3)]
    agent.post(f"/bookings/person/{town['child']}", data={
        "start": "2026-11-02", "booked": [f"{meal}_2026-11-03"]})
    assert bookings_of(app, town["child"]) == [date(2026, 11, 3)]


def test_grid_query_count_does_not_grow_with_bookings(app, login, town, count_queries):
    agent = login("agent")
    agent.get(f"/bookings/person/{town['child']}?start=2026-11-02")
    with count_queries() as empty:
        agent.get(f"/bookings/person/{town['child']}?start=2026-11-02")
    agent.post(f"/bookings/person/{town['child']}/bulk", data={
        "service": town["meal"], "start_date": "2026-11-02", "end_date": "2026-11-29",
        "weekdays": ["0", "1", "3", "4"], "mode": "add", "week_parity": "", "weeks": ""})
    with count_queries() as full:
        agent.get(f"/bookings/person/{town['child']}?start=2026-11-02")
    assert len(bookings_of(app, town["child"])) == 16
    assert len(full) == len(empty)


def test_typical_week_form_reports_created_and_skipped(app, login, town):
    with app.test_request_context():
        db.session.add(Period(label="Pont", start_date=date(2026, 11, 12),
                              end_date=date(2026, 11, 13), services=[
                                  db.session.get(Service, town["meal"])]))
        db.session.commit()
    agent = login("agent")
    response = agent.post(f"/bookings/person/{town['child']}/bulk", data={
        "service": town["meal"], "start_date": "2026-11-09", "end_date": "2026-11-15",
        "weekdays": ["0", "3", "4"], "mode": "add", "week_parity": "", "weeks": ""})
    page = text(response)
    assert "1 jour réservé, 0 retiré, 2 non traités." in page
    assert "Fermé : Pont." in page
    reversed_dates = agent.post(f"/bookings/person/{town['child']}/bulk", data={
        "service": town["meal"], "start_date": "2026-11-15", "end_date": "2026-11-09",
        "weekdays": ["0"], "mode": "add"})
    assert "Le dernier jour (09/11/2026) est avant le premier (15/11/2026)." in text(reversed_dates)


def test_open_services_and_enroll_from_the_record(app, login, town):
    with app.test_request_context():
        _, _, (kid,) = factories.household("Nouveau")
        db.session.commit()
        kid_id = kid.id
    agent = login("agent")
    enrolled = agent.post(f"/enrollmentview/enroll/{kid_id}", data={
        "school_class": town["ce1"], "level": 0, "start_date": "2026-09-01"},
        follow_redirects=True)
    assert "inscrit(e)." in text(enrolled)
    refused = agent.post(f"/bookings/person/{kid_id}/subscribe", data={
        "services": [town["meal"]], "start_date": ""})
    assert "La date de début est obligatoire." in text(refused)
    opened = agent.post(f"/bookings/person/{kid_id}/subscribe", data={
        "services": [town["meal"]], "start_date": "2026-09-01"}, follow_redirects=True)
    assert "Prestations ouvertes pour" in text(opened)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Subscription.id)).where(
            Subscription.person_id == kid_id)) == 1
        assert db.session.scalar(sa.select(Enrollment.school_class_id).where(
            Enrollment.person_id == kid_id)) == town["ce1"]


def test_closure_over_bookings_needs_confirmation(app, login, town):
    agent = login("agent")
    agent.post(f"/bookings/person/{town['child']}/bulk", data={
        "service": town["meal"], "start_date": "2026-11-16", "end_date": "2026-11-20",
        "weekdays": ["0", "1", "3", "4"], "mode": "add"})
    admin = login("admin")
    form = {"label": "Grève des agents", "start_date": "2026-11-16", "end_date": "2026-11-17",
            "color": "#ff0000", "services": [str(town["meal"])]}
    first = admin.post("/periodview/add", data=form)
    assert first.status_code == 200
    assert ("Cette fermeture couvre 2 réservations existantes, qui seront supprimées"
            in text(first))
    assert 'value="Grève des agents"' in text(first)
    assert len(bookings_of(app, town["child"])) == 4
    confirmed = admin.post("/periodview/add", data={**form, "confirm_removal": "y"},
                           follow_redirects=True)
    assert "2 réservations supprimées." in text(confirmed)
    assert bookings_of(app, town["child"]) == [date(2026, 11, 19), date(2026, 11, 20)]


def test_official_calendar_creates_periods_without_services(app, login, town):
    admin = login("admin")
    year = town["years"]["2026-2027"]
    preview = text(admin.get(f"/periods/official?zone=B&school_year={year}"))
    assert "Vacances de la Toussaint" in preview and "Férié : 11 novembre" in preview
    created = admin.post("/periods/official", data={
        "zone": "B", "school_year": year, "create": "1",
        "start": ["2026-10-17", "2026-11-11"]}, follow_redirects=True)
    assert "2 périodes créées" in text(created)
    listing = text(admin.get("/periodwithoutserviceview/list/"))
    assert "Vacances de la Toussaint" in listing
    calendar = text(admin.get("/periods/calendar?month=2026-11"))
    assert "Novembre 2026" in calendar and "Férié : 11 novembre" in calendar


def test_new_school_year_from_preview_to_apply(app, login, town):
    admin = login("admin")
    years = town["years"]
    preview = text(admin.get(f"/new-school-year/?from_year={years['2026-2027']}"
                             f"&to_year={years['2027-2028']}"))
    assert town["name"] in preview and "CE1 A" in preview
    done = admin.post("/new-school-year/apply", data={
        "from_year": years["2026-2027"], "to_year": years["2027-2028"]}, follow_redirects=True)
    assert "Nouvelle année scolaire 2027-2028 : 1 passent, 0 redoublent, 0 quittent l'école." in text(done)


def sheet_counts(response) -> dict:
    return {key: int(value) for key, value in re.findall(
        r'data-count="(\w+)">(\d+)<', response.get_data(as_text=True))}


def test_attendance_sheet_marks_in_one_click(app, login, town):
    with app.test_request_context():
        setup_child = factories.pupil(db.session, db.session.get(SchoolClass, town["ce1"]),
                                      last="Abel", service_row=db.session.get(Service, town["meal"]))
        db.session.commit()
        abel = setup_child.id
    agent = login("agent")
    agent.post(f"/bookings/person/{town['child']}", data={
        "start": "2026-11-02", "booked": [f"{town['meal']}_2026-11-05"]})
    sheet = text(login("animateur").get(
        f"/attendance/?date=2026-11-05&service_id={town['meal']}"))
    assert sheet.index("GRILLE") < sheet.index("ABEL")  # CP comes before CE1
    assert sheet_counts(login("animateur").get(
        f"/attendance/?date=2026-11-05&service_id={town['meal']}")) == {
        "booked": 1, "present": 0, "booked_not_marked": 1, "present_not_booked": 0}
    marked = login("animateur").post("/attendance/mark", data={
        "person_id": abel, "service_id": town["meal"], "date": "2026-11-05",
        "status": "present"}, headers={"Accept": "application/json"})
    assert marked.get_json()["status"] == "present"
    # Abel was not booked: the person marking is told at once, and why it matters — without
    # his name, which his row already shows next to the warning.
    warning = marked.get_json()["warning"]
    assert warning.startswith("Non réservé(e) : cette présence est enregistrée mais pas facturée")
    assert "ABEL" not in warning
    # Without the sheet's script, the flash message names him once.
    flashed = text(login("animateur").post("/attendance/mark", data={
        "person_id": abel, "service_id": town["meal"], "date": "2026-11-05",
        "status": "present"}, follow_redirects=True))
    assert flashed.count("n'était pas") == 0
    assert re.search(r"ABEL \w+ : Non réservé\(e\) : cette présence", flashed)
    assert sheet_counts(agent.get(f"/attendance/?date=2026-11-05&service_id={town['meal']}"))[
        "present_not_booked"] == 1
    future = login("animateur").post("/attendance/mark", data={
        "person_id": abel, "service_id": town["meal"], "date": "2099-01-05",
        "status": "present"}, headers={"Accept": "application/json"})
    assert future.status_code == 409
    assert future.get_json()["error"].startswith("La séance du 05/01/2099 à 11:45 n'a pas encore")
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Attendance.id))) == 1


def test_attendance_sheet_queries_do_not_grow_with_children(app, login, town, count_queries):
    agent = login("agent")
    url = f"/attendance/?date=2026-11-05&service_id={town['meal']}&class_ids={town['cp']}"
    agent.get(url)
    with count_queries() as few:
        few_page = agent.get(url)
    with app.test_request_context():
        for i in range(15):
            factories.pupil(db.session, db.session.get(SchoolClass, town["cp"]), last=f"Pupil{i}",
                            service_row=db.session.get(Service, town["meal"]))
        db.session.commit()
    with count_queries() as many:
        page = agent.get(url)
    assert text(page).count("PUPIL") >= 15
    assert len(many) == len(few)
    # Each row adds its name and three buttons, not three forms with their token each: a
    # whole school's sheet (300+ rows) stays light on an animateur's phone.
    assert (len(page.data) - len(few_page.data)) / 15 < 1200


def test_a_sheet_button_names_its_child_and_its_mark(app, login, town):
    sheet = login("animateur").get(f"/attendance/?date=2026-11-05&service_id={town['meal']}")
    buttons = re.findall(r'<button form="marks" name="mark" value="(\d+):(\w+)"',
                         sheet.get_data(as_text=True))
    assert {status for _, status in buttons} == {"present", "excused_absence",
                                                  "unexcused_absence"}
    person_id = buttons[0][0]
    marked = login("animateur").post("/attendance/mark", data={
        "mark": f"{person_id}:excused_absence", "service_id": town["meal"],
        "date": "2026-11-05"}, headers={"Accept": "application/json"})
    assert marked.get_json()["status"] == "excused_absence"
    with app.app_context():
        assert db.session.scalar(sa.select(Attendance.status).where(
            Attendance.person_id == int(person_id))) == "excused_absence"


@pytest.mark.parametrize("role, page, allowed", [
    ("animateur", "/attendance/", True),
    ("animateur", "/bookings/person/1", False),
    ("regisseur", "/serviceview/list/", True),
    ("regisseur", "/periodview/add", False),
    ("agent", "/periodview/list/", True),
    ("agent", "/periodview/add", False),
    ("agent", "/new-school-year/", False),
    ("parent", "/attendance/", False),
])
def test_activity_permissions(login, role, page, allowed):
    response = login(role).get(page)
    assert (response.status_code == 200) is allowed


SETTINGS_PAGES = ["/schoolyearview/list/", "/schoolyearview/add", "/schoolview/list/",
                  "/schoolview/add", "/schoolclassview/list/", "/schoolclassview/add",
                  "/levelview/list/", "/regieview/list/", "/regieview/add", "/productview/add",
                  "/serviceview/list/", "/serviceview/add", "/tariffview/list/",
                  "/tariffview/add", "/tariffbracketview/add", "/periodview/list/",
                  "/periodview/add", "/periodwithoutserviceview/list/",
                  "/familyquotientview/add", "/subscriptionview/add", "/periods/calendar",
                  "/periods/official", "/new-school-year/", "/attendance/"]


@pytest.mark.parametrize("page", SETTINGS_PAGES)
def test_settings_pages_open_for_admin(login, town, page):
    assert login("admin").get(page).status_code == 200


def test_service_form_and_regie_form_refusals_keep_the_input(app, login, town):
    admin = login("admin")
    refused = admin.post("/regieview/add", data={"code": "CANT", "name": "Cantine",
                                                 "mode": "postpaid", "iban": "FR00 1234"})
    page = text(refused)
    assert "Cet IBAN n'est pas valide : vérifiez ses chiffres." in page
    assert 'value="Cantine"' in page
    with app.app_context():
        regie_id = db.session.scalar(sa.select(Service.regie_id).where(Service.id == town["meal"]))
    created = admin.post("/serviceview/add", data={
        "name": "Garderie", "regie": regie_id, "start_time": "07:30", "weekdays": "0,1,3,4",
        "billing_basis": "attendance", "deadline_days": "1", "deadline_time": "18:00"},
        follow_redirects=True)
    assert created.status_code == 200
    with app.app_context():
        service = db.session.scalar(sa.select(Service).where(Service.name == "Garderie"))
        assert service.start_time.strftime("%H:%M") == "07:30" and service.weekdays == "0,1,3,4"
        assert service.portal_weeks_ahead is None
    form = {"name": "Garderie", "regie": regie_id, "start_time": "07:30", "weekdays": "0,1,3,4",
            "billing_basis": "attendance", "deadline_days": "1", "deadline_time": "18:00"}
    too_far = admin.post(f"/serviceview/edit/{service.id}",
                         data={**form, "portal_weeks_ahead": "200"})
    assert "Les parents réservent au plus 104 semaines à l'avance" in text(too_far)
    admin.post(f"/serviceview/edit/{service.id}", data={**form, "portal_weeks_ahead": "6"})
    with app.app_context():
        assert db.session.get(Service, service.id).portal_weeks_ahead == 6


def class_options(response):
    select = re.search(r'<select[^>]*id="school_class".*?</select>',
                       response.get_data(as_text=True), re.S).group(0)
    return [html.unescape(o) for o in re.findall(r"<option[^>]*>([^<]*)</option>", select)]


def test_the_enrolment_form_proposes_classes_in_school_order_and_today(app, login, town):
    with app.test_request_context():
        _, (parent,), (kid,) = factories.household("Ordre")
        db.session.commit()
        kid_id, parent_id = kid.id, parent.id
    agent = login("agent")
    options = class_options(agent.get(f"/enrollmentview/enroll/{kid_id}"))
    assert options[0] == "— choisir la classe —"
    school = [o for o in options if "Jules-Ferry" in o and "Adultes" not in o]
    ranks = ["PS", "MS", "GS", "CP", "CE1", "CE2", "CM1", "CM2"]
    seen = [next(r for r in ranks if f"{r} " in o) for o in school]
    assert seen == sorted(seen, key=ranks.index)
    assert "Adultes" in options[-1]
    assert 'value="2026-11-20"' in agent.get(f"/enrollmentview/enroll/{kid_id}").get_data(
        as_text=True)
    refused = agent.post(f"/enrollmentview/enroll/{kid_id}", data={
        "school_class": 0, "level": 0, "start_date": "2026-11-20"})
    assert "Choisissez la classe." in text(refused)
    adult_options = class_options(agent.get(f"/enrollmentview/enroll/{parent_id}"))
    assert "Adultes" in adult_options[0]


def test_the_booking_grid_marks_the_days_already_gone(login, town):
    page = login("agent").get(f"/bookings/person/{town['child']}?start=2026-11-16")
    rows = re.findall(r'<tr class="([^"]*)">\s*<th>(\d\d/\d\d)', page.get_data(as_text=True))
    past = [day for classes, day in rows if "past-day" in classes]
    # The town's clock says Friday 20/11/2026.
    assert past == ["16/11", "17/11", "19/11"]
    assert "passé" in page.get_data(as_text=True)
    # Staff may still correct a day gone: its cells say so when pointed at.
    cells = re.findall(r'<td class="booking-cell[^"]*"( title="[^"]*")?>', html.unescape(
        page.get_data(as_text=True)))
    assert cells.count(' title="jour passé : correction"') == 3
    assert cells.count("") == 13  # from 20/11 on


def test_the_grid_says_once_which_days_no_billing_rule_covers(app, login, town):
    with app.test_request_context():
        child = db.session.get(Person, town["child"])
        mother = child.guardians[0].adult
        father = registry.add_adult(factories.adult_data("Grille", "Paul"),
                                    household=mother.memberships[0].household)
        registry.link_guardian(child, father, "father")
        db.session.commit()
        mother_id, mother_name, father_id = mother.id, mother.full_name, father.id
    agent = login("agent")
    page = text(agent.get(f"/bookings/person/{town['child']}?start=2026-11-16"))
    assert page.count("pas de règle de facturation") == 1  # the notice, not every cell
    assert ("16 jours de ces semaines n'ont pas de règle de facturation : personne ne sera "
            "facturé pour ces jours.") in page
    assert page.count('id="no-billing-rule"') == 1
    assert f'href="/billingruleview/new/{mother_id}"' in page
    assert f'href="/billingruleview/new/{father_id}"' in page
    assert f"Ajouter une règle de facturation pour {mother_name}" in page
    assert "Ajouter une règle de facturation pour GRILLE Paul" in page
    # Once the mother's rule covers the child's service, the notice goes.
    with app.test_request_context():
        subscription = db.session.scalar(sa.select(Subscription).where(
            Subscription.person_id == town["child"]))
        billing_rules.add_rule(db.session.get(Person, mother_id), date(2026, 9, 1),
                               [subscription])
        db.session.commit()
    covered = text(agent.get(f"/bookings/person/{town['child']}?start=2026-11-16"))
    assert 'id="no-billing-rule"' not in covered and mother_name in covered
    # The régisseur sees the notice too.
    with app.test_request_context():
        db.session.execute(sa.delete(billing_rule_subscription))
        db.session.commit()
    assert 'id="no-billing-rule"' in text(
        login("regisseur").get(f"/bookings/person/{town['child']}?start=2026-11-16"))


def test_all_booked_children_present_in_one_tap(app, login, town):
    with app.test_request_context():
        meal = db.session.get(Service, town["meal"])
        others = [factories.pupil(db.session, db.session.get(SchoolClass, town["cp"]),
                                  last=f"Tous{i}", service_row=meal).id for i in range(3)]
        db.session.commit()
    agent = login("agent")
    for child in [town["child"], *others[:2]]:
        agent.post(f"/bookings/person/{child}", data={
            "start": "2026-11-02", "booked": [f"{town['meal']}_2026-11-05"]})
    animateur = login("animateur")
    animateur.post("/attendance/mark", data={
        "person_id": others[0], "service_id": town["meal"], "date": "2026-11-05",
        "status": "excused_absence"})
    sheet = text(animateur.get(f"/attendance/?date=2026-11-05&service_id={town['meal']}"))
    assert 'data-confirm="Pointer présents les 2 enfants réservés non pointés ?"' in sheet
    # Without the sheet's script nothing is marked yet: the sheet asks the question first.
    asked = animateur.post("/attendance/all_present", data={
        "service_id": town["meal"], "date": "2026-11-05"}, follow_redirects=True)
    assert "Pointer présents les 2 enfants réservés non pointés ?" in text(asked)
    assert 'id="all-present-question"' in text(asked) and "Oui, les pointer présents" in text(asked)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Attendance.id))) == 1
    done = animateur.post("/attendance/all_present", data={
        "service_id": town["meal"], "date": "2026-11-05", "confirmed": "yes"},
        follow_redirects=True)
    assert "2 enfants réservés pointés présents." in text(done)
    with app.app_context():
        marks = dict(db.session.execute(sa.select(Attendance.person_id, Attendance.status)
                                        .where(Attendance.date == date(2026, 11, 5))).all())
    # The excused absence stays; the unbooked child is not marked.
    assert marks == {town["child"]: "present", others[0]: "excused_absence",
                     others[1]: "present"}


def test_the_sheet_opens_on_the_current_service_and_says_when_none_runs(login, town):
    animateur = login("animateur")
    # Friday 20/11/2026 at 10:00: the canteen (11:45) is the next service of the day.
    page = animateur.get("/attendance/").get_data(as_text=True)
    assert re.search(r'<option value="%d" selected>' % town["meal"], page)
    wednesday = text(animateur.get(f"/attendance/?date=2026-11-18&service_id={town['meal']}"))
    assert "ne fonctionne pas le 18/11/2026" in wednesday and 'id="sheet"' not in wednesday
    labels = animateur.get("/attendance/").get_data(as_text=True)
    assert '<label for="sheet-date">' in labels and '<label for="sheet-service">' in labels


def test_the_sheet_opens_on_no_service_when_none_is_left_today(login, town, town_clock):
    from datetime import datetime
    from zoneinfo import ZoneInfo

    animateur = login("animateur")
    # Saturday 21/11/2026 at 21:13: the canteen runs on weekdays only.
    town_clock(datetime(2026, 11, 21, 21, 13, tzinfo=ZoneInfo("Europe/Paris")))
    page = animateur.get("/attendance/").get_data(as_text=True)
    assert "Plus aucune séance aujourd'hui : choisissez un jour et une prestation." in html.unescape(page)
    assert '<option value="" selected>' in page and " selected>11:45" not in page
    assert 'id="sheet"' not in page


def test_the_sheet_says_counts_in_words_and_the_day_it_opens(login, town):
    animateur = login("animateur")
    # Friday 20/11/2026 at 10:00: Monday's canteen opens on 23/11 at 11:45.
    later = text(animateur.get(f"/attendance/?date=2026-11-23&service_id={town['meal']}"))
    assert "la présence peut être saisie à partir du 23/11/2026 à 11:45." in later
    today = text(animateur.get(f"/attendance/?date=2026-11-20&service_id={town['meal']}"))
    assert "la présence peut être saisie à partir de 11:45." in today
    for label in ("Réservés :", "Présents :", "Réservés non pointés :",
                  "Présents sans réservation :"):
        assert label in later
    assert re.search(r'Réservés : <b data-count="booked">0</b>', later)


def test_the_sheet_groups_children_and_class_boxes_by_school(app, login, town):
    with app.test_request_context():
        factories.pupil(db.session, db.session.get(SchoolClass, town["ce1"]), last="Abel",
                        service_row=db.session.get(Service, town["meal"]))
        db.session.commit()
    page = text(login("animateur").get(f"/attendance/?date=2026-11-05&service_id={town['meal']}"))
    groups = re.findall(r'<tr class="sheet-group"><th colspan="3">([^<]+)</th>', page)
    assert len(groups) == 2 and groups[0].endswith("— CP A") and groups[1].endswith("— CE1 A")
    school = groups[0].split(" — ")[0]
    assert page.index(groups[0]) < page.index("GRILLE") < page.index(groups[1]) < page.index("ABEL")
    # The class boxes: the school named once as the group's legend, each class by its name.
    assert page.count(f"<legend>{school}</legend>") == 1
    assert re.search(r'<label class="sheet-class"><input type="checkbox" name="class_ids" '
                     r'value="%d" > CP A</label>' % town["cp"], page)
    assert f"{school} — CP A</label>" not in page
