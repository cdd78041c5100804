"""Parents' logins on the portal: one per adult, the login being their e-mail address.

Staff open it from the adult's record; the parent receives a single-use link to choose their
password (login_links). The account is a FAB user with the Parent role — which grants nothing
in the back-office — tied to the person by a PortalAccount row. Its state, as staff see it:
no login, invited (no password chosen yet), active, locked (staff blocked it)."""
import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from werkzeug.security import generate_password_hash

from app.extensions import db
from app.models import PortalAccount
from app.security import sessions
from app.security.manager import PARENT_ROLE
from app.security.passwords import generate_password
from app.services import RuleViolation, login_links
from app.services.calendar import now_in_town
from app.services.registry import check_email, ensure_editable

STATES = {"none": _l("No login"), "invited": _l("Invited"), "active": _l("Active"),
          "locked": _l("Locked")}


def _sm():
    return current_app.appbuilder.sm


def account_of(person_id: int):
    return db.session.scalar(sa.select(PortalAccount).where(PortalAccount.person_id == person_id))


def account_of_email(email: str):
    user = _sm().user_model
    return db.session.scalar(sa.select(PortalAccount).join(user, user.id == PortalAccount.user_id)
                             .where(sa.func.lower(user.username) == email.strip().lower()))


def user_of(account: PortalAccount):
    return db.session.get(_sm().user_model, account.user_id)


def state_of(account) -> str:
    if account is None:
        return "none"
    if not user_of(account).active:
        return "locked"
    return "active" if account.activated_at else "invited"


def checked_email(email) -> str:
    email = check_email(email)
    if not email:
        raise RuleViolation(_("Give the parent's e-mail address: it is their login."), "email")
    # Logins are compared without case (throttle.normalise_login), so they are kept so.
    return email.lower()


def _check_login_free(email: str, user_id=None) -> None:
    user = _sm().user_model
    taken = db.session.scalar(sa.select(user.id).where(
        sa.or_(sa.func.lower(user.username) == email, sa.func.lower(user.email) == email),
        user.id != (user_id or 0)))
    if taken is not None:
        raise RuleViolation(_("The address %(email)s is already the login of another account.",
                              email=email), "email")


def open_account(adult, email=None) -> PortalAccount:
    """« Le responsable peut se connecter »: create the adult's login (their e-mail, given
    here or already on their record). The caller sends the invitation (send_link)."""
    if adult.kind != "adult":
        raise RuleViolation(_("Only an adult can have a portal login."))
    ensure_editable(adult)
    if account_of(adult.id) is not None:
        raise RuleViolation(_("%(name)s already has a portal login.", name=adult.display_name))
    email = checked_email(email or adult.email)
    _check_login_free(email)
    sm = _sm()
    role = sm.find_role(PARENT_ROLE)
    if role is None:
        raise RuntimeError("The Parent role is missing: run `flask marelle init`.")
    user = sm.user_model(
        first_name=adult.first_name[:64], last_name=adult.last_name[:64], username=email,
        email=email, active=True, roles=[role],
        # Nobody knows this password: the parent chooses theirs through the link.
        password=generate_password_hash(generate_password()))
    db.session.add(user)
    db.session.flush()
    adult.email = email
    adult.can_login = True
    account = PortalAccount(person_id=adult.id, user_id=user.id, created_at=now_in_town())
    db.session.add(account)
    db.session.flush()
    return account


def change_login(adult, email) -> PortalAccount:
    """The parent's e-mail changed: their login follows, and their sessions end (they log in
    again with the new address)."""
    account = _account_or_refuse(adult)
    email = checked_email(email)
    user = user_of(account)
    _check_login_free(email, user.id)
    previous = user.username
    user.username = user.email = email
    adult.email = email
    sessions.bump_session_version(user.id)
    db.session.flush()
    _tell_login_changed(adult, previous, email)
    return account


