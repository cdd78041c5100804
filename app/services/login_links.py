"""Single-use links that let someone choose a password: a parent's invitation, and « mot de
passe oublié » for staff and parents alike.

The token travels in the e-mail only; the database keeps its SHA-256, so a copy of the
database (a backup, a dump sent for support) opens no account (the e-mails keep the link only
until they are sent: app/services/mail.py). A new link for the same person ends the older
ones: only the last e-mail works. A link works once, until it expires."""
import hashlib
import secrets
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _

from app.extensions import db
from app.models import LoginLink
from app.services import RuleViolation
from app.services.calendar import now_in_town

DEFAULT_HOURS = {"invitation": 7 * 24, "password_reset": 2}


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def validity_hours(purpose: str) -> int:
    setting = current_app.config.get("LOGIN_LINK_HOURS") or {}
    return int(setting.get(purpose) or DEFAULT_HOURS[purpose])


def until_words(purpose: str) -> str:
    """Until when a link issued now works, as an e-mail says it (« mercredi 25 novembre à
    09:30 »), in the town's time."""
    from flask_babel import format_datetime

    expires = now_in_town() + timedelta(hours=validity_hours(purpose))
    return format_datetime(expires, "EEEE d MMMM 'à' HH:mm")


def withdraw(user_id: int) -> None:
    """Every unused link of this user stops working (a new one, an account deactivated)."""
    db.session.execute(
        sa.update(LoginLink)
        .where(LoginLink.user_id == user_id, LoginLink.used_at.is_(None))
        .values(used_at=now_in_town()))


def issue(user_id: int, purpose: str) -> str:
    """A new link for this user; returns the token to put in the e-mail. Every older unused
    link of the user stops working, whatever it was for: only the last e-mail works."""
    now = now_in_town()
    withdraw(user_id)
    token = secrets.token_urlsafe(32)
    db.session.add(LoginLink(user_id=user_id, purpose=purpose, token_hash=_hash(token),
                             created_at=now,
                             expires_at=now + timedelta(hours=validity_hours(purpose))))
    db.session.flush()
    return token


def _find(token: str, purposes, lock: bool = False) -> LoginLink:
    if not token or len(token) > 100:
        raise RuleViolation(_("This link is not valid. Ask for a new one."), "token")
    query = sa.select(LoginLink).where(LoginLink.token_hash == _hash(token),
                                       LoginLink.purpose.in_(purposes))
    if lock:
        query = query.with_for_update()
    link = db.session.scalar(query)
    if link is None:
        raise RuleViolation(_("This link is not valid. Ask for a new one."), "token")
    if link.used_at is not None:
        raise RuleViolation(
            _("This link has already been used, or a newer one was sent. Ask for a new one."),
            "token")
    if link.expires_at <= now_in_town():
        raise RuleViolation(_("This link has expired. Ask for a new one."), "token")
    return link


def check(token: str, purposes=("invitation", "password_reset")) -> LoginLink:
    """The valid link of this token (to show the password form), without using it."""
    return _find(token, purposes)


def redeem(token: str, purposes=("invitation", "password_reset")) -> LoginLink:
    """Use the link: it works no more afterwards. Locked so that two tabs submitting the same
    link at once set one password, not two."""
    link = _find(token, purposes, lock=True)
    link.used_at = now_in_town()
    db.session.flush()
    return link


def state_of(user_id: int):
    """The newest link of this user, for staff: (purpose, expires_at, used_at) or None."""
    return db.session.execute(
        sa.select(LoginLink.purpose, LoginLink.expires_at, LoginLink.used_at)
        .where(LoginLink.user_id == user_id).order_by(LoginLink.id.desc()).limit(1)).first()
