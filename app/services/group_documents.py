"""Documents published on the portal to every family, or to the families of some schools,
classes or services (« Liste des documents » of the FAQ)."""
from dataclasses import asdict
from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _

from app.extensions import db
from app.models import Consent, GroupDocument
from app.models.portal import group_document_scope
from app.services import RuleViolation, audience, documents

SCOPE = group_document_scope


def _check(name, portal_from, portal_until) -> str:
    name = documents.checked_name(name)
    if len(name) > 150:
        raise RuleViolation(_("150 characters at most."), "name")
    documents.check_portal_dates(portal_from, portal_until)
    return name


def publish(upload, name, description, portal_from, portal_until, schools=(), classes=(),
            services=(), uploaded_by_id=None, everyone=None) -> GroupDocument:
    """Store the file (checked like every upload) and publish it between the two dates (either
    may be empty: open) to everyone, or to the schools, classes and services given."""
    name = _check(name, portal_from, portal_until)
    if everyone is None:
        everyone = not (schools or classes or services)
    document = GroupDocument(name=name, description=(description or "").strip() or None,
                             portal_from=portal_from, portal_until=portal_until,
                             uploaded_by_id=uploaded_by_id)
    audience.set_scope(document, everyone, schools, classes, services)
    stored = documents.store_upload(upload)
    for key, value in asdict(stored).items():
        setattr(document, key, value)
    db.session.add(document)
    db.session.flush()
    return document


def update(document: GroupDocument, name, description, portal_from, portal_until,
           everyone: bool, schools=(), classes=(), services=(), upload=None) -> GroupDocument:
    """Change what families see of the document; a new file, when given, replaces the old one
    (removed from the disk once the new one is stored)."""
    name = _check(name, portal_from, portal_until)
    audience.set_scope(document, everyone, schools, classes, services)
    old_file = None
    if upload is not None and getattr(upload, "filename", ""):
        stored = documents.store_upload(upload)
        old_file = documents.path_of(document)
        for key, value in asdict(stored).items():
            setattr(document, key, value)
    document.name = name
    document.description = (description or "").strip() or None
    document.portal_from, document.portal_until = portal_from, portal_until
    db.session.flush()
    if old_file:
        documents.remove_path(old_file)
    return document


def check_delete(document: GroupDocument) -> None:
    """A document that a consent shows to families is not deleted under it."""
    labels = db.session.scalars(sa.select(Consent.label).where(
        Consent.document_id == document.id).order_by(Consent.label)).all()
    if labels:
        raise RuleViolation(_("This document is linked to the consent “%(labels)s”: link "
                              "another document to it first.", labels="”, “".join(labels)))


def delete(document: GroupDocument) -> None:
    check_delete(document)
    db.session.delete(document)
    db.session.flush()
    documents.remove_file(document)


def published_on(day: date):
    """SQL: the document is on the portal on `day` (both dates included, empty: open)."""
    return sa.and_(sa.or_(GroupDocument.portal_from.is_(None), GroupDocument.portal_from <= day),
                   sa.or_(GroupDocument.portal_until.is_(None),
                          GroupDocument.portal_until >= day))


def visible_to(adult_id: int, today: date) -> list:
    """The group documents an adult sees on the portal today: published today, to everyone or
    to a school or class where one of their children is enrolled today, or to a service one of
    them is subscribed to today. One query, whatever the number of children."""
    return db.session.scalars(
        sa.select(GroupDocument).where(
            published_on(today),
            audience.reaches_children_of(SCOPE, GroupDocument.id, adult_id, today))
        .order_by(GroupDocument.name, GroupDocument.id)).all()
