"""A real server, a real browser (Debian's chromium driven by Playwright) and, when REDIS_URL is
set, a real Redis with a real RQ worker: what a person sees, end to end."""
import os
import shutil
import subprocess
import sys
import uuid
from datetime import timedelta

import pytest

from tests.support import PASSWORD, ROOT, TOWN_TODAY, live_server, throwaway_database

pytestmark = pytest.mark.live

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync"]


@pytest.fixture(scope="module")
def live_smtp():
    """A real SMTP server the live Marelle sends its e-mails to."""
    from tests.mail_server import SmtpServer

    smtp = SmtpServer()
    smtp.start()
    yield smtp
    smtp.stop()


@pytest.fixture(scope="module")
def server(tmp_path_factory, live_smtp):
    folder = tmp_path_factory.mktemp("live")
    extra = {"RQ_QUEUE": f"marelle-test-{uuid.uuid4().hex[:8]}",
             **{key: str(value) for key, value in live_smtp.settings().items()
                if value is not None}}
    if os.environ.get("REDIS_URL"):
        extra["REDIS_URL"] = os.environ["REDIS_URL"]
    with throwaway_database(os.environ.get("DATABASE_URL"), folder) as url:
        with live_server(url, folder, extra) as (base_url, env):
            worker = None
            if env.get("REDIS_URL"):
                # A real RQ worker on the real Redis runs the jobs, as `make worker` would.
                worker = subprocess.Popen(
                    [os.path.join(os.path.dirname(sys.executable), "rq"), "worker", "--url",
                     env["REDIS_URL"], env["RQ_QUEUE"]], cwd=ROOT,
                    env=dict(env, PYTHONPATH=str(ROOT)), stdout=open(folder / "worker.log", "w"),
                    stderr=subprocess.STDOUT)
            try:
                yield base_url, env
            finally:
                if worker is not None:
                    worker.terminate()
                    worker.wait(timeout=20)


