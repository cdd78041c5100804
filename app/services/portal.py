"""What a parent reads on the portal, scoped to their own family in every query.

Each function takes the adult's id and answers only about them: their households, their
wards, the invoices they pay (as payer or co-payer) once displayable, their payments and
accounts, their documents and their children's. A record of another family is simply not
found (the portal answers 404). Lean queries: the portal stays fast on the deadline eve."""
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.models import (
    Consent, ConsentAcceptance, Document, Enrollment, Guardianship, Household, HouseholdMember,
    Invoice, InvoiceReminder, Payment, Regie, SchoolClass, Service, Subscription)
from app.services import billing
from app.services.calendar import now_in_town


def households_of(adult_id: int) -> list:
    """The adult's households with their members, in two queries."""
    return db.session.scalars(
        sa.select(Household).join(HouseholdMember)
        .where(HouseholdMember.person_id == adult_id).order_by(Household.name)
        .options(selectinload(Household.memberships).selectinload(HouseholdMember.person))
    ).unique().all()


def children_details(adult_id: int, today: date) -> list:
    """[(child, class or None, [service names])] of the adult's wards, today."""
    from app.services.portal_bookings import children_of

    children = children_of(adult_id)
    ids = [c.id for c in children]
    if not ids:
        return []
    classes = dict(db.session.execute(
        sa.select(Enrollment.person_id, SchoolClass)
        .join(SchoolClass, SchoolClass.id == Enrollment.school_class_id)
        .where(Enrollment.person_id.in_(ids), Enrollment.start_date <= today,
               sa.or_(Enrollment.end_date.is_(None), Enrollment.end_date >= today))
        .options(selectinload(SchoolClass.school))).all())
    services = {}
    for person_id, name in db.session.execute(
            sa.select(Subscription.person_id, Service.name).join(Service)
            .where(Subscription.person_id.in_(ids), Subscription.start_date <= today,
                   sa.or_(Subscription.end_date.is_(None), Subscription.end_date >= today))
            .order_by(Service.start_time, Service.name)):
        services.setdefault(person_id, []).append(name)
    return [(c, classes.get(c.id), services.get(c.id, [])) for c in children]


def _display_moment(now: datetime):
    """The town's now as the database compares it with `display_at`: aware on PostgreSQL,
    Paris wall-clock time on SQLite (where staff's dates are written without an offset)."""
    if db.engine.dialect.name == "sqlite":
        return now.replace(tzinfo=None)
    return now


def _invoices_query(adult_id: int):
    moment = _display_moment(now_in_town())
    return (sa.select(Invoice).where(
        sa.or_(Invoice.payer_id == adult_id, Invoice.co_payer_id == adult_id),
        Invoice.status.in_(["validated", "cancelled"]),
        sa.or_(Invoice.display_at.is_(None), Invoice.display_at <= moment)))


def invoices_of(adult_id: int) -> list:
    """[(invoice, Settlement, state)] the adult may read, newest first (five queries)."""
    invoices = db.session.scalars(_invoices_query(adult_id).options(
        selectinload(Invoice.regie)).order_by(Invoice.issue_date.desc(), Invoice.id.desc())).all()
    found = billing.settlements([i.id for i in invoices])
    return [(i, found[i.id], billing.state_of(i, *found[i.id])) for i in invoices]


def reminders_of(invoice_ids) -> dict:
    """{invoice id: [days it was reminded]} (one query)."""
    sent = {}
    if invoice_ids:
        for invoice_id, day in db.session.execute(
                sa.select(InvoiceReminder.invoice_id, InvoiceReminder.sent_on)
                .where(InvoiceReminder.invoice_id.in_(list(invoice_ids)))
                .order_by(InvoiceReminder.sent_on)):
            sent.setdefault(invoice_id, []).append(day)
    return sent


def invoice_of(adult_id: int, invoice_id: int):
    return db.session.scalar(_invoices_query(adult_id).where(Invoice.id == invoice_id))


def payments_of(adult_id: int) -> list:
    return db.session.scalars(
        sa.select(Payment).where(Payment.payer_id == adult_id)
        .options(selectinload(Payment.regie))
        .order_by(Payment.date.desc(), Payment.id.desc()).limit(200)).all()


def prepaid_regies_of(adult_id: int) -> list:
    """The prepaid régies whose services the adult's children are subscribed to: their
    account there shows even before its first movement."""
    from app.services.portal_bookings import children_of

    ids = [c.id for c in children_of(adult_id)]
    if not ids:
        return []
    return db.session.scalars(
        sa.select(Regie).join(Service, Service.regie_id == Regie.id)
        .join(Subscription, Subscription.service_id == Service.id)
        .where(Subscription.person_id.in_(ids), Regie.mode == "prepaid")
        .distinct().order_by(Regie.code)).all()


def _family_ids(adult_id: int) -> list:
    children = db.session.scalars(sa.select(Guardianship.child_id).where(
        Guardianship.adult_id == adult_id)).all()
    return [adult_id, *children]


def _documents_query(adult_id: int, today: date):
    return (sa.select(Document).where(
        Document.person_id.in_(_family_ids(adult_id)),
        sa.or_(Document.portal_from.is_not(None), Document.portal_until.is_not(None)),
        sa.or_(Document.portal_from.is_(None), Document.portal_from <= today),
        sa.or_(Document.portal_until.is_(None), Document.portal_until >= today)))


def documents_of(adult_id: int, today: date) -> list:
    """The family's own documents put on the portal by staff (a publication date set) and
    available today: the adult's and their children's."""
    return db.session.scalars(_documents_query(adult_id, today)
                              .options(selectinload(Document.person))
                              .order_by(Document.uploaded_at.desc())).all()


def document_of(adult_id: int, document_id: int, today: date):
    return db.session.scalar(_documents_query(adult_id, today).where(
        Document.id == document_id))


def accepted_consents(adult_id: int) -> list:
    """[(consent, accepted at)] the adult accepted, newest first."""
    return db.session.execute(
        sa.select(Consent, ConsentAcceptance.accepted_at)
        .join(ConsentAcceptance, ConsentAcceptance.consent_id == Consent.id)
        .where(ConsentAcceptance.adult_id == adult_id)
        .order_by(ConsentAcceptance.accepted_at.desc())).tuples().all()
