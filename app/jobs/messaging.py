"""Sending a message to its recipients, with a progress bar."""
import sqlalchemy as sa

from app.extensions import db
from app.jobs import job
from app.models import MessageRecipient
from app.services import mail, messaging

CHUNK = 200


@job("send_message")
def send_message(progress, message_id):
    """Each copy's e-mail is written, then sent through one SMTP connection, a chunk at a
    time (each chunk committed: the progress bar and the states are true as it goes). A
    failing recipient never stops the others; those the server could not take yet are left
    to the usual retries."""
    copies = db.session.scalars(sa.select(MessageRecipient.id).where(
        MessageRecipient.message_id == message_id).order_by(MessageRecipient.id)).all()
    retry_later = []
    with mail.one_connection():
        for start in range(0, len(copies), CHUNK):
            email_ids = messaging.queue_copies(message_id, copies[start:start + CHUNK])
            db.session.commit()
            for email_id in email_ids:
                if mail.deliver(email_id) == "queued":
                    retry_later.append(email_id)
            done = min(len(copies), start + CHUNK)
            progress(int(100 * done / max(1, len(copies))), f"{done}/{len(copies)}")
    if retry_later:
        mail.start_sending(retry_later)
    states = messaging.states_of(message_id)
    return {"recipients": len(copies), "sent": states.get("sent", 0),
            "failed": states.get("failed", 0), "queued": states.get("queued", 0),
            "no_email": states.get("no_email", 0), "message_id": message_id}
