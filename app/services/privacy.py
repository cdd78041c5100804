"""Data protection (RGPD): what Marelle holds about a family, and forgetting people archived
long ago.

`family_export(adult)` answers an access request: a zip with `donnees.json` (the adult, their
households and members, their children, and for each person their schooling, subscriptions,
bookings, attendance, a child's health and permissions, billing rules, mandates, consents, messages received, documents) and the
files themselves — documents and the PDFs of the invoices addressed to them.

`purge(retention_years, apply)` forgets the people archived more than `retention_years` ago:
their identity becomes a pseudonym (« ANONYME », « #1234 »), contact details, notes, criteria,
insurances, a child's health and permissions, documents, portal login, and the messages and e-mails they received go. What accounting must keep stays: invoices (as they
were issued, names and addresses included — they are accounting documents with their own
legal retention), payments, account entries, deposits. A dry run (the default) lists what
would change and changes nothing."""
import io
import json
import zipfile
from datetime import date, datetime, timedelta
from decimal import Decimal

import sqlalchemy as sa

from app.extensions import db
from app.models import (
    AccountEntry, Attendance, BillingRule, Booking, ChildCare, ConsentAcceptance, Document,
    Enrollment, Guardianship, Household, HouseholdMember, Invoice, Mandate, MessageRecipient,
    OutgoingEmail, Payment, Person, PersonCriterion, PersonInsurance, PortalAccount,
    Subscription)
from app.services import audit
from app.services.calendar import now_in_town
from app.services.documents import path_of, remove_file
from app.services.text import search_name

PSEUDONYM = "ANONYME"


def _plain(value):
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def _row(obj, *columns) -> dict:
    columns = columns or [c.key for c in sa.inspect(type(obj)).columns]
    return {column: _plain(getattr(obj, column)) for column in columns}


def _rows(model, condition, *columns) -> list:
    return [_row(obj, *columns) for obj in db.session.scalars(
        sa.select(model).where(condition).order_by(model.id))]


PERSON_COLUMNS = ("id", "kind", "last_name", "first_name", "birth_date", "email", "phone",
                  "mobile_phone", "profession", "notes", "archived_at", "created_at")


def _person_data(person: Person) -> dict:
    pid = person.id
    return {
        **_row(person, *PERSON_COLUMNS),
        "criteria": [{"criterion": c.criterion.label, "value": c.value.label}
                     for c in person.criteria],
        "insurances": [{"insurer": i.insurance.label, "policy_number": i.policy_number,
                        "valid_until": _plain(i.valid_until)} for i in person.insurances],
        "enrollments": _rows(Enrollment, Enrollment.person_id == pid),
        "subscriptions": _rows(Subscription, Subscription.person_id == pid),
        "bookings": _rows(Booking, Booking.person_id == pid, "service_id", "date"),
        "attendance": _rows(Attendance, Attendance.person_id == pid, "service_id", "date",
                            "status"),
        "documents": _rows(Document, Document.person_id == pid, "id", "name", "description",
                           "original_filename", "uploaded_at", "portal_from", "portal_until"),
        **({"health_and_permissions": _rows(ChildCare, ChildCare.person_id == pid)}
           if person.kind == "child" else {}),
    }


def family_export(adult: Person) -> bytes:
    """The zip of everything held about this adult and their children."""
    children = db.session.scalars(
        sa.select(Person).join(Guardianship, Guardianship.child_id == Person.id)
        .where(Guardianship.adult_id == adult.id).order_by(Person.id)).all()
    households = db.session.scalars(
        sa.select(Household).join(HouseholdMember)
        .where(HouseholdMember.person_id == adult.id)).all()
    invoices = db.session.scalars(sa.select(Invoice).where(
        sa.or_(Invoice.payer_id == adult.id, Invoice.co_payer_id == adult.id),
        Invoice.status != "draft").order_by(Invoice.id)).all()
    account = db.session.scalar(sa.select(PortalAccount).where(
        PortalAccount.person_id == adult.id))
    data = {
        "exported_at": now_in_town().isoformat(),
        "adult": {
            **_person_data(adult),
            "billing_rules": _rows(BillingRule, BillingRule.payer_id == adult.id),
            "mandates": _rows(Mandate, Mandate.adult_id == adult.id),
            "payments": _rows(Payment, Payment.payer_id == adult.id),
            "account_entries": _rows(AccountEntry, AccountEntry.adult_id == adult.id),
            "consents": [{"consent": a.consent.label, "accepted_at": _plain(a.accepted_at)}
                         for a in db.session.scalars(sa.select(ConsentAcceptance).where(
                             ConsentAcceptance.adult_id == adult.id))],
            "messages": _rows(MessageRecipient, MessageRecipient.person_id == adult.id,
                              "subject", "body"),
            "portal_login": None if account is None else {
                "created_at": _plain(account.created_at),
                "activated_at": _plain(account.activated_at)},
        },
        "households": [{**_row(h, "id", "name", "address_line", "postal_code", "city"),
                        "members": [m.person.display_name for m in h.memberships]}
                       for h in households],
        "children": [_person_data(child) for child in children],
        "invoices": [_row(i, "id", "kind", "number", "status", "period_start", "period_end",
                          "issue_date", "due_date", "total", "payer_name", "address")
                     for i in invoices],
    }
    from app.pdf.invoices import invoice_pdfs

    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as zipped:
        zipped.writestr("donnees.json", json.dumps(data, ensure_ascii=False, indent=2))
        zipped.writestr("resume.pdf", _summary_pdf(data))
        for invoice, pdf in zip(invoices, invoice_pdfs(invoices) if invoices else []):
            zipped.writestr(f"factures/{invoice.number or invoice.id}.pdf", pdf)
        for person in [adult, *children]:
            for document in person.documents:
                try:
                    with open(path_of(document), "rb") as handle:
                        zipped.writestr(f"documents/{document.id}-{document.original_filename}",
                                        handle.read())
                except FileNotFoundError:
                    continue
    return archive.getvalue()


