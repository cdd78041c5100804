"""Relances: letters only for overdue invoices, one per payer, what is still due on them, kept
on each invoice and optionally in the family's documents."""
import html
import io
import re
from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa

from app.extensions import db
from app.models import Document, InvoiceReminder
from app.services import payments, reminders
from tests import factories


def words(response):
    shown = html.unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))
    return re.sub(r"\s+", " ", shown.replace("\xa0", " ").replace("\u202f", " "))


@pytest.fixture
def overdue(app):
    """Two payers at one régie: the first has two overdue invoices (one partly paid), one
    paid and one not yet due; the second one overdue invoice. The town's clock says
    20/11/2026."""
    with app.test_request_context():
        payer, regie, (late, partly, paid) = factories.payer_with_invoices(
            db.session, "40.00", "30.00", "20.00")
        for invoice in (late, partly, paid):
            invoice.due_date = date(2026, 11, 10)
        not_due = factories.validated_invoice(db.session, payer, regie, "15.00",
                                              due_date=date(2026, 12, 15))
        payments.record_payment(payer.id, regie.id, "10,00", "cash", invoice_ids=[partly.id])
        payments.record_payment(payer.id, regie.id, "20,00", "cash", invoice_ids=[paid.id])
        _, (other,), _ = factories.household("Autre", children=0)
        other_late = factories.validated_invoice(db.session, other, regie, "7.50",
                                                 due_date=date(2026, 11, 1))
        db.session.commit()
        return {"ids": [late.id, partly.id, paid.id, not_due.id, other_late.id],
                "late": late.id, "partly": partly.id, "paid": paid.id, "not_due": not_due.id,
                "payer": payer.id, "other": other.id, "numbers": [late.number, partly.number]}


def test_letters_list_only_the_overdue_invoices_with_what_is_still_due(app, overdue):
    with app.test_request_context():
        letters = reminders.letters_for(overdue["ids"])
        assert [(letter.payer_id, [i.id for i, _ in letter.invoices], letter.total)
                for letter in letters] == [
            (overdue["other"], [overdue["ids"][4]], Decimal("7.50")),
            (overdue["payer"], [overdue["late"], overdue["partly"]], Decimal("60.00"))]


def test_the_regisseur_prints_the_letters_of_the_to_remind_list(app, login, overdue):
    from pypdf import PdfReader

    regisseur = login("regisseur")
    listing = regisseur.get("/invoiceview/list/?_flt_0_status=to_remind")
    assert 'id="remind-list"' in listing.get_data(as_text=True)
    question = words(regisseur.get("/invoiceview/reminders?_flt_0_status=to_remind"))
    assert "2 lettres à imprimer : 3 factures en retard, 67,50 € dus en tout." in question
    confirm = words(regisseur.get("/invoiceview/reminders?ids=" + ",".join(
        map(str, overdue["ids"]))))
    assert ("2 factures de la liste ne sont pas en retard (payées, annulées ou pas encore "
            "échues) : pas de lettre pour elles.") in confirm
    done = regisseur.post("/invoiceview/reminders?_flt_0_status=to_remind", data={
        "ids": ",".join(map(str, overdue["ids"])), "save_to_records": "1"},
        follow_redirects=True)
    summary = words(done)
    assert "2 lettres de relance, pour 3 factures en retard — 67,50 € dus en tout." in summary
    assert "Enregistrées dans les fiches de 2 familles." in summary
    link = re.search(r'href="(/invoiceview/download/[^"]+)"', done.get_data(as_text=True))
    pdf = regisseur.get(link.group(1)).data
    pages = [" ".join(page.extract_text().split()) for page in PdfReader(io.BytesIO(pdf)).pages]
    assert len(pages) == 2
    mine = next(page for page in pages if overdue["numbers"][0] in page)
    assert "Relance" in mine and "60,00 €" in mine and "20,00 €" in mine  # 30 − 10 paid
    assert "crédit sur votre compte" not in mine
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(InvoiceReminder.id))) == 3
        saved = db.session.scalars(sa.select(Document).where(
            Document.person_id == overdue["payer"])).all()
        assert [d.name for d in saved] == ["Relance du 20/11/2026"]
    shown = words(regisseur.get(f"/invoiceview/show/{overdue['partly']}"))
    assert "Relancée le : 20/11/2026" in shown


def test_nobody_to_remind_is_said_and_agents_cannot_make_letters(login, overdue):
    regisseur = login("regisseur")
    nothing = words(regisseur.get(f"/invoiceview/reminders?ids={overdue['not_due']}"))
    assert "Aucune facture de cette liste n'est en retard : personne à relancer." in nothing
    agent = login("agent")
    assert agent.get("/invoiceview/reminders?_flt_0_status=to_remind").status_code in (302, 403)


