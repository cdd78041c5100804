"""« E-mails envoyés »: staff see what was sent to whom, and why an e-mail failed."""
import pytest

from app.extensions import db
from app.services import mail
from tests.mail_server import free_port


@pytest.fixture
def emails(app, smtp_server, monkeypatch):
    """One e-mail sent, one refused by the server, one left waiting."""
    with app.test_request_context():
        sent = mail.queue_email("claire.martin@example.fr", "Facture de novembre", "Bonjour,\n"
                                "votre facture est prête.", kind="message").id
        smtp_server.refuse("inconnu@example.fr")
        failed = mail.queue_email("inconnu@example.fr", "Mot de passe", "Lien",
                                  kind="password_reset").id
        db.session.commit()
        waiting = mail.queue_email("paul.martin@example.fr", "Rappel", "Texte").id
        db.session.info.pop(mail.PENDING)
        db.session.commit()
    return {"sent": sent, "failed": failed, "waiting": waiting}


def test_an_agent_reads_the_states_in_french(login, emails):
    page = login("agent").get("/emails/list/").get_data(as_text=True)
    assert "E-mails envoyés" in page
    for state, label in (("sent", "Envoyé"), ("failed", "Échec"), ("waiting", "En attente")):
        row = page.split(f'id="email-{emails[state]}"')[1].split("</tr>")[0]
        assert label in row, state
    failed_row = page.split(f'id="email-{emails["failed"]}"')[1].split("</tr>")[0]
    assert "Destinataire refusé par le serveur : 550 5.1.1" in failed_row
    assert "Lien de mot de passe" in failed_row  # the kind, in words


def test_the_list_filters_by_state_and_kind(login, emails):
    agent = login("agent")
    failed = agent.get("/emails/list/?state=failed").get_data(as_text=True)
    assert f'id="email-{emails["failed"]}"' in failed
    assert f'id="email-{emails["sent"]}"' not in failed
    messages = agent.get("/emails/list/?kind=message").get_data(as_text=True)
    assert f'id="email-{emails["sent"]}"' in messages
    assert f'id="email-{emails["failed"]}"' not in messages


def test_a_failed_email_is_sent_again_from_its_page(app, login, emails, smtp_server):
    regisseur = login("regisseur")
    page = regisseur.get(f"/emails/show/{emails['failed']}").get_data(as_text=True)
    assert "Renvoyer" in page
    # A password link is never shown to staff: an agent could take over the admin's account.
    assert "https://" not in page and "lien personnel de connexion" in page
    sent = regisseur.get(f"/emails/show/{emails['sent']}").get_data(as_text=True)
    assert "Renvoyer" not in sent and "votre facture est prête." in sent
    smtp_server.clear()
    answer = regisseur.post(f"/emails/resend/{emails['failed']}", follow_redirects=True)
    assert "E-mail envoyé." in answer.get_data(as_text=True)
    assert smtp_server.last_to("inconnu@example.fr").subject == "Mot de passe"
    again = regisseur.post(f"/emails/resend/{emails['failed']}", follow_redirects=True)
    assert "Seul un e-mail en échec peut être renvoyé." in again.get_data(as_text=True)


def test_a_server_still_down_keeps_the_email_failed_with_its_reason(app, login, emails,
                                                                  monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_PORT", free_port())
    agent = login("agent")
    page = agent.post(f"/emails/resend/{emails['failed']}", follow_redirects=True)
    assert "Connexion refusée par 127.0.0.1:" in page.get_data(as_text=True)


def test_folder_mode_says_emails_are_not_really_sent(app, login, monkeypatch):
    monkeypatch.setitem(app.config, "MAIL_SERVER", None)
    page = login("admin").get("/emails/list/").get_data(as_text=True)
    assert "les e-mails ne sont pas réellement envoyés" in page
    assert app.config["MAIL_FOLDER"] in page


def test_the_animateur_and_the_parent_may_not_read_them(login, emails):
    for who in ("animateur", "parent"):
        client = login(who)
        for url in ("/emails/list/", f"/emails/show/{emails['sent']}"):
            assert client.get(url).status_code in (302, 403), (who, url)
        assert client.post(f"/emails/resend/{emails['failed']}").status_code in (302, 403)
    assert "E-mails envoyés" not in login("animateur").get("/").get_data(as_text=True)
    assert "E-mails envoyés" in login("agent").get("/").get_data(as_text=True)