def _tell_login_changed(adult, previous: str, email: str) -> None:
    """The parent learns their new login at the new address (and the old one, so that a
    change they did not ask for does not go unnoticed)."""
    from app.services import mail

    subject, text, html = mail.render("email/login_changed", name=adult.first_name,
                                      login=email, previous=previous)
    for recipient in dict.fromkeys((email, previous)):
        try:
            mail.queue_email(recipient, subject, text, html, kind="login_changed",
                             person_id=adult.id)
        except RuleViolation:
            continue  # an old address that was never valid: nothing to tell there


def follow_email(adult) -> None:
    """After staff edit the adult's e-mail on the record: the login follows it. A login
    cannot lose its e-mail: it is its identifier."""
    account = account_of(adult.id)
    if account is None:
        return
    if not (adult.email or "").strip():
        raise RuleViolation(_(
            "%(name)s logs in to the portal with this e-mail address: delete the portal access "
            "before removing it.", name=adult.display_name), "email")
    if user_of(account).username != adult.email.strip().lower():
        change_login(adult, adult.email)


def set_locked(adult, locked: bool) -> None:
    account = _account_or_refuse(adult)
    user = user_of(account)
    user.active = not locked
    if locked:
        sessions.bump_session_version(user.id)
    db.session.flush()


def close_account(adult) -> None:
    """Delete the login (the record and its history stay)."""
    account = _account_or_refuse(adult)
    user = user_of(account)
    user.roles = []
    db.session.delete(account)
    db.session.flush()
    db.session.delete(user)
    adult.can_login = False
    db.session.flush()


def new_link(adult) -> str:
    """A fresh single-use link for the adult to choose a password (older links stop
    working): an invitation until they have chosen one, a password reset afterwards."""
    account = _account_or_refuse(adult)
    if not user_of(account).active:
        raise RuleViolation(_("The login is locked: unlock it first."))
    purpose = "password_reset" if account.activated_at else "invitation"
    return login_links.issue(account.user_id, purpose)


def activated(user_id: int) -> None:
    """The parent chose their password: the account is active."""
    account = db.session.scalar(sa.select(PortalAccount).where(PortalAccount.user_id == user_id))
    if account is not None and account.activated_at is None:
        account.activated_at = now_in_town()
        db.session.flush()


def _account_or_refuse(adult) -> PortalAccount:
    account = account_of(adult.id)
    if account is None:
        raise RuleViolation(_("%(name)s has no portal login.", name=adult.display_name))
    return account


def send_link(adult, link_for) -> None:
    """E-mail the adult a fresh link to choose their password: the invitation while they have
    not chosen one, a password reset afterwards. `link_for(token)` makes the link's address."""
    from app.services import mail

    account = _account_or_refuse(adult)
    token = new_link(adult)
    purpose = "password_reset" if account.activated_at else "invitation"
    user = user_of(account)
    from app.links import external_url
    from app.services.portal_texts import text_of

    subject, text, html = mail.render(
        "email/invitation" if purpose == "invitation" else "email/password_reset",
        name=adult.first_name, login=user.username, link=link_for(token),
        until=login_links.until_words(purpose), by_staff=True,
        portal=external_url("portal.login"), contact=text_of("contact"))
    mail.queue_email(user.email, subject, text, html, kind=purpose, person_id=adult.id)


def is_locked_with(email: str, password: str) -> bool:
    """Whether these are the right credentials of a locked login: only then is the parent
    told their access is suspended (a wrong password learns nothing)."""
    from werkzeug.security import check_password_hash

    account = account_of_email(email or "")
    if account is None:
        return False
    user = user_of(account)
    return not user.active and check_password_hash(user.password, password or "")


def change_password(user_id: int, current: str, new: str, confirm: str) -> None:
    """A logged-in parent changes their password: the current one first. FAB's
    reset_password commits and ends the account's other sessions."""
    from werkzeug.security import check_password_hash

    from app.services.recovery import check_new_password

    user = db.session.get(_sm().user_model, user_id)
    if not check_password_hash(user.password, current or ""):
        raise RuleViolation(_("This is not your current password."), "current")
    if new != confirm:
        raise RuleViolation(_("The two passwords differ."), "confirm")
    check_new_password(new)
    _sm().reset_password(user.id, new)
