"""Data protection: a family's export for an access request, and the purge of people archived
long ago (a dry run first; accounting records kept)."""
import io
import json
import zipfile
from datetime import date, datetime, timezone

import sqlalchemy as sa
from werkzeug.datastructures import FileStorage

from app.models import AuditLog, Document, Invoice, Person, PortalAccount
from app.services import documents, privacy, registry
from tests import factories

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_the_export_holds_the_family_its_invoices_and_documents(session):
    regie, _meal, (mother,), child, _email = factories.portal_family(session, "Export")
    invoice = factories.validated_invoice(session, mother, regie, total="18.00")
    documents.attach(child, FileStorage(io.BytesIO(PDF), "vaccins.pdf"), "Vaccins")
    zipped = zipfile.ZipFile(io.BytesIO(privacy.family_export(mother)))
    names = zipped.namelist()
    data = json.loads(zipped.read("donnees.json"))
    assert data["adult"]["last_name"] == mother.last_name
    assert [c["first_name"] for c in data["children"]] == [child.first_name]
    assert data["children"][0]["subscriptions"][0]["service_id"] is not None
    assert data["invoices"][0]["total"] == "18.00"
    assert data["adult"]["portal_login"]["activated_at"] is not None
    assert f"factures/{invoice.number}.pdf" in names
    assert any(n.endswith("-vaccins.pdf") for n in names)
    assert zipped.read(next(n for n in names if n.endswith("-vaccins.pdf"))) == PDF
    # What the family reads first: the same, in words.
    from pypdf import PdfReader

    summary = " ".join(" ".join(page.extract_text().split())
                       for page in PdfReader(io.BytesIO(zipped.read("resume.pdf"))).pages)
    assert "Vos données personnelles détenues par la commune" in summary
    assert f"{mother.last_name.upper()} {mother.first_name}" in summary
    assert f"Enfant : {child.first_name} {child.last_name.upper()}" in summary
    assert "Vaccins (vaccins.pdf)" in summary
    assert "1 facture ou avoir" in summary and "ouvert le" in summary


def test_the_purge_dry_run_changes_nothing_then_it_forgets_identities_not_accounts(session):
    regie, _meal, (mother,), child, _email = factories.portal_family(session, "Ancien")
    invoice = factories.validated_invoice(session, mother, regie, total="12.00")
    from app.services import payments

    payments.record_payment(mother.id, regie.id, "12,00", "cash", invoice_ids=[invoice.id])
    documents.attach(mother, FileStorage(io.BytesIO(PDF), "rib.pdf"), "RIB")
    _, (recent,), _ = factories.household("Récent")
    for person in (mother, child):
        registry.archive_person(person)
        person.archived_at = datetime(2019, 5, 1, tzinfo=timezone.utc)
    registry.archive_person(recent)
    session.flush()
    names = (mother.last_name, mother.first_name, child.first_name)

    dry = privacy.purge(5)
    assert not dry["applied"]
    assert {pid for pid, _name, _day in dry["people"]} == {mother.id, child.id}
    session.expire_all()
    assert (mother.last_name, mother.first_name, child.first_name) == names
    assert session.scalar(sa.select(sa.func.count(Document.id)).where(
        Document.person_id == mother.id)) == 1

    done = privacy.purge(5, apply=True)
    assert done["applied"] and len(done["people"]) == 2
    assert (mother.last_name, mother.first_name) == ("ANONYME", f"#{mother.id}")
    assert mother.email is None and mother.birth_date is None
    assert session.scalar(sa.select(sa.func.count(Document.id)).where(
        Document.person_id == mother.id)) == 0
    assert session.scalar(sa.select(PortalAccount).where(
        PortalAccount.person_id == mother.id)) is None
    # What accounting keeps: the invoice as issued, its payment.
    kept = session.get(Invoice, invoice.id)
    assert kept.payer_name == f"{names[0].upper()} {names[1]}" and kept.total == 12
    assert session.get(Person, recent.id).last_name == "Récent"
    assert session.scalar(sa.select(sa.func.count(AuditLog.id)).where(
        AuditLog.action == "pseudonymise")) == 2
    # Run again: nobody left to forget.
    assert privacy.purge(5)["people"] == []


