"""Logins, sessions, passwords, CSRF and headers: what a town's staff (and an attacker) notice."""
import html
import os
import re
import subprocess
import sys
import time

import pytest

from app.extensions import db
from tests import factories
from tests.support import PASSWORD, ROOT

NEW_PASSWORD = "Another-password-2"


def page_text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def make_user(app, username, role="Agent", password=PASSWORD):
    with app.test_request_context():
        sm = app.appbuilder.sm
        user = sm.add_user(username, username.capitalize(), "Test", f"{username}@test.invalid",
                           [sm.find_role(role)], password=password)
        db.session.commit()
        return user.id


def web_login(app, username, password=PASSWORD, address="127.0.0.1"):
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = address
    response = client.post("/login/", data={"username": username, "password": password})
    return client, response


def api_login(client, username, password=PASSWORD):
    return client.post("/api/v1/security/login", json={
        "username": username, "password": password, "provider": "db"})


def logged_in(app, username):
    client, response = web_login(app, username)
    assert response.status_code == 302 and "/login" not in response.headers["Location"]
    return client


def copy_of(app, client):
    """Another browser holding a copy of this client's session cookie."""
    thief = app.test_client()
    cookie = client.get_cookie("session")
    thief.set_cookie("session", cookie.value)
    return thief


# -- 1. login throttling ----------------------------------------------------------------------

@pytest.fixture
def throttled(app, monkeypatch):
    """Login throttling on, as in production, with small limits and fresh counters."""
    monkeypatch.setitem(app.config, "AUTH_RATE_LIMITED", True)
    monkeypatch.setitem(app.config, "AUTH_RATE_LIMIT", "5 per 1 minute")
    monkeypatch.setitem(app.config, "AUTH_RATE_LIMIT_PER_ADDRESS", "8 per 1 minute")
    monkeypatch.setitem(app.config, "RATELIMIT_STORAGE_URI", "memory://")
    app.extensions.pop("marelle_login_throttle", None)
    yield
    app.extensions.pop("marelle_login_throttle", None)


def test_api_login_locked_after_failures_even_with_the_right_password(app, throttled, unique):
    name = unique("guess")
    make_user(app, name)
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = "198.51.100.1"
    for _ in range(5):
        assert api_login(client, name, "wrong-password").status_code == 401
    response = api_login(client, name)
    assert response.status_code == 429
    assert response.get_json() == {"message": "Trop d'échecs de connexion : réessayez dans 1 min."}
    assert 0 < int(response.headers["Retry-After"]) <= 60
    # The web form shares the account's counter: switching door gains nothing.
    client, response = web_login(app, name, address="198.51.100.2")
    assert response.status_code == 429
    assert "Trop d'échecs de connexion : réessayez dans 1 min." in page_text(response)
    assert 'name="password"' in page_text(response)  # the login form, shown again


def test_web_form_failures_lock_the_api_too_and_others_still_log_in(app, throttled, unique):
    name, colleague = unique("guess"), unique("colleague")
    make_user(app, name)
    make_user(app, colleague)
    for _ in range(5):
        _, response = web_login(app, name, "wrong-password", address="198.51.100.3")
        assert response.status_code == 302  # back to the form with "invalid login"
    assert api_login(app.test_client(), name).status_code == 429
    # Another account from the same address is not locked by someone else's mistakes.
    _, response = web_login(app, colleague, address="198.51.100.3")
    assert response.status_code == 302 and "/login" not in response.headers["Location"]


def test_an_address_trying_many_accounts_is_locked(app, throttled, unique):
    target = unique("target")
    make_user(app, target)
    client = app.test_client()
    client.environ_base["REMOTE_ADDR"] = "203.0.113.7"
    for attempt in range(8):
        assert api_login(client, unique("nobody"), "wrong-password").status_code == 401
    assert api_login(client, target).status_code == 429
    # The same account from another address is fine: only the guesser's address is locked.
    other = app.test_client()
    other.environ_base["REMOTE_ADDR"] = "203.0.113.8"
    assert api_login(other, target).status_code == 200


def test_successful_logins_are_not_counted(app, throttled, unique):
    name = unique("busy")
    make_user(app, name)
    for _ in range(10):  # thirty agents behind one address log in every morning
        _, response = web_login(app, name, address="198.51.100.9")
        assert response.status_code == 302 and "/login" not in response.headers["Location"]


