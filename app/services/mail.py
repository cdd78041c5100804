"""Sending e-mails: queued in the transaction that decides, sent after its commit, with the
delivery state kept on the OutgoingEmail row.

Queueing. `queue_email` adds the row (« En attente ») and notes its id in the session's
`info`; a session `after_commit` listener then hands the ids to the sender. A rollback drops
them: nothing leaves for something that did not happen.

Templates. One file per e-mail under app/templates/email/, extending email/_base.html and
filling three blocks: `subject` (one line), `text` (the plain-text part) and `content` (the
body of the HTML part, inside the base's sober layout). `render("email/password_reset", ...)`
gives (subject, text, html). Subject and text are rendered without HTML escaping, the HTML
part with it. Texts are English msgids in `_()`, so French by default.

Sending. `deliver(email_id)` makes one attempt: through the SMTP server of MAIL_SERVER
(STARTTLS, SSL or neither, and a login when MAIL_USERNAME is set), or, without MAIL_SERVER,
into MAIL_FOLDER as a .eml file, marked sent. A temporary failure (server unreachable, timeout,
4xx answer) leaves the e-mail queued for another attempt after the next of MAIL_RETRY_DELAYS,
until MAIL_MAX_ATTEMPTS attempts have failed (« Échec »); a permanent one (5xx, recipient
refused) fails at once. The reason is kept in words staff can act on.

Who retries:
- with REDIS_URL, an RQ job per e-mail, retried by rq's `Retry` at MAIL_RETRY_DELAYS (the
  worker must run with its scheduler: `make worker` does);
- without Redis, a background thread of the web process that sleeps between rounds of
  attempts (one e-mail being retried never holds up the others of its commit). A
  restart loses that thread: `flask marelle send-mail` (from cron, every few minutes) makes
  one attempt for every e-mail still queued;
- with JOBS_SYNC (tests), at once, synchronously, sleeping MAIL_RETRY_DELAYS (0 in tests).
`resend(email_id)` puts a failed e-mail back in the queue, for staff.
"""
import logging
import re
import smtplib
import socket
import ssl
import threading
import time
from contextlib import contextmanager
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid, parseaddr
from pathlib import Path

import sqlalchemy as sa
from flask import current_app, has_app_context
from flask_babel import gettext as _

from app.extensions import db
from app.models import OutgoingEmail
from app.services import RuleViolation
from app.services.calendar import now_in_town
from app.services.storage import private_folder

log = logging.getLogger(__name__)

PENDING = "marelle_mail_pending"
# E-mails whose text holds a link that opens an account: staff never read it on screen (an
# agent could otherwise ask a reset for the admin's login and follow the link).
PRIVATE_KINDS = ("password_reset", "invitation")
EMAIL_TEMPLATE_FOLDER = "email/"


class TemporaryFailure(Exception):
    """Raised by the RQ task so that rq's Retry tries again later."""


# -- queueing --------------------------------------------------------------------------------

def check_address(recipient) -> str:
    """The address, normalised, or a RuleViolation saying it is not one."""
    from app.services.registry import check_email

    address = check_email(recipient)
    if not address:
        raise RuleViolation(_("An e-mail address is needed."), "email")
    return address


def queue_email(recipient, subject, text, html=None, kind="message", person_id=None,
                attachments=None, dispatch=True) -> OutgoingEmail:
    """Queue an e-mail to be sent once the caller's transaction commits. `attachments`:
    [{"storage_name", "filename", "content_type"}] of files in the private folder. A mass
    mailing passes dispatch=False and sends its e-mails itself (`deliver`, one connection)."""
    email = OutgoingEmail(
        recipient=check_address(recipient),
        # A header is one line: a newline in a subject would end it (or add headers).
        subject=" ".join(str(subject).split())[:250],
        body_text=text, body_html=html, kind=kind, state="queued", attempts=0,
        person_id=person_id, created_at=now_in_town(), attachments=attachments or None)
    db.session.add(email)
    db.session.flush()
    if dispatch:
        _send_after_commit(email.id)
    return email


def resend(email_id: int) -> OutgoingEmail:
    """Staff send a failed e-mail again: back in the queue, sent after the commit."""
    email = db.session.get(OutgoingEmail, email_id)
    if email is None:
        raise RuleViolation(_("This e-mail does not exist."), "id")
    if email.state != "failed":
        raise RuleViolation(_("Only an e-mail that failed can be sent again."), "state")
    email.state = "queued"
    email.attempts = 0
    email.error = None
    db.session.flush()
    _send_after_commit(email.id)
    return email