def test_letters_of_two_regies_are_saved_each_to_its_own_invoices(app, login, overdue):
    """One payer overdue at two régies gets two letters; each invoice points to its own."""
    with app.test_request_context():
        from app.models import Person

        payer = db.session.get(Person, overdue["payer"])
        other_regie = factories.regie(db.session, code="AUT")
        elsewhere = factories.validated_invoice(db.session, payer, other_regie, "25.00",
                                                due_date=date(2026, 11, 5))
        db.session.commit()
        elsewhere_id = elsewhere.id
    regisseur = login("regisseur")
    ids = ",".join(map(str, [overdue["late"], overdue["partly"], elsewhere_id]))
    regisseur.post(f"/invoiceview/reminders?ids={ids}", data={"ids": ids,
                                                              "save_to_records": "1"})
    with app.app_context():
        linked = dict(db.session.execute(sa.select(InvoiceReminder.invoice_id,
                                                   InvoiceReminder.document_id)).all())
        documents = {d.id: d for d in db.session.scalars(sa.select(Document))}
        assert len(documents) == 2 and set(linked.values()) == set(documents)
        assert linked[overdue["late"]] == linked[overdue["partly"]] != linked[elsewhere_id]
    again = words(regisseur.get(f"/invoiceview/reminders?ids={ids}"))
    assert "personne à relancer" in again  # not twice the same day


def test_a_letter_says_what_credit_the_account_holds(app, overdue):
    from app.models import Invoice

    with app.test_request_context():
        invoice = db.session.get(Invoice, overdue["late"])
        payments.record_payment(overdue["payer"], invoice.regie_id, "5,00", "cash")
        letters = reminders.letters_for(overdue["ids"])
        mine = next(letter for letter in letters if letter.payer_id == overdue["payer"])
        assert mine.credit == Decimal("5.00")
        db.session.rollback()


def test_an_archived_payer_gets_a_letter_not_a_failed_job(app, login, overdue):
    """Review: one archived payer made the whole job fail with a Python class name."""
    from app.models import Person
    from app.models.base import utcnow

    with app.test_request_context():
        db.session.get(Person, overdue["other"]).archived_at = utcnow()
        db.session.commit()
    done = words(login("regisseur").post("/invoiceview/reminders?_flt_0_status=to_remind", data={
        "ids": ",".join(map(str, overdue["ids"])), "save_to_records": "1"},
        follow_redirects=True))
    assert "2 lettres de relance" in done and "Enregistrée dans la fiche d'1 famille." in done
    assert "RuleViolation" not in done


def test_a_failed_job_says_why_in_words(app):
    from app import jobs
    from app.models import BackgroundJob
    from app.services import RuleViolation

    @jobs.job("test_refused_job")
    def refused(progress):
        raise RuleViolation("La régie n'a pas d'IBAN.")

    with app.test_request_context():
        row = jobs.submit("test_refused_job", {})
        db.session.commit()
        jobs.execute(row.id)
        assert db.session.get(BackgroundJob, row.id).error == "La régie n'a pas d'IBAN."
        jobs.JOBS.pop("test_refused_job")


def test_families_are_told_their_letter_is_on_the_portal(app, login, overdue, smtp_server):
    """« Envoyer une notification »: the payer with an e-mail is told; the other one is not,
    and has the printed letter; the letter reads on the portal."""
    from app.models import Person

    with app.test_request_context():
        payer = db.session.get(Person, overdue["payer"])
        payer.email = "payeur@exemple.fr"
        email = factories.parent_login(db.session, payer, "payeur@exemple.fr")
        db.session.commit()
    done = login("regisseur").post("/invoiceview/reminders", data={
        "ids": ",".join(map(str, overdue["ids"])), "save_to_records": "1", "notify": "1"},
        follow_redirects=True)
    assert "1 famille prévenue par e-mail." in words(done)
    received = smtp_server.last_to("payeur@exemple.fr")
    assert received.subject == "Une lettre de relance est dans vos documents"
    assert "il reste 60,00 € à régler" in received.text.replace("\xa0", " ").replace(
        "\u202f", " ")
    assert [m for m in smtp_server.messages if "payeur" not in m.rcpt_tos[0]] == []
    from tests.support import portal_client

    assert "Relance du 20/11/2026" in words(portal_client(app, email).get("/portal/documents"))
