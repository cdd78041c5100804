"""The parents' portal: accounts, the links that set passwords, the town's texts, consents and
documents published to groups of families."""
import sqlalchemy as sa
from flask_appbuilder import Model
from sqlalchemy.orm import relationship

from app.models.base import enum_column, moment_column, utcnow

LINK_PURPOSES = ("invitation", "password_reset")
PORTAL_TEXT_KEYS = ("login", "home", "contact", "booking")


class PortalAccount(Model):
    """The login of one adult on the portal (each separated parent has their own). The FAB
    user holds the password; this row ties it to the person whose family it may see."""

    __tablename__ = "portal_account"
    id = sa.Column(sa.Integer, primary_key=True)
    person_id = sa.Column(sa.Integer, sa.ForeignKey("person.id", ondelete="CASCADE"),
                          nullable=False, unique=True)
    user_id = sa.Column(sa.Integer, sa.ForeignKey("ab_user.id", ondelete="CASCADE"),
                        nullable=False, unique=True)
    created_at = moment_column(nullable=False, default=utcnow)
    # When the parent first chose a password: until then the account is « invité ».
    activated_at = moment_column()
    person = relationship("Person")


class LoginLink(Model):
    """A single-use link that lets its holder choose a password. Only the token's hash is
    stored: a copy of the database gives no working link."""

    __tablename__ = "login_link"
    id = sa.Column(sa.Integer, primary_key=True)
    user_id = sa.Column(sa.Integer, sa.ForeignKey("ab_user.id", ondelete="CASCADE"),
                        nullable=False, index=True)
    purpose = enum_column(*LINK_PURPOSES, name="login_link_purpose", nullable=False)
    token_hash = sa.Column(sa.String(64), nullable=False, unique=True)
    created_at = moment_column(nullable=False, default=utcnow)
    expires_at = moment_column(nullable=False)
    used_at = moment_column()


class PortalText(Model):
    """A text the town writes for its portal: the login page, the home page, the contact box,
    the booking page."""

    __tablename__ = "portal_text"
    key = enum_column(*PORTAL_TEXT_KEYS, name="portal_text_key", primary_key=True)
    body = sa.Column(sa.Text, nullable=False, default="")


def _scope_table(owner: str, target: str) -> sa.Table:
    return sa.Table(
        f"{owner}_{target}", Model.metadata,
        sa.Column(f"{owner}_id", sa.Integer, sa.ForeignKey(f"{owner}.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column(f"{target}_id", sa.Integer, sa.ForeignKey(f"{target}.id", ondelete="CASCADE"),
                  primary_key=True),
    )


SCOPE_TARGETS = ("school", "school_class", "service")
group_document_scope = {target: _scope_table("group_document", target)
                        for target in SCOPE_TARGETS}
consent_scope = {target: _scope_table("consent", target) for target in SCOPE_TARGETS}


class GroupDocument(Model):
    """A document published on the portal to every family, or to the families of children in
    some schools, classes or services (no school, class or service ticked: everyone)."""

    __tablename__ = "group_document"
    id = sa.Column(sa.Integer, primary_key=True)
    name = sa.Column(sa.String(150), nullable=False)
    description = sa.Column(sa.Text)
    original_filename = sa.Column(sa.String(255), nullable=False)
    content_type = sa.Column(sa.String(100), nullable=False)
    size = sa.Column(sa.Integer, nullable=False)
    storage_name = sa.Column(sa.String(64), nullable=False, unique=True)
    portal_from = sa.Column(sa.Date)
    portal_until = sa.Column(sa.Date)
    uploaded_at = moment_column(nullable=False, default=utcnow)
    uploaded_by_id = sa.Column(sa.Integer, sa.ForeignKey("ab_user.id", ondelete="SET NULL"))
    schools = relationship("School", secondary=group_document_scope["school"])
    classes = relationship("SchoolClass", secondary=group_document_scope["school_class"])
    services = relationship("Service", secondary=group_document_scope["service"])

    def __repr__(self):
        return self.name


class Consent(Model):
    """Consentement: what parents must accept on the portal before booking for the children
    it concerns (every child, or those of some schools, classes or services)."""

    __tablename__ = "consent"
    id = sa.Column(sa.Integer, primary_key=True)
    label = sa.Column(sa.String(250), nullable=False)
    description = sa.Column(sa.Text)
    valid_from = sa.Column(sa.Date, nullable=False)
    valid_until = sa.Column(sa.Date)
    document_id = sa.Column(sa.Integer, sa.ForeignKey("group_document.id", ondelete="SET NULL"))
    created_at = moment_column(nullable=False, default=utcnow)
    document = relationship("GroupDocument")
    schools = relationship("School", secondary=consent_scope["school"])
    classes = relationship("SchoolClass", secondary=consent_scope["school_class"])
    services = relationship("Service", secondary=consent_scope["service"])
    acceptances = relationship("ConsentAcceptance", back_populates="consent",
                               cascade="all, delete-orphan")

    def __repr__(self):
        return self.label


class ConsentAcceptance(Model):
    """An adult accepted a consent, once, for all their children it concerns."""

    __tablename__ = "consent_acceptance"
    __table_args__ = (sa.UniqueConstraint("consent_id", "adult_id"),)
    id = sa.Column(sa.Integer, primary_key=True)
    consent_id = sa.Column(sa.Integer, sa.ForeignKey("consent.id", ondelete="CASCADE"),
                           nullable=False)
    adult_id = sa.Column(sa.Integer, sa.ForeignKey("person.id", ondelete="CASCADE"),
                         nullable=False, index=True)
    accepted_at = moment_column(nullable=False)
    consent = relationship("Consent", back_populates="acceptances")
    adult = relationship("Person")