def _send_after_commit(email_id: int) -> None:
    db.session.info.setdefault(PENDING, []).append(email_id)


@sa.event.listens_for(sa.orm.Session, "after_commit")
def _sessions_committed(session):
    ids = session.info.pop(PENDING, None)
    if ids and has_app_context():
        start_sending(ids)


@sa.event.listens_for(sa.orm.Session, "after_soft_rollback")
def _sessions_rolled_back(session, previous_transaction):
    # Only the whole transaction's rollback: a savepoint's leaves the e-mails queued before it
    # (an id whose row a savepoint took away is skipped by `deliver`).
    if previous_transaction.parent is None:
        session.info.pop(PENDING, None)


def start_sending(ids) -> None:
    """Hand committed e-mails to whoever sends them (see the module's docstring)."""
    app = current_app._get_current_object()
    config = app.config
    if config.get("JOBS_SYNC"):
        # Called from the committing session's after_commit, where it cannot run SQL: each
        # attempt uses a session of its own (in tests, on the test's connection).
        session = db.session.session_factory()
        try:
            deliver_all(ids, session=session)
        finally:
            session.close()
    elif config.get("REDIS_URL"):
        from rq import Retry

        from app.extensions import get_queue

        retries = max(0, config["MAIL_MAX_ATTEMPTS"] - 1)
        try:
            queue = get_queue(app)
            for email_id in ids:
                queue.enqueue("app.services.mail.deliver_task", email_id, job_timeout=300,
                              retry=Retry(max=retries, interval=_delays(app, retries))
                              if retries else None)
        except Exception:  # noqa: BLE001  (the caller's commit is done: never fail it)
            log.exception("Redis unreachable: e-mails %s wait for `flask marelle send-mail`",
                          ids)
    else:
        threading.Thread(target=_deliver_in_thread, args=(app, list(ids)), daemon=True).start()


def _delays(app, count: int) -> list:
    delays = list(app.config.get("MAIL_RETRY_DELAYS") or [0])
    return [delays[min(index, len(delays) - 1)] for index in range(count)]


def _deliver_in_thread(app, ids):
    with app.app_context():
        try:
            deliver_all(ids)
        finally:
            db.session.remove()


def deliver_all(ids, session=None, sleep=time.sleep) -> dict:
    """Each e-mail until it is sent or failed: one attempt each, then the temporary failures
    again after the next of MAIL_RETRY_DELAYS, so that one e-mail being retried never holds
    up the others. Returns {id: state}."""
    app = current_app._get_current_object()
    states, waiting, rounds = {}, list(ids), 0
    while True:
        for email_id in waiting:
            try:
                states[email_id] = deliver(email_id, session=session)
            except Exception:  # noqa: BLE001  (a database hiccup on one must not stop the rest)
                log.exception("e-mail %s could not be delivered", email_id)
                (session or db.session).rollback()
                states[email_id] = None
        waiting = [email_id for email_id in waiting if states[email_id] == "queued"]
        if not waiting:
            return states
        sleep(_delays(app, rounds + 1)[rounds])
        rounds += 1


def deliver_task(email_id: int) -> str:
    """The RQ job: one attempt; a temporary failure raises so that rq retries later."""
    if not has_app_context():
        from app import create_app

        with create_app().app_context():
            return deliver_task(email_id)
    state = deliver(email_id)
    if state == "queued":
        raise TemporaryFailure(f"e-mail {email_id}: temporary failure, tried again later")
    return state


def send_queued() -> dict:
    """One attempt for every e-mail still queued, oldest first (`flask marelle send-mail`)."""
    ids = db.session.scalars(sa.select(OutgoingEmail.id).where(OutgoingEmail.state == "queued")
                             .order_by(OutgoingEmail.created_at, OutgoingEmail.id)).all()
    counts = {"sent": 0, "queued": 0, "failed": 0}
    for email_id in ids:
        state = deliver(email_id)
        if state in counts:
            counts[state] += 1
    return counts


# -- one attempt -----------------------------------------------------------------------------

class _Failure(Exception):
    def __init__(self, message: str, permanent: bool):
        super().__init__(message)
        self.message = message
        self.permanent = permanent


