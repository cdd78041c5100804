"""Messages staff send to families: one text with variables, each recipient's copy as they
read it (e-mail and portal), and the attachments."""
import sqlalchemy as sa
from flask_appbuilder import Model
from sqlalchemy.orm import relationship

from app.models.base import moment_column, utcnow


class Message(Model):
    __tablename__ = "message"
    id = sa.Column(sa.Integer, primary_key=True)
    subject = sa.Column(sa.String(250), nullable=False)
    # The text as staff wrote it, with its {variables}.
    body = sa.Column(sa.Text, nullable=False)
    created_at = moment_column(nullable=False, default=utcnow)
    created_by_id = sa.Column(sa.Integer, sa.ForeignKey("ab_user.id", ondelete="SET NULL"))
    recipients = relationship("MessageRecipient", back_populates="message",
                              cascade="all, delete-orphan")
    attachments = relationship("MessageAttachment", back_populates="message",
                               cascade="all, delete-orphan", order_by="MessageAttachment.id")

    def __repr__(self):
        return self.subject


class MessageRecipient(Model):
    """One adult's copy, variables filled in. Its delivery state is its e-mail's (no e-mail:
    no address); the portal shows the copy either way."""

    __tablename__ = "message_recipient"
    __table_args__ = (sa.UniqueConstraint("message_id", "person_id"),)
    id = sa.Column(sa.Integer, primary_key=True)
    message_id = sa.Column(sa.Integer, sa.ForeignKey("message.id", ondelete="CASCADE"),
                           nullable=False)
    person_id = sa.Column(sa.Integer, sa.ForeignKey("person.id", ondelete="CASCADE"),
                          nullable=False, index=True)
    subject = sa.Column(sa.String(250), nullable=False)
    body = sa.Column(sa.Text, nullable=False)
    email_id = sa.Column(sa.Integer, sa.ForeignKey("outgoing_email.id", ondelete="SET NULL"),
                         index=True)
    message = relationship("Message", back_populates="recipients")
    person = relationship("Person")
    email = relationship("OutgoingEmail")


class MessageAttachment(Model):
    __tablename__ = "message_attachment"
    id = sa.Column(sa.Integer, primary_key=True)
    message_id = sa.Column(sa.Integer, sa.ForeignKey("message.id", ondelete="CASCADE"),
                           nullable=False, index=True)
    original_filename = sa.Column(sa.String(255), nullable=False)
    content_type = sa.Column(sa.String(100), nullable=False)
    size = sa.Column(sa.Integer, nullable=False)
    storage_name = sa.Column(sa.String(64), nullable=False, unique=True)
    message = relationship("Message", back_populates="attachments")
