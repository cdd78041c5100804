"""What every request and response goes through: ended sessions sent back to the login page,
CSRF checks, login throttling, and the security headers (CSP with a per-response nonce,
no framing, no sniffing, same-origin referrers, HSTS over HTTPS).

Registered by create_app() before FAB's own hooks."""
import math
import secrets
import time

from flask import current_app, flash, g, jsonify, redirect, request, session, url_for
from flask_babel import gettext as _
from flask_jwt_extended import decode_token
from flask_login import current_user, user_logged_in
from werkzeug.middleware.proxy_fix import ProxyFix

from app.extensions import csrf
from app.security import scopes, sessions
from app.security.manager import reset_request_cache
from app.security.passwords import check_password_strength
from app.security.throttle import login_throttle

SAFE_METHODS = {"GET", "HEAD", "OPTIONS", "TRACE"}
API_LOGIN = "SecurityApi.login"
# The API's own login takes a password, not a session cookie: nothing a forged form could ride on.
CSRF_EXEMPT_ENDPOINTS = {API_LOGIN, "SecurityApi.refresh"}


def configure(app) -> None:
    """Settings derived from others, before FAB reads them."""
    config = app.config
    # One counter for every worker: Flask-Limiter (FAB's) and the login throttle share Redis.
    if not config.get("RATELIMIT_STORAGE_URI"):
        config["RATELIMIT_STORAGE_URI"] = config.get("REDIS_URL") or "memory://"
    config.setdefault("FAB_PASSWORD_COMPLEXITY_VALIDATOR", check_password_strength)
    hops = {key: int(config.get(f"PROXY_FIX_X_{key.upper()}") or 0)
            for key in ("for", "proto", "host", "port", "prefix")}
    if any(hops.values()):
        # Only a configured proxy is believed: otherwise anyone could pick their address (and
        # dodge the login throttle) with a header, or all staff behind the proxy would share one.
        app.wsgi_app = ProxyFix(app.wsgi_app, **{f"x_{key}": n for key, n in hops.items()})
    app.jinja_env.globals["csp_nonce"] = csp_nonce


def register_hooks(app) -> None:
    app.before_request(_start_request)
    app.before_request(_check_session)
    app.before_request(_resolve_scope)
    app.before_request(_check_csrf)
    app.before_request(_throttle_login)
    app.after_request(_security_headers)
    user_logged_in.connect(_session_opened, app)


def _session_opened(sender, user, **extra):
    """A new session remembers the user's session version and starts its idle clock."""
    sessions.open_session(session, sessions.session_version(user.id), time.time(),
                          sessions.account_mark(user))


def csp_nonce() -> str:
    """The nonce of this response's inline and linked scripts (FAB's templates ask for it)."""
    if "csp_nonce" not in g:
        g.csp_nonce = secrets.token_urlsafe(16)
    return g.csp_nonce


def _start_request():
    reset_request_cache()
    g.pop("csp_nonce", None)


def _login_endpoint() -> str:
    return current_app.appbuilder.sm.auth_view.__class__.__name__ + ".login"


def _is_static() -> bool:
    return bool(request.endpoint) and request.endpoint.endswith("static")


def _check_session():
    """A session ended by logout or a password change, or idle too long, goes back to login."""
    if "_user_id" not in session or _is_static():
        return None
    current_user._get_current_object()  # the user loader decides (security manager)
    refused = g.get("marelle_session_refused")
    if not refused or request.endpoint in (_login_endpoint(), API_LOGIN):
        return None
    if refused == sessions.IDLE:
        message = _("Your session expired after %(minutes)d minutes without activity: please "
                    "log in again.", minutes=current_app.config["SESSION_IDLE_MINUTES"])
    else:
        message = _("Your session has ended: please log in again.")
    if request.path.startswith("/api/"):
        return jsonify(message=message), 401
    flash(message, "warning")
    next_url = request.full_path if request.method == "GET" else None
    return redirect(url_for(_login_endpoint(), next=next_url))


def _resolve_scope():
    """A staff member attached to some schools and services sees only those (scopes.py)."""
    if _is_static() or request.path.startswith("/portal"):
        return None
    scopes.resolve_for_request(current_app.appbuilder.sm._request_user())
    return None


def _bearer_token():
    header = request.headers.get("Authorization", "")
    return header[len("Bearer "):].strip() if header.startswith("Bearer ") else None


def _check_csrf():
    """FAB does not protect its actions against CSRF (DESIGN trap 3): every unsafe request is
    checked, except an API call authenticated by a valid token alone. A browser never sends a
    bearer token by itself, but it does send its session cookie: with a logged-in session the
    check applies whatever the headers say."""
    if not current_app.config.get("WTF_CSRF_ENABLED", True) or request.method in SAFE_METHODS:
        return None
    if request.endpoint in CSRF_EXEMPT_ENDPOINTS:
        return None
    token = _bearer_token()
    if token is not None and not session.get("_user_id"):
        try:
            decode_token(token)
        except Exception:  # noqa: BLE001  (junk, expired, wrongly signed: all refused alike)
            return jsonify(message=_("Invalid or expired access token: log in again.")), 401
        return None
    csrf.protect()
    return None


def _throttle_login():
    """Refuse a login while its account or its address is locked out, before any password is
    checked (failures are counted by the security manager's auth_user_db)."""
    if request.method != "POST" or request.endpoint not in (_login_endpoint(), API_LOGIN):
        return None
    throttle = login_throttle()
    if throttle is None:
        return None
    if request.endpoint == API_LOGIN:
        body = request.get_json(silent=True)
        username = body.get("username") if isinstance(body, dict) else None
    else:
        username = request.form.get("username")
    wait = throttle.retry_after(username, request.remote_addr)
    if not wait:
        return None
    minutes = max(1, math.ceil(wait / 60))
    message = _("Too many failed logins: try again in %(minutes)d min.", minutes=minutes)
    if request.endpoint == API_LOGIN:
        response = jsonify(message=message)
    else:
        from flask_appbuilder.security.forms import LoginForm_db

        flash(message, "danger")
        view = current_app.appbuilder.sm.auth_view
        response = current_app.make_response(view.render_template(
            view.login_template, title=view.title, form=LoginForm_db(),
            appbuilder=current_app.appbuilder))
    response.status_code = 429
    response.headers["Retry-After"] = str(wait)
    return response


def _security_headers(response):
    config = current_app.config
    scripts = "'self'"
    if "csp_nonce" in g:
        scripts += f" 'nonce-{g.csp_nonce}'"
    # Styles: FAB's widgets and Bootstrap's JS write style attributes, which no nonce covers.
    policy = ("default-src 'self'; "
              f"script-src {scripts}; "
              "style-src 'self' 'unsafe-inline'; "
              "img-src 'self' data:; font-src 'self' data:; "
              "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'")
    headers = response.headers
    headers.setdefault("Content-Security-Policy", policy)
    headers.setdefault("X-Frame-Options", "DENY")
    headers.setdefault("X-Content-Type-Options", "nosniff")
    headers.setdefault("Referrer-Policy", "same-origin")
    if config.get("MARELLE_HTTPS"):
        headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
    return response