def test_proxy_addresses_believed_only_when_configured_and_redis_shared(database_url, tmp_path):
    from flask import request

    from app import create_app

    def seen_address(**overrides):
        other = create_app("config.TestConfig", SQLALCHEMY_DATABASE_URI=database_url,
                           UPLOAD_DIR=str(tmp_path), **overrides)
        other.add_url_rule("/_address", "address", lambda: request.remote_addr)
        response = other.test_client().get("/_address", headers={
            "X-Forwarded-For": "192.0.2.44"})
        return other, response.get_data(as_text=True)

    plain, address = seen_address()
    assert address == "127.0.0.1"  # a client cannot pick its address with a header
    proxied, address = seen_address(PROXY_FIX_X_FOR=1, RATELIMIT_STORAGE_URI=None,
                                    REDIS_URL="redis://127.0.0.1:6379/15")
    assert address == "192.0.2.44"
    # Every worker counts in the same Redis.
    assert proxied.config["RATELIMIT_STORAGE_URI"] == "redis://127.0.0.1:6379/15"


def test_two_workers_share_their_counters_in_redis(unique):
    import redis

    from app.security.throttle import LoginThrottle

    url = "redis://127.0.0.1:6379/15"
    try:
        redis.Redis.from_url(url).ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    first, second = (LoginThrottle(url, "3 per 1 minute", "100 per 1 minute") for _ in range(2))
    name = unique("shared")
    for _ in range(3):
        first.failed(name, "192.0.2.50")
    assert second.retry_after(name, "192.0.2.51") > 0
    assert second.retry_after(unique("other"), "192.0.2.51") == 0


# -- 2. first admin and password length -------------------------------------------------------

def test_init_generates_the_first_admin_password_and_prints_it_once(app, monkeypatch, unique):
    name = unique("boss")
    monkeypatch.setitem(app.config, "ADMIN_USERNAME", name)
    monkeypatch.setitem(app.config, "ADMIN_PASSWORD", None)
    runner = app.test_cli_runner()
    first = runner.invoke(args=["marelle", "init"])
    assert first.exit_code == 0, first.output
    password = re.search(rf"Admin user: {name}, password: (\S+)", first.output).group(1)
    assert len(password) >= 16 and password != "admin"
    _, response = web_login(app, name, password)
    assert response.status_code == 302 and "/login" not in response.headers["Location"]
    _, refused = web_login(app, name, "admin")
    assert "/login" in refused.headers["Location"]
    again = runner.invoke(args=["marelle", "init"])
    assert again.exit_code == 0 and password not in again.output


def test_init_refuses_a_short_admin_password_except_for_the_demo(app, monkeypatch, unique):
    monkeypatch.setitem(app.config, "ADMIN_USERNAME", unique("boss"))
    monkeypatch.setitem(app.config, "ADMIN_PASSWORD", "admin")
    runner = app.test_cli_runner()
    refused = runner.invoke(args=["marelle", "init"])
    assert refused.exit_code != 0
    assert "Le mot de passe doit comporter au moins 10 caractères." in refused.output
    demo = runner.invoke(args=["marelle", "init", "--demo"])
    assert demo.exit_code == 0, demo.output
    _, response = web_login(app, app.config["ADMIN_USERNAME"], "admin")
    assert "/login" not in response.headers["Location"]


def test_makefile_keeps_the_demo_admin_login_of_the_readme():
    makefile = (ROOT / "Makefile").read_text()
    assert 'ADMIN_PASSWORD="$${ADMIN_PASSWORD:-admin}" $(FLASK) marelle init --demo' in makefile


SHORT = {"password": "short9", "conf_password": "short9"}


def test_password_forms_refuse_short_passwords_in_french(app, login, unique):
    target = make_user(app, unique("staff"))
    message = "Le mot de passe doit comporter au moins 10 caractères."
    mine = login("agent").post("/resetmypassword/form", data=SHORT)
    assert mine.status_code == 200 and message in page_text(mine)
    admin = login("admin")
    theirs = admin.post(f"/resetpassword/form?pk={target}", data=SHORT)
    assert theirs.status_code == 200 and message in page_text(theirs)
    # Nothing changed: the old passwords still open their sessions.
    logged_in(app, "agent")


# -- 3. every staff member changes their own password -----------------------------------------

@pytest.mark.parametrize("role", ["Agent", "Régisseur", "Animateur"])
def test_staff_change_their_own_password(app, unique, role):
    name = unique("self")
    make_user(app, name, role)
    client = logged_in(app, name)
    assert client.get("/users/userinfo/").status_code == 200
    assert client.get("/resetmypassword/form").status_code == 200
    response = client.post("/resetmypassword/form", data={
        "password": NEW_PASSWORD, "conf_password": NEW_PASSWORD})
    assert response.status_code == 302
    assert client.get("/users/userinfo/").status_code == 200  # still logged in here
    _, old = web_login(app, name, PASSWORD)
    assert "/login" in old.headers["Location"]
    _, new = web_login(app, name, NEW_PASSWORD)
    assert "/login" not in new.headers["Location"]