def test_the_purge_command_is_a_dry_run_by_default(app, session):
    _, (adult,), _ = factories.household("Commande")
    registry.archive_person(adult)
    adult.archived_at = datetime(2018, 1, 1, tzinfo=timezone.utc)
    session.flush()
    result = app.test_cli_runner().invoke(args=["marelle", "purge", "--years", "5"])
    assert "Dry run: 1 people archived more than 5 years ago would be pseudonymised." \
        in result.output
    assert session.get(Person, adult.id).last_name == "Commande"


def test_only_the_admin_exports_a_familys_data(app, login):
    from app.extensions import db

    with app.test_request_context():
        _, (adult,), _ = factories.household("Demande")
        db.session.commit()
        adult_id = adult.id
    response = login("admin").get(f"/adultview/export/{adult_id}")
    assert response.status_code == 200 and response.mimetype == "application/zip"
    assert "donnees.json" in zipfile.ZipFile(io.BytesIO(response.data)).namelist()
    assert login("agent").get(f"/adultview/export/{adult_id}").status_code in (302, 403)


def test_the_purge_forgets_the_messages_they_received(app, session):
    from app.models import MessageRecipient, OutgoingEmail
    from app.services import messaging

    _, (adult,), _ = factories.household("Messages")
    adult.email = "ancien@exemple.fr"
    message = messaging.create("Bonjour {prenom}", "Solde : {solde}", [adult.id])
    messaging.queue_copies(message.id, [r.id for r in message.recipients])
    registry.archive_person(adult)
    adult.archived_at = datetime(2018, 1, 1, tzinfo=timezone.utc)
    privacy.purge(5, apply=True)
    copy = session.scalar(sa.select(MessageRecipient).where(
        MessageRecipient.person_id == adult.id))
    assert (copy.subject, copy.body) == ("ANONYME", "")
    email = session.scalar(sa.select(OutgoingEmail).where(OutgoingEmail.person_id == adult.id))
    assert email.recipient == "ANONYME" and "Messages" not in email.body_text


def test_the_purge_command_refuses_a_nonsense_retention(app):
    result = app.test_cli_runner().invoke(args=["marelle", "purge", "--years", "0"])
    assert result.exit_code != 0 and "--years" in result.output


def test_the_export_holds_a_childs_health_and_the_purge_erases_it(session):
    from app.models import ChildCare
    from app.services import child_care

    regie, _meal, (mother,), child, _email = factories.portal_family(session, "Santé")
    child_care.save(child, child_care.CareData(
        allergies="Arachide", has_pai=True, pai_detail="Trousse au bureau",
        doctor_name="Dr Morel", pickup_people="Mamie Josette, grand-mère, 06 11 22 33 44",
        photo_consent="no", may_leave_alone=True))
    zipped = zipfile.ZipFile(io.BytesIO(privacy.family_export(mother)))
    data = json.loads(zipped.read("donnees.json"))
    (health,) = data["children"][0]["health_and_permissions"]
    from pypdf import PdfReader

    summary = " ".join(" ".join(page.extract_text().split())
                       for page in PdfReader(io.BytesIO(zipped.read("resume.pdf"))).pages)
    assert "Santé et autorisations" in summary and "Arachide" in summary
    assert "Trousse au bureau" in summary and "Mamie Josette" in summary
    assert health["allergies"] == "Arachide" and health["has_pai"] is True
    assert health["pickup_people"] == "Mamie Josette, grand-mère, 06 11 22 33 44"
    assert health["photo_consent"] == "no" and health["doctor_name"] == "Dr Morel"
    assert "health_and_permissions" not in data["adult"]

    for person in (mother, child):
        registry.archive_person(person)
        person.archived_at = datetime(2019, 5, 1, tzinfo=timezone.utc)
    session.flush()
    privacy.purge(5)
    assert session.scalar(sa.select(ChildCare.allergies).where(
        ChildCare.person_id == child.id)) == "Arachide"  # a dry run changes nothing
    privacy.purge(5, apply=True)
    assert session.scalar(sa.select(sa.func.count(ChildCare.id)).where(
        ChildCare.person_id == child.id)) == 0
    # The audit trail of the changes kept no health text.
    assert "Arachide" not in str(session.scalars(sa.select(AuditLog.after).where(
        AuditLog.entity_id == child.id)).all())