@pytest.fixture(scope="module")
def browser():
    if not shutil.which("chromium") and not os.path.exists(CHROMIUM):
        pytest.fail("Debian's chromium is missing: `make test` installs it")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def logged_in(browser, base_url, username, password, viewport=(1280, 900)):
    page = browser.new_page(viewport={"width": viewport[0], "height": viewport[1]},
                            locale="fr-FR")
    page.set_default_timeout(15000)
    page.goto(base_url + "/login/")
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("input[type=submit], button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)
    return page


def test_create_a_household_with_the_guided_flow_and_find_it(server, browser):
    base_url, _ = server
    page = logged_in(browser, base_url, "agent", "agent")  # the demo login the README shows
    page.click("text=Familles")
    page.click("a:has-text('Créer un foyer')")
    page.fill("#adult_last_name", "Rivière")
    page.fill("#adult_first_name", "Maëlle")
    page.fill("#email", "maelle.riviere@example.fr")
    page.fill("#mobile_phone", "06 12 34 56 78")
    page.fill("#child_last_name", "Rivière")
    page.fill("#child_first_name", "Timéo")
    page.fill("#child_birth_date", "2019-05-17")
    page.select_option("#relation", "mother")
    page.fill("#household_name", "Foyer RIVIÈRE")
    page.fill("#address_line", "12 rue des Tilleuls")
    page.fill("#postal_code", "44190")
    page.fill("#city", "Saint-Aubin-la-Marelle")
    page.click("button:has-text('Créer le foyer')")
    page.wait_for_selector("text=Foyer « Foyer RIVIÈRE » créé.")
    (ROOT / "test-results").mkdir(exist_ok=True)
    page.screenshot(path=str(ROOT / "test-results" / "household.png"), full_page=True)
    members = page.inner_text(".person-card")
    assert "RIVIÈRE Maëlle" in members and "RIVIÈRE Timéo" in members

    # The second parent's household finds the child through the search-as-you-type picker.
    page.goto(base_url + "/households/new")
    page.fill("#adult_last_name", "Morel")
    page.fill("#adult_first_name", "Hugo")
    page.check("input[name=child_mode][value=existing]")
    assert page.is_hidden("#child_first_name")
    page.type("#child_search", "timeo riv", delay=30)
    page.click(".marelle-picker li:has-text('RIVIÈRE Timéo')")
    page.select_option("#relation", "father")
    page.fill("#household_name", "Foyer MOREL")
    page.click("button:has-text('Créer le foyer')")
    page.wait_for_selector("text=Foyer « Foyer MOREL » créé.")

    # The list's name box: typed without the accent, found all the same.
    page.goto(base_url + "/householdview/list/")
    page.fill("#name-search", "riviere")
    page.press("#name-search", "Enter")
    page.wait_for_url("**_flt_2_name=riviere*")
    assert page.locator("table.table-hover tr", has_text="Foyer RIVIÈRE").count() == 1
    assert page.locator("table.table-hover tr", has_text="Foyer MOREL").count() == 0
    page.goto(base_url + "/childview/list/?_flt_2_last_name=Rivi")
    page.click("a[href*='/childview/show/']")
    page.wait_for_selector("text=Responsables légaux")
    text = page.inner_text("body")
    assert "Foyer RIVIÈRE" in text and "Foyer MOREL" in text  # separated parents: both homes
    (ROOT / "test-results").mkdir(exist_ok=True)
    page.screenshot(path=str(ROOT / "test-results" / "child-record.png"), full_page=True)


def test_demo_load_job_shows_its_progress_bar(server, browser):
    base_url, _ = server
    page = logged_in(browser, base_url, "admin", PASSWORD)
    page.goto(base_url + "/demo/")
    page.fill("#children", "30")
    page.click("button:has-text('Charger')")
    page.wait_for_selector("#job-bar")
    page.wait_for_selector("#job-status[data-status=finished]", timeout=60000)
    assert page.get_attribute("#job-bar", "aria-valuenow") == "100"
    assert page.inner_text("#job-status") == "terminé"
    page.wait_for_selector("#job-counts")
    children = page.locator("#job-counts tr", has_text="Enfants")
    assert children.locator("td").inner_text().strip() == "30"


def test_book_a_week_from_the_grid_then_mark_attendance(server, browser):
    base_url, _ = server
    page = logged_in(browser, base_url, "agent", "agent")
    # Set-up through the API (an admin's token, in a context without the agent's cookie):
    # a workshop open every weekday, and a child subscribed to it.
    api = browser.new_context().request
    token = api.post(base_url + "/api/v1/security/login", data={
        "username": "admin", "password": PASSWORD, "provider": "db"}).json()["access_token"]
    auth = {"Authorization": f"Bearer {token}"}

    def create(resource, body):
        response = api.post(f"{base_url}/api/v1/{resource}/", data=body, headers=auth)
        assert response.status == 201, response.text()
        return response.json()["id"]

    regie = api.get(base_url + "/api/v1/regie/", headers=auth).json()["ids"][0]
    workshop = create("service", {"name": "Atelier lecture", "regie_id": regie,
                                  "billing_basis": "booking", "start_time": "08:30:00",
                                  "weekdays": "0,1,2,3,4", "deadline_days": 0,
                                  "unit_price": "3.00", "tariff_start": "2020-01-01"})
    child = create("person", {"kind": "child", "last_name": "Lecteur", "first_name": "Basile",
                              "birth_date": "2018-04-02"})
    create("subscription", {"person_id": child, "service_id": workshop,
                            "start_date": "2020-01-01"})
    today = TOWN_TODAY
    monday = today - timedelta(days=today.weekday() + 7)  # last week: its sessions are over

    page.goto(f"{base_url}/childview/show/{child}")
    page.click("a:has-text('Réservations')")
    page.goto(f"{base_url}/bookings/person/{child}?start={monday.isoformat()}")
    for offset in range(5):
        day = (monday + timedelta(days=offset)).isoformat()
        page.click(f"input[name=booked][data-day='{day}']")
    assert page.locator("td.booking-cell.booked").count() == 5
    page.click("button:has-text('Enregistrer les réservations')")
    page.wait_for_selector("text=5 jours réservés, 0 annulé.")
    assert page.locator("input[name=booked]:checked").count() == 5

    page.click("text=Activités")
    page.click("a:has-text('Pointage')")
    page.fill("input[name=date]", monday.isoformat())
    page.select_option("select[name=service_id]", label="08:30 — Atelier lecture")
    page.click("button:has-text('Afficher la feuille')")
    row = page.locator("#sheet tr", has_text="LECTEUR Basile")
    assert "Réservé" in page.inner_text("#sheet") and row.count() == 1
    row.locator("button[data-status=present]").click()
    page.wait_for_selector("#sheet tr[data-marked=present]")
    assert row.locator("button[data-status=present]").get_attribute("aria-pressed") == "true"
    page.reload()
    assert page.locator("#sheet tr", has_text="LECTEUR Basile").locator(
        "button[data-status=present]").get_attribute("aria-pressed") == "true"
    (ROOT / "test-results").mkdir(exist_ok=True)
    page.screenshot(path=str(ROOT / "test-results" / "attendance.png"), full_page=True)


def test_generate_drafts_add_a_discount_validate_and_open_the_pdf(server, browser):
    import io

    from pypdf import PdfReader

    base_url, _ = server
    page = logged_in(browser, base_url, "regisseur", "regisseur")
    today = TOWN_TODAY
    first = today.replace(day=1)
    last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    page.click("text=Facturation")
    page.click("a:has-text('Créer un groupe de factures')")
    page.wait_for_selector("input[name=services]")
    for box in page.locator("input[name=services]").all():  # the form ticks them all
        box.uncheck()
    page.locator("label", has_text="Restauration scolaire").locator("input").check()
    page.fill("#period_start", first.isoformat())
    page.fill("#period_end", last.isoformat())
    page.fill("#due_date", (last + timedelta(days=15)).isoformat())
    page.check("#bill_ahead")  # the month is not over
    page.click("button:has-text('Créer les brouillons')")
    page.wait_for_selector("#job-bar")
    page.wait_for_selector("#job-status[data-status=finished]", timeout=60000)
    assert page.get_attribute("#job-bar", "aria-valuenow") == "100"
    page.click("#see-drafts")
    page.locator("a[href*='/invoiceview/show/']").first.click()
    page.wait_for_selector("#invoice-state")
    assert page.inner_text("#invoice-state") == "brouillon"
    invoice_url = page.url
    before = page.inner_text("#invoice-total")
    page.click("a:has-text('Ajouter une réduction ou une majoration')")
    page.select_option("#kind", "discount")
    page.fill("#label", "Réduction fratrie")
    page.fill("#amount", "1.00")
    with page.expect_navigation():
        page.press("#amount", "Enter")
    page.goto(invoice_url)
    assert page.inner_text("#invoice-total") != before
    page.locator("a:has-text('Valider')").first.click()
    page.wait_for_selector("#modal-confirm-ok", state="visible")
    page.click("#modal-confirm-ok")
    page.wait_for_selector("text=1 facture validée")
    page.goto(invoice_url)
    page.wait_for_selector("#invoice-state")
    assert page.inner_text("#invoice-state") in ("impayée", "à relancer")
    pdf_url = page.get_attribute("#invoice-pdf", "href")
    response = page.request.get(base_url + pdf_url)
    assert response.headers["content-type"] == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.body())).pages)
    assert "Réduction" in text and "Restauration scolaire" in text and "Facture" in text
    (ROOT / "test-results").mkdir(exist_ok=True)
    page.screenshot(path=str(ROOT / "test-results" / "invoice.png"), full_page=True)