def deliver(email_id: int, session=None):
    """One attempt at sending this e-mail. Returns its state afterwards ("sent", "failed", or
    "queued" when a temporary failure leaves attempts), or None when it no longer exists.
    Commits: the attempt is counted before the server is called, so that two senders (a
    retry and the cron command) never send the same e-mail twice at once."""
    session = session or db.session
    config = current_app.config
    email = session.get(OutgoingEmail, email_id)
    if email is None:
        return None
    if email.state != "queued":
        return email.state
    attempt = email.attempts + 1
    claimed = session.execute(
        sa.update(OutgoingEmail)
        .where(OutgoingEmail.id == email_id, OutgoingEmail.state == "queued",
               OutgoingEmail.attempts == email.attempts)
        .values(attempts=attempt)
        .execution_options(synchronize_session=False))
    session.commit()
    if claimed.rowcount != 1:
        return session.get(OutgoingEmail, email_id).state
    email = session.get(OutgoingEmail, email_id)
    try:
        message = build_message(email)
        if config.get("MAIL_SERVER"):
            _send_smtp(message, email.recipient, config)
        else:
            _write_to_folder(message, email, config)
    except _Failure as failure:
        email.error = failure.message
        if failure.permanent or attempt >= config["MAIL_MAX_ATTEMPTS"]:
            email.state = "failed"
        log.warning("e-mail %s to %s, attempt %s: %s", email_id, email.recipient, attempt,
                    failure.message)
    except Exception as exc:  # noqa: BLE001  (an e-mail that cannot be built or encoded)
        log.exception("e-mail %s could not be sent", email_id)
        email.error = _("Could not send it: %(reason)s", reason=str(exc) or type(exc).__name__)
        email.state = "failed"
    else:
        email.state = "sent"
        email.sent_at = now_in_town()
        email.error = None
        if email.kind in PRIVATE_KINDS:
            forget_links(email)
    state = email.state
    session.commit()
    return state


LINK = re.compile(r"https?://[^\s\"'<>]+")


def forget_links(email: OutgoingEmail) -> None:
    """Once sent, an invitation's or a password e-mail's link is the recipient's alone: the
    stored copy loses it, so that a copy of the database (a backup, a dump) opens no account."""
    gone = _("[link removed once sent]")
    email.body_text = LINK.sub(gone, email.body_text or "")
    if email.body_html:
        email.body_html = LINK.sub(gone, email.body_html)


def build_message(email: OutgoingEmail) -> EmailMessage:
    sender = current_app.config["MAIL_SENDER"]
    message = EmailMessage()
    message["Subject"] = email.subject
    message["From"] = sender
    message["To"] = email.recipient
    message["Date"] = format_datetime(now_in_town())
    domain = parseaddr(sender)[1].rpartition("@")[2] or "marelle.invalid"
    message["Message-ID"] = make_msgid(domain=domain)
    message.set_content(email.body_text)
    if email.body_html:
        message.add_alternative(email.body_html, subtype="html")
    for attached in email.attachments or ():
        maintype, _slash, subtype = attached["content_type"].partition("/")
        message.add_attachment((private_folder() / attached["storage_name"]).read_bytes(),
                               maintype=maintype, subtype=subtype,
                               filename=attached["filename"])
    return message


def _write_to_folder(message: EmailMessage, email: OutgoingEmail, config) -> None:
    folder = Path(config["MAIL_FOLDER"])
    try:
        folder.mkdir(parents=True, exist_ok=True)
        name = f"{now_in_town():%Y%m%d-%H%M%S}-{email.id}.eml"
        (folder / name).write_bytes(bytes(message))
    except OSError as exc:
        raise _Failure(_("Could not write into the folder %(folder)s: %(reason)s",
                         folder=str(folder), reason=exc.strerror or str(exc)), False) from exc


# A mass mailing sends through one connection (`one_connection`); any other e-mail opens its
# own. Per thread: the background sender and a job never share a connection.
_shared = threading.local()


@contextmanager
def one_connection():
    """Within this block, the e-mails this thread sends share one SMTP connection, opened at
    the first and reopened after a failure: a mass mailing does not pay a connection (and a
    login) per e-mail."""
    _shared.active, _shared.smtp = True, None
    try:
        yield
    finally:
        _drop_shared(quit_first=True)
        _shared.active = False


def _drop_shared(quit_first=False) -> None:
    smtp, _shared.smtp = getattr(_shared, "smtp", None), None
    if smtp is not None:
        try:
            smtp.quit() if quit_first else smtp.close()
        except Exception:  # noqa: BLE001  (a connection already gone)
            pass


