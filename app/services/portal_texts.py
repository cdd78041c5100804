"""The town's texts on the portal (placeholder until the staff screens land)."""
import sqlalchemy as sa

from app.extensions import db
from app.models import PortalText


def text_of(key: str) -> str:
    return db.session.scalar(sa.select(PortalText.body).where(PortalText.key == key)) or ""