def test_pages_run_under_the_csp_and_logout_ends_the_session(server, browser):
    base_url, _ = server
    violations = []

    def watch(page):
        page.on("console", lambda message: violations.append(message.text)
                if "Content Security Policy" in message.text else None)
        return page

    admin = watch(logged_in(browser, base_url, "admin", PASSWORD))
    admin.goto(base_url + "/swagger/v1")
    admin.wait_for_selector(".swagger-ui .info")  # drawn by Swagger UI's script
    agent = watch(logged_in(browser, base_url, "agent", "agent"))
    for path in ("/", "/householdview/list/", "/childview/list/", "/households/new"):
        agent.goto(base_url + path)
    agent.type("#child_search", "a", delay=30)  # the picker's script runs
    assert violations == []

    copied = browser.new_context()
    copied.add_cookies(agent.context.cookies())
    stolen = copied.new_page()
    stolen.goto(base_url + "/householdview/list/")
    assert "/login" not in stolen.url
    agent.goto(base_url + "/householdview/list/")
    agent.click("a.dropdown-toggle:has(.fa-user)")
    agent.click("form.navbar-logout button")
    agent.wait_for_selector("text=Vous êtes déconnecté(e).")
    stolen.goto(base_url + "/householdview/list/")
    assert "/login" in stolen.url  # the copied cookie died with the logout
    copied.close()


def test_the_attendance_sheet_fits_a_phone(server, browser):
    """An animateur takes attendance on a 390 px phone: every button of the sheet is within
    the screen's width, a child's three buttons on one line; the counters and the name search
    stay at the top while scrolling; the class boxes are a list a finger can hit, by school;
    « Tous présents » asks first, saying how many."""
    base_url, _ = server
    page = logged_in(browser, base_url, "animateur", "animateur", viewport=(390, 844))
    page.goto(f"{base_url}/attendance/?date={TOWN_TODAY.isoformat()}")
    page.wait_for_selector("#sheet tr[data-person]")
    buttons = page.locator("#sheet button[data-status]")
    assert buttons.count() >= 3
    for index in range(min(buttons.count(), 60)):
        box = buttons.nth(index).bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= 390, (index, box)
    rows = page.locator("#sheet tr[data-person]")
    for row_index in {0, rows.count() - 1}:
        row = rows.nth(row_index)
        tops = [row.locator("button[data-status]").nth(i).bounding_box()["y"] for i in range(3)]
        assert max(tops) - min(tops) < 4, tops  # one line, not three stacked buttons
        assert row.bounding_box()["height"] < 100
    assert page.locator("label[for=sheet-service]").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 390

    # The class boxes: the school once, then each class on a box a finger hits.
    page.evaluate("window.scrollTo(0, 0)")
    page.click(".sheet-classes summary")
    legends = page.locator(".sheet-school legend")
    assert legends.count() >= 1
    assert legends.count() == len(set(legends.all_inner_texts()))
    boxes = page.locator(".sheet-class")
    first_school = page.locator(".sheet-school").first.locator(".sheet-class")
    assert " — " not in " ".join(boxes.all_inner_texts())
    for index in range(boxes.count()):
        box = boxes.nth(index).bounding_box()
        assert box["height"] >= 40 and box["x"] >= 0 and box["x"] + box["width"] <= 390, box
    line_starts = {}
    for i in range(first_school.count()):
        box = first_school.nth(i).bounding_box()
        line_starts[round(box["y"])] = min(line_starts.get(round(box["y"]), 999), box["x"])
    assert len(set(line_starts.values())) == 1, line_starts  # every line starts on one edge
    page.screenshot(path=str(ROOT / "test-results" / "attendance-phone-classes.png"),
                    full_page=True)

    # Yesterday's canteen, booked children not marked: one tap, after a question.
    yesterday = TOWN_TODAY - timedelta(days=1)
    page.fill("#sheet-date", yesterday.isoformat())
    page.select_option("#sheet-service", label="11:45 — Restauration scolaire")
    page.click("button:has-text('Afficher la feuille')")
    page.wait_for_selector("#all-present")
    spreads = page.evaluate("""() => Array.from(document.querySelectorAll(
        '#sheet tr[data-person]')).map(row => {
          const tops = Array.from(row.querySelectorAll('button[data-status]'))
                            .map(b => b.getBoundingClientRect().top);
          return Math.max(...tops) - Math.min(...tops); })""")
    assert len(spreads) > 10 and max(spreads) < 4  # every child's marks on one line
    # Scrolled far down the sheet, the counters and the name search are still at the top.
    sticky_top = page.locator("#sheet-sticky").bounding_box()["y"]
    page.locator("#sheet tr[data-person]").last.scroll_into_view_if_needed()
    page.wait_for_timeout(200)
    assert page.evaluate("window.scrollY") > sticky_top + 400
    for stuck in ("#sheet-counts", "#sheet-search"):
        box = page.locator(stuck).bounding_box()
        assert box and 0 <= box["y"] < 120, (stuck, box)
    (ROOT / "test-results").mkdir(exist_ok=True)
    page.screenshot(path=str(ROOT / "test-results" / "attendance-phone-scrolled.png"))
    page.evaluate("window.scrollTo(0, 0)")
    to_mark = int(page.inner_text("#sheet-counts [data-count=booked_not_marked]"))
    assert to_mark > 1
    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    page.click("#all-present button[type=submit]")
    page.wait_for_timeout(300)
    assert asked == [f"Pointer présents les {to_mark} enfants réservés non pointés ?"]
    assert page.inner_text("#sheet-counts [data-count=booked_not_marked]") == str(to_mark)
    page.once("dialog", lambda dialog: dialog.accept())
    page.click("#all-present button[type=submit]")
    page.wait_for_selector(f"text={to_mark} enfants réservés pointés présents.")
    assert page.inner_text("#sheet-counts [data-count=booked_not_marked]") == "0"
    assert page.locator("#all-present").count() == 0