def test_staff_cannot_open_other_accounts(login):
    agent = login("agent")
    assert agent.get("/users/list/").status_code in (302, 403)
    assert agent.get("/resetpassword/form?pk=1").status_code in (302, 403)


# -- 4. sessions that end ---------------------------------------------------------------------

def test_logout_ends_a_copied_session_cookie(app, unique):
    name = unique("leaky")
    make_user(app, name)
    client = logged_in(app, name)
    thief = copy_of(app, client)
    assert thief.get("/householdview/list/").status_code == 200
    response = client.post("/logout/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    refused = thief.get("/householdview/list/")
    assert refused.status_code == 302 and "/login" in refused.headers["Location"]
    shown = thief.get(refused.headers["Location"])
    assert "Votre session a été fermée : veuillez vous reconnecter." in page_text(shown)
    assert client.get("/householdview/list/").status_code == 302


def test_get_logout_only_offers_the_button(app, unique):
    name = unique("clicker")
    make_user(app, name)
    client = logged_in(app, name)
    page = client.get("/logout/")
    assert page.status_code == 200
    text = page_text(page)
    assert re.search(r'<form method="post" action="/logout/"', text)
    assert 'name="csrf_token"' in text
    assert client.get("/householdview/list/").status_code == 200  # still logged in


def test_navbar_logout_is_a_form_with_the_csrf_token(login):
    text = page_text(login("agent").get("/householdview/list/"))
    form = re.search(r'<form method="post" action="/logout/" class="navbar-logout">(.*?)</form>',
                     text, re.S)
    assert form and 'name="csrf_token"' in form.group(1) and "Se déconnecter" in form.group(1)
    assert 'href="/logout/"' not in text


def test_a_new_password_ends_the_other_sessions_and_tokens(app, unique):
    name = unique("victim")
    user_id = make_user(app, name)
    browser = logged_in(app, name)
    robot = app.test_client()
    token = api_login(robot, name).get_json()["access_token"]
    robot.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    assert robot.get("/api/v1/household/").status_code == 200
    admin = logged_in(app, "admin")
    response = admin.post(f"/resetpassword/form?pk={user_id}", data={
        "password": NEW_PASSWORD, "conf_password": NEW_PASSWORD})
    assert response.status_code == 302
    assert browser.get("/householdview/list/").status_code == 302
    assert robot.get("/api/v1/household/").status_code == 401
    assert admin.get("/householdview/list/").status_code == 200  # the admin's own session lives


def test_changing_my_password_ends_my_copied_cookie_but_not_my_session(app, unique):
    name = unique("careful")
    make_user(app, name)
    client = logged_in(app, name)
    thief = copy_of(app, client)
    client.post("/resetmypassword/form", data={"password": NEW_PASSWORD,
                                                "conf_password": NEW_PASSWORD})
    assert client.get("/householdview/list/").status_code == 200
    assert thief.get("/householdview/list/").status_code == 302


def test_an_idle_session_is_sent_back_to_login(app, unique):
    from app.security import sessions

    name = unique("sleepy")
    make_user(app, name)
    client = logged_in(app, name)
    with client.session_transaction() as session:
        session[sessions.SEEN_KEY] = int(time.time()) - 239 * 60
    assert client.get("/householdview/list/").status_code == 200  # 239 minutes: still fine
    with client.session_transaction() as session:
        session[sessions.SEEN_KEY] = int(time.time()) - 241 * 60
    response = client.get("/householdview/list/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/login/?next=")
    shown = page_text(client.get(response.headers["Location"]))
    assert ("Votre session a expiré après 240 minutes d'inactivité : veuillez vous reconnecter."
            in shown)
    assert client.get("/householdview/list/").status_code == 302  # and it stays ended


def test_an_ended_session_on_the_api_is_a_401_in_french(app, unique):
    name = unique("apiuser")
    make_user(app, name)
    client = logged_in(app, name)
    thief = copy_of(app, client)
    assert thief.get("/api/v1/household/").status_code == 200  # browser session on the API
    client.post("/logout/")
    response = thief.get("/api/v1/household/")
    assert response.status_code == 401
    assert response.get_json() == {"message": "Votre session a été fermée : veuillez vous "
                                              "reconnecter."}


# -- 5. cookies and headers -------------------------------------------------------------------

def test_security_headers_and_script_nonce(client):
    response = client.get("/login/")
    policy = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in policy and "default-src 'self'" in policy
    nonce = re.search(r"script-src 'self' 'nonce-([^']+)'", policy).group(1)
    scripts = re.findall(r"<script[^>]*>", response.get_data(as_text=True))
    assert scripts and all(f'nonce="{nonce}"' in tag for tag in scripts)
    assert "unsafe-inline" not in policy.split("script-src")[1].split(";")[0]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert "Strict-Transport-Security" not in response.headers  # plain http (make run)
    other = client.get("/login/").headers["Content-Security-Policy"]
    assert nonce not in other  # a fresh nonce for every response


def test_session_cookie_flags(app, monkeypatch, unique):
    name = unique("cookie")
    make_user(app, name)
    _, response = web_login(app, name)
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" not in cookie
    monkeypatch.setitem(app.config, "SESSION_COOKIE_SECURE", True)
    monkeypatch.setitem(app.config, "MARELLE_HTTPS", True)
    _, response = web_login(app, name)
    assert "Secure" in response.headers["Set-Cookie"]
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")


@pytest.mark.parametrize("env, secure", [
    ({}, False),
    ({"MARELLE_HTTPS": "1"}, True),
    ({"PREFERRED_URL_SCHEME": "https"}, True),
    ({"PREFERRED_URL_SCHEME": "https", "SESSION_COOKIE_SECURE": "0"}, False),
])
def test_https_settings_come_from_the_environment(env, secure):
    clean = {k: v for k, v in os.environ.items()
             if k not in ("MARELLE_HTTPS", "PREFERRED_URL_SCHEME", "SESSION_COOKIE_SECURE")}
    output = subprocess.run(
        [sys.executable, "-c", "import config; c = config.Config; print(c.SESSION_COOKIE_SECURE, "
         "c.REMEMBER_COOKIE_SECURE, c.SESSION_COOKIE_SAMESITE, c.REMEMBER_COOKIE_HTTPONLY)"],
        cwd=ROOT, env=dict(clean, SECRET_KEY="x" * 40, **env), capture_output=True, text=True,
        check=True).stdout.split()
    assert output == [str(secure), str(secure), "Lax", "True"]


# -- 6. CSRF exemption only for a valid token without a session ------------------------------

@pytest.fixture
def csrf_on(app, monkeypatch):
    """CSRF checks on (TestConfig switches them off), once the test's logins are done."""
    return lambda: monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", True)


HOUSEHOLD = {"name": "Foyer CSRF", "postal_code": "44190", "city": "Saint-Aubin"}


def test_a_junk_bearer_header_does_not_skip_csrf_on_a_session(app, login, csrf_on):
    with app.test_request_context():
        home = factories.household("Jeton")[0]
        db.session.commit()
        edit = f"/householdview/edit/{home.id}"
    agent = login("agent")
    csrf_on()
    response = agent.post(edit, data=HOUSEHOLD, headers={"Authorization": "Bearer junk"})
    assert response.status_code == 400
    # The same form with its token goes through: the refusal was the missing token.
    form = page_text(agent.get(edit))
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', form).group(1)
    response = agent.post(edit, data={**HOUSEHOLD, "csrf_token": token},
                          headers={"Authorization": "Bearer junk"})
    assert response.status_code == 302


def test_a_valid_token_does_not_skip_csrf_when_a_session_rides_along(app, api, csrf_on):
    agent = logged_in(app, "agent")
    token = api("agent").environ_base["HTTP_AUTHORIZATION"]
    csrf_on()
    response = agent.post("/api/v1/household/", json=HOUSEHOLD,
                          headers={"Authorization": token})
    assert response.status_code == 400


def test_a_valid_token_alone_needs_no_csrf_token_and_junk_is_401(app, api, csrf_on):
    agent = api("agent")
    csrf_on()
    assert agent.post("/api/v1/household/", json=HOUSEHOLD).status_code == 201
    junk = app.test_client().post("/api/v1/household/", json=HOUSEHOLD,
                                  headers={"Authorization": "Bearer junk"})
    assert junk.status_code == 401
    assert junk.get_json() == {"message": "Jeton d'accès invalide ou expiré : reconnectez-vous."}


# -- 7. the API's permission checks cost two statements ---------------------------------------

def test_api_show_runs_at_most_three_statements(app, api, count_queries):
    agent = api("agent")
    with app.test_request_context():
        child = factories.household("Compteur")[2][0]
        db.session.commit()
        child_id = child.id
    agent.get(f"/api/v1/person/{child_id}")  # warm-up (first use of the mappers)
    with count_queries() as statements:
        response = agent.get(f"/api/v1/person/{child_id}")
    assert response.status_code == 200
    # The user with their session version, their permissions (the Public role's included),
    # the person.
    assert len(statements) <= 3, statements


def test_screens_read_permissions_and_menu_in_one_statement(app, login, count_queries):
    agent = login("agent")
    agent.get("/householdview/list/")
    with count_queries() as statements:
        assert agent.get("/householdview/list/").status_code == 200
    security = [s for s in statements if re.search(r"\bab_(role|permission|user_role|group)",
                                                   s)]
    assert len(security) == 1, security
