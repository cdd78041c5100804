"""French everywhere: every staff role walks its whole menu (each list, and the add, show and edit
pages its first row leads to) and must meet no English text of the framework, no « None » in an
empty cell, and none of our own texts left untranslated."""
import html
import re
from datetime import date
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from babel.messages.pofile import read_po

from tests import factories

ROLES = ("admin", "agent", "regisseur", "animateur")

# Texts FAB shows in English when its catalogue (or ours) lacks them.
FRAMEWORK_ENGLISH = (
    "Detail", "Add Filter", "Record Count", "List Users", "List Roles", "List Groups",
    "Select Value", "User confirmation needed", "Are you sure", "Edit Record", "Show Record",
    "Edit record", "Show record", "Add a new record", "Delete record", "Search", "Refresh",
    "Not Found", "Forbidden", "Back", "Cancel", "Page size", "Order by",
    "No records found", "Login", "Logout", "Sign In", "Security", "Users", "Roles", "Home",
    "Password", "Username", "Profile", "Save", "Edit", "Show", "Delete", "Add",
)
# In scripts (texts FAB's JavaScript shows), only whole English phrases are looked for, except
# inside the technical permission and view names a filter offers (« menu access on List Users »,
# an escaped <option>List Users).
SCRIPT_PHRASES = re.compile(
    r"(?<!on )(?<!\\u003e)(?:" + "|".join(re.escape(w) for w in FRAMEWORK_ENGLISH if " " in w) + ")")
WORDS = re.compile("|".join(rf"(?<![\w-]){re.escape(w)}(?![\w-])" for w in FRAMEWORK_ENGLISH))
CATALOGUE = Path(__file__).resolve().parents[2] / "translations/fr/LC_MESSAGES/messages.po"
# Pages that do something (or download a file) when merely opened: never followed.
# A role's permissions are FAB's technical names (« can list on Users »), the same in any language.
TECHNICAL = re.compile(r"\[?(can |menu access on )")
SKIP = re.compile(r"/(delete|logout|lang|download|pdf|action|api)\b|/static/|^/jobs/")


class _Visible(HTMLParser):
    """The text a person reads: text nodes outside scripts and styles, plus the attributes a
    browser shows (tooltips, placeholders, button captions)."""

    def __init__(self):
        super().__init__()
        self.parts, self.links, self.scripts, self._hidden = [], [], [], 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag in ("script", "style"):
            self._hidden += 1
        for name in ("title", "placeholder", "data-placeholder", "alt", "aria-label"):
            if attrs.get(name):
                self.parts.append(attrs[name])
        if tag == "input" and attrs.get("type") in ("submit", "button") and attrs.get("value"):
            self.parts.append(attrs["value"])
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])

    def handle_endtag(self, tag):
        if tag in ("script", "style"):
            self._hidden -= 1

    def handle_data(self, data):
        if self._hidden:
            self.scripts.append(data)
        elif data.strip():
            self.parts.append(data.strip())


def _read(response):
    parser = _Visible()
    parser.feed(response.get_data(as_text=True))
    return parser, parser.links


@pytest.fixture(scope="module")
def own_english():
    """Our catalogue's English msgids (those whose French differs), as whole-text patterns."""
    with open(CATALOGUE, "rb") as f:
        catalog = read_po(f, locale="fr")
    texts = set()
    for message in catalog:
        if not message.id or isinstance(message.id, tuple) or message.string == message.id:
            continue
        # A text with placeholders is matched on its longest fixed part.
        fixed = max(re.split(r"%\(\w+\)[sd]", message.id), key=len).strip(" :.,")
        if len(fixed) >= 4:
            texts.add(fixed)
    return texts


def _own_path(href):
    parts = urlsplit(href)
    if parts.scheme or parts.netloc or not parts.path.startswith("/") or SKIP.search(parts.path):
        return None
    return href


def _problems(url, response, own_english):
    page, links = _read(response)
    found = [f"{url}: {m.group(0)!r} in a script" for script in page.scripts
             for m in SCRIPT_PHRASES.finditer(script)]
    for text in page.parts:
        if TECHNICAL.match(text):
            continue
        found += [f"{url}: {m.group(0)!r} in {text[:80]!r}" for m in WORDS.finditer(text)]
        if text in ("None", "True", "False"):
            found.append(f"{url}: {text!r}")
        if text in own_english:
            found.append(f"{url}: untranslated {text!r}")
    return found, links


@pytest.fixture
def town(session):
    """A few records in each list, so show and edit pages are reachable."""
    setup = factories.school_setup(session)
    canteen = factories.service(session, classes=list(setup["classes"].values()))
    child = factories.pupil(session, setup["classes"]["CE1 A"], service_row=canteen)
    factories.invoice_days(session, child, canteen, date(2026, 11, 2), date(2026, 11, 6))
    factories.household("Bernard", adults=("mother", "father"), children=2)
    # A payment in a deposit and one to deposit, with what they leave on the account.
    from app.services import deposits, payments

    payer, regie, (invoice,) = factories.payer_with_invoices(session, "30.00")
    cheque = payments.record_payment(payer.id, regie.id, "5,00", "cheque",
                                     cheque_number="0012345", bank="La Banque Postale",
                                     invoice_ids=[invoice.id])
    deposits.create_deposits([cheque.id])
    payments.record_payment(payer.id, regie.id, "40,00", "cash", invoice_ids=[invoice.id])
    session.commit()