def test_home_counters_are_whole_cards(server, browser):
    """Foyers, Responsables, Enfants: each counter is one card whose border holds its title
    and its number, on a desk and on a phone."""
    base_url, _ = server
    for viewport in ((1280, 900), (390, 844)):
        page = logged_in(browser, base_url, "admin", PASSWORD, viewport=viewport)
        page.goto(base_url + "/")
        for counter in ("count-households", "count-adults", "count-children"):
            card = page.locator(f"a.home-counter:has(#{counter})").bounding_box()
            number = page.locator(f"#{counter}").bounding_box()
            title = page.locator(f"a.home-counter:has(#{counter}) h4").bounding_box()
            assert card["y"] <= title["y"] and number["y"] + number["height"] <= card["y"] + card["height"], (counter, card, number)
            assert card["height"] > 60 and card["x"] + card["width"] <= viewport[0]
            # One box with its border, not border fragments above and below the counter.
            assert page.locator(f"a.home-counter:has(#{counter})").evaluate(
                "card => card.getClientRects().length") == 1
        (ROOT / "test-results").mkdir(exist_ok=True)
        page.screenshot(path=str(ROOT / "test-results" / f"home-{viewport[0]}.png"))
        page.close()


def test_the_booking_grid_scrolls_sideways_on_a_phone(server, browser):
    """A child with three services on a 390 px phone: the grid's columns scroll inside their
    box (the page itself does not widen), the days without billing rule are said once, past
    days' cells say they are a correction."""
    base_url, _ = server
    api = browser.new_context().request
    token = api.post(base_url + "/api/v1/security/login", data={
        "username": "admin", "password": PASSWORD, "provider": "db"}).json()["access_token"]
    auth = {"Authorization": f"Bearer {token}"}
    services = api.get(base_url + "/api/v1/service/?q=(page_size:100)", headers=auth).json()
    service_ids = [row_id for row_id, row in zip(services["ids"], services["result"])
                   if row["name"] in ("Restauration scolaire", "Accueil du matin",
                                      "Accueil du soir")]
    assert len(service_ids) == 3
    child = api.post(base_url + "/api/v1/person/", headers=auth, data={
        "kind": "child", "last_name": "Largeur", "first_name": "Zoé",
        "birth_date": "2019-02-11"}).json()["id"]
    for service_id in service_ids:
        assert api.post(base_url + "/api/v1/subscription/", headers=auth, data={
            "person_id": child, "service_id": service_id,
            "start_date": "2026-09-01"}).status == 201

    page = logged_in(browser, base_url, "agent", "agent", viewport=(390, 844))
    monday = TOWN_TODAY - timedelta(days=TOWN_TODAY.weekday())
    page.goto(f"{base_url}/bookings/person/{child}?start={monday.isoformat()}")
    page.wait_for_selector("table.booking-grid")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    scroller = page.locator(".booking-grid-scroll")
    assert scroller.evaluate("box => box.scrollWidth > box.clientWidth")
    last_header = page.locator("table.booking-grid tr").first.locator("th").last
    assert last_header.bounding_box()["x"] > 390  # beyond the screen, inside the box
    scroller.evaluate("box => { box.scrollLeft = box.scrollWidth; }")
    box = last_header.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390
    day_header = page.locator("table.booking-grid tr.past-day th").first.bounding_box()
    assert day_header["x"] >= 0  # the day column stays in view
    assert page.locator("#no-billing-rule").count() == 1
    assert page.locator("td.booking-cell", has_text="pas de règle").count() == 0
    assert page.locator("tr.past-day td.booking-cell").first.get_attribute(
        "title") == "jour passé : correction"
    (ROOT / "test-results").mkdir(exist_ok=True)
    page.screenshot(path=str(ROOT / "test-results" / "grid-phone.png"), full_page=True)


