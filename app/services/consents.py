"""Consents (« Consentements »): what a parent must accept on the portal before booking for
the children a consent concerns, and the list staff read of who accepted what.

A consent concerns a child when it ticks nothing (every child), or ticks the school or class of
an enrollment of the child, or the service of a subscription of the child, not ended on the day
— an enrollment or a subscription starting later counts too, so that a family booking ahead
for a service opening next month is asked first."""
from datetime import date

import sqlalchemy as sa
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.models import Consent, ConsentAcceptance, GroupDocument, Guardianship, Person
from app.models.portal import consent_scope
from app.services import RuleViolation, audience
from app.services.calendar import now_in_town

SCOPE = consent_scope


def valid_on(day: date):
    """SQL: the consent is in force on `day` (both dates included)."""
    return sa.and_(Consent.valid_from <= day,
                   sa.or_(Consent.valid_until.is_(None), Consent.valid_until >= day))


def _concerns(consent_id, person_id, day: date):
    return sa.or_(audience.for_everyone(SCOPE, consent_id),
                  audience.reaches_person(SCOPE, consent_id, person_id, day, upcoming=True))


def _accepted_by(adult_id: int):
    return sa.exists().where(ConsentAcceptance.consent_id == Consent.id,
                             ConsentAcceptance.adult_id == adult_id)


def concerned_children(consent: Consent, child_ids, day: date) -> list:
    """Those of `child_ids` the consent concerns on `day`, by first name."""
    if not child_ids:
        return []
    return db.session.scalars(sa.select(Person).where(
        Person.id.in_(list(child_ids)), _concerns(consent.id, Person.id, day))
        .order_by(Person.first_name, Person.id)).all()


def missing_for_child(adult_id: int, child_id: int, today: date) -> list:
    """The consents in force today that concern this child and this adult has not accepted:
    the portal refuses the child's bookings until they are."""
    return db.session.scalars(sa.select(Consent).where(
        valid_on(today), ~_accepted_by(adult_id), _concerns(Consent.id, child_id, today))
        .order_by(Consent.valid_from, Consent.id)).all()


def pending_for(adult_id: int, today: date) -> list:
    """[(consent, [children it concerns])] of what this adult has still to accept, in one
    query over all their (unarchived) children."""
    rows = db.session.execute(
        sa.select(Consent, Person).select_from(Consent)
        .join(Guardianship, Guardianship.adult_id == adult_id)
        .join(Person, Person.id == Guardianship.child_id)
        .where(Person.archived_at.is_(None), valid_on(today), ~_accepted_by(adult_id),
               _concerns(Consent.id, Person.id, today))
        .order_by(Consent.valid_from, Consent.id, Person.first_name, Person.id)).all()
    pending = {}
    for consent, child in rows:
        pending.setdefault(consent, []).append(child)
    return list(pending.items())


def _children_of(adult_id: int) -> list:
    return db.session.scalars(sa.select(Guardianship.child_id).join(
        Person, Person.id == Guardianship.child_id).where(
        Guardianship.adult_id == adult_id, Person.archived_at.is_(None))).all()


def accept(adult_id: int, consent_id: int, today: date) -> ConsentAcceptance:
    """The adult accepts the consent for all their children it concerns. Accepting again
    changes nothing: the first date stays the one staff see."""
    consent = db.session.get(Consent, consent_id)
    if consent is None or consent.valid_from > today or (
            consent.valid_until is not None and consent.valid_until < today):
        raise RuleViolation(_("This consent cannot be accepted today."), "consent_id")
    existing = _acceptance(consent_id, adult_id)
    if existing is not None:
        return existing
    if not concerned_children(consent, _children_of(adult_id), today):
        raise RuleViolation(_("This consent does not concern your children."), "consent_id")
    acceptance = ConsentAcceptance(consent_id=consent_id, adult_id=adult_id,
                                   accepted_at=now_in_town())
    try:
        # Two tabs accepting at once: the second finds the first's row instead of failing.
        with db.session.begin_nested():
            db.session.add(acceptance)
    except IntegrityError:
        return _acceptance(consent_id, adult_id)
    return acceptance


def _acceptance(consent_id: int, adult_id: int):
    return db.session.scalar(sa.select(ConsentAcceptance).where(
        ConsentAcceptance.consent_id == consent_id, ConsentAcceptance.adult_id == adult_id))


def acceptances(consent_id: int) -> list:
    """Who accepted the consent (« liste des familles ayant validé un consentement »), by name,
    with their adult loaded."""
    return db.session.scalars(
        sa.select(ConsentAcceptance).join(Person, Person.id == ConsentAcceptance.adult_id)
        .where(ConsentAcceptance.consent_id == consent_id)
        .options(sa.orm.contains_eager(ConsentAcceptance.adult))
        .order_by(Person.last_name, Person.first_name, ConsentAcceptance.accepted_at)).all()


def listing() -> list:
    """[(consent, number of acceptances)] for the staff list, newest validity first."""
    count = (sa.select(sa.func.count(ConsentAcceptance.id))
             .where(ConsentAcceptance.consent_id == Consent.id).scalar_subquery())
    return db.session.execute(
        sa.select(Consent, count).options(
            sa.orm.selectinload(Consent.schools), sa.orm.selectinload(Consent.classes),
            sa.orm.selectinload(Consent.services), sa.orm.joinedload(Consent.document))
        .order_by(Consent.valid_from.desc(), Consent.id.desc())).tuples().all()


def save(consent, label, description, valid_from, valid_until, everyone, schools=(),
         classes=(), services=(), document: GroupDocument = None) -> Consent:
    """Create (`consent` None) or change a consent."""
    label = " ".join((label or "").split())
    if not label:
        raise RuleViolation(_("The label is required."), "label")
    if len(label) > 250:
        raise RuleViolation(_("250 characters at most."), "label")
    if valid_from is None:
        raise RuleViolation(_("Give the first day of validity."), "valid_from")
    audience.check_dates(valid_from, valid_until, "valid_until",
                         _("The end of validity must not be before its start."))
    consent = consent or Consent()
    with db.session.no_autoflush:
        audience.set_scope(consent, everyone, schools, classes, services)
    consent.label = label
    consent.description = (description or "").strip() or None
    consent.valid_from, consent.valid_until = valid_from, valid_until
    consent.document = document
    db.session.add(consent)
    db.session.flush()
    return consent


def check_delete(consent: Consent) -> None:
    """What families accepted stays on record: such a consent is ended, not deleted."""
    accepted = db.session.scalar(sa.select(sa.func.count(ConsentAcceptance.id)).where(
        ConsentAcceptance.consent_id == consent.id))
    if accepted:
        raise RuleViolation(ngettext(
            "%(num)s family already accepted this consent: set an end of validity instead of "
            "deleting it.",
            "%(num)s families already accepted this consent: set an end of validity instead "
            "of deleting it.", accepted))


def delete(consent: Consent) -> None:
    check_delete(consent)
    db.session.delete(consent)
    db.session.flush()
