"""E-mails Marelle sends, each kept with its delivery state.

A row is written in the transaction that decides to send (an invitation, a password link, a
message), and a background job sends it after that commit: an e-mail never leaves for something
that was rolled back, and a mail server that is down delays it without losing it."""
import sqlalchemy as sa
from flask_appbuilder import Model
from sqlalchemy.orm import relationship

from app.models.base import enum_column, moment_column, utcnow

EMAIL_STATES = ("queued", "sent", "failed")


class OutgoingEmail(Model):
    __tablename__ = "outgoing_email"
    __table_args__ = (sa.Index("ix_outgoing_email_state_created", "state", "created_at"),)
    id = sa.Column(sa.Integer, primary_key=True)
    recipient = sa.Column(sa.String(254), nullable=False, index=True)
    subject = sa.Column(sa.String(250), nullable=False)
    body_text = sa.Column(sa.Text, nullable=False)
    body_html = sa.Column(sa.Text)
    # Files sent with it: [{"storage_name", "filename", "content_type"}] in the private folder.
    attachments = sa.Column(sa.JSON)
    # What the e-mail is for ("invitation", "password_reset", "message"...): lists filter on it.
    kind = sa.Column(sa.String(40), nullable=False, default="message")
    state = enum_column(*EMAIL_STATES, name="outgoing_email_state", nullable=False,
                        default="queued")
    attempts = sa.Column(sa.Integer, nullable=False, default=0)
    # The last failure, in words a town's staff can act on (the server's answer).
    error = sa.Column(sa.Text)
    # The adult it was written to, when it concerns a family: their record lists it.
    person_id = sa.Column(sa.Integer, sa.ForeignKey("person.id", ondelete="SET NULL"),
                          index=True)
    created_at = moment_column(nullable=False, default=utcnow)
    sent_at = moment_column()
    person = relationship("Person")

    def __repr__(self):
        return f"{self.recipient} — {self.subject}"