@pytest.mark.parametrize("username", ROLES)
def test_every_page_of_the_menu_speaks_french(town, login, own_english, username):
    client = login(username)
    home = client.get("/")
    assert home.status_code == 200
    problems, menu = _problems("/", home, own_english)
    seen = {"/"}
    queue = [path for path in map(_own_path, menu) if path]
    followed_rows = set()
    while queue:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        response = client.get(url)
        if response.status_code in (301, 302):
            continue
        assert response.status_code == 200, f"{username}: {url} answered {response.status_code}"
        if not response.mimetype == "text/html":
            continue
        found, links = _problems(url, response, own_english)
        problems += found
        if "/list/" not in url:
            continue
        # From a list: its add page and the first row's show and edit pages.
        view = url.split("/list/")[0]
        for kind in ("add", "show", "edit"):
            target = next((href for href in links
                           if href.startswith(f"{view}/{kind}") and _own_path(href)), None)
            if target and (view, kind) not in followed_rows:
                followed_rows.add((view, kind))
                queue.append(target)
    assert len(seen) > 4, f"{username} reached only {sorted(seen)}"
    assert not problems, "\n".join(sorted(set(problems)))


def test_login_and_logout_pages_speak_french(client, login, own_english):
    page = client.get("/login/")
    problems, _ = _problems("/login/", page, own_english)
    assert not problems, "\n".join(problems)
    text = " ".join(_read(page)[0].parts)
    assert "Se connecter" in text and "S'enregistrer" not in text
    logout = login("agent").get("/logout/")
    problems, _ = _problems("/logout/", logout, own_english)
    assert not problems, "\n".join(problems)
    assert "Se déconnecter" in " ".join(_read(logout)[0].parts)


def _csrf(page):
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.get_data(as_text=True)).group(1)


def test_profile_and_password_screens_speak_french(login, own_english):
    agent = login("agent")
    profile = agent.get("/users/userinfo/")
    text = " ".join(_read(profile)[0].parts)
    assert "Vos informations" in text and "Modifier mes informations" in text
    assert "Actif ? Oui" in text and "Rôle Agent" in text
    for url in ("/resetmypassword/form", "/userinfoeditview/form"):
        problems, _ = _problems(url, agent.get(url), own_english)
        assert not problems, "\n".join(problems)
    form = agent.get("/resetmypassword/form")
    assert "Svp" not in " ".join(_read(form)[0].parts)
    refused = agent.post("/resetmypassword/form", data={
        "password": "Nouveau-mot-2-passe!", "conf_password": "Autre-mot-2-passe!",
        "csrf_token": _csrf(form)})
    assert "Les mots de passe doivent correspondre" in " ".join(_read(refused)[0].parts)
    changed = agent.post("/resetmypassword/form", data={
        "password": "Nouveau-mot-2-passe!", "conf_password": "Nouveau-mot-2-passe!",
        "csrf_token": _csrf(form)}, follow_redirects=True)
    assert "Mot de passe modifié" in " ".join(_read(changed)[0].parts)


def test_the_admin_security_menu_holds_users_and_roles_in_business_words(login):
    page = login("admin").get("/").get_data(as_text=True)
    menu = re.search(r'Sécurité.*?<ul class="dropdown-menu"[^>]*>(.*?)</ul>', page, re.S)
    assert menu, "the admin has no « Sécurité » menu"
    entries = [re.sub(r"<[^>]+>|&nbsp;|\s+", " ", item).strip()
               for item in re.findall(r"<li[^>]*>(.*?)</li>", menu.group(1), re.S)]
    # FAB's raw role list (permissions by their code names) stays off the menu.
    assert [entry for entry in entries if entry] == ["Utilisateurs", "Rôles et droits",
                                                     "Périmètres du personnel"]


def test_filter_operators_and_the_user_form_are_correct_french(login):
    admin = login("admin")
    import json

    listing = html.unescape(admin.get("/schoolview/list/").get_data(as_text=True))

    def shown(text):  # the operators sit in the filter script's JSON, « É » as \u00c9
        return text in listing or json.dumps(text)[1:-1] in listing

    for right in ("Finit par", "Égal à", "Ne finit pas par", "Différent de", "Ne contient pas"):
        assert shown(right), right
    for wrong in ("Fini par", "Egal à", "Ne finis pas par", "Different de", "Pas de contenu"):
        assert not shown(wrong), wrong
    form = admin.get("/users/add").get_data(as_text=True)
    assert "Groupes" not in form and "OID" not in form and "LDAP" not in form
    assert "Établissements" in form and "Prestations" in form and "Messagerie" in form