def purgeable(retention_years: int) -> list:
    """The people archived more than `retention_years` ago, not yet pseudonymised."""
    limit = now_in_town() - timedelta(days=365 * retention_years)
    return db.session.scalars(
        sa.select(Person).where(Person.archived_at.is_not(None), Person.archived_at < limit,
                                Person.last_name != PSEUDONYM)
        .order_by(Person.archived_at, Person.id)).all()


def purge(retention_years: int, apply: bool = False) -> dict:
    """Forget the people archived more than `retention_years` ago (see the module). Without
    `apply`, a dry run: {"people": [(id, name, archived on)], "applied": False}."""
    people = purgeable(retention_years)
    listed = [(p.id, p.full_name, p.archived_at.date().isoformat()) for p in people]
    if not apply:
        return {"people": listed, "applied": False}
    for person in people:
        _pseudonymise(person)
    db.session.flush()
    return {"people": listed, "applied": True}


def _pseudonymise(person: Person) -> None:
    for document in list(person.documents):
        remove_file(document)
        db.session.delete(document)
    db.session.execute(sa.delete(PersonCriterion).where(PersonCriterion.person_id == person.id))
    db.session.execute(sa.delete(PersonInsurance).where(PersonInsurance.person_id == person.id))
    # Health data: nothing accounting needs, erased whole.
    db.session.execute(sa.delete(ChildCare).where(ChildCare.person_id == person.id))
    account = db.session.scalar(sa.select(PortalAccount).where(
        PortalAccount.person_id == person.id))
    if account is not None:
        from app.services import portal_accounts

        portal_accounts.close_account(person)
    # The messages and e-mails they received carry their name, address and figures.
    db.session.execute(sa.update(MessageRecipient).where(MessageRecipient.person_id == person.id)
                       .values(subject=PSEUDONYM, body=""))
    db.session.execute(sa.update(OutgoingEmail).where(OutgoingEmail.person_id == person.id)
                       .values(recipient=PSEUDONYM, subject=PSEUDONYM, body_text="",
                               body_html=None, attachments=None))
    person.last_name, person.first_name = PSEUDONYM, f"#{person.id}"
    person.search_name = search_name(person.last_name, person.first_name)
    person.birth_date = None
    person.email = person.phone = person.mobile_phone = person.profession = person.notes = None
    for membership in person.memberships:
        home = membership.household
        if all(m.person.archived for m in home.memberships):
            home.name = f"{PSEUDONYM} #{home.id}"
            home.address_line = home.postal_code = home.city = None
    audit.record("pseudonymise", person, after={"archived_at": person.archived_at.isoformat()})


def _summary_pdf(data: dict) -> bytes:
    """The export's first page for the family: what is held, in words (resume.pdf)."""
    from flask import current_app, render_template
    from flask_babel import force_locale

    from app.models import School, SchoolClass, Service
    from app.pdf import html_to_pdf

    services = dict(db.session.execute(sa.select(Service.id, Service.name)).all())
    classes = {class_id: f"{school} — {name}" for class_id, name, school in db.session.execute(
        sa.select(SchoolClass.id, SchoolClass.name, School.name).join(School))}
    with force_locale("fr"):
        html = render_template("pdf/family_export.html", d=data, services=services,
                               classes=classes, town=current_app.config.get("TOWN_NAME") or "",
                               today=now_in_town().date())
    return html_to_pdf(html)
