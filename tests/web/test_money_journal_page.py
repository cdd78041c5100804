"""« Journal des opérations »: the admin reads the money journal, filters it and verifies it;
the agent and the régisseur may not open it."""
import re

import sqlalchemy as sa

from app.extensions import db
from app.services import payments
from tests import factories
from tests.support import page_text


def csrf(page) -> str:
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"',
                     page.get_data(as_text=True)).group(1)


def test_the_admin_lists_filters_and_verifies_the_journal(app, login):
    with app.test_request_context():
        payer, regie, (invoice,) = factories.payer_with_invoices(db.session, "30.00")
        payments.record_payment(payer.id, regie.id, "30,00", "cash", invoice_ids=[invoice.id])
        db.session.commit()
    admin = login("admin")
    page = admin.get("/money_journal/list/")
    text = page_text(page)
    assert "Journal des opérations" in text
    assert "Factures validées" in text and "Paiement enregistré" in text
    assert "2 opérations" in text
    only_payments = page_text(admin.get("/money_journal/list/?action=record_payment"))
    assert "1 opération" in only_payments and "Factures validées</td>" not in only_payments
    on_invoices = page_text(admin.get("/money_journal/list/?entity=Invoice"))
    assert "1 opération" in on_invoices
    verdict = page_text(admin.post("/money_journal/verify/", data={"csrf_token": csrf(page)}))
    assert "Journal intact : 2 lignes" in verdict


def test_the_verdict_names_the_altered_row(app, login):
    with app.test_request_context():
        payer, regie, _ = factories.payer_with_invoices(db.session)
        payments.record_payment(payer.id, regie.id, "30,00", "cash")
        db.session.commit()
        if db.engine.dialect.name == "postgresql":
            db.session.execute(sa.text("ALTER TABLE money_journal DISABLE TRIGGER USER"))
        else:
            db.session.execute(sa.text("DROP TRIGGER money_journal_no_update"))
        db.session.execute(sa.text("UPDATE money_journal SET user_name = 'Personne' "
                                   "WHERE seq = 1"))
        db.session.commit()
    admin = login("admin")
    page = admin.get("/money_journal/list/")
    verdict = page_text(admin.post("/money_journal/verify/", data={"csrf_token": csrf(page)}))
    assert "Journal rompu à la ligne 1" in verdict and "son contenu a été modifié" in verdict


def test_the_agent_and_the_regisseur_may_not_open_it(app, login, monkeypatch):
    # Without the token check, a refusal can only come from the permissions.
    monkeypatch.setitem(app.config, "WTF_CSRF_ENABLED", False)
    for who in ("agent", "regisseur", "animateur"):
        client = login(who)
        assert client.get("/money_journal/list/").status_code in (302, 403), who
        assert client.post("/money_journal/verify/").status_code in (302, 403), who
        assert "Journal des opérations" not in page_text(client.get("/"))
    assert "Journal des opérations" in page_text(login("admin").get("/"))