def test_a_group_is_validated_in_one_action_and_a_credit_note_shows_as_an_avoir(server, browser):
    """The régisseur's month: a summary after generation, the whole group validated from it
    after a confirmation, then a credit note for one day, shown as an « Avoir »."""
    base_url, _ = server
    page = logged_in(browser, base_url, "regisseur", "regisseur")
    assert "Se déconnecter" in page.content()
    page.goto(base_url + "/invoices/generate")
    page.wait_for_selector("input[name=services]")
    for box in page.locator("input[name=services]").all():
        box.uncheck()
    page.locator("label", has_text="Mercredi loisirs").locator("input").check()
    page.fill("#period_start", "2026-11-01")
    page.fill("#period_end", "2026-11-30")
    page.check("#bill_ahead")  # the town's clock says 20 November
    page.click("button:has-text('Créer les brouillons')")
    page.wait_for_selector("#job-status[data-status=finished]", timeout=60000)
    page.wait_for_selector("#job-summary")
    summary = page.inner_text("#job-summary")
    assert "brouillon" in summary and "€" in summary and "payeur" in summary
    page.click("#validate-batch")
    question = page.inner_text("#validate-question")
    assert question.startswith("Valider ") and "€" in question
    page.click("#validate-confirm")
    page.wait_for_selector("text=validée")
    page.goto(base_url + "/invoiceview/list/?_flt_0_status=unpaid")
    page.locator("a[href*='/invoiceview/show/']").first.click()
    page.wait_for_selector("#credit-note-form")
    page.locator("#credit-note-form details").first.click()
    page.locator("#credit-note-form input[name^=day_]").first.check()
    page.fill("#credit-note-form input[name=reason]", "Sortie annulée")
    page.click("#credit-note-form button[type=submit]")
    page.wait_for_selector("#credit-note-of")
    assert page.locator("h4", has_text="Avoir").count() >= 1
    assert page.inner_text("#credit-note-reason") == "Sortie annulée"
    assert "payée" not in page.inner_text("#invoice-state")
    (ROOT / "test-results").mkdir(exist_ok=True)
    page.screenshot(path=str(ROOT / "test-results" / "credit-note.png"), full_page=True)


def test_add_a_child_from_the_household_then_archive_a_responsable_on_a_phone(server, browser):
    """On a 390 px phone: the household page's « Ajouter un enfant » opens the form with its
    responsable chosen and comes back; « Archiver » on a record asks first, naming the person."""
    base_url, _ = server
    page = logged_in(browser, base_url, "agent", "agent", viewport=(390, 844))
    page.goto(base_url + "/households/new")
    page.fill("#adult_last_name", "Lefèvre")
    page.fill("#adult_first_name", "Inès")
    page.check("input[name=child_mode][value=none]")
    page.fill("#household_name", "Foyer LEFÈVRE")
    page.click("button:has-text('Créer le foyer')")
    page.wait_for_selector("text=Foyer « Foyer LEFÈVRE » créé.")
    assert page.inner_text(".panel-title").strip() == "Foyer LEFÈVRE"
    for button in ("#add-adult", "#add-child"):
        box = page.locator(button).bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= 390, (button, box)

    page.click("#add-child")
    page.wait_for_selector("text=Ajouter un enfant au foyer LEFÈVRE")
    assert page.is_checked("#household-guardians input[type=radio]")
    page.fill("#last_name", "Lefèvre")
    page.fill("#first_name", "Sacha")
    page.fill("#birth_date", "2020-03-09")
    page.click("button:has-text(\"Ajouter l'enfant\")")
    page.wait_for_selector("text=Sacha LEFÈVRE ajouté(e) au foyer LEFÈVRE.")
    assert "LEFÈVRE Sacha" in page.inner_text(".person-card")

    page.click(".person-card a:has-text('LEFÈVRE Inès')")
    page.wait_for_selector(".panel-title:has-text('Responsable : Inès LEFÈVRE')")
    archive = page.locator("#btn-action-archive")
    assert "btn-default" in archive.get_attribute("class")
    archive.click()
    page.wait_for_selector("#modal-confirm", state="visible")
    assert "Archiver Inès LEFÈVRE ?" in page.inner_text("#modal-confirm")
    (ROOT / "test-results").mkdir(exist_ok=True)
    page.screenshot(path=str(ROOT / "test-results" / "archive-confirm-phone.png"), full_page=True)
    page.click("#modal-confirm-ok")
    page.wait_for_selector("text=LEFÈVRE Inès archivé(e).")


def plain(shown: str) -> str:
    """French numbers are grouped with (narrow) no-break spaces: compare them as spaces."""
    return shown.replace("\xa0", " ").replace("\u202f", " ")


