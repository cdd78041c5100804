"""Sending e-mails: after the commit that decided it, to a real SMTP server, with retries and a
delivery state staff can read."""
import uuid
from email import message_from_bytes
from email.policy import default as default_policy
from pathlib import Path

import pytest

from app.models import OutgoingEmail
from app.services import RuleViolation, mail
from tests.mail_server import free_port


def _queue(to="claire.martin@example.fr", subject="Votre facture", **extra):
    return mail.queue_email(to, subject, "Bonjour Claire,\nVotre facture est prête.",
                            "<p>Bonjour Claire,</p><p>Votre facture est <b>prête</b>.</p>",
                            **extra)


def test_an_email_is_sent_after_the_commit_with_text_and_html(app, session, smtp_server):
    email = _queue(kind="message")
    assert email.state == "queued" and smtp_server.messages == []
    session.commit()

    received = smtp_server.last_to("claire.martin@example.fr")
    assert received.subject == "Votre facture"
    assert received["To"] == "claire.martin@example.fr"
    assert received["From"] == app.config["MAIL_SENDER"]
    assert received["Date"] and received["Message-ID"].endswith("@marelle.invalid>")
    assert "Votre facture est prête." in received.text
    assert "<b>prête</b>" in received.html
    assert (email.state, email.attempts, email.error) == ("sent", 1, None)
    assert email.sent_at is not None


def test_nothing_is_sent_when_the_transaction_is_rolled_back(session, smtp_server):
    email_id = _queue().id
    session.rollback()
    # A later commit, of something else, does not send it either.
    session.commit()
    assert smtp_server.messages == []
    assert session.get(OutgoingEmail, email_id) is None


def test_not_an_address_is_refused_in_french(session):
    with pytest.raises(RuleViolation, match="n’est pas valide|n'est pas valide"):
        _queue(to="claire.martin(at)example.fr")
    with pytest.raises(RuleViolation, match="adresse e-mail est nécessaire"):
        _queue(to="  ")


def test_a_newline_cannot_add_headers_through_the_subject(session, smtp_server):
    _queue(subject="Facture\nBcc: everyone@example.fr")
    session.commit()
    received = smtp_server.last_to("claire.martin@example.fr")
    assert received.subject == "Facture Bcc: everyone@example.fr"
    assert received["Bcc"] is None and len(smtp_server.messages) == 1


