"""Staff sessions that really end.

Flask keeps the session in a signed cookie: nothing on the server would stop a copied cookie.
So each user has a session version (table user_session_state); a session remembers the version
it was opened with and is refused once the version has moved on (logout, password change). A
session left idle longer than SESSION_IDLE_MINUTES is refused too. API tokens carry the version
as their "sv" claim and end the same way.

These functions take the session mapping as an argument: the request hooks and the security
manager call them, they never read the request themselves.
"""
import sqlalchemy as sa

from app.extensions import db
from app.models.security import UserSessionState

VERSION_KEY = "_marelle_sv"
SEEN_KEY = "_marelle_seen"
# When the account was created: on SQLite a deleted user's id is given to the next one, and the
# new account's session version starts again; this mark tells the two accounts apart.
BORN_KEY = "_marelle_born"
# Flask-Login's keys plus ours: what "logged in" means in a session.
LOGIN_KEYS = ("_user_id", "_fresh", "_id", "_remember", "_remember_seconds", VERSION_KEY,
              SEEN_KEY, BORN_KEY)
# The last-seen time is rewritten at most this often, so that a page's many requests do not
# each send a new cookie.
TOUCH_EVERY_SECONDS = 60

ENDED = "ended"
IDLE = "idle"


def session_version(user_id) -> int:
    return db.session.scalar(
        sa.select(UserSessionState.version).where(UserSessionState.user_id == user_id)) or 0


def bump_session_version(user_id) -> int:
    """End every session and API token of this user; returns the new version."""
    bumped = db.session.execute(
        sa.update(UserSessionState).where(UserSessionState.user_id == user_id)
        .values(version=UserSessionState.version + 1)).rowcount
    if not bumped:
        try:
            with db.session.begin_nested():
                db.session.add(UserSessionState(user_id=user_id, version=1))
        except sa.exc.IntegrityError:  # a concurrent first bump created the row
            db.session.execute(
                sa.update(UserSessionState).where(UserSessionState.user_id == user_id)
                .values(version=UserSessionState.version + 1))
    return session_version(user_id)


def account_mark(user) -> str:
    """What tells this account from another that later gets the same id: its creation time."""
    created = getattr(user, "created_on", None)
    return created.isoformat() if created else ""


def open_session(session, version: int, now: float, mark: str = "") -> None:
    session[VERSION_KEY] = version
    session[SEEN_KEY] = int(now)
    session[BORN_KEY] = mark


def refusal(session, version: int, now: float, idle_minutes: int, mark: str = ""):
    """Why this logged-in session may no longer be used (ENDED, IDLE), or None."""
    if session.get(VERSION_KEY) != version or session.get(BORN_KEY) != mark:
        return ENDED
    seen = session.get(SEEN_KEY)
    if not isinstance(seen, int) or now - seen > idle_minutes * 60:
        return IDLE
    return None


def touch(session, now: float) -> None:
    if now - session.get(SEEN_KEY, 0) >= TOUCH_EVERY_SECONDS:
        session[SEEN_KEY] = int(now)


def close_session(session) -> None:
    for key in LOGIN_KEYS:
        session.pop(key, None)
