"""« Mot de passe oublié », for staff and parents alike (the FAQ's « J'ai perdu mon login et mon
mot de passe »): an e-mail with a single-use, expiring link (app/services/login_links.py), then
a new password chosen through that link.

Whoever asks learns nothing: the same answer whether an account matches or not, so these
functions say nothing either. The pages that call them limit how often one may ask
(app/security/throttle.py recovery_throttle)."""
import sqlalchemy as sa
from flask import current_app
from flask_appbuilder.exceptions import PasswordComplexityValidationError
from flask_babel import gettext as _

from app.extensions import db
from app.models import PortalAccount
from app.security.passwords import check_password_strength
from app.security.manager import MarelleSecurityManager
from app.security.throttle import normalise_login, recovery_throttle
from app.services import RuleViolation, login_links, mail

AUDIENCES = ("staff", "parent")


def too_many_requests(typed: str, address) -> int:
    """The seconds to wait when this « mot de passe oublié » request goes over the limits (per
    typed login or e-mail, per client address), else 0. Staff's page and the portal's alike."""
    throttle = recovery_throttle()
    return throttle.hit(typed, address) if throttle is not None else 0


def accounts_matching(login_or_email, audience: str) -> list:
    """Active accounts of this audience whose login or e-mail is the one typed, any case."""
    if audience not in AUDIENCES:
        raise ValueError(audience)
    typed = normalise_login(login_or_email)
    if not typed or len(typed) > 254:
        return []
    user_model = current_app.appbuilder.sm.user_model
    users = db.session.scalars(sa.select(user_model).where(
        sa.or_(sa.func.lower(user_model.username) == typed,
               sa.func.lower(user_model.email) == typed),
        user_model.active.is_(True)).order_by(user_model.id)).all()
    return [user for user in users
            if MarelleSecurityManager.is_parent(user) == (audience == "parent")]


def send_password_link(login_or_email, audience: str, link_for) -> None:
    """E-mail a link to choose a new password to the active account of this audience ("staff":
    users without the Parent role, "parent": with it) whose login or e-mail was typed; silent
    when there is none. `link_for(token)` gives the absolute address of the page that takes
    the token. Sent after the caller commits."""
    for user in accounts_matching(login_or_email, audience):
        if not user.email:
            continue
        token = login_links.issue(user.id, "password_reset")
        subject, text, html = mail.render(
            "email/password_reset", name=" ".join(filter(None, (user.first_name,
                                                                user.last_name))),
            login=user.username, link=link_for(token),
            until=login_links.until_words("password_reset"))
        person_id = db.session.scalar(sa.select(PortalAccount.person_id)
                                      .where(PortalAccount.user_id == user.id))
        try:
            mail.queue_email(user.email, subject, text, html, kind="password_reset",
                             person_id=person_id)
        except RuleViolation:
            # An old account with a malformed address: nothing can be sent, and whoever asked
            # must not learn it exists.
            continue


def check_new_password(password) -> None:
    """The password policy of every form (PASSWORD_MIN_LENGTH), as a RuleViolation."""
    try:
        check_password_strength(password)
    except PasswordComplexityValidationError as exc:
        raise RuleViolation(str(exc), "password") from exc


def checked_link(token, purposes, audience: str):
    """The valid link of this token for this side: a staff member's link does not work on
    the portal's page, nor a parent's on the staff's."""
    link = login_links.check(token, purposes)
    user = current_app.appbuilder.sm.get_user_by_id(link.user_id)
    if user is None or not user.active \
            or MarelleSecurityManager.is_parent(user) != (audience == "parent"):
        raise RuleViolation(_("This link is not valid. Ask for a new one."), "token")
    return link, user


def set_password_from_link(token, password, purposes=("password_reset",), audience="staff"):
    """Set the password of the link's account and use the link up. Refuses a weak password
    (the link stays usable), an invalid, used or expired link, or a link of the other side
    (staff, parent). The security manager's `reset_password` commits (FAB's way) and ends the
    account's other sessions."""
    _link, user = checked_link(token, purposes, audience)
    check_new_password(password)
    login_links.redeem(token, purposes)
    current_app.appbuilder.sm.reset_password(user.id, password)
    return user
