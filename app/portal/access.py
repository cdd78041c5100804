"""Who is logged in on the portal, and the pages that let them in or out.

The session keeps {"uid", version, last seen} under PORTAL_KEY. Each portal request checks it
against the database in one query: the account still exists, is not locked, and its session
version has not moved (logout, password change, lock end every session). Logins are throttled
per account and per address like the staff's (app/security/throttle.py)."""
import logging
import math
import time
from functools import wraps
from urllib.parse import urlsplit

import sqlalchemy as sa
from flask import (abort, current_app, flash, g, redirect, render_template, request, session,
                   url_for)
from flask_babel import gettext as _

from app.extensions import db
from app.links import external_url
from app.models import PortalAccount, UserSessionState
from app.portal import bp
from app.security import sessions
from app.security.throttle import login_throttle
from app.services import RuleViolation, portal_accounts
from app.services.registry import check_email

log = logging.getLogger(__name__)
PORTAL_KEY = "_marelle_portal"
# A parent's links: the invitation to choose a first password, and « mot de passe oublié ».
LINK_PURPOSES = ("invitation", "password_reset")


def _user_model():
    return current_app.appbuilder.sm.user_model


def open_portal_session(user) -> None:
    # A new session from scratch: whatever the browser held (a staff login included) goes.
    session.clear()
    state = {"uid": user.id}
    sessions.open_session(state, sessions.session_version(user.id), time.time(),
                          sessions.account_mark(user))
    session[PORTAL_KEY] = state


def close_portal_session() -> None:
    session.pop(PORTAL_KEY, None)


def _account_row(user_id):
    user = _user_model()
    return db.session.execute(
        sa.select(PortalAccount.person_id, user.active, user.created_on,
                  sa.func.coalesce(UserSessionState.version, 0).label("version"))
        .join(user, user.id == PortalAccount.user_id)
        .outerjoin(UserSessionState, UserSessionState.user_id == user.id)
        .where(PortalAccount.user_id == user_id)).first()


def _safe_next(target):
    """Only a portal path of this site: never an address elsewhere (open redirect), nor
    anything a header cannot carry."""
    if not target or any(ord(c) < 33 or ord(c) == 127 or c == "\\" for c in target):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith("/portal/") \
            or target.startswith("//"):
        return None
    return target


def parent_required(view):
    """The portal's access decorator: sets g.parent_id (the adult) and g.parent_user_id."""

    @wraps(view)
    def wrapper(*args, **kwargs):
        state = session.get(PORTAL_KEY)
        if not isinstance(state, dict) or not isinstance(state.get("uid"), int):
            next_url = request.full_path if request.method == "GET" else None
            return redirect(url_for("portal.login", next=next_url))
        row = _account_row(state["uid"])
        now = time.time()
        refused = None
        if row is None or not row.active:
            refused = sessions.ENDED
        else:
            refused = sessions.refusal(state, row.version, now,
                                       current_app.config["SESSION_IDLE_MINUTES"],
                                       sessions.account_mark(row))
        if refused:
            close_portal_session()
            if refused == sessions.IDLE:
                flash(_("Your session expired after %(minutes)d minutes without activity: "
                        "please log in again.",
                        minutes=current_app.config["SESSION_IDLE_MINUTES"]), "warning")
            else:
                flash(_("Your session has ended: please log in again."), "warning")
            return redirect(url_for("portal.login"))
        before = state.get(sessions.SEEN_KEY)
        sessions.touch(state, now)
        if state.get(sessions.SEEN_KEY) != before:
            session[PORTAL_KEY] = state
        g.parent_id = row.person_id
        g.parent_user_id = state["uid"]
        return view(*args, **kwargs)

    return wrapper


def _too_many(login):
    throttle = login_throttle()
    wait = throttle.retry_after(login, request.remote_addr) if throttle else 0
    return max(1, math.ceil(wait / 60)) if wait else 0


@bp.route("/login", methods=["GET", "POST"])
def login():
    from app.services.portal_texts import text_of

    email = ""
    status = 200
    if request.method == "POST":
        email = (request.form.get("email") or "").strip()[:254]
        password = request.form.get("password") or ""
        minutes = _too_many(email)
        if minutes:
            flash(_("Too many failed logins: try again in %(minutes)d min.", minutes=minutes),
                  "danger")
            status = 429
        else:
            user = current_app.appbuilder.sm.auth_user_db(email, password, audience="parent")
            if user is None and portal_accounts.is_locked_with(email, password):
                flash(_("Your access to the portal is suspended: contact the town's office."),
                      "danger")
                status = 403
            elif user is None:
                flash(_("Wrong e-mail address or password."), "danger")
                status = 401
            else:
                open_portal_session(user)
                return redirect(_safe_next(request.args.get("next"))
                                or url_for("portal.home"))
    return render_template("portal/login.html", email=email,
                           login_text=text_of("login")), status