def _connect(config, host, port, server):
    security = (config.get("MAIL_SECURITY") or "starttls").lower()
    timeout = float(config.get("MAIL_TIMEOUT") or 20)
    if security == "ssl":
        smtp = smtplib.SMTP_SSL(host, port, timeout=timeout, context=ssl.create_default_context())
    else:
        smtp = smtplib.SMTP(host, port, timeout=timeout)
    try:
        if security == "starttls":
            try:
                smtp.starttls(context=ssl.create_default_context())
            except smtplib.SMTPNotSupportedError as exc:
                raise _Failure(_("The server %(server)s does not offer STARTTLS: check "
                                 "MAIL_SECURITY.", server=server), True) from exc
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
    except BaseException:
        smtp.close()
        raise
    return smtp


def _send_smtp(message: EmailMessage, recipient: str, config) -> None:
    try:
        _send_smtp_once(message, recipient, config)
    except _Failure:
        # After a failure a shared connection's state is unknown: the next e-mail reopens it.
        if getattr(_shared, "active", False):
            _drop_shared()
        raise


def _send_smtp_once(message: EmailMessage, recipient: str, config) -> None:
    host, port = config["MAIL_SERVER"], int(config["MAIL_PORT"])
    server = f"{host}:{port}"
    shared = getattr(_shared, "active", False)
    try:
        smtp = (_shared.smtp if shared else None) or _connect(config, host, port, server)
        if shared:
            _shared.smtp = smtp
        try:
            smtp.send_message(message, to_addrs=[recipient])
        finally:
            if not shared:
                smtp.quit()
    except _Failure:
        raise
    except smtplib.SMTPRecipientsRefused as exc:
        code, answer = next(iter(exc.recipients.values()), (550, b""))
        raise _Failure(_("Recipient refused by the server: %(answer)s",
                         answer=_answer(code, answer)), code >= 500) from exc
    except smtplib.SMTPAuthenticationError as exc:
        raise _Failure(_("The server %(server)s refused the login (MAIL_USERNAME, "
                         "MAIL_PASSWORD): %(answer)s", server=server,
                         answer=_answer(exc.smtp_code, exc.smtp_error)), True) from exc
    except smtplib.SMTPNotSupportedError as exc:
        raise _Failure(_("The server %(server)s answered: %(answer)s", server=server,
                         answer=str(exc)), True) from exc
    except smtplib.SMTPServerDisconnected as exc:
        raise _Failure(_("The server %(server)s closed the connection.", server=server),
                       False) from exc
    except smtplib.SMTPResponseException as exc:
        raise _Failure(_("The server %(server)s answered: %(answer)s", server=server,
                         answer=_answer(exc.smtp_code, exc.smtp_error)),
                       exc.smtp_code >= 500) from exc
    except ConnectionRefusedError as exc:
        raise _Failure(_("Connection refused by %(server)s", server=server), False) from exc
    except (socket.timeout, TimeoutError) as exc:
        raise _Failure(_("The server %(server)s did not answer in time.", server=server),
                       False) from exc
    except socket.gaierror as exc:
        raise _Failure(_("Unknown server name: %(host)s", host=host), False) from exc
    except ssl.SSLError as exc:
        raise _Failure(_("Secure connection to %(server)s failed: %(reason)s", server=server,
                         reason=exc.reason or str(exc)), False) from exc
    except (OSError, smtplib.SMTPException) as exc:
        raise _Failure(_("Could not reach %(server)s: %(reason)s", server=server,
                         reason=getattr(exc, "strerror", None) or str(exc)), False) from exc


def _answer(code, text) -> str:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return f"{code} {' '.join(str(text or '').split())}".strip()


# -- templates -------------------------------------------------------------------------------

def _plain_environment(app):
    """The app's Jinja environment without HTML escaping, for subjects and plain text."""
    environment = app.extensions.get("marelle_mail_jinja")
    if environment is None:
        environment = app.extensions["marelle_mail_jinja"] = app.jinja_env.overlay(
            autoescape=False)
    return environment


def render(template: str, **context) -> tuple:
    """(subject, text, html) of an e-mail template, e.g. render("email/password_reset",
    link=..., hours=2)."""
    app = current_app._get_current_object()
    name = template if template.endswith(".html") else f"{template}.html"
    if not name.startswith(EMAIL_TEMPLATE_FOLDER):
        name = EMAIL_TEMPLATE_FOLDER + name
    context = {"app_name": app.config.get("TOWN_NAME") or app.config.get("APP_NAME", "Marelle"),
               **context}
    plain = _plain_environment(app).get_template(name)
    subject = " ".join(plain.render(context, part="subject").split())
    text = _tidy_text(plain.render(context, part="text"))
    html = app.jinja_env.get_template(name).render(context, part="html").strip()
    return subject, text, html


def _tidy_text(text: str) -> str:
    lines = [line.rstrip() for line in text.strip().splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)) + "\n"