def test_a_cheque_typed_12_50_goes_into_a_deposit_and_its_slip(server, browser):
    """« Ajouter un paiement » on a validated invoice: a cheque typed the French way, then the
    list of payments to deposit, a deposit of it, and the deposit slip."""
    import io

    from pypdf import PdfReader

    base_url, _ = server
    page = logged_in(browser, base_url, "regisseur", "regisseur")
    page.goto(base_url + "/invoices/generate")
    page.wait_for_selector("input[name=services]")
    for box in page.locator("input[name=services]").all():
        box.uncheck()
    page.locator("label", has_text="Restauration scolaire").locator("input").check()
    page.fill("#period_start", "2026-11-01")
    page.fill("#period_end", "2026-11-30")
    page.check("#bill_ahead")  # the town's clock says 20 November
    page.click("button:has-text('Créer les brouillons')")
    page.wait_for_selector("#job-status[data-status=finished]", timeout=60000)
    page.wait_for_selector("#job-summary")
    # Alone, this test bills November here; after the others, those days are billed already.
    if page.locator("#validate-batch").count():
        page.click("#validate-batch")
        page.click("#validate-confirm")
        page.wait_for_selector("text=validée")
    # The largest unpaid invoice: more than 12,50 € is due on it.
    page.goto(base_url + "/invoiceview/list/?_flt_0_status=unpaid"
                         "&_oc_InvoiceView=total&_od_InvoiceView=desc")
    page.locator("a[href*='/invoiceview/show/']").first.click()
    page.wait_for_selector("#add-payment")
    invoice_url = page.url
    page.click("#add-payment")
    page.wait_for_selector("#payment-form")
    assert page.input_value("#date") == TOWN_TODAY.isoformat()
    proposed = page.input_value("#amount")
    assert proposed.endswith(",00") or "," in proposed  # what remains, the French way
    page.check("input[name=method][value=cash]")
    assert not page.is_visible("#cheque_number")  # cheque fields only for cheques
    page.check("input[name=method][value=cheque]")
    cheque = f"C{uuid.uuid4().hex[:8]}"
    page.fill("#cheque_number", cheque)
    page.fill("#bank", "Crédit Agricole")
    page.fill("#amount", "12,50")
    page.click("#payment-save")
    page.wait_for_selector("text=Paiement de 12,50 € enregistré.")
    assert page.url.startswith(invoice_url.split("?")[0])
    assert "12,50 €" in plain(page.inner_text("#invoice-payments"))
    assert cheque in plain(page.inner_text("#invoice-payments"))
    assert page.inner_text("#invoice-state") in ("partiellement payée", "à relancer")
    (ROOT / "test-results").mkdir(exist_ok=True)
    page.screenshot(path=str(ROOT / "test-results" / "invoice-payment.png"), full_page=True)
    page.goto(base_url + f"/paymentview/list/?_flt_0_deposit=1&_flt_0_cheque_number={cheque}")
    assert "1 paiement dans cette liste — total 12,50 €" in plain(page.inner_text("#list-total"))
    page.click("#deposit-list")
    assert "Mettre 1 paiement dans un dépôt, total 12,50 € ?" in plain(page.inner_text(
        "#deposit-question"))
    page.click("#deposit-confirm")
    page.wait_for_selector("#deposit-number")
    assert plain(page.inner_text("#deposit-total")) == "12,50 €"
    number = page.inner_text("#deposit-number")
    page.screenshot(path=str(ROOT / "test-results" / "deposit.png"), full_page=True)
    response = page.request.get(base_url + page.get_attribute("#deposit-slip", "href"))
    assert response.headers["content-type"] == "application/pdf"
    text = plain("".join(p.extract_text() for p in PdfReader(io.BytesIO(response.body())).pages))
    assert "Bordereau de remise de chèques" in " ".join(text.split()) and number in text
    assert cheque in text and "12,50" in text and "Crédit Agricole" in text
    # Deposited, it has left the list of payments to deposit.
    page.goto(base_url + f"/paymentview/list/?_flt_0_deposit=1&_flt_0_cheque_number={cheque}")
    assert "0 paiement dans cette liste" in plain(page.inner_text("#list-total"))