@bp.route("/logout", methods=["POST"])
def logout():
    state = session.get(PORTAL_KEY)
    if isinstance(state, dict) and isinstance(state.get("uid"), int):
        sessions.bump_session_version(state["uid"])
        db.session.commit()
    close_portal_session()
    flash(_("You are logged out."), "info")
    return redirect(url_for("portal.login"))


def forbid_unknown(value):
    """404 unless found: another family's record does not exist for a parent."""
    if value is None:
        abort(404)
    return value


@bp.route("/forgot", methods=["GET", "POST"])
def forgot():
    """« Mot de passe oublié » and first-time links alike: the same answer whether an account
    exists or not, so the page tells nobody who has one."""
    from app.services import recovery

    if request.method == "POST":
        email = (request.form.get("email") or "").strip()[:254]
        try:
            check_email(email)
        except RuleViolation as exc:
            flash(exc.message, "danger")
            return render_template("portal/forgot.html", email=email), 422
        wait = recovery.too_many_requests(email, request.remote_addr)
        if wait:
            minutes = max(1, math.ceil(wait / 60))
            flash(_("Too many requests: try again in %(minutes)d min.", minutes=minutes),
                  "danger")
            return render_template("portal/forgot.html", email=email), 429
        try:
            recovery.send_password_link(
                email, "parent", lambda token: external_url("portal.password", token=token))
            db.session.commit()
        except RuleViolation as exc:
            # The operator's configuration, not the parent's doing: logged, and the page
            # answers as always (it tells nobody whether the account exists).
            db.session.rollback()
            log.error("portal password link not sent: %s", exc.message)
        flash(_("If this address is the login of an account, an e-mail with a link to choose "
                "a password is on its way. Check your spam folder too."), "info")
        return redirect(url_for("portal.login"))
    return render_template("portal/forgot.html", email="")


@bp.route("/password/<token>", methods=["GET", "POST"])
def password(token):
    from app.services import recovery

    problem = login = None
    try:
        login = recovery.checked_link(token, LINK_PURPOSES, "parent")[1].username
    except RuleViolation as exc:
        problem = exc.message
    if problem is None and request.method == "POST":
        password = request.form.get("password") or ""
        try:
            if password != (request.form.get("confirm") or ""):
                raise RuleViolation(_("The two passwords differ."), "confirm")
            user = recovery.set_password_from_link(token, password, LINK_PURPOSES, "parent")
            portal_accounts.activated(user.id)
        except RuleViolation as exc:
            db.session.rollback()
            flash(exc.message, "danger")
        else:
            db.session.commit()
            flash(_("Your password is saved: log in."), "success")
            return redirect(url_for("portal.login"))
    return render_template("portal/password.html", problem=problem,
                           login=login), 410 if problem else 200


@bp.route("/my-password", methods=["GET", "POST"])
@parent_required
def change_password():
    """The current password is checked like a login: failures count against the same
    account and address limits, so a borrowed session cannot guess it."""

    status = 200
    if request.method == "POST":
        user = db.session.get(_user_model(), g.parent_user_id)
        minutes = _too_many(user.username)
        if minutes:
            flash(_("Too many failed logins: try again in %(minutes)d min.", minutes=minutes),
                  "danger")
            return render_template("portal/change_password.html"), 429
        try:
            portal_accounts.change_password(
                user.id, request.form.get("current"), request.form.get("password"),
                request.form.get("confirm"))
        except RuleViolation as exc:
            db.session.rollback()
            if exc.field == "current":
                throttle = login_throttle()
                if throttle is not None:
                    throttle.failed(user.username, request.remote_addr)
            flash(exc.message, "danger")
            status = 422
        else:
            # The change ended every session of the account, this one included: reopen it.
            open_portal_session(db.session.get(_user_model(), g.parent_user_id))
            flash(_("Your new password is saved."), "success")
            return redirect(url_for("portal.account"))
    return render_template("portal/change_password.html"), status
