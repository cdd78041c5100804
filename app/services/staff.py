"""The town's staff accounts (the FAQ's « Utilisateurs »): an invitation to choose one's own
password instead of a password typed by the admin, and the messaging channels each member may
use (« le type de messagerie auquel il aura accès »)."""
import secrets

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from app.extensions import db
from app.links import external_url
from app.models.security import staff_messaging_channel
from app.services import RuleViolation, login_links, mail

# What a staff member may use to write to families; nothing ticked: every channel their role
# allows (as for the scope, nothing listed means no limit).
CHANNELS = {
    "email": _l("Messages to families (e-mail and portal)"),
    "letter": _l("Printed letters"),
}


def channels_of(user_id) -> frozenset:
    """The channels this staff member may use (every channel when none is listed)."""
    listed = db.session.scalars(sa.select(staff_messaging_channel.c.channel).where(
        staff_messaging_channel.c.user_id == user_id)).all() if user_id is not None else []
    return frozenset(listed) if listed else frozenset(CHANNELS)


def listed_channels(user_id) -> list:
    """The channels ticked on the user's form (none: no limit)."""
    return sorted(db.session.scalars(sa.select(staff_messaging_channel.c.channel).where(
        staff_messaging_channel.c.user_id == user_id)))


def set_channels(user_id: int, channels) -> None:
    unknown = set(channels) - set(CHANNELS)
    if unknown:
        raise RuleViolation(_("Unknown messaging channel."), "channels")
    db.session.execute(sa.delete(staff_messaging_channel).where(
        staff_messaging_channel.c.user_id == user_id))
    if channels:
        db.session.execute(sa.insert(staff_messaging_channel),
                           [{"user_id": user_id, "channel": c} for c in sorted(set(channels))])
    db.session.flush()


def may_write(channel: str = "email") -> bool:
    """Whether the request's staff member may use this channel (the pages hide what their
    account does not open)."""
    from app.security import acting_user

    user = acting_user()
    return user is not None and channel in channels_of(user.id)


def check_channel(user, channel: str) -> None:
    """Refuses a staff member a channel their account does not open."""
    if user is not None and channel not in channels_of(user.id):
        raise RuleViolation(_("Your account does not give access to « %(channel)s »: ask "
                              "an administrator.", channel=CHANNELS[channel]))


def save_profile(user_id: int, school_ids, service_ids, channels) -> None:
    """What the user form sets beside FAB's columns: the scope (schools, then services) and
    the messaging channels."""
    from app.security import scopes

    scopes.set_scope(user_id, school_ids, service_ids)
    set_channels(user_id, channels)


def deactivated(user_id: int) -> None:
    """A staff member who leaves: their sessions, API tokens and unused links end now, and
    stay ended should the account be reactivated."""
    from app.security import sessions

    sessions.bump_session_version(user_id)
    login_links.withdraw(user_id)


def unusable_password() -> str:
    """A new account's password until its owner chooses one through the invitation: a hash
    that no typed password matches."""
    from werkzeug.security import generate_password_hash

    return generate_password_hash(secrets.token_urlsafe(32))


def send_invitation(user) -> None:
    """E-mail the staff member a single-use link to choose their password (the recovery
    page's, which takes invitations too). Sent after the caller commits."""
    if not user.email:
        raise RuleViolation(_("This account has no e-mail address."), "email")
    token = login_links.issue(user.id, "invitation")
    subject, text, html = mail.render(
        "email/staff_invitation", name=" ".join(filter(None, (user.first_name, user.last_name))),
        login=user.username, link=external_url("PasswordRecoveryView.reset", token=token),
        until=login_links.until_words("invitation"),
        address=external_url(current_app.appbuilder.sm.auth_view.__class__.__name__ + ".login"))
    mail.queue_email(user.email, subject, text, html, kind="invitation", person_id=None)