def test_a_direct_debit_is_run_then_rejected_and_the_invoice_is_due_again(server, browser):
    """« Prélèvements » on one invoice of the filtered list, its summary, its deposit, then
    « Rejeter » with a SEPA code: the payment reads REFUSÉ and the invoice is due again."""
    import time

    base_url, _ = server
    api = browser.new_context().request
    token = api.post(base_url + "/api/v1/security/login", data={
        "username": "admin", "password": PASSWORD, "provider": "db"}).json()["access_token"]
    auth = {"Authorization": f"Bearer {token}"}

    def due_invoices():
        # The newest first: the demo's paid history of past months comes after.
        listed = api.get(base_url + "/api/v1/invoice/?q=(filters:!((col:status,opr:eq,"
                         "value:validated)),order_column:id,order_direction:desc,"
                         "page_size:100)", headers=auth).json()["ids"]
        for invoice_id in listed:
            shown = api.get(f"{base_url}/api/v1/invoice/{invoice_id}", headers=auth).json()
            invoice = dict(shown["result"], id=invoice_id)
            # Due, and announced to be debited by the collection date.
            if "-F-" in (invoice.get("number") or "") and invoice["amount_due"] != "0.00" \
                    and (invoice.get("debit_date") or "9999") <= "2026-11-24":
                return [invoice]
        return []

    invoices = due_invoices()
    if not invoices:  # bill what no other test billed of early November, with a debit date
        regie = api.get(base_url + "/api/v1/regie/", headers=auth).json()["ids"][0]
        services = api.get(base_url + "/api/v1/service/", headers=auth).json()["ids"]
        started = api.post(base_url + "/api/v1/invoice/generate", headers=auth, data={
            "regie_id": regie, "service_ids": services, "period_start": "2026-11-01",
            "period_end": "2026-11-19", "due_date": "2026-12-15",
            "debit_date": "2026-11-24"})
        assert started.status == 202, started.text()
        job = started.json()["job_id"]
        for _ in range(120):
            status = api.get(f"{base_url}/api/v1/job/{job}", headers=auth).json()
            if status["status"] in ("finished", "failed"):
                break
            time.sleep(0.5)
        ids = status["result"]["invoice_ids"]
        assert api.post(base_url + "/api/v1/invoice/validate", headers=auth,
                        data={"ids": ids}).status == 200
        invoices = due_invoices()
    invoice = invoices[0]
    mandate = api.post(base_url + "/api/v1/mandate/", headers=auth, data={
        "adult_id": invoice["payer_id"], "regie_id": invoice["regie_id"],
        "rum": f"NAV-{invoice['payer_id']}-{uuid.uuid4().hex[:6]}", "signed_on": "2026-09-01",
        "iban": "FR1420041010050500013M02606"})
    # 422 only when the payer already has an active mandate.
    assert mandate.status == 201 or "déjà un mandat actif" in mandate.text(), mandate.text()

    page = logged_in(browser, base_url, "regisseur", "regisseur")
    page.goto(f"{base_url}/invoiceview/list/?_flt_0_number={invoice['number']}")
    page.click("#debit-list")
    page.wait_for_selector("#direct-debit-form")
    assert page.input_value("#collection_date") == "2026-11-24"  # two TARGET days ahead
    assert page.is_checked("#only_list")
    page.click("#direct-debit-run")
    page.wait_for_selector("#job-status[data-status=finished]", timeout=60000)
    page.wait_for_selector("#run-summary")
    assert "1 prélèvement" in plain(page.inner_text("#run-summary")), (
        mandate.text(), page.inner_text("#job-links"))
    due = invoice["amount_due"].replace(".", ",")
    assert plain(page.inner_text("#run-total")).startswith(due)
    page.click("#run-deposit")
    page.wait_for_selector("#deposit-payments")
    row = page.locator("#deposit-payments tr[id^=debit-]").first
    assert invoice["number"] in row.inner_text()
    row.locator("select[name=reason_code]").select_option("AC04")
    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.accept()))
    row.locator("button:has-text('Rejeter')").click()
    page.wait_for_selector("text=la facture est de nouveau due")
    assert asked and asked[0].startswith("Rejeter le prélèvement de")
    assert "REFUSÉ" in page.inner_text("#deposit-payments")
    assert "AC04 — Compte clôturé" in page.inner_text("#deposit-payments")
    (ROOT / "test-results").mkdir(exist_ok=True)
    page.screenshot(path=str(ROOT / "test-results" / "direct-debit-rejected.png"),
                    full_page=True)
    page.goto(f"{base_url}/invoiceview/show/{invoice['id']}")
    page.wait_for_selector("#invoice-state")
    # Due again as before the run (after the other tests, a cheque may have paid part of it).
    assert page.inner_text("#invoice-state") in ("impayée", "à relancer", "partiellement payée")
    again = api.get(f"{base_url}/api/v1/invoice/{invoice['id']}", headers=auth).json()
    assert again["result"]["amount_due"] == invoice["amount_due"]


def _in_live_database(env, build):
    """Run `build(session)` against the live server's database, in this process, committed."""
    from app import create_app
    from app.extensions import db

    app = create_app("config.TestConfig", SQLALCHEMY_DATABASE_URI=env["DATABASE_URL"],
                     UPLOAD_DIR=env["UPLOAD_DIR"])
    with app.test_request_context():
        try:
            result = build(db.session)
            db.session.commit()
            return result
        finally:
            db.session.remove()
            db.engine.dispose()