def test_a_closed_port_is_retried_then_fails_with_the_reason(app, session, smtp_server,
                                                             monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_PORT", free_port())
    email = _queue()
    session.commit()
    assert email.state == "failed"
    assert email.attempts == app.config["MAIL_MAX_ATTEMPTS"] == 4
    assert email.error == f"Connexion refusée par 127.0.0.1:{app.config['MAIL_PORT']}"
    assert email.sent_at is None


def test_retries_wait_longer_each_time(app, session, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_SERVER", "127.0.0.1")
    monkeypatch.setitem(app.config, "MAIL_PORT", free_port())
    monkeypatch.setitem(app.config, "MAIL_SECURITY", "none")
    monkeypatch.setitem(app.config, "MAIL_RETRY_DELAYS", [60, 300])
    email = _queue()
    session.info.pop(mail.PENDING)  # sent below, to see the waits
    session.commit()
    waits = []
    assert mail.deliver_all([email.id], sleep=waits.append) == {email.id: "failed"}
    assert waits == [60, 300, 300]


def test_a_refused_recipient_fails_at_once_and_the_next_email_still_leaves(session,
                                                                          smtp_server):
    smtp_server.refuse("nobody@example.fr")
    refused = _queue(to="nobody@example.fr")
    next_one = _queue(to="claire.martin@example.fr")
    session.commit()
    assert (refused.state, refused.attempts) == ("failed", 1)
    assert refused.error.startswith("Destinataire refusé par le serveur : 550")
    assert next_one.state == "sent"
    assert [m.rcpt_tos for m in smtp_server.messages] == [["claire.martin@example.fr"]]


def test_a_busy_mailbox_is_tried_again(app, session, smtp_server):
    smtp_server.defer("busy@example.fr")
    email = _queue(to="busy@example.fr")
    session.commit()
    assert (email.state, email.attempts) == ("failed", 4)
    assert "451 4.3.0 Mailbox busy" in email.error


def test_one_email_being_retried_does_not_hold_up_the_others(session, smtp_server):
    smtp_server.defer("busy@example.fr")
    busy = _queue(to="busy@example.fr")
    other = _queue(to="paul.martin@example.fr")
    session.info.pop(mail.PENDING)  # sent below, to look between the rounds
    session.commit()
    received_before_each_wait = []
    states = mail.deliver_all([busy.id, other.id], sleep=lambda seconds:
                              received_before_each_wait.append(len(smtp_server.messages)))
    assert states == {busy.id: "failed", other.id: "sent"}
    assert received_before_each_wait == [1, 1, 1]


def test_staff_send_a_failed_email_again(app, session, smtp_server):
    smtp_server.refuse("claire.martin@example.fr")
    email = _queue()
    session.commit()
    assert email.state == "failed"
    smtp_server.clear()
    mail.resend(email.id)
    session.commit()
    assert (email.state, email.attempts, email.error) == ("sent", 1, None)
    with pytest.raises(RuleViolation, match="Seul un e-mail en échec"):
        mail.resend(email.id)


def test_without_a_mail_server_emails_are_written_to_the_folder(app, session, tmp_path,
                                                                monkeypatch):
    folder = tmp_path / "mail"
    monkeypatch.setitem(app.config, "MAIL_FOLDER", str(folder))
    email = _queue()
    session.commit()
    assert email.state == "sent"
    files = list(folder.glob("*.eml"))
    assert [f.name for f in files] == [f"20261120-100000-{email.id}.eml"]
    message = message_from_bytes(files[0].read_bytes(), policy=default_policy)
    assert message["Subject"] == "Votre facture"
    assert message["To"] == "claire.martin@example.fr"
    assert "Votre facture est prête." in message.get_body(("plain",)).get_content()
    assert "<b>prête</b>" in message.get_body(("html",)).get_content()


def test_a_folder_that_cannot_be_written_is_reported(app, session, tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    monkeypatch.setitem(app.config, "MAIL_FOLDER", str(blocker / "mail"))
    email = _queue()
    session.commit()
    assert email.state == "failed"
    assert email.error.startswith(f"Impossible d’écrire dans le dossier {blocker / 'mail'}")


def test_the_cron_command_sends_what_is_still_queued(app, session, smtp_server):
    email = _queue()
    session.info.pop(mail.PENDING)  # as if the web process had stopped before sending
    session.commit()
    assert email.state == "queued"
    result = app.test_cli_runner().invoke(args=["marelle", "send-mail"])
    assert result.exit_code == 0, result.output
    assert "1 sent" in result.output
    session.expire_all()
    assert session.get(OutgoingEmail, email.id).state == "sent"
    assert len(smtp_server.messages) == 1


def test_with_redis_a_worker_retries_then_fails(app, session, smtp_server, monkeypatch):
    import redis
    from rq import Queue, SimpleWorker

    url = "redis://127.0.0.1:6379/15"
    try:
        redis.Redis.from_url(url).ping()
    except redis.exceptions.ConnectionError:
        pytest.skip("no Redis on 127.0.0.1:6379")
    queue_name = f"marelle-test-{uuid.uuid4().hex[:8]}"
    monkeypatch.setitem(app.config, "REDIS_URL", url)
    monkeypatch.setitem(app.config, "JOBS_SYNC", False)
    monkeypatch.setitem(app.config, "RQ_QUEUE", queue_name)
    monkeypatch.setitem(app.config, "MAIL_PORT", free_port())
    email = _queue()
    session.commit()
    connection = redis.Redis.from_url(url)
    queue = Queue(queue_name, connection=connection)
    assert queue.count == 1 and email.state == "queued"
    try:
        SimpleWorker([queue], connection=connection).work(burst=True)
    finally:
        queue.delete(delete_jobs=True)
    session.expire_all()
    email = session.get(OutgoingEmail, email.id)
    assert (email.state, email.attempts) == ("failed", 4)
    assert email.error.startswith("Connexion refusée par 127.0.0.1:")


def test_render_gives_french_subject_text_and_escaped_html(app, ctx):
    subject, text, html = mail.render("email/password_reset", name="Claire <b>MARTIN</b>",
                                      login="cmartin", link="https://mairie.example/r/abc?x=1&y=2",
                                      until="vendredi 20 novembre à 12:00")
    assert subject == "Choisir un nouveau mot de passe"
    assert text.startswith("Bonjour Claire <b>MARTIN</b>,")
    assert "https://mairie.example/r/abc?x=1&y=2" in text
    assert "jusqu'au vendredi 20 novembre à 12:00" in text
    assert "Claire &lt;b&gt;MARTIN&lt;/b&gt;" in html
    assert 'href="https://mairie.example/r/abc?x=1&amp;y=2"' in html
    assert "<title>Choisir un nouveau mot de passe</title>" in html
    assert Path(app.root_path, "templates", "email", "password_reset.html").exists()
