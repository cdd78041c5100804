"""The town's texts on the parents' portal: the login page, the home page, the contact box and
the booking page. Plain text written by staff: the portal escapes it and keeps its line breaks,
so a text never carries markup (nor a script) into families' pages."""
import sqlalchemy as sa
from flask_babel import gettext as _
from markupsafe import Markup, escape

from app.extensions import db
from app.models import PortalText
from app.models.portal import PORTAL_TEXT_KEYS
from app.services import refuse_all

MAX_LENGTH = 5000


def text_of(key: str) -> str:
    """The text for `key`, or "" while the town has written none."""
    return db.session.scalar(sa.select(PortalText.body).where(PortalText.key == key)) or ""


def all_texts() -> dict:
    """Every key with its text ("" when unset), in one query."""
    found = {key: body for key, body in db.session.execute(
        sa.select(PortalText.key, PortalText.body))}
    return {key: found.get(key) or "" for key in PORTAL_TEXT_KEYS}


def _clean(body) -> str:
    # Browsers post "\r\n": stored as "\n" so that the length counted is the length seen.
    return (body or "").replace("\r\n", "\n").replace("\r", "\n").strip()


def save_texts(mapping: dict) -> None:
    """Save the given texts at once; every text too long is refused together."""
    cleaned = {}
    problems = []
    for key, body in mapping.items():
        if key not in PORTAL_TEXT_KEYS:
            problems.append((key, _("Unknown portal text.")))
            continue
        cleaned[key] = _clean(body)
        if len(cleaned[key]) > MAX_LENGTH:
            problems.append((key, _("%(length)s characters: %(max)s at most.",
                                    length=len(cleaned[key]), max=MAX_LENGTH)))
    refuse_all(problems)
    existing = {row.key: row for row in db.session.scalars(
        sa.select(PortalText).where(PortalText.key.in_(list(cleaned))))}
    for key, body in cleaned.items():
        row = existing.get(key)
        if row is None:
            db.session.add(PortalText(key=key, body=body))
        else:
            row.body = body
    db.session.flush()


def as_html(body: str) -> Markup:
    """A text as the portal shows it: escaped, its line breaks kept."""
    return Markup("<br>\n").join(escape(line) for line in (body or "").split("\n"))