def test_a_parent_on_a_phone_from_the_invitation_to_the_invoice_pdf(server, browser, live_smtp):
    """The front desk opens a parent's login; on a 390×844 phone the parent chooses a password
    from the e-mailed link, logs in, accepts a consent, books two days and downloads an
    invoice."""
    import time

    import sqlalchemy as sa

    base_url, env = server

    def payer_and_invoice(session):
        from app.models import BillingRule, Guardianship, Person, PortalAccount, Regie, Service
        from app.models import Subscription
        from app.services import consents
        from tests import factories

        adult = session.scalars(
            sa.select(Person).join(BillingRule, BillingRule.payer_id == Person.id)
            .join(Guardianship, Guardianship.adult_id == Person.id)
            .join(Subscription, Subscription.person_id == Guardianship.child_id)
            .join(Service, Service.id == Subscription.service_id)
            .where(Person.archived_at.is_(None), BillingRule.criterion == "all_weeks",
                   Service.name == "Restauration scolaire",
                   ~sa.exists().where(PortalAccount.person_id == Person.id))
            .order_by(Person.id).limit(1)).first()
        regie = session.scalar(sa.select(Regie).join(Service, Service.regie_id == Regie.id)
                               .where(Service.name == "Restauration scolaire"))
        invoice = factories.validated_invoice(session, adult, regie, total="37.40")
        consents.save(None, "Règlement de la restauration scolaire", "Merci de le lire.",
                      TOWN_TODAY - timedelta(days=60), None, everyone=True)
        return adult.id, invoice.number

    adult_id, number = _in_live_database(env, payer_and_invoice)
    email = f"parent-{uuid.uuid4().hex[:6]}@exemple.fr"
    agent = logged_in(browser, base_url, "agent", "agent")
    agent.goto(f"{base_url}/adultview/show/{adult_id}")
    agent.click("#portal-access")
    agent.fill("#email", email)
    agent.click("button:has-text(\"Ouvrir l'accès et envoyer l'invitation\")")
    agent.wait_for_selector("text=Accès au portail ouvert")
    assert agent.inner_text("#portal-state") == "Invité"

    for _ in range(100):  # the e-mail leaves after the commit, from a thread or a worker
        if live_smtp.to(email):
            break
        time.sleep(0.1)
    link = next(url for url in live_smtp.last_to(email).links() if "/portal/password/" in url)

    phone = browser.new_page(viewport={"width": 390, "height": 844}, locale="fr-FR")
    phone.set_default_timeout(15000)
    phone.goto(link)
    phone.fill("#password", "mon-mot-de-passe-1")
    phone.fill("#confirm", "mon-mot-de-passe-1")
    phone.click("button:has-text('Enregistrer mon mot de passe')")
    phone.wait_for_selector("text=Votre mot de passe est enregistré : connectez-vous.")
    phone.fill("#email", email)
    phone.fill("#password", "mon-mot-de-passe-1")
    phone.click("button:has-text('Se connecter')")
    phone.wait_for_selector("text=Consentements à accepter")
    (ROOT / "test-results").mkdir(exist_ok=True)
    phone.screenshot(path=str(ROOT / "test-results" / "portal-home.png"), full_page=True)
    phone.click("text=Lire et accepter")
    phone.click("button:has-text(\"J'ai lu et j'accepte\")")
    phone.wait_for_selector("text=Merci : votre consentement est enregistré.")

    phone.click("nav.tabs >> text=Réservations")
    # The town's clock says Friday 20/11 10:00: this week is closed, the grid opens on the next.
    phone.wait_for_selector("text=Semaine du 23/11/2026")
    phone.click("a[aria-label='Semaine suivante']")
    phone.wait_for_selector("text=Semaine du 30/11/2026")
    boxes = phone.locator("table.grid input[type=checkbox]:not([disabled]):not(:checked)")
    assert boxes.count() >= 2
    boxes.nth(0).check()
    boxes.nth(1).check()
    phone.click("button:has-text('Enregistrer mes réservations')")
    phone.wait_for_selector("text=Enregistré : 2 jours réservés.")
    width = phone.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"the booking page is {width} px wide on a 390 px phone"
    phone.screenshot(path=str(ROOT / "test-results" / "portal-bookings.png"), full_page=True)

    phone.click("nav.tabs >> text=Factures")
    card = phone.locator("article.invoice", has_text=number)
    assert "37,40" in plain(card.inner_text()) and "À payer" in card.inner_text()
    href = card.locator("a:has-text('Télécharger le PDF')").get_attribute("href")
    pdf = phone.request.get(base_url + href)
    assert pdf.headers["content-type"] == "application/pdf" and pdf.body().startswith(b"%PDF")
    phone.screenshot(path=str(ROOT / "test-results" / "portal-invoices.png"), full_page=True)
    # Staff see the bookings at once.
    agent.goto(f"{base_url}/adultview/show/{adult_id}")
    assert "Actif" in agent.inner_text("#portal")


def test_a_mass_message_to_a_filtered_list_shows_its_progress_and_states(server, browser):
    base_url, _ = server
    page = logged_in(browser, base_url, "agent", "agent")
    page.goto(base_url + "/childview/list/?_flt_0_search_name=a")
    page.click("#write-to-list")
    page.wait_for_selector("#message-form")
    count = page.inner_text("#message-count")
    assert "destinataire" in count
    page.fill("#subject", "Fermeture exceptionnelle")
    page.fill("#body", "Bonjour {prenom},\nle centre ferme vendredi à 16 h.")
    page.click("#message-preview")
    page.wait_for_selector("#message-shown")
    assert "{prenom}" not in page.inner_text("#message-shown")
    page.click("#message-send")
    page.wait_for_selector("#job-bar")
    page.wait_for_selector("#job-status[data-status=finished]", timeout=60000)
    page.wait_for_selector("#message-summary")
    assert page.get_attribute("#job-bar", "aria-valuenow") == "100"
    assert "envoyé" in page.inner_text("#message-summary")
    page.click("#message-states")
    page.wait_for_selector("#message-recipients")
    rows = page.locator("#message-recipients tr").count()
    assert rows > 1
    (ROOT / "test-results").mkdir(exist_ok=True)
    page.screenshot(path=str(ROOT / "test-results" / "message-states.png"), full_page=True)


def test_the_children_list_is_filtered_by_service_through_the_filter_menu(server, browser):
    """« Ajouter un filtre » → « Prestation », a service chosen in its list: the list shrinks,
    and « Écrire aux familles de cette liste » carries that filter to the message."""
    base_url, _ = server
    page = logged_in(browser, base_url, "agent", "agent")
    page.goto(base_url + "/childview/list/")
    everyone = page.locator("a[href*='/childview/show/']").count()
    page.click("a.accordion-toggle[href='#accordion1_href']")
    page.click("#filter_form button.dropdown-toggle")
    page.click("#filter_form a.filter[name=service]")
    chosen = page.locator("select[name=_flt_0_service]")
    service = chosen.locator("option").first.get_attribute("value")
    chosen.select_option(service, force=True)
    page.click("#filter_form button[type=submit]")
    page.wait_for_url(lambda url: f"_flt_0_service={service}" in url)
    assert 0 < page.locator("a[href*='/childview/show/']").count() <= everyone
    assert f"_flt_0_service={service}" in page.get_attribute("#write-to-list", "href")
    page.click("#write-to-list")
    page.wait_for_selector("#message-form")
    assert "destinataire" in page.inner_text("#message-count")
